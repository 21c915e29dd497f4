"""What every channel carries: the payload of one alert version, and the retained per-camera state."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from alerts.models import Alert, AlertKind


def message_id(alert_id: int, version: int) -> str:
    """Stable per (alert, version): the ``webhook-id`` and the MQTT ``id`` receivers deduplicate on."""
    return f"alert_{alert_id}_v{version}"


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def alert_links(alert: Alert) -> dict:
    base = settings.NEM_PUBLIC_URL.rstrip("/")
    links = {"alert": f"{base}/api/alerts/{alert.pk}"}
    if alert.camera_id:
        links["camera"] = f"{base}/api/cameras/{alert.camera_id}"
        links["snapshot"] = f"{base}/api/cameras/{alert.camera_id}/snapshot"
    return links


def alert_payload(alert: Alert, event: str) -> dict:
    """The body every channel carries for one alert version (JSON-ready, no server paths)."""
    return {
        "id": message_id(alert.pk, alert.version),
        "type": event,
        "alert": {
            "id": alert.pk,
            "version": alert.version,
            "kind": alert.kind,
            "severity": alert.severity_name,
            "state": alert.state,
            "camera_id": alert.camera_id,
            "reason": alert.reason,
            "opened_at": iso(alert.opened_at),
            "updated_at": iso(alert.updated_at),
            "resolved_at": iso(alert.resolved_at),
            "acknowledged_at": iso(alert.acknowledged_at),
            "scene_change_id": alert.scene_change_id,
            "anomaly_id": alert.anomaly_id,
            "details": alert.details,
        },
        "links": alert_links(alert),
    }


TAMPER_KINDS = (AlertKind.TAMPER, AlertKind.BLINDED, AlertKind.FROZEN)
ANOMALY_KINDS = (AlertKind.ANOMALY, AlertKind.SILENT)


def camera_alert_states(camera_ids: list[str]) -> dict[str, dict]:
    """The retained per-camera state MQTT carries, for many cameras in one query: tamper ON/OFF
    and the newest unresolved anomaly."""
    states = {
        camera_id: {"tamper": "OFF", "anomaly": {"state": "none", "reason": "", "alert_id": None, "since": None}}
        for camera_id in camera_ids
    }
    open_alerts = (
        Alert.all_objects.filter(camera_id__in=camera_ids, kind__in=[*TAMPER_KINDS, *ANOMALY_KINDS])
        .unresolved()
        .order_by("opened_at", "id")
        .only("id", "camera_id", "kind", "reason", "opened_at", "details")
    )
    for alert in open_alerts:  # oldest first: the newest anomaly wins
        state = states[alert.camera_id]
        if alert.kind in TAMPER_KINDS:
            state["tamper"] = "ON"
        else:
            state["anomaly"] = {
                "state": alert.details.get("anomaly_kind", alert.kind),
                "reason": alert.reason,
                "alert_id": alert.pk,
                "since": iso(alert.opened_at),
            }
    return states
