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

import io
import re

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from nem.text import has_control_characters

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


def _is_identifier(key: str) -> bool:
    return key in IDENTIFIER_KEYS or key.endswith(("_id", "_ids", "_token"))


def _refuse(path: str, message: str):
    raise exceptions.ValidationError({path or "body": [message]})


def _path(chain) -> str:
    parts = []
    while chain is not None:
        key, chain = chain
        parts.append(str(key))
    return ".".join(reversed(parts))


def check_body(data, *, max_depth: int, strings: bool = True) -> None:
    """Walk the parsed body without recursion: depth, and (with ``strings``) NUL anywhere and
    control characters in identifier fields. Paths are built only for an error."""
    stack = [(data, None, 1, False)]  # (value, (key, parent chain) or None, depth, identifier)
    containers = (dict, list)
    while stack:
        value, chain, depth, identifier = stack.pop()
        if depth > max_depth:
            _refuse(_path(chain), f"The body is nested deeper than {max_depth} levels")
        items = value.items() if type(value) is dict else enumerate(value)
        for key, item in items:
            kind = type(item)
            if kind in containers:
                is_id = _is_identifier(key) if type(key) is str else identifier
                stack.append((item, (key, chain), depth + 1, is_id))
            elif strings and kind is str:
                is_id = _is_identifier(key) if type(key) is str else identifier
                if "\x00" in item:
                    _refuse(_path((key, chain)), "Null characters are not allowed.")
                if is_id and has_control_characters(item):
                    _refuse(
                        _path((key, chain)),
                        "Control characters (tab, newline, escape...) are not allowed in an identifier",
                    )
            if strings and type(key) is str and "\x00" in key:
                _refuse(_path(chain), "Null characters are not allowed in keys.")


# The escapes a control character must be written as in a JSON string (the decoder refuses a raw one).
_ESCAPED_CONTROL = re.compile(rb"\\(?:u00[01][0-9a-fA-F]|u007[fF]|[btnfr])")


def nested_deeper(data, max_depth: int) -> bool:
    """Whether any container lies deeper than ``max_depth``: one pass, level by level, over the
    containers only."""
    level, depth = [data], 1
    while level:
        if depth > max_depth:
            return True
        below = []
        for container in level:
            for value in container.values() if type(container) is dict else container:
                kind = type(value)
                if kind is dict or kind is list:
                    below.append(value)
        level, depth = below, depth + 1
    return False


class StrictJSONParser(JSONParser):
    """Depth is checked on the decoded body in one pass over its containers (and only when it
    has more containers than the limit); the string rules walk the body only when the text holds
    an escape a control character could hide in, so an ordinary body pays one container pass."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        max_depth = settings.NEM_JSON_MAX_DEPTH
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            # The decoder ran out of stack first: far deeper than allowed.
            _refuse("body", f"The body is nested deeper than {max_depth} levels")
        if type(data) not in (dict, list):
            return data
        too_deep = raw.count(b"[") + raw.count(b"{") > max_depth and nested_deeper(data, max_depth)
        strings = _ESCAPED_CONTROL.search(raw) is not None
        if too_deep or strings:
            check_body(data, max_depth=max_depth, strings=strings)  # names the field
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
