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
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from baselines.models import Detection, DetectionBatch, Event
from baselines.services.anomalies import absences_disproved
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


def _copy_field(value) -> str:
    """One value in COPY's text format: NULL as \\N, backslash and separators escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return repr(value)


def _copy_rows(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """COPY rows into a table on PostgreSQL, inside the caller's transaction, formatted here as
    one text buffer: building 1,000 model instances and preparing their parameters costs more
    than the insert itself, and psycopg's per-row ``write_row`` costs about as much again."""
    _copy_text(table, columns, "".join("\t".join(map(_copy_field, row)) + "\n" for row in rows))


def _copy_text(table: str, columns: tuple[str, ...], text: str) -> None:
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(text.encode())


def _text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return _copy_field(value)
    return value


def _detection_line(row: DetectionRow) -> str:
    """A detection row's columns up to file_path in COPY text format (the hot path of ingest:
    one f-string per row rather than one call per value)."""
    camera_id, at, kind, confidence, x, y, width, height, file_path = row
    if x is None or y is None or width is None or height is None:
        x, y, width, height = (_copy_field(v) for v in (x, y, width, height))
    return (
        f"{_text(camera_id)}\t{at.isoformat()}\t{_text(kind)}\t{confidence!r}\t{x!s}\t{y!s}\t{width!s}\t"
        f"{height!s}\t{_text(file_path)}"
    )


def detections_insert(*, rows: list[DetectionRow]) -> int:
    """Insert checked rows of live cameras and merge their events (caller holds the transaction
    and the camera locks). Also used by the demo seeder."""
    if connection.vendor == "postgresql":
        now = timezone.now()
        tail = f"\t{now.isoformat()}\t\n"
        _copy_text(
            Detection._meta.db_table,
            ("camera_id", *DETECTION_COLUMNS, "created_at", "deleted_by"),
            "".join(_detection_line(row) + tail for row in rows),
        )
    else:
        Detection.objects.bulk_create(
            [Detection(**row._asdict()) for row in rows],
            batch_size=MAX_ITEMS,
        )
    points: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for row in rows:
        points[row.camera_id].append((row.detected_at, row.object_type))
    events_merge(points_by_camera=points)
    absences_disproved(points_by_camera=points)
    return len(rows)


@dataclass
class _Episode:
    start: dt.datetime
    end: dt.datetime
    count: int
    types: set[str]
    event_ids: list[int]
    has_new: bool


def _episodes(stored: list[tuple], points: list[tuple[dt.datetime, str]], gap: dt.timedelta) -> list[_Episode]:
    """Sweep stored events ``(start, end, count, types, id)`` and new points ``(at, class)`` by
    start, joining those less than ``gap`` apart; only episodes with a new point are returned.
    Points are plain tuples until they join an episode (a batch has a thousand of them)."""
    items = sorted([*stored, *((t, t, 1, (kind,), None) for t, kind in points)], key=itemgetter(0))
    merged: list[_Episode] = []
    last = None
    for start, end, count, types, event_id in items:
        if last is not None and start - last.end < gap:
            if end > last.end:
                last.end = end
            last.count += count
            last.types.update(types)
            if event_id is None:
                last.has_new = True
            else:
                last.event_ids.append(event_id)
        else:
            last = _Episode(start, end, count, set(types), [] if event_id is None else [event_id], event_id is None)
            merged.append(last)
    return [episode for episode in merged if episode.has_new]


def _events_near(windows: dict[str, tuple[dt.datetime, dt.datetime]]) -> Iterable[tuple]:
    """Stored events of each camera reaching into its window [lo, hi): (id, camera_id,
    started_at, ended_at, detection_count, object_types), possibly with a few more (harmless: the
    sweep leaves events no new point joins untouched).

    On PostgreSQL: a camera's events are disjoint (the merge keeps them a gap apart), so ordering
    them by start orders them by end too, and the events reaching into [lo, hi) are those starting
    in it plus the last one starting before it: two bounded ranges of the (camera, started_at)
    index, where "ended_at > lo AND started_at < hi" scans the camera's whole history before hi
    (ingest slowed down linearly with the events table).
    """
    if not windows:
        return []
    if connection.vendor != "postgresql":
        condition = Q(
            *(Q(camera_id=camera_id, ended_at__gt=lo, started_at__lt=hi) for camera_id, (lo, hi) in windows.items()),
            _connector=Q.OR,
        )
        return Event.objects.filter(condition).values_list(
            "id", "camera_id", "started_at", "ended_at", "detection_count", "object_types"
        )
    columns = "e.id, e.camera_id, e.started_at, e.ended_at, e.detection_count, e.object_types"
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT e.* FROM unnest(%s::text[], %s::timestamptz[], %s::timestamptz[]) AS w(camera_id, lo, hi)
            CROSS JOIN LATERAL (
                (SELECT {columns} FROM {table} e
                 WHERE e.camera_id = w.camera_id AND e.started_at < w.lo AND e.deleted_at IS NULL
                 ORDER BY e.started_at DESC LIMIT 1)
                UNION ALL
                (SELECT {columns} FROM {table} e
                 WHERE e.camera_id = w.camera_id AND e.started_at >= w.lo AND e.started_at < w.hi
                   AND e.deleted_at IS NULL)
            ) AS e
            """,
            [list(windows), [lo for lo, _ in windows.values()], [hi for _, hi in windows.values()]],
        )
        # Django loads jsonb as text (JSONField parses it); so does a raw cursor.
        return [(*row[:5], json.loads(row[5])) for row in cursor.fetchall()]


def events_merge(*, points_by_camera: dict[str, list[tuple[dt.datetime, str]]]) -> None:
    """Fold new detections (camera -> [(detected_at, object_type)]) into the stored events.

    Loads, in one query, the events within the gap of each camera's new points, sweeps them with
    the points, and writes only the episodes that changed: the oldest event of a merged group is
    updated, the others it swallowed are deleted, and episodes of new points only are created.
    Four queries per batch, whatever the number of cameras.
    """
    gap = dt.timedelta(seconds=settings.NEM_EVENT_GAP_SECONDS)
    windows = {}
    for camera_id, points in points_by_camera.items():
        times = [t for t, _ in points]
        windows[camera_id] = (min(times) - gap, max(times) + gap)
    stored: dict[str, list[tuple]] = defaultdict(list)
    for event_id, camera_id, started_at, ended_at, count, types in _events_near(windows):
        stored[camera_id].append((started_at, ended_at, count, types, event_id))
    to_create: list[tuple] = []  # (camera_id, started_at, ended_at, detection_count, object_types)
    to_update: list[Event] = []
    to_delete: list[int] = []
    for camera_id, points in points_by_camera.items():
        for episode in _episodes(stored[camera_id], points, gap):
            types = sorted(episode.types)
            if episode.event_ids:
                keep, *swallowed = sorted(episode.event_ids)
                to_update.append(
                    Event(
                        id=keep, camera_id=camera_id, started_at=episode.start, ended_at=episode.end,
                        detection_count=episode.count, object_types=types,
                    )
                )
                to_delete += swallowed
            else:
                to_create.append((camera_id, episode.start, episode.end, episode.count, types))
    if to_delete:
        Event.all_objects.filter(pk__in=to_delete).delete()
    if to_update:
        # Small batches: bulk_update's CASE has one branch per row, so one statement for n rows
        # costs n x n comparisons (a re-sent hour of detections updates hundreds of events).
        Event.objects.bulk_update(
            to_update, ["started_at", "ended_at", "detection_count", "object_types"], batch_size=50
        )
    if to_create and connection.vendor == "postgresql":
        as_json: dict[tuple, str] = {}
        lines = []
        for camera_id, start, end, count, types in to_create:
            key = tuple(types)
            text = as_json.get(key)
            if text is None:
                text = as_json[key] = _copy_field(json.dumps(types))
            lines.append(f"{_text(camera_id)}\t{start.isoformat()}\t{end.isoformat()}\t{count}\t{text}\t\n")
        _copy_text(
            Event._meta.db_table,
            ("camera_id", "started_at", "ended_at", "detection_count", "object_types", "deleted_by"),
            "".join(lines),
        )
    elif to_create:
        Event.objects.bulk_create(
            [
                Event(camera_id=camera_id, started_at=start, ended_at=end, detection_count=count, object_types=types)
                for camera_id, start, end, count, types in to_create
            ],
            batch_size=MAX_ITEMS,
        )


def detection_batches_prune(*, now: dt.datetime | None = None) -> int:
    """Forget idempotency keys older than NEM_DETECTION_IDEMPOTENCY_HOURS."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.NEM_DETECTION_IDEMPOTENCY_HOURS)
    return DetectionBatch.objects.filter(created_at__lt=cutoff).delete()[0]
