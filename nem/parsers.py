"""The JSON parser every API view uses: DRF's, plus the rules every body follows.

- Nesting deeper than ``NEM_JSON_MAX_DEPTH`` is a 422 (``[`` x 50,000 used to end in a
  ``RecursionError``, a 500, on every JSON endpoint).
- Control characters are refused in every identifier field of every body, by one rule here
  rather than in each serializer: a key named ``id``, ending in ``_id``/``_ids``/``_token``, or
  listed in ``IDENTIFIER_KEYS``. NUL is refused in every string and key (PostgreSQL cannot store
  it, so it used to be a 500 there).

Both answer a 422 problem naming the field by its path (``detections.3.camera_id``).
"""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

# Fields that name things (ids, tokens, account names), besides the *_id pattern. A camera's name
# and folder_path refuse control characters in their own validators, with their own messages.
IDENTIFIER_KEYS = frozenset(
    {
        "id",
        "object_type",
        "token",
        "subnet",
        "username",
        "rtsp_username",
        "rtsp_url",
        "onvif_url",
        "timezone",
        "command",
        "stream_profile",
        "ingestion_mode",
        "status",
    }
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _is_identifier(key: str) -> bool:
    return key in IDENTIFIER_KEYS or key.endswith(("_id", "_ids", "_token"))


def _refuse(path: str, message: str):
    raise exceptions.ValidationError({path or "body": [message]})


def check_body(data, *, max_depth: int) -> None:
    """Walk the parsed body without recursion: depth, NUL anywhere, control characters in
    identifier fields."""
    stack = [(data, "", 1, False)]
    while stack:
        value, path, depth, identifier = stack.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                _refuse(path, f"The body is nested deeper than {max_depth} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    _refuse(path, "Null characters are not allowed in keys.")
                child = f"{path}.{key}" if path else str(key)
                is_id = _is_identifier(key) if isinstance(key, str) else identifier
                stack.append((item, child, depth + 1, is_id))
        elif isinstance(value, str):
            if "\x00" in value:
                _refuse(path, "Null characters are not allowed.")
            if identifier and _CONTROL.search(value):
                _refuse(path, "Control characters (tab, newline, escape...) are not allowed in an identifier")


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # The decoder gave up before our own limit could: far deeper than allowed.
            _refuse("body", f"The body is nested deeper than {settings.NEM_JSON_MAX_DEPTH} levels")
        check_body(data, max_depth=settings.NEM_JSON_MAX_DEPTH)
        return data


def _check_form(data) -> None:
    # Form fields are flat lists of strings: judge each value under its field's name.
    for key, values in data.lists():
        check_body({key: values[0] if len(values) == 1 else values}, max_depth=settings.NEM_JSON_MAX_DEPTH)


class StrictFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class StrictMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _check_form(parsed.data)
        return parsed
