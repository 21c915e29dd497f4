"""Celery entry point of retention: thin, one service call."""

from __future__ import annotations

import logging

from celery import shared_task

from cameras.models import Camera
from retention.services import PruneIncomplete, prune_storage

logger = logging.getLogger(__name__)


# hourly at :23 (beat "prune-storage"); cron: manage.py prune_storage
@shared_task(name="retention.prune_storage", soft_time_limit=1800, time_limit=1900)
def prune_storage_task(camera_id: str | None = None) -> dict:
    if camera_id is not None and not Camera.objects.filter(pk=camera_id).exists():
        logger.info("prune_storage: camera %s is gone or in the trash; nothing to do", camera_id)
        return {"files": 0, "bytes": 0, "rows": 0, "failures": 0}
    report = prune_storage(camera_id=camera_id)
    if report.failures:
        # The work that could be done is done and recorded; failing the task makes the run count
        # as failed for job liveness (/ready names "prune-storage: failed"), as the command's exit 1 does.
        raise PruneIncomplete("; ".join(report.failures[:10]))
    return {"files": report.files, "bytes": report.bytes, "rows": report.rows, "failures": 0}
