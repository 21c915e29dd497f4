from django.apps import AppConfig


class OnvifctlConfig(AppConfig):
    name = "onvifctl"
    verbose_name = "ONVIF"

    def ready(self) -> None:
        from cameras.cascade import register_camera_child
        from onvifctl.models import OnvifEventState, OnvifUnknownEvent

        register_camera_child(OnvifEventState)
        register_camera_child(OnvifUnknownEvent)
