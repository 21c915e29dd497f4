"""Detection ingest (``POST /api/detections``) and the events built from detections.

Ingest is all or nothing: every item is checked (shape first, ``ingest_validation``, then its
camera under a row lock) and a single bad item stores nothing. The rows are inserted (COPY on
PostgreSQL, ``bulk_copy``) and folded into events (``events``).

Duplicates: a client that may retry sends an ``Idempotency-Key`` header. A retry with the same
key and payload answers the first result and stores nothing; the same key with another payload is
a 409. Without a key every item is a new detection: two detections of the same class at the same
instant are legitimate (two people in one frame), so there is no natural key to dedupe on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from baselines.models import Detection, DetectionBatch
from baselines.services.anomalies import absences_disproved
from baselines.services.bulk_copy import copy_text, detection_line
from baselines.services.events import events_merge
from baselines.services.ingest_validation import ITEM_FIELDS, MAX_ITEMS, DetectionRow, detections_parse
from cameras.models import Camera
from nem.errors import Conflict, InvalidInput


@dataclass(frozen=True)
class IngestResult:
    created: int
    replayed: bool = False


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
            raise InvalidInput(missing)
        detections_insert(rows=rows)
    return IngestResult(created=len(rows))


DETECTION_COLUMNS = ITEM_FIELDS[1:]


def detections_insert(*, rows: list[DetectionRow]) -> int:
    """Insert checked rows of live cameras and merge their events (caller holds the transaction
    and the camera locks). Also used by the demo seeder."""
    if connection.vendor == "postgresql":
        now = timezone.now()
        tail = f"\t{now.isoformat()}\t\n"
        copy_text(
            Detection._meta.db_table,
            ("camera_id", *DETECTION_COLUMNS, "created_at", "deleted_by"),
            "".join(detection_line(row) + tail for row in rows),
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


def detection_batches_prune(*, now: dt.datetime | None = None) -> int:
    """Forget idempotency keys older than NEM_DETECTION_IDEMPOTENCY_HOURS."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.NEM_DETECTION_IDEMPOTENCY_HOURS)
    return DetectionBatch.objects.filter(created_at__lt=cutoff).delete()[0]
