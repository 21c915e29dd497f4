"""Celery entry points of the health app: thin, id-taking, one service call each."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils.dateparse import parse_datetime

from cameras.models import Camera
from health import services

logger = logging.getLogger(__name__)


# every minute (beat "evaluate-health"), and after new evidence; cron: manage.py evaluate_health
@shared_task(name="health.evaluate", soft_time_limit=120, time_limit=150)
def evaluate_health_task(camera_id: str | None = None) -> int:
    """The number of health transitions."""
    if camera_id is not None and not Camera.objects.filter(pk=camera_id).exists():
        logger.info("evaluate_health: camera %s is gone or in the trash; nothing to do", camera_id)
        return 0
    report = services.health_evaluate_many(camera_ids=[camera_id] if camera_id else None, keep_going=True)
    return len(report.transitions)


# on each new frame (frame_arrived)
@shared_task(name="health.observe_frame", soft_time_limit=30, time_limit=45, acks_late=True)
def observe_frame_task(camera_id: str, path: str, captured_at: str) -> str:
    """Idempotent: a frame already noted (or older than the newest) only counts as an arrival."""
    at = parse_datetime(captured_at)
    if at is None:
        raise ValueError(f"captured_at {captured_at!r} is not an ISO 8601 instant")
    return services.health_frame_observe(camera_id=camera_id, path=path, captured_at=at)
