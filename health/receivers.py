"""Receivers of other apps' domain signals (connected in HealthConfig.ready). They only queue
work, once the sender's transaction has committed; the tasks call the services."""

from __future__ import annotations

from django.db import transaction


def on_frame_arrived(sender, *, camera_id: str, path, captured_at, **kwargs) -> None:
    """A new frame: note its arrival and signature (for the hysteresis and ``frozen``).
    ``frame_arrived`` is sent after the ingestion record committed, so this queues at once."""
    from health.tasks import observe_frame_task

    observe_frame_task.delay(camera_id, str(path), captured_at.isoformat())


def on_evidence_changed(sender, *, camera_id: str, **kwargs) -> None:
    """A scene change opened, gained evidence or was acknowledged, or an anomaly was stored or
    withdrawn: re-judge the camera now rather than at the next periodic run."""
    from health.tasks import evaluate_health_task

    transaction.on_commit(lambda: evaluate_health_task.delay(camera_id))
