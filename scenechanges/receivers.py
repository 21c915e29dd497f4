"""Receivers of the cameras app's signals (connected in ScenechangesConfig.ready)."""

from __future__ import annotations

from django.db import transaction


def on_frame_arrived(sender, *, camera_id: str, path, **kwargs) -> None:
    """Queue a comparison of the new frame once the ingestion record is committed."""
    from scenechanges.tasks import compare_task

    frame_path = str(path)
    transaction.on_commit(lambda: compare_task.delay(camera_id, frame_path))


def on_view_moving(sender, *, camera_id: str, seconds: float | None = None, preset_token=None, **kwargs) -> None:
    """A PTZ move or preset goto: pause comparisons (a moving view is not tampering)."""
    from scenechanges.services import scenechange_pause

    scenechange_pause(camera_id=camera_id, seconds=seconds, preset_token=preset_token)


def on_view_settled(sender, *, camera_id: str, preset_token: str, **kwargs) -> None:
    """The device reported the end of a preset goto: compare with that preset's reference."""
    from scenechanges.services import scenechange_view_settled

    scenechange_view_settled(camera_id=camera_id, preset_token=preset_token)


def on_camera_tamper_reported(sender, *, camera_id: str, change_type: str, topic: str, occurred_at, **kwargs) -> None:
    """The camera reports tampering itself: open or join the scene-change episode."""
    from scenechanges.services import scenechange_camera_event

    scenechange_camera_event(camera_id=camera_id, change_type=change_type, topic=topic, occurred_at=occurred_at)
