"""What one ONVIF camera does on request: describe itself, move (PTZ), list and go to presets."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from cameras.signals import view_moving
from onvifctl.adapter import DeviceInvalidArgument
from onvifctl.deadman import deadman_arm, deadman_disarm
from onvifctl.exceptions import InvalidPresetToken, InvalidPtzCommand
from onvifctl.services.clients import device_errors, onvif_camera, onvif_client_get

PTZ_COMMANDS = ("pan", "tilt", "zoom", "stop")
# Comparison pauses this much longer than the move itself: the picture settles after the motor.
PTZ_SETTLE_SECONDS = 2.0


def onvif_capabilities_get(*, camera_id: str) -> dict:
    camera = onvif_camera(camera_id)
    with device_errors(camera.id):
        client = onvif_client_get(camera=camera)
        info = client.device_info()
    return {
        "manufacturer": info.manufacturer,
        "model": info.model,
        "firmware_version": info.firmware_version,
        "serial_number": info.serial_number,
        "hardware_id": info.hardware_id,
        "ptz_supported": client.capabilities.ptz,
        "media_supported": client.capabilities.media,
        "analytics_supported": client.capabilities.analytics,
    }


def _check_ptz_arguments(command: str, value: float, speed: float) -> None:
    if command not in PTZ_COMMANDS:
        raise InvalidPtzCommand(f"Invalid PTZ command '{command}': use one of {', '.join(PTZ_COMMANDS)}")
    if not -1.0 <= value <= 1.0:
        raise InvalidPtzCommand(f"PTZ value {value} is out of range: it must be between -1.0 and 1.0")
    if not 0.0 <= speed <= 1.0:
        raise InvalidPtzCommand(f"PTZ speed {speed} is out of range: it must be between 0.0 and 1.0")


def onvif_ptz_command(*, camera_id: str, command: str, value: float, speed: float) -> dict:
    """pan/tilt/zoom: ContinuousMove at ``value * speed`` on the camera's profile, stopped by the
    server after NEM_PTZ_MOVE_SECONDS unless another command comes first. stop: Stop (or a
    zero-velocity move on devices without Stop)."""
    camera = onvif_camera(camera_id)
    _check_ptz_arguments(command, value, speed)
    with device_errors(camera.id):
        client = onvif_client_get(camera=camera)
        if command == "stop":
            deadman_disarm(camera_id=camera.id)
            client.stop()
        else:
            velocity = value * speed
            seconds = settings.NEM_PTZ_MOVE_SECONDS
            view_moving.send(sender=onvif_ptz_command, camera_id=camera.id, seconds=seconds + PTZ_SETTLE_SECONDS)
            # Armed before the move: if the move times out the device may still have started, and a
            # Stop to a still camera is harmless.
            deadman_arm(camera_id=camera.id, seconds=seconds, stop=client.stop)
            if command == "pan":
                client.continuous_move(pan=velocity)
            elif command == "tilt":
                client.continuous_move(tilt=velocity)
            else:
                client.continuous_move(zoom=velocity)
    return {"success": True, "command": command, "value": value, "speed": speed}


def onvif_presets_list(*, camera_id: str) -> dict:
    camera = onvif_camera(camera_id)
    with device_errors(camera.id):
        presets = onvif_client_get(camera=camera).presets()
    return {"presets": [{"token": p.token, "name": p.name} for p in presets], "count": len(presets)}


def onvif_preset_goto(*, camera_id: str, preset_token: str) -> dict:
    camera = onvif_camera(camera_id)
    if not 1 <= len(preset_token) <= 64:  # an ONVIF ReferenceToken is at most 64 characters
        raise InvalidPresetToken("Invalid preset token: it must be 1 to 64 characters (see GET .../onvif/presets)")
    with device_errors(camera.id):
        client = onvif_client_get(camera=camera)
        # A pending automatic Stop would cut the goto short.
        deadman_disarm(camera_id=camera.id)
        view_moving.send(
            sender=onvif_preset_goto,
            camera_id=camera.id,
            seconds=settings.NEM_PTZ_PRESET_SECONDS,
            preset_token=preset_token,
        )
        try:
            client.goto_preset(preset_token=preset_token)
        except DeviceInvalidArgument as exc:
            raise InvalidPresetToken(f"Invalid preset token '{preset_token}' for camera {camera.id}: {exc}") from exc
    # Comparison resumes when the device reports the move finished (GetStatus IDLE).
    from onvifctl.tasks import await_preset_arrival_task

    camera_id = camera.id
    transaction.on_commit(lambda: await_preset_arrival_task.delay(camera_id, preset_token))
    return {"success": True, "preset_token": preset_token}
