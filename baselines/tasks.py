"""Celery entry points of the baselines app: thin, id-taking, one service call each.

Without a camera id a task fans out one task per live camera, so several workers share the
hourly load and one slow camera does not hold up the rest. The services re-check that the camera
is live and hold the per-camera single-flight claim.
"""

from __future__ import annotations

import logging

from celery import shared_task

from baselines import services
from cameras.models import Camera

logger = logging.getLogger(__name__)


def _live_ids() -> list[str]:
    return list(Camera.objects.order_by("pk").values_list("pk", flat=True))


# hourly (beat "recompute-baselines"); cron: manage.py recompute_baselines
@shared_task(name="baselines.recompute", soft_time_limit=600, time_limit=660)
def recompute_task(camera_id: str | None = None) -> None:
    if camera_id is None:
        services.detection_batches_prune()
        for live_id in _live_ids():
            recompute_task.delay(live_id)
        return
    result = services.baseline_recompute(camera_id=camera_id)
    if result.skipped:
        logger.info("baselines.recompute camera=%s skipped (%s)", camera_id, result.skipped)


# hourly (beat "detect-anomalies"); cron: manage.py detect_anomalies
@shared_task(name="baselines.detect_anomalies", soft_time_limit=300, time_limit=360)
def detect_anomalies_task(camera_id: str | None = None) -> None:
    if camera_id is None:
        for live_id in _live_ids():
            detect_anomalies_task.delay(live_id)
        return
    result = services.anomaly_detect(camera_id=camera_id)
    if result.skipped:
        logger.info("baselines.detect_anomalies camera=%s skipped (%s)", camera_id, result.skipped)
