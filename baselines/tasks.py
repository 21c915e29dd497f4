"""Celery entry points of the baselines app: thin, id-taking, one service call each.

Without a camera id a task fans out one task per live camera, so several workers share the
hourly load and one slow camera does not hold up the rest. The services re-check that the camera
is live and hold the per-camera single-flight claim.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

from baselines import services
from cameras.models import Camera

logger = logging.getLogger(__name__)


def _live_ids() -> list[str]:
    return list(Camera.objects.order_by("pk").values_list("pk", flat=True))


# Both tasks are idempotent (a rebuild from raw data; anomalies unique per hour), so a message is
# acknowledged only once the work is done, and a worker that dies mid-task hands it back.
IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


def _redelivered(task) -> bool:
    return bool((task.request.delivery_info or {}).get("redelivered"))


# hourly (beat "recompute-baselines"); cron: manage.py recompute_baselines
@shared_task(bind=True, name="baselines.recompute", soft_time_limit=600, time_limit=660, **IDEMPOTENT)
def recompute_task(self, camera_id: str | None = None) -> None:
    if camera_id is None:
        services.detection_batches_prune()
        for live_id in _live_ids():
            recompute_task.delay(live_id)
        return
    # A redelivered message means the worker that held the camera's claim died: take the claim over
    # instead of waiting for it to go stale.
    result = services.baseline_recompute(camera_id=camera_id, take_over=_redelivered(self))
    if result.skipped:
        logger.info("baselines.recompute camera=%s skipped (%s)", camera_id, result.skipped)


# hourly (beat "detect-anomalies"); cron: manage.py detect_anomalies
@shared_task(bind=True, name="baselines.detect_anomalies", soft_time_limit=300, time_limit=360, **IDEMPOTENT)
def detect_anomalies_task(self, camera_id: str | None = None, until: str | None = None, hours: int = 1) -> None:
    """``until`` (ISO 8601) and ``hours``: judge those hours again (what is left of a withdrawn absence)."""
    if camera_id is None:
        for live_id in _live_ids():
            detect_anomalies_task.delay(live_id)
        return
    end = dt.datetime.fromisoformat(until) if until else None
    result = services.anomaly_detect(camera_id=camera_id, until=end, hours=hours)
    if result.skipped:
        logger.info("baselines.detect_anomalies camera=%s skipped (%s)", camera_id, result.skipped)
