from django.apps import AppConfig


class ScenechangesConfig(AppConfig):
    name = "scenechanges"
    verbose_name = "scene changes"

    def ready(self) -> None:
        from cameras.cascade import register_camera_child
        from cameras.signals import frame_arrived, view_moving
        from scenechanges import admin_panels  # noqa: F401 - registers the camera page panel
        from scenechanges.models import SceneChange, SceneMonitor, SceneReference
        from scenechanges.receivers import on_frame_arrived, on_view_moving

        register_camera_child(SceneChange)
        register_camera_child(SceneReference)
        register_camera_child(SceneMonitor)
        frame_arrived.connect(on_frame_arrived, dispatch_uid="scenechanges.frame_arrived")
        view_moving.connect(on_view_moving, dispatch_uid="scenechanges.view_moving")
