"""Receivers of the cameras app's signals (connected in ScenechangesConfig.ready)."""

from __future__ import annotations

from django.db import transaction


def on_frame_arrived(sender, *, camera_id: str, path, **kwargs) -> None:
    """Queue a comparison of the new frame once the ingestion record is committed."""
    from scenechanges.tasks import compare_task

    frame_path = str(path)
    transaction.on_commit(lambda: compare_task.delay(camera_id, frame_path))


def on_view_moving(sender, *, camera_id: str, seconds: float | None = None, **kwargs) -> None:
    """A PTZ move or preset goto: pause comparisons (a moving view is not tampering)."""
    from scenechanges.services import scenechange_pause

    scenechange_pause(camera_id=camera_id, seconds=seconds)
