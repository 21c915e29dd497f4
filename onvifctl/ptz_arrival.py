"""Verified arrival at a PTZ preset: after ``GotoPreset`` the device is asked
``GetStatus`` until its MoveStatus is IDLE, then ``cameras.signals.view_settled`` resumes scene
comparison with that preset's reference. A device that never reports IDLE within
NEM_PTZ_PRESET_SECONDS says nothing: comparison then treats the view as unknown (free view)."""

from __future__ import annotations

import logging
import time

from django.conf import settings

from cameras.models import Camera, IngestionMode
from cameras.signals import view_settled
from onvifctl.adapter import OnvifError

logger = logging.getLogger(__name__)


def onvif_preset_arrival_await(*, camera_id: str, preset_token: str, clock=time.monotonic, sleep=time.sleep) -> str:
    """Poll the camera's MoveStatus every NEM_PTZ_STATUS_POLL_SECONDS until IDLE, for at most
    NEM_PTZ_PRESET_SECONDS. Returns "arrived", "timeout", "unsupported" (no GetStatus: the
    device cannot tell, so the pause simply runs out) or "camera_gone"."""
    from onvifctl.services.clients import onvif_client_get  # the shared per-camera client

    camera = Camera.objects.filter(pk=camera_id, ingestion_mode=IngestionMode.ONVIF).first()
    if camera is None:
        return "camera_gone"
    deadline = clock() + settings.NEM_PTZ_PRESET_SECONDS
    while True:
        try:
            status = onvif_client_get(camera=camera).ptz_status()
        except OnvifError as exc:
            logger.info("ptz arrival of %s at %s: no status (%s)", camera_id, preset_token, exc)
            return "unsupported"
        if status == "IDLE":
            view_settled.send(sender=onvif_preset_arrival_await, camera_id=camera_id, preset_token=preset_token)
            return "arrived"
        if clock() >= deadline:
            logger.info("ptz arrival of %s at %s: still %s after the timeout", camera_id, preset_token, status)
            return "timeout"
        sleep(settings.NEM_PTZ_STATUS_POLL_SECONDS)
