"""Detection ingest (``POST /api/detections``) and the events built from detections.

Ingest is all or nothing: every item is checked (shape first, then its camera under a row lock)
and a single bad item stores nothing. Events are kept right incrementally: adding detections can
only join episodes, never split one, so each batch merges its new points with the stored events
within ``NEM_EVENT_GAP_SECONDS`` of them. That holds whatever order detections arrive in.

Duplicates: a client that may retry sends an ``Idempotency-Key`` header. A retry with the same
key and payload answers the first result and stores nothing; the same key with another payload is
a 409. Without a key every item is a new detection: two detections of the same class at the same
instant are legitimate (two people in one frame), so there is no natural key to dedupe on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from psycopg.types.json import Jsonb
from rest_framework.exceptions import ValidationError

from baselines.models import Detection, DetectionBatch, Event
from cameras.models import Camera
from nem.errors import Conflict

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


@dataclass(frozen=True)
class IngestResult:
    created: int
    replayed: bool = False


@dataclass(frozen=True)
class DetectionRow:
    camera_id: str
    detected_at: dt.datetime
    object_type: str
    confidence: float
    bbox_x: float | None = None
    bbox_y: float | None = None
    bbox_width: float | None = None
    bbox_height: float | None = None
    file_path: str = ""


def _has_control(value: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in value)


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


def _item(index: int, item, now: dt.datetime, errors: dict[str, list[str]]) -> DetectionRow | None:
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
        raise ValidationError({"body": ['must be an object like {"detections": [...]}']})
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
        raise ValidationError(errors)
    rows = [_item(index, item, now, errors) for index, item in enumerate(items)]
    if errors:
        raise ValidationError(errors)
    return rows


def payload_digest(payload) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(prior: DetectionBatch, digest: str, key: str) -> IngestResult:
    if prior.payload_sha256 != digest:
        raise Conflict(
            f"Idempotency-Key '{key}' was already used for a different payload; "
            "send a new key for new detections."
        )
    return IngestResult(created=prior.created_count, replayed=True)


def detections_ingest(*, payload, idempotency_key: str | None = None, now: dt.datetime | None = None) -> IngestResult:
    """Store a bulk of detections, all or nothing, and fold them into events.

    1. Check the payload's shape (no database): 422 naming each bad item.
    2. With an idempotency key: a stored batch with that key answers (replay, or 409 if the
       payload differs). Otherwise claim the key with an insert; a concurrent twin request
       blocks on the unique index until the first commits, then replays its result.
    3. Lock the live cameras named (rows in ``id`` order, so two requests never deadlock); an
       unknown or trashed camera is a 422 for its items and rolls everything back. The lock also
       orders this against a concurrent trash of the camera and against another ingest's event
       merge for the same camera.
    4. Insert the detections and merge their events.
    """
    rows = detections_parse(payload=payload, now=now)
    digest = payload_digest(payload) if idempotency_key else ""
    with transaction.atomic():
        if idempotency_key:
            prior = DetectionBatch.objects.filter(key=idempotency_key).first()
            if prior is not None:
                return _replay(prior, digest, idempotency_key)
            try:
                with transaction.atomic():
                    DetectionBatch.objects.create(key=idempotency_key, payload_sha256=digest, created_count=len(rows))
            except IntegrityError:
                return _replay(DetectionBatch.objects.get(key=idempotency_key), digest, idempotency_key)
        wanted = {row.camera_id for row in rows}
        live = set(Camera.objects.select_for_update().filter(pk__in=wanted).order_by("pk").values_list("pk", flat=True))
        missing = {
            f"detections.{index}.camera_id": [f"Camera with id {row.camera_id} not found"]
            for index, row in enumerate(rows)
            if row.camera_id not in live
        }
        if missing:
            raise ValidationError(missing)
        detections_insert(rows=rows)
    return IngestResult(created=len(rows))


DETECTION_COLUMNS = ITEM_FIELDS[1:]


def _copy_rows(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """COPY rows into a table on PostgreSQL, inside the caller's transaction. Building 1,000 model
    instances and preparing their parameters costs more than the insert itself."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def detections_insert(*, rows: list[DetectionRow]) -> int:
    """Insert checked rows of live cameras and merge their events (caller holds the transaction
    and the camera locks). Also used by the demo seeder."""
    if connection.vendor == "postgresql":
        now = timezone.now()
        _copy_rows(
            Detection._meta.db_table,
            ("camera_id", *DETECTION_COLUMNS, "created_at", "deleted_by"),
            (
                (r.camera_id, r.detected_at, r.object_type, r.confidence, r.bbox_x, r.bbox_y, r.bbox_width,
                 r.bbox_height, r.file_path, now, "")
                for r in rows
            ),
        )
    else:
        Detection.objects.bulk_create(
            [
                Detection(
                    camera_id=row.camera_id,
                    detected_at=row.detected_at,
                    object_type=row.object_type,
                    confidence=row.confidence,
                    bbox_x=row.bbox_x,
                    bbox_y=row.bbox_y,
                    bbox_width=row.bbox_width,
                    bbox_height=row.bbox_height,
                    file_path=row.file_path,
                )
                for row in rows
            ],
            batch_size=MAX_ITEMS,
        )
    points: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for row in rows:
        points[row.camera_id].append((row.detected_at, row.object_type))
    events_merge(points_by_camera=points)
    return len(rows)


@dataclass
class _Episode:
    start: dt.datetime
    end: dt.datetime
    count: int
    types: set[str]
    event_ids: list[int]
    has_new: bool


def _episodes(items: Iterable[_Episode], gap: dt.timedelta) -> list[_Episode]:
    """Sweep intervals sorted by start, joining those less than ``gap`` apart."""
    merged: list[_Episode] = []
    for item in sorted(items, key=lambda e: e.start):
        last = merged[-1] if merged else None
        if last is not None and item.start - last.end < gap:
            last.end = max(last.end, item.end)
            last.count += item.count
            last.types |= item.types
            last.event_ids += item.event_ids
            last.has_new = last.has_new or item.has_new
        else:
            merged.append(_Episode(item.start, item.end, item.count, set(item.types), list(item.event_ids), item.has_new))
    return merged


def events_merge(*, points_by_camera: dict[str, list[tuple[dt.datetime, str]]]) -> None:
    """Fold new detections (camera -> [(detected_at, object_type)]) into the stored events.

    Loads, in one query, the events within the gap of each camera's new points, sweeps them with
    the points, and writes only the episodes that changed: the oldest event of a merged group is
    updated, the others it swallowed are deleted, and episodes of new points only are created.
    Four queries per batch, whatever the number of cameras.
    """
    gap = dt.timedelta(seconds=settings.NEM_EVENT_GAP_SECONDS)
    condition = Q()
    for camera_id, points in points_by_camera.items():
        times = [t for t, _ in points]
        condition |= Q(camera_id=camera_id, ended_at__gt=min(times) - gap, started_at__lt=max(times) + gap)
    stored: dict[str, list[_Episode]] = defaultdict(list)
    if condition:
        for event in Event.objects.filter(condition).only(
            "id", "camera_id", "started_at", "ended_at", "detection_count", "object_types"
        ):
            stored[event.camera_id].append(
                _Episode(event.started_at, event.ended_at, event.detection_count, set(event.object_types), [event.id], False)
            )
    to_create: list[Event] = []
    to_update: list[Event] = []
    to_delete: list[int] = []
    for camera_id, points in points_by_camera.items():
        fresh = (_Episode(t, t, 1, {kind}, [], True) for t, kind in points)
        for episode in _episodes([*stored[camera_id], *fresh], gap):
            if not episode.has_new:
                continue
            values = {
                "started_at": episode.start,
                "ended_at": episode.end,
                "detection_count": episode.count,
                "object_types": sorted(episode.types),
            }
            if episode.event_ids:
                keep, *swallowed = sorted(episode.event_ids)
                to_update.append(Event(id=keep, camera_id=camera_id, **values))
                to_delete += swallowed
            else:
                to_create.append(Event(camera_id=camera_id, **values))
    if to_delete:
        Event.all_objects.filter(pk__in=to_delete).delete()
    if to_update:
        Event.objects.bulk_update(to_update, ["started_at", "ended_at", "detection_count", "object_types"])
    if to_create and connection.vendor == "postgresql":
        _copy_rows(
            Event._meta.db_table,
            ("camera_id", "started_at", "ended_at", "detection_count", "object_types", "deleted_by"),
            ((e.camera_id, e.started_at, e.ended_at, e.detection_count, Jsonb(e.object_types), "") for e in to_create),
        )
    elif to_create:
        Event.objects.bulk_create(to_create, batch_size=MAX_ITEMS)


def detection_batches_prune(*, now: dt.datetime | None = None) -> int:
    """Forget idempotency keys older than NEM_DETECTION_IDEMPOTENCY_HOURS."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.NEM_DETECTION_IDEMPOTENCY_HOURS)
    return DetectionBatch.objects.filter(created_at__lt=cutoff).delete()[0]
