from django.apps import AppConfig


class ScenechangesConfig(AppConfig):
    name = "scenechanges"
    verbose_name = "scene changes"

    def ready(self) -> None:
        from cameras.cascade import register_camera_child
        from cameras.signals import camera_tamper_reported, frame_arrived, view_moving, view_settled
        from scenechanges import admin_panels  # noqa: F401 - registers the camera page panel
        from scenechanges.models import SceneChange, SceneMonitor, SceneReference
        from scenechanges.receivers import (
            on_camera_tamper_reported,
            on_frame_arrived,
            on_view_moving,
            on_view_settled,
        )

        register_camera_child(SceneChange)
        register_camera_child(SceneReference)
        register_camera_child(SceneMonitor)
        frame_arrived.connect(on_frame_arrived, dispatch_uid="scenechanges.frame_arrived")
        view_moving.connect(on_view_moving, dispatch_uid="scenechanges.view_moving")
        view_settled.connect(on_view_settled, dispatch_uid="scenechanges.view_settled")
        camera_tamper_reported.connect(on_camera_tamper_reported, dispatch_uid="scenechanges.camera_tamper_reported")
