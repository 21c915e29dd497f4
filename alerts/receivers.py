"""Receivers of the domain signals (connected in AlertsConfig.ready). They run inside the
sender's transaction, so an alert and its outbox rows commit or roll back with the event."""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.utils import timezone

from alerts import services
from alerts.models import Alert, AlertKind, Severity

logger = logging.getLogger(__name__)

CHANGE_TEXT = {
    "view_blocked": "view blocked",
    "angle_changed": "camera turned (angle changed)",
    "view_tampered": "view tampered with",
    "unknown": "scene changed",
}


def on_camera_status_changed(sender, *, camera_id: str, previous: str, current: str, at=None, detail: str = "", **kw):
    services.alert_camera_status(
        camera_id=camera_id, previous=previous, current=current, at=at or timezone.now(), detail=detail or ""
    )


def _scene_change(scene_change_id: int):
    from scenechanges.models import SceneChange

    return SceneChange.all_objects.filter(pk=scene_change_id).first()


def _evidence(change) -> str:
    if change.frame_copy:
        path = os.path.join(settings.NEM_SCENE_REFERENCE_DIR, change.frame_copy)
        if os.path.isfile(path):
            return path
    return change.file_path or ""


def _tamper_details(change) -> dict:
    return {
        "change_type": change.change_type,
        "source": change.source,
        "similarity": change.similarity_score,
        "preset_token": change.preset_token,
    }


def on_scene_change_recorded(sender, *, scene_change_id: int, camera_id: str, **kwargs):
    change = _scene_change(scene_change_id)
    if change is None:
        return
    services.alert_raise(
        camera_id=camera_id,
        kind=AlertKind.TAMPER,
        incident_key=f"scenechange:{scene_change_id}",
        reason=CHANGE_TEXT.get(change.change_type, "scene changed") + f" (similarity {change.similarity_score:.2f})",
        severity=Severity.CRITICAL,
        now=change.detected_at,
        scene_change_id=scene_change_id,
        evidence_path=_evidence(change),
        details=_tamper_details(change),
    )


def on_scene_change_updated(sender, *, scene_change_id: int, camera_id: str, **kwargs):
    change = _scene_change(scene_change_id)
    if change is None:
        return
    reason = CHANGE_TEXT.get(change.change_type, "scene changed")
    if change.source == "both":
        reason += ", confirmed by the camera's own tamper event"
    services.alert_update(
        camera_id=camera_id,
        kind=AlertKind.TAMPER,
        incident_key=f"scenechange:{scene_change_id}",
        reason=reason,
        details=_tamper_details(change),
    )


def on_scene_change_acknowledged(sender, *, scene_change_id: int, camera_id: str, **kwargs):
    change = _scene_change(scene_change_id)
    actor = (change.acknowledged_by if change is not None else "") or "scene change acknowledged"
    services.alert_resolve(
        camera_id=camera_id,
        kind=AlertKind.TAMPER,
        incident_key=f"scenechange:{scene_change_id}",
        reason=f"acknowledged by {actor}",
        now=(change.acknowledged_at if change is not None else None),
        actor=actor,
    )


def on_anomaly_recorded(sender, *, anomaly_id: int, camera_id: str, **kwargs):
    from baselines.models import Anomaly

    anomaly = Anomaly.all_objects.filter(pk=anomaly_id).first()
    if anomaly is None:
        return
    services.alert_raise(
        camera_id=camera_id,
        kind=AlertKind.ANOMALY,
        incident_key=f"anomaly:{anomaly_id}",
        reason=anomaly.reason,
        severity=Severity.WARNING,
        anomaly_id=anomaly_id,
        details={
            "anomaly_kind": anomaly.kind,
            "object_type": anomaly.object_type or "all",
            "hour_start": services.iso(anomaly.hour_start),
            "observed_count": anomaly.observed_count,
            "expected_count": round(anomaly.expected_count, 2),
            "anomaly_score": round(anomaly.anomaly_score, 4),
        },
    )


def on_anomaly_withdrawn(sender, *, anomaly_id: int, camera_id: str, **kwargs):
    services.alert_resolve(
        camera_id=camera_id,
        kind=AlertKind.ANOMALY,
        incident_key=f"anomaly:{anomaly_id}",
        reason="withdrawn: late detections disproved it",
    )


HEALTH_KINDS = {"frozen": AlertKind.FROZEN, "blinded": AlertKind.BLINDED, "silent": AlertKind.SILENT}


def on_health_changed(sender, *, camera_id: str, previous: str, state: str, reasons=None, at=None, **kwargs):
    at = at or timezone.now()
    text = "; ".join(str(r) for r in reasons) if isinstance(reasons, (list, tuple)) else str(reasons or "")
    for name, kind in HEALTH_KINDS.items():
        if name != state:
            services.alert_resolve(camera_id=camera_id, kind=kind, incident_key="health", reason=f"now {state}", now=at)
    if state in HEALTH_KINDS:
        services.alert_raise(
            camera_id=camera_id,
            kind=HEALTH_KINDS[state],
            incident_key="health",
            reason=f"camera {state}" + (f": {text}" if text else ""),
            severity=Severity.CRITICAL if state == "blinded" else Severity.WARNING,
            now=at,
            details={"previous": previous, "state": state},
        )


def on_storage_floor_breached(sender, *, free_bytes: int, floor_bytes: int, at=None, **kwargs):
    # Sent once per run that ends below the floor: only the first is news.
    if Alert.objects.filter(camera__isnull=True, kind=AlertKind.STORAGE).unresolved().exists():
        return
    services.alert_raise(
        camera_id=None,
        kind=AlertKind.STORAGE,
        incident_key="storage_floor",
        severity=Severity.CRITICAL,
        reason=f"free space {free_bytes // 2**20} MiB is below the floor of {floor_bytes // 2**20} MiB",
        now=at,
        details={"free_bytes": free_bytes, "floor_bytes": floor_bytes},
    )


def on_storage_floor_restored(sender, *, free_bytes: int, floor_bytes: int, at=None, **kwargs):
    services.alert_resolve(
        camera_id=None,
        kind=AlertKind.STORAGE,
        incident_key="storage_floor",
        reason=f"free space back above the floor ({free_bytes // 2**20} MiB)",
        now=at,
    )
