from django.apps import AppConfig


class BaselinesConfig(AppConfig):
    name = "baselines"

    def ready(self) -> None:
        from baselines.models import Detection, Event
        from cameras.cascade import register_camera_child

        register_camera_child(Detection)
        register_camera_child(Event)
