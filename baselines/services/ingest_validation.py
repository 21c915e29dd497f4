"""The shape of ``POST /api/detections``, checked without the database.

Every item is checked and every bad field named (``detections.3.confidence``), so one 422
lists all the problems of a batch.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import NamedTuple

from django.utils import timezone

from nem.errors import InvalidInput

MAX_ITEMS = 1000
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
ITEM_FIELDS = (
    "camera_id",
    "detected_at",
    "object_type",
    "confidence",
    "bbox_x",
    "bbox_y",
    "bbox_width",
    "bbox_height",
    "file_path",
)
_REQUIRED = "This field is required."


class DetectionRow(NamedTuple):
    """One checked detection (a tuple: a batch builds a thousand of them)."""

    camera_id: str
    detected_at: dt.datetime
    object_type: str
    confidence: float
    bbox_x: float | None = None
    bbox_y: float | None = None
    bbox_width: float | None = None
    bbox_height: float | None = None
    file_path: str = ""


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def _number(value, *, lo: float | None = None, hi: float | None = None) -> tuple[float | None, str | None]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, "must be a number"
    value = float(value)
    if not math.isfinite(value):
        return None, "must be a finite number"
    if lo is not None and value < lo:
        return None, f"must be at least {lo:g}" if hi is None else f"must be between {lo:g} and {hi:g}"
    if hi is not None and value > hi:
        return None, f"must be between {lo:g} and {hi:g}"
    return value, None


_FIELD_SET = frozenset(ITEM_FIELDS)
_BBOX = ("bbox_x", "bbox_y", "bbox_width", "bbox_height")


def _item(index: int, item, now: dt.datetime, errors: dict[str, list[str]]) -> DetectionRow | None:
    """One checked item, or None with its problems added to ``errors``. The well-formed item
    (the bulk of every batch) takes a short path of plain type checks; anything unusual goes
    through ``_item_errors`` for the precise messages."""
    if type(item) is dict and item.keys() <= _FIELD_SET:
        camera_id = item.get("camera_id")
        detected_at = item.get("detected_at")
        object_type = item.get("object_type")
        confidence = item.get("confidence")
        file_path = item.get("file_path")
        if (
            type(camera_id) is str
            and camera_id.strip()
            and type(detected_at) is str
            and type(object_type) is str
            and type(confidence) in (float, int)
            and 0.0 <= confidence <= 1.0
            and (file_path is None or (type(file_path) is str and len(file_path) <= 1000 and not _has_control(file_path)))
        ):
            try:
                moment = dt.datetime.fromisoformat(detected_at)
            except ValueError:
                moment = None
            kind = object_type.strip().lower()
            bbox = [item.get(name) for name in _BBOX]
            if (
                moment is not None
                and moment.tzinfo is not None
                and moment <= now + FUTURE_TOLERANCE
                and kind
                and len(kind) <= 64
                and not _has_control(kind)
                and all(v is None or (type(v) in (float, int) and math.isfinite(v)) for v in bbox)
                and (bbox[2] is None or bbox[2] >= 0)
                and (bbox[3] is None or bbox[3] >= 0)
            ):
                return DetectionRow(
                    camera_id, moment, kind, float(confidence),
                    *(None if v is None else float(v) for v in bbox),
                    file_path or "",
                )
    return _item_errors(index, item, now, errors)


def _item_errors(index: int, item, now: dt.datetime, errors: dict[str, list[str]]) -> DetectionRow | None:
    prefix = f"detections.{index}"
    if not isinstance(item, dict):
        errors[prefix] = ["must be an object"]
        return None
    before = len(errors)
    for name in sorted(set(item) - set(ITEM_FIELDS)):
        errors[f"{prefix}.{name}"] = ["is not a known field"]

    camera_id = item.get("camera_id")
    if camera_id is None:
        errors[f"{prefix}.camera_id"] = [_REQUIRED]
    elif not isinstance(camera_id, str) or not camera_id.strip():
        errors[f"{prefix}.camera_id"] = ["must be a non-empty string"]

    detected_at = item.get("detected_at")
    if detected_at is None:
        errors[f"{prefix}.detected_at"] = [_REQUIRED]
    else:
        try:
            detected_at = dt.datetime.fromisoformat(detected_at) if isinstance(detected_at, str) else None
        except ValueError:
            detected_at = None
        if detected_at is None:
            errors[f"{prefix}.detected_at"] = ["must be an ISO 8601 date-time, e.g. 2026-01-23T12:00:00Z"]
        elif detected_at.tzinfo is None:
            errors[f"{prefix}.detected_at"] = ["must include a UTC offset, e.g. 2026-01-23T12:00:00Z"]
        elif detected_at > now + FUTURE_TOLERANCE:
            errors[f"{prefix}.detected_at"] = ["is in the future"]

    object_type = item.get("object_type")
    if object_type is None:
        errors[f"{prefix}.object_type"] = [_REQUIRED]
    elif not isinstance(object_type, str) or not object_type.strip():
        errors[f"{prefix}.object_type"] = ["must be a non-empty string"]
    else:
        # Classes are case-insensitive ("Person" and "person" are one class).
        object_type = object_type.strip().lower()
        if len(object_type) > 64 or _has_control(object_type):
            errors[f"{prefix}.object_type"] = ["must be at most 64 characters, without control characters"]

    confidence = item.get("confidence")
    if confidence is None:
        errors[f"{prefix}.confidence"] = [_REQUIRED]
    else:
        confidence, problem = _number(confidence, lo=0.0, hi=1.0)
        if problem:
            errors[f"{prefix}.confidence"] = [problem]

    bbox = {}
    for name in ("bbox_x", "bbox_y", "bbox_width", "bbox_height"):
        raw = item.get(name)
        if raw is None:
            bbox[name] = None
            continue
        bbox[name], problem = _number(raw, lo=0.0 if name in ("bbox_width", "bbox_height") else None)
        if problem:
            errors[f"{prefix}.{name}"] = [problem]

    file_path = item.get("file_path")
    if file_path is None:
        file_path = ""
    elif not isinstance(file_path, str) or len(file_path) > 1000 or _has_control(file_path):
        errors[f"{prefix}.file_path"] = ["must be a string of at most 1000 characters, without control characters"]

    if len(errors) > before:
        return None
    return DetectionRow(
        camera_id=camera_id,
        detected_at=detected_at,
        object_type=object_type,
        confidence=confidence,
        file_path=file_path,
        **bbox,
    )


def detections_parse(*, payload, now: dt.datetime | None = None) -> list[DetectionRow]:
    """Check the shape of ``{"detections": [...]}`` without touching the database; 422 naming
    every bad item's field (``detections.3.confidence``)."""
    now = now or timezone.now()
    if not isinstance(payload, dict):
        raise InvalidInput({"body": ['must be an object like {"detections": [...]}']})
    errors: dict[str, list[str]] = {}
    for name in sorted(set(payload) - {"detections"}):
        errors[name] = ["is not a known field"]
    items = payload.get("detections")
    if items is None:
        errors["detections"] = [_REQUIRED]
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
