"""Celery entry points of the ONVIF app: thin, id-taking, one service call each."""

from __future__ import annotations

from celery import shared_task

from onvifctl.ptz_arrival import onvif_preset_arrival_await


# after each preset goto (enqueued on commit by onvif_preset_goto)
@shared_task(name="onvifctl.await_preset_arrival", soft_time_limit=120, time_limit=150)
def await_preset_arrival_task(camera_id: str, preset_token: str) -> str:
    return onvif_preset_arrival_await(camera_id=camera_id, preset_token=preset_token)
