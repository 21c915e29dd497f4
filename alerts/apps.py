from django.apps import AppConfig, apps


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "alerts"

    def ready(self) -> None:
        from django.core import checks

        from alerts import receivers
        from alerts.checks import check_alert_settings
        from alerts.models import Alert
        from baselines import signals as baseline_signals
        from cameras import signals as camera_signals
        from cameras.cascade import register_camera_child
        from scenechanges import signals as scene_signals

        checks.register(check_alert_settings, checks.Tags.compatibility)
        register_camera_child(Alert)
        camera_signals.camera_status_changed.connect(receivers.on_camera_status_changed, dispatch_uid="alerts.status")
        scene_signals.scene_change_recorded.connect(receivers.on_scene_change_recorded, dispatch_uid="alerts.sc_new")
        scene_signals.scene_change_updated.connect(receivers.on_scene_change_updated, dispatch_uid="alerts.sc_update")
        scene_signals.scene_change_acknowledged.connect(
            receivers.on_scene_change_acknowledged, dispatch_uid="alerts.sc_ack"
        )
        baseline_signals.anomaly_recorded.connect(receivers.on_anomaly_recorded, dispatch_uid="alerts.anomaly_new")
        baseline_signals.anomaly_withdrawn.connect(receivers.on_anomaly_withdrawn, dispatch_uid="alerts.anomaly_end")
        # Apps built beside this one: listened to only when installed (neither imports alerts).
        if apps.is_installed("health"):
            from health import signals as health_signals

            health_signals.health_changed.connect(receivers.on_health_changed, dispatch_uid="alerts.health")
        if apps.is_installed("retention"):
            from retention import signals as retention_signals

            retention_signals.storage_floor_breached.connect(
                receivers.on_storage_floor_breached, dispatch_uid="alerts.storage"
            )
            retention_signals.storage_floor_restored.connect(
                receivers.on_storage_floor_restored, dispatch_uid="alerts.storage_restored"
            )
