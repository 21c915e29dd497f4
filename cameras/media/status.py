"""Camera status from what ingestion saw: ``error`` when the folder or the stream is broken,
``offline`` after ``NEM_STATUS_OFFLINE_AFTER_SECONDS`` without media, ``online`` otherwise.

The scanner and the frame grabber re-evaluate the cameras they touched, so ``online`` follows
arriving media at once; the periodic check catches silence and folders that broke meanwhile.
An app that judges more signals registers its evaluator (``register_status_evaluator``; the
``health`` app does, and derives the status from its verdict), and every one of these
re-evaluations goes through it instead of the rule here.
Every transition goes through ``camera_status_set``: a conditional UPDATE on the old value (a
concurrent API PATCH wins over a stale evaluation, never the reverse) that sends
``camera_status_changed`` inside its transaction; the camera list is invalidated once per run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from cameras.cache import camera_list_batch
from cameras.media.paths import MISSING, folder_check
from cameras.models import Camera, CameraStatus, IngestionMode, IngestionRecord
from cameras.services import camera_status_set

logger = logging.getLogger(__name__)

STREAMING_MODES = (IngestionMode.RTSP, IngestionMode.ONVIF)


@dataclass
class StatusReport:
    checked: int = 0
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)


# An app that derives the status from more signals (``health``) registers its evaluator here, so
# the scanner, the grabber and ``check_camera_status`` all go through it without importing it.
StatusEvaluator = Callable[..., StatusReport]
_evaluator: StatusEvaluator | None = None


def register_status_evaluator(evaluator: StatusEvaluator | None) -> None:
    """``evaluator(camera_ids=..., now=..., invalidate=...) -> StatusReport`` replaces the rule
    below in ``camera_status_check``; it must set statuses through ``camera_status_set``."""
    global _evaluator
    _evaluator = evaluator


def camera_ingestion_problem(*, camera: Camera, record: IngestionRecord | None) -> str:
    """Why ingestion cannot work for this camera now ("folder: ..." or "stream: ..."), or ""."""
    check = folder_check(camera.folder_path)
    streaming = camera.ingestion_mode in STREAMING_MODES
    # A streaming camera's folder is created by its first grab; for ftp a missing folder means
    # uploads cannot be arriving.
    if check.problem and not (streaming and check.problem == MISSING):
        return f"folder: {check.problem}"
    if streaming and record is not None and record.last_error_at is not None:
        if record.last_grab_ok_at is None or record.last_error_at >= record.last_grab_ok_at:
            return f"stream: {record.last_error}"
    return ""


def camera_status_evaluate(*, camera: Camera, record: IngestionRecord | None, now: dt.datetime) -> tuple[str, str]:
    """The status the camera should have now, and why (for the log), from ingestion alone."""
    problem = camera_ingestion_problem(camera=camera, record=record)
    if problem:
        return CameraStatus.ERROR, problem
    reference = camera.last_seen_at or camera.created_at
    silence = (now - reference).total_seconds()
    if silence > settings.NEM_STATUS_OFFLINE_AFTER_SECONDS:
        return CameraStatus.OFFLINE, f"no media for {int(silence)} s"
    return CameraStatus.ONLINE, "media arriving"


def camera_status_check(
    *, camera_ids: list[str] | None = None, now: dt.datetime | None = None, invalidate: bool = True
) -> StatusReport:
    """Re-evaluate the status of every live camera (or the given ones) and store the changes,
    through the registered evaluator if an app registered one. The camera list is invalidated
    once, at the end; ``invalidate`` is accepted for existing callers and has no effect."""
    now = now or timezone.now()
    with camera_list_batch():
        if _evaluator is not None:  # the batch invalidates for it
            return _evaluator(camera_ids=camera_ids, now=now, invalidate=False)
        return _status_check(camera_ids=camera_ids, now=now)


def _status_check(*, camera_ids: list[str] | None, now: dt.datetime) -> StatusReport:
    cameras = Camera.objects.select_related("ingestion_record").order_by("id")
    if camera_ids is not None:
        cameras = cameras.filter(pk__in=camera_ids)
    report = StatusReport()
    for camera in cameras:
        report.checked += 1
        try:
            record = camera.ingestion_record
        except IngestionRecord.DoesNotExist:
            record = None
        new, reason = camera_status_evaluate(camera=camera, record=record, now=now)
        if new == camera.status:
            continue
        if camera_status_set(
            camera_id=camera.pk, previous=camera.status, status=new, at=now, detail=reason, invalidate=False
        ):
            report.changes[camera.pk] = (camera.status, new)
    return report
