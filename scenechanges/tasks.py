"""Celery entry points of the scene-change app: thin, id-taking, one service call each. They run
on the "scenechanges" queue (CELERY_TASK_ROUTES), so comparisons never starve other work."""

from __future__ import annotations

import logging

from celery import shared_task

from cameras.models import Camera
from scenechanges import services

logger = logging.getLogger(__name__)


# on each new frame (frame_arrived); cron twin: manage.py detect_scene_changes
@shared_task(name="scenechanges.compare", soft_time_limit=60, time_limit=90, acks_late=True)
def compare_task(camera_id: str, path: str) -> str:
    """Idempotent: a frame already compared (or older than the last one) is skipped as stale."""
    if not Camera.objects.filter(pk=camera_id).exists():
        logger.info("scene compare skipped: camera %s is gone or in the trash", camera_id)
        return "camera_gone"
    return services.scenechange_compare(camera_id=camera_id, frame_path=path).status
