"""Alerts: one row per incident, and the outbox rows that deliver it.

Every function that changes an alert runs inside the caller's transaction (the domain signal's
sender holds it), so the alert and its outbox rows commit or roll back with the event itself.
After commit the HTTP drain is queued (``alerts.drain``); the MQTT publisher polls the outbox.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound

from alerts.models import (
    Alert,
    AlertEndpoint,
    AlertKind,
    AlertState,
    Channel,
    Delivery,
    DeliveryState,
    EndpointKind,
    Severity,
)

logger = logging.getLogger(__name__)

STATUS_KEY = "status"


# payloads -----------------------------------------------------------------------------------


def message_id(alert_id: int, version: int) -> str:
    """Stable per (alert, version): the ``webhook-id`` and the MQTT ``id`` receivers deduplicate on."""
    return f"alert_{alert_id}_v{version}"


def _iso(value: dt.datetime | None) -> str | None:
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
            "opened_at": _iso(alert.opened_at),
            "updated_at": _iso(alert.updated_at),
            "resolved_at": _iso(alert.resolved_at),
            "acknowledged_at": _iso(alert.acknowledged_at),
            "scene_change_id": alert.scene_change_id,
            "anomaly_id": alert.anomaly_id,
            "details": alert.details,
        },
        "links": alert_links(alert),
    }


# rules --------------------------------------------------------------------------------------


def _camera_local_time(alert: Alert, now: dt.datetime) -> dt.time:
    name = alert.camera.timezone if alert.camera_id else settings.TIME_ZONE
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return now.astimezone(zone).time()


def in_quiet_hours(endpoint: AlertEndpoint, local: dt.time) -> bool:
    start, end = endpoint.quiet_hours_start, endpoint.quiet_hours_end
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # across midnight, e.g. 22:00-07:00


def endpoint_matches(endpoint: AlertEndpoint, alert: Alert) -> bool:
    if alert.kind == AlertKind.TEST:
        return False  # test alerts go only to the endpoint under test
    if endpoint.kinds and alert.kind not in endpoint.kinds:
        return False
    if endpoint.camera_ids and alert.camera_id not in endpoint.camera_ids:
        return False
    return alert.severity >= endpoint.min_severity


def _held_back(endpoint: AlertEndpoint, alert: Alert, now: dt.datetime) -> str:
    """Why a *new* alert is not sent to this endpoint (cooldown, quiet hours), or ""."""
    if in_quiet_hours(endpoint, _camera_local_time(alert, now)):
        return "quiet hours"
    if endpoint.cooldown_seconds:
        since = now - dt.timedelta(seconds=endpoint.cooldown_seconds)
        recent = Delivery.objects.filter(
            endpoint=endpoint,
            event="new",
            alert__camera_id=alert.camera_id,
            alert__kind=alert.kind,
            alert__opened_at__gte=since,
        ).exclude(alert=alert)
        if recent.exists():
            return "cooldown"
    return ""


def _endpoints_for(alert: Alert, event: str, now: dt.datetime) -> list[AlertEndpoint]:
    endpoints = [e for e in AlertEndpoint.objects.filter(enabled=True) if endpoint_matches(e, alert)]
    if event == "new":
        return [e for e in endpoints if not _held_back(e, alert, now)]
    # Updates and ends go only where the alert's "new" went, so nobody gets an end without a start.
    sent_to = set(
        Delivery.objects.filter(alert=alert, event="new", endpoint__isnull=False).values_list("endpoint_id", flat=True)
    )
    return [e for e in endpoints if e.pk in sent_to]


def _lane(channel: str, endpoint_id: int | None, camera_id: str | None) -> str:
    return f"{channel}:{endpoint_id or ''}:{camera_id or ''}"


def outbox_write(
    *,
    alert: Alert,
    event: str,
    now: dt.datetime,
    endpoints: list[AlertEndpoint] | None = None,
    queue_drain: bool = True,
) -> list[Delivery]:
    """One outbox row per channel for this alert version, in the caller's transaction, and the
    HTTP drain queued for after commit."""
    payload = alert_payload(alert, event)
    # Outbox times are the wall clock of the write, not the event's time (a scene change can be
    # dated by its frame, minutes earlier): a row's lifetime starts when it can first be sent.
    written = timezone.now()
    expires = written + dt.timedelta(seconds=settings.NEM_ALERT_MAX_AGE)
    rows = []
    if settings.NEM_MQTT_URL and alert.kind != AlertKind.TEST:
        rows.append(Delivery(channel=Channel.MQTT, endpoint=None))
    for endpoint in _endpoints_for(alert, event, now) if endpoints is None else endpoints:
        channel = Channel.WEBHOOK if endpoint.kind == EndpointKind.WEBHOOK else Channel.APPRISE
        rows.append(Delivery(channel=channel, endpoint=endpoint))
    for row in rows:
        row.alert = alert
        row.version = alert.version
        row.event = event
        row.lane = _lane(row.channel, row.endpoint_id, alert.camera_id)
        row.message_id = payload["id"]
        row.payload = payload
        row.created_at = written
        row.next_attempt_at = written
        row.expires_at = expires
    Delivery.objects.bulk_create(rows)
    if queue_drain and any(row.channel != Channel.MQTT for row in rows):
        from alerts.tasks import drain_task

        transaction.on_commit(lambda: drain_task.delay())
    return rows


# lifecycle ----------------------------------------------------------------------------------


def _open_alert(camera_id: str | None, kind: str, incident_key: str) -> Alert | None:
    return (
        Alert.all_objects.select_for_update()
        .filter(camera_id=camera_id, kind=kind, incident_key=incident_key)
        .exclude(state=AlertState.RESOLVED)
        .first()
    )


@transaction.atomic
def alert_raise(
    *,
    camera_id: str | None,
    kind: str,
    incident_key: str,
    reason: str,
    severity: int = Severity.WARNING,
    now: dt.datetime | None = None,
    scene_change_id: int | None = None,
    anomaly_id: int | None = None,
    evidence_path: str = "",
    details: dict | None = None,
) -> Alert:
    """Open an alert for an incident, or update the unresolved one it already has (a source that
    fires again is the same incident: one alert, a new version, an ``update`` message)."""
    now = now or timezone.now()
    alert = _open_alert(camera_id, kind, incident_key)
    if alert is not None:
        return _update(alert, reason=reason, now=now, evidence_path=evidence_path, details=details)
    alert = Alert(
        camera_id=camera_id,
        kind=kind,
        incident_key=incident_key,
        reason=reason[:500],
        severity=severity,
        opened_at=now,
        updated_at=now,
        scene_change_id=scene_change_id,
        anomaly_id=anomaly_id,
        evidence_path=evidence_path or "",
        details=details or {},
    )
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        # A concurrent writer opened it first: that one is the incident's alert.
        existing = _open_alert(camera_id, kind, incident_key)
        if existing is None:
            raise
        return _update(existing, reason=reason, now=now, evidence_path=evidence_path, details=details)
    outbox_write(alert=alert, event="new", now=now)
    logger.info("alert opened id=%s kind=%s camera=%s", alert.pk, kind, camera_id)
    return alert


def _update(
    alert: Alert, *, reason: str, now: dt.datetime, evidence_path: str = "", details: dict | None = None
) -> Alert:
    alert.version += 1
    alert.state = AlertState.UPDATED
    alert.reason = reason[:500]
    alert.updated_at = now
    if evidence_path:
        alert.evidence_path = evidence_path
    if details:
        alert.details = {**alert.details, **details}
    alert.save(update_fields=["version", "state", "reason", "updated_at", "evidence_path", "details"])
    outbox_write(alert=alert, event="update", now=now)
    return alert


@transaction.atomic
def alert_update(
    *,
    camera_id: str | None,
    kind: str,
    incident_key: str,
    reason: str,
    now: dt.datetime | None = None,
    details: dict | None = None,
) -> Alert | None:
    alert = _open_alert(camera_id, kind, incident_key)
    if alert is None:
        return None
    return _update(alert, reason=reason, now=now or timezone.now(), details=details)


def _resolve(alert: Alert, *, reason: str, now: dt.datetime, actor: str = "") -> Alert:
    alert.version += 1
    alert.state = AlertState.RESOLVED
    alert.reason = reason[:500]
    alert.updated_at = now
    alert.resolved_at = now
    fields = ["version", "state", "reason", "updated_at", "resolved_at"]
    if actor and alert.acknowledged_at is None:
        alert.acknowledged_at = now
        alert.acknowledged_by = actor
        fields += ["acknowledged_at", "acknowledged_by"]
    alert.save(update_fields=fields)
    outbox_write(alert=alert, event="end", now=now)
    logger.info("alert resolved id=%s kind=%s camera=%s", alert.pk, alert.kind, alert.camera_id)
    return alert


@transaction.atomic
def alert_resolve(
    *, camera_id: str | None, kind: str, incident_key: str, reason: str, now: dt.datetime | None = None, actor: str = ""
) -> Alert | None:
    alert = _open_alert(camera_id, kind, incident_key)
    if alert is None:
        return None
    return _resolve(alert, reason=reason, now=now or timezone.now(), actor=actor)


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"{int(seconds)} s"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


@transaction.atomic
def alert_camera_status(*, camera_id: str, previous: str, current: str, at: dt.datetime, detail: str = "") -> None:
    """A camera's status changed: offline and error are incidents, recovery resolves them."""
    kinds = {"offline": AlertKind.CAMERA_OFFLINE, "error": AlertKind.CAMERA_ERROR}
    for status, kind in kinds.items():
        if status == current:
            continue
        alert = _open_alert(camera_id, kind, STATUS_KEY)
        if alert is not None:
            gone = _duration((at - alert.opened_at).total_seconds())
            text = f"back online after {gone}" if current == "online" else f"now {current} (was {status} for {gone})"
            _resolve(alert, reason=text, now=at)
    if current in kinds:
        reason = f"camera {current}" + (f": {detail}" if detail else "")
        severity = Severity.CRITICAL if current == "offline" else Severity.WARNING
        alert_raise(
            camera_id=camera_id,
            kind=kinds[current],
            incident_key=STATUS_KEY,
            reason=reason,
            severity=severity,
            now=at,
            details={"previous": previous, "status": current},
        )


def alert_not_found(alert_id) -> NotFound:
    return NotFound(f"Alert {alert_id} not found")


def alert_get(*, alert_id) -> Alert:
    try:
        return Alert.objects.select_related("camera").get(pk=int(alert_id))
    except (Alert.DoesNotExist, ValueError, TypeError, OverflowError):
        raise alert_not_found(alert_id) from None


@transaction.atomic
def alert_acknowledge(*, alert_id, actor: str, now: dt.datetime | None = None) -> Alert:
    """Idempotent. A tamper alert acknowledges its scene change (and so resolves through the
    scene change's own signal: acknowledging either side acknowledges both); an anomaly or test
    alert is resolved; a status alert is only marked acknowledged (recovery resolves it)."""
    now = now or timezone.now()
    alert = alert_get(alert_id=alert_id)
    alert = Alert.all_objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        return alert
    if alert.kind == AlertKind.TAMPER and alert.scene_change_id and not alert.is_resolved:
        from scenechanges.services import scenechange_acknowledge

        scenechange_acknowledge(
            camera_id=alert.camera_id, scene_change_id=alert.scene_change_id, actor=actor, update_reference=True
        )
        alert.refresh_from_db()
    if alert.acknowledged_at is None:
        if alert.is_resolved or alert.kind in (AlertKind.CAMERA_OFFLINE, AlertKind.CAMERA_ERROR):
            alert.acknowledged_at = now
            alert.acknowledged_by = actor
            alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        else:
            _resolve(alert, reason=f"acknowledged by {actor}", now=now, actor=actor)
    return alert


@transaction.atomic
def alert_test_send(*, endpoint: AlertEndpoint, now: dt.datetime | None = None) -> Delivery:
    """A test alert to one endpoint, written to the outbox like any other; the caller sends it."""
    now = now or timezone.now()
    alert = Alert.objects.create(
        camera_id=None,
        kind=AlertKind.TEST,
        incident_key=f"test:{endpoint.pk}:{now.timestamp()}",
        reason=f"Test alert for endpoint {endpoint.name}",
        severity=Severity.INFO,
        state=AlertState.RESOLVED,
        opened_at=now,
        updated_at=now,
        resolved_at=now,
    )
    # The caller sends it at once (and answers its outcome), so no drain is queued for it.
    return outbox_write(alert=alert, event="new", now=now, endpoints=[endpoint], queue_drain=False)[-1]


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
                "since": _iso(alert.opened_at),
            }
    return states


def delivery_retry_now(*, delivery_ids: list[int], now: dt.datetime | None = None) -> int:
    """Dead letters back to pending with a fresh NEM_ALERT_MAX_AGE (admin "retry now")."""
    now = now or timezone.now()
    count = Delivery.objects.filter(pk__in=delivery_ids, state=DeliveryState.DEAD).update(
        state=DeliveryState.PENDING,
        next_attempt_at=now,
        expires_at=now + dt.timedelta(seconds=settings.NEM_ALERT_MAX_AGE),
        claimed_until=None,
    )
    if count:
        from alerts.tasks import drain_task

        transaction.on_commit(lambda: drain_task.delay())
    return count


# endpoints ----------------------------------------------------------------------------------


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    import base64
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def endpoint_not_found(endpoint_id) -> NotFound:
    return NotFound(f"Alert endpoint {endpoint_id} not found")


def endpoint_get(*, endpoint_id) -> AlertEndpoint:
    try:
        return AlertEndpoint.objects.get(pk=int(endpoint_id))
    except (AlertEndpoint.DoesNotExist, ValueError, TypeError, OverflowError):
        raise endpoint_not_found(endpoint_id) from None


_ENDPOINT_FIELDS = (
    "name",
    "enabled",
    "kinds",
    "camera_ids",
    "min_severity",
    "cooldown_seconds",
    "quiet_hours_start",
    "quiet_hours_end",
)


@transaction.atomic
def endpoint_create(*, data: dict) -> AlertEndpoint:
    endpoint = AlertEndpoint(kind=data["kind"], **{k: data[k] for k in _ENDPOINT_FIELDS if k in data})
    endpoint.url = data["url"]
    if endpoint.kind == EndpointKind.WEBHOOK:
        endpoint.secret = new_webhook_secret()
    endpoint.save()
    logger.info("alert endpoint created id=%s kind=%s", endpoint.pk, endpoint.kind)
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint_id, data: dict) -> AlertEndpoint:
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    for name in _ENDPOINT_FIELDS:
        if name in data:
            setattr(endpoint, name, data[name])
    if "url" in data:
        endpoint.url = data["url"]
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint_id) -> None:
    endpoint_get(endpoint_id=endpoint_id).delete()
