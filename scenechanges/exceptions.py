"""Problem kinds of the scene-change app (each has its page at ``/problems/<slug>``)."""

from __future__ import annotations

from nem.errors import NotFoundError


class SceneChangeNotFound(NotFoundError):
    slug = "scene-change-not-found"
    title = "Scene change not found"
    description = (
        "The camera exists but has no scene change with this id (ids are integers; a change of another "
        "camera is not found under this one). List the camera's changes at "
        "`/api/cameras/{camera_id}/scene-changes`."
    )

    def __init__(self, camera_id: str, scene_change_id):
        self.camera_id = camera_id
        self.scene_change_id = scene_change_id
        super().__init__(f"Scene change with id {str(scene_change_id)[:100]} not found for camera {camera_id}")
