"""Celery entry points of the cameras app: thin, id-taking, one service call each."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from cameras import services


# daily (beat "purge-trash"); cron: manage.py purge_trash
@shared_task(name="cameras.purge_trash", soft_time_limit=600, time_limit=660)
def purge_trash_task() -> int:
    return len(services.camera_purge_trash(older_than_days=settings.NEM_TRASH_RETENTION_DAYS, actor="beat:purge-trash"))
