"""Celery entry points of the cameras app: thin, id-taking, one service call each."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from cameras import services
from cameras.media.scanner import media_scan
from cameras.media.status import camera_status_check
from cameras.media.streams import stream_grab_frames
from cameras.models import Camera

logger = logging.getLogger(__name__)


# daily (beat "purge-trash"); cron: manage.py purge_trash
@shared_task(name="cameras.purge_trash", soft_time_limit=600, time_limit=660)
def purge_trash_task() -> int:
    if settings.NEM_TRASH_RETENTION_DAYS < 1:
        # The system check stops every process on this; a task already queued refuses too.
        raise ValueError(f"NEM_TRASH_RETENTION_DAYS={settings.NEM_TRASH_RETENTION_DAYS} would empty the whole trash")
    return len(services.camera_purge_trash(older_than_days=settings.NEM_TRASH_RETENTION_DAYS, actor="beat:purge-trash"))


def _live_or_log(camera_id: str | None, task: str) -> bool:
    """A task for one camera re-checks it is still live: trashed since enqueue -> nothing to do."""
    if camera_id is None or Camera.objects.filter(pk=camera_id).exists():
        return True
    logger.info("%s: camera %s is gone or in the trash; nothing to do", task, camera_id)
    return False


# every 30 s (beat "scan-media"); cron: manage.py scan_media
@shared_task(name="cameras.scan_media", soft_time_limit=240, time_limit=300)
def scan_media_task(camera_id: str | None = None) -> int:
    if not _live_or_log(camera_id, "scan_media"):
        return 0
    return media_scan(camera_ids=[camera_id] if camera_id else None).new_images


# every NEM_STREAM_GRAB_EVERY_SECONDS (beat "grab-frames"); cron: manage.py grab_frames
@shared_task(name="cameras.grab_frames", soft_time_limit=240, time_limit=300)
def grab_frames_task(camera_id: str | None = None) -> int:
    if not _live_or_log(camera_id, "grab_frames"):
        return 0
    return len(stream_grab_frames(camera_ids=[camera_id] if camera_id else None).grabbed)


# every minute (beat "check-camera-status"); cron: manage.py check_camera_status
@shared_task(name="cameras.check_camera_status", soft_time_limit=120, time_limit=150)
def check_camera_status_task(camera_id: str | None = None) -> int:
    if not _live_or_log(camera_id, "check_camera_status"):
        return 0
    return len(camera_status_check(camera_ids=[camera_id] if camera_id else None).changes)
