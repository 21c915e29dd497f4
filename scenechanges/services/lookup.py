"""A live camera, and one of its scene changes, or the domain error that says which is missing."""

from __future__ import annotations

from cameras.models import Camera
from nem.errors import CameraNotFound
from scenechanges.exceptions import SceneChangeNotFound
from scenechanges.models import SceneChange


def camera_live(camera_id: str) -> Camera:
    """The live camera with this id; ``CameraNotFound`` for an unknown or trashed one."""
    camera = Camera.objects.filter(pk=camera_id).first()
    if camera is None:
        raise CameraNotFound(camera_id)
    return camera


def scenechange_get(*, camera_id: str, scene_change_id) -> SceneChange:
    """A live camera's scene change; ``CameraNotFound`` or ``SceneChangeNotFound`` (the camera is
    checked first)."""
    camera_live(camera_id)
    try:
        pk = int(scene_change_id)
    except (TypeError, ValueError):
        raise SceneChangeNotFound(camera_id, scene_change_id) from None
    change = SceneChange.objects.filter(pk=pk, camera_id=camera_id).first()
    if change is None:
        raise SceneChangeNotFound(camera_id, scene_change_id)
    return change
