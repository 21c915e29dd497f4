from django.apps import AppConfig


class BaselinesConfig(AppConfig):
    name = "baselines"

    def ready(self) -> None:
        from baselines import models, panels  # noqa: F401 - panels registers the camera admin panel
        from cameras.cascade import register_camera_child

        # Every camera-owned row joins the trash cascade, so a trashed camera's baseline is hidden
        # with it and a restore brings back exactly what the delete hid.
        for model in (
            models.Detection,
            models.Event,
            models.HourlyCount,
            models.HourlyClassCount,
            models.ActivitySlot,
            models.ClassSlot,
            models.BaselineState,
            models.Anomaly,
        ):
            register_camera_child(model)
