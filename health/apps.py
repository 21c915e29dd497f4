from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "camera health"

    def ready(self) -> None:
        from baselines.signals import anomaly_recorded, anomaly_withdrawn
        from cameras.media.status import register_status_evaluator
        from cameras.signals import frame_arrived
        from health import (
            admin_panels,  # noqa: F401 - registers the camera page panel and list column
            receivers,
        )
        from health.services import health_status_check
        from scenechanges.signals import scene_change_acknowledged, scene_change_recorded, scene_change_updated

        # The camera's status is derived from the health verdict wherever it is re-evaluated.
        register_status_evaluator(health_status_check)
        frame_arrived.connect(receivers.on_frame_arrived, dispatch_uid="health.frame_arrived")
        evidence = {
            "scene_change_recorded": scene_change_recorded,
            "scene_change_updated": scene_change_updated,
            "scene_change_acknowledged": scene_change_acknowledged,
            "anomaly_recorded": anomaly_recorded,
            "anomaly_withdrawn": anomaly_withdrawn,
        }
        for name, signal in evidence.items():
            signal.connect(receivers.on_evidence_changed, dispatch_uid=f"health.{name}")
