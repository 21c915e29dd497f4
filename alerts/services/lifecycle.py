"""An alert's life: raised (or updated while unresolved), resolved, acknowledged; camera status
incidents; the test alert."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.exceptions import AlertNotFound
from alerts.models import Alert, AlertEndpoint, AlertKind, AlertState, Delivery, Severity
from alerts.services.outbox import outbox_write

logger = logging.getLogger(__name__)

STATUS_KEY = "status"


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


def alert_get(*, alert_id) -> Alert:
    try:
        return Alert.objects.select_related("camera").get(pk=int(alert_id))
    except (Alert.DoesNotExist, ValueError, TypeError, OverflowError):
        raise AlertNotFound(alert_id) from None


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
