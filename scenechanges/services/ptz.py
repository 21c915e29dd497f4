"""A view that moves on purpose (a PTZ move or preset goto): comparisons pause, and resume when
the device reports its arrival at a preset."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cameras.models import Camera
from scenechanges.services.references import monitor_locked, reset_pending, seek_start

logger = logging.getLogger(__name__)


def scenechange_pause(
    *, camera_id: str, seconds: float | None = None, preset_token: str | None = None
) -> dt.datetime | None:
    """A PTZ move or preset goto is about to change the view on purpose: skip comparisons for
    ``seconds`` (at least NEM_SCENE_PTZ_PAUSE_SECONDS). A goto of ``preset_token`` resumes early,
    on ``scenechange_view_settled``, with that preset's references; a continuous move (or a goto
    that never reports its arrival) leaves the camera in a free view that is compared with
    nothing until it settles (see ``scenechange_compare``). Returns the end of the pause (None for
    an unknown or trashed camera)."""
    seconds = max(float(seconds or 0.0), settings.NEM_SCENE_PTZ_PAUSE_SECONDS)
    with transaction.atomic():
        if not Camera.objects.filter(pk=camera_id).exists():
            return None
        monitor = monitor_locked(camera_id)
        until = timezone.now() + dt.timedelta(seconds=seconds)
        monitor.paused_until = max(until, monitor.paused_until) if monitor.paused_until else until
        monitor.rereference_after_pause = False
        if preset_token:
            monitor.awaiting_preset = preset_token
            monitor.seeking = False
            monitor.episode = None
            reset_pending(monitor)
        else:
            monitor.awaiting_preset = ""
            seek_start(monitor)
        monitor.save()
    logger.info(
        "scene comparison of %s paused until %s (view moving%s)",
        camera_id,
        monitor.paused_until.isoformat(),
        f" to preset {preset_token}" if preset_token else "",
    )
    return monitor.paused_until


def scenechange_view_settled(*, camera_id: str, preset_token: str) -> bool:
    """The device reported that a goto of ``preset_token`` finished: comparisons resume now, with
    that preset's references (its first good frame becomes one when it has none). A report for a
    preset other than the one awaited (an older goto) is ignored. Returns whether it resumed."""
    with transaction.atomic():
        if not Camera.objects.filter(pk=camera_id).exists():
            return False
        monitor = monitor_locked(camera_id)
        if monitor.awaiting_preset != preset_token:
            return False
        monitor.awaiting_preset = ""
        monitor.preset_token = preset_token
        monitor.seeking, monitor.seeking_frame, monitor.seeking_since = False, "", None
        monitor.paused_until = timezone.now()
        monitor.episode = None
        reset_pending(monitor)
        monitor.save()
    logger.info("scene comparison of %s resumed at preset %s", camera_id, preset_token)
    return True
