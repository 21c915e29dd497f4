"""The shape of ``POST /api/detections``, checked without the database.

``ITEM_TABLE`` is the one description of a detection item: each field's type, bounds, whether it
is required, and its help text. It drives the check below and the published request schema
(``baselines.api.serializers.DetectionItemSerializer`` is generated from it), so the two cannot
disagree. Every item is checked and every bad field named (``detections.3.confidence``), so one
422 lists all the problems of a batch.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils import timezone

from nem.errors import InvalidInput

MAX_ITEMS = 1000
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
REQUIRED = "This field is required."
UNKNOWN = "is not a known field"

_CONTROL = re.compile("[\x00-\x1f\x7f]")
_INVALID = object()  # a parser's "no value" (None is a value: an absent optional field)


@dataclass(frozen=True)
class ItemField:
    """One field of a detection item. ``kind``: "string", "datetime" or "number"."""

    name: str
    kind: str
    required: bool
    help_text: str
    example: Any = None
    minimum: float | None = None  # numbers
    maximum: float | None = None  # numbers
    max_length: int | None = None  # strings (also refuses control characters)
    non_empty: bool = False  # strings: blank is refused
    lower: bool = False  # strings: stored stripped and lower-cased
    default: Any = None  # stored when the field is absent or null

    @property
    def message(self) -> str:
        """What the field accepts, as the 422 says it."""
        if self.kind == "datetime":
            return "must be an ISO 8601 date-time, e.g. 2026-01-23T12:00:00Z"
        if self.kind == "number":
            if self.minimum is not None and self.maximum is not None:
                return f"must be between {self.minimum:g} and {self.maximum:g}"
            if self.minimum is not None:
                return f"must be at least {self.minimum:g}"
            return "must be a number"
        text = "a non-empty string" if self.non_empty else "a string"
        if self.max_length is not None:
            text += f" of at most {self.max_length} characters, without control characters"
        return f"must be {text}"

    def parse(self, raw, now: dt.datetime) -> tuple[Any, str | None]:
        """``(value, None)`` or ``(_INVALID, message)`` for a raw JSON value that is not null."""
        if self.kind == "number":
            if type(raw) not in (float, int):  # bool is a subclass of int: refused
                return _INVALID, "must be a number"
            value = float(raw)
            if not math.isfinite(value):
                return _INVALID, "must be a finite number"
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                return _INVALID, self.message
            return value, None
        if type(raw) is not str:
            return _INVALID, self.message
        if self.kind == "datetime":
            try:
                moment = dt.datetime.fromisoformat(raw)
            except ValueError:
                return _INVALID, self.message
            if moment.tzinfo is None:
                return _INVALID, "must include a UTC offset, e.g. 2026-01-23T12:00:00Z"
            if moment > now + FUTURE_TOLERANCE:
                return _INVALID, "is in the future"
            return moment, None
        value = raw.strip().lower() if self.lower else raw
        if self.non_empty and not raw.strip():
            return _INVALID, self.message
        if self.max_length is not None and (len(value) > self.max_length or _CONTROL.search(value)):
            return _INVALID, self.message
        return value, None


ITEM_TABLE: tuple[ItemField, ...] = (
    ItemField(
        "camera_id", "string", True, "Id of a live camera (`GET /api/cameras`); an unknown or trashed one is a 422.",
        example="front_door", non_empty=True,
    ),
    ItemField(
        "detected_at", "datetime", True,
        "When the object was seen: ISO 8601 with a UTC offset, at most 5 minutes in the future.",
        example="2026-01-23T12:00:00Z",
    ),
    ItemField(
        "object_type", "string", True,
        "Object class, e.g. person or car; stored lower-cased (classes are case-insensitive).",
        example="person", max_length=64, non_empty=True, lower=True,
    ),
    ItemField(
        "confidence", "number", True, "The detector's confidence, 0 to 1.", example=0.91, minimum=0.0, maximum=1.0
    ),
    ItemField("bbox_x", "number", False, "Left edge of the bounding box, in pixels.", example=120),
    ItemField("bbox_y", "number", False, "Top edge of the bounding box, in pixels.", example=80),
    ItemField("bbox_width", "number", False, "Width of the bounding box, in pixels.", example=60, minimum=0.0),
    ItemField("bbox_height", "number", False, "Height of the bounding box, in pixels.", example=180, minimum=0.0),
    ItemField(
        "file_path", "string", False, "The image or video the detection was made on (stored as sent; empty if absent).",
        example="/export/foscam/front_door/snap_001.jpg", max_length=1000, default="",
    ),
)
ITEM_FIELDS = tuple(field.name for field in ITEM_TABLE)
_FIELD_SET = frozenset(ITEM_FIELDS)


class DetectionRow(NamedTuple):
    """One checked detection (a tuple: a batch builds a thousand of them), fields in table order."""

    camera_id: str
    detected_at: dt.datetime
    object_type: str
    confidence: float
    bbox_x: float | None = None
    bbox_y: float | None = None
    bbox_width: float | None = None
    bbox_height: float | None = None
    file_path: str = ""


assert DetectionRow._fields == ITEM_FIELDS  # noqa: S101 - the row is built positionally from the table


def _item(index: int, item, now: dt.datetime, errors: dict[str, list[str]]) -> DetectionRow | None:
    """One checked item, or None with its problems added to ``errors``."""
    prefix = f"detections.{index}"
    if type(item) is not dict:
        errors[prefix] = ["must be an object"]
        return None
    bad = False
    if not item.keys() <= _FIELD_SET:
        bad = True
        for name in sorted(set(item) - _FIELD_SET):
            errors[f"{prefix}.{name}"] = [UNKNOWN]
    values = []
    for field in ITEM_TABLE:
        raw = item.get(field.name)
        if raw is None:
            if field.required:
                errors[f"{prefix}.{field.name}"] = [REQUIRED]
                bad = True
            values.append(field.default)
            continue
        value, problem = field.parse(raw, now)
        if problem is not None:
            errors[f"{prefix}.{field.name}"] = [problem]
            bad = True
        values.append(value)
    return None if bad else DetectionRow(*values)


def detections_parse(*, payload, now: dt.datetime | None = None) -> list[DetectionRow]:
    """Check the shape of ``{"detections": [...]}`` without touching the database; 422 naming
    every bad item's field (``detections.3.confidence``)."""
    now = now or timezone.now()
    if not isinstance(payload, dict):
        raise InvalidInput({"body": ['must be an object like {"detections": [...]}']})
    errors: dict[str, list[str]] = {}
    for name in sorted(set(payload) - {"detections"}):
        errors[name] = [UNKNOWN]
    items = payload.get("detections")
    if items is None:
        errors["detections"] = [REQUIRED]
    elif not isinstance(items, list):
        errors["detections"] = ["must be a list"]
    elif not items:
        errors["detections"] = ["must contain at least one detection"]
    elif len(items) > MAX_ITEMS:
        errors["detections"] = [f"must contain at most {MAX_ITEMS} detections (got {len(items)})"]
    if errors:
        raise InvalidInput(errors)
    rows = [_item(index, item, now, errors) for index, item in enumerate(items)]
    if errors:
        raise InvalidInput(errors)
    return rows
