"""Who gets an alert (endpoint filters, cooldown, quiet hours) and the outbox rows that deliver it."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alerts.models import Alert, AlertEndpoint, AlertKind, Channel, Delivery, DeliveryState, EndpointKind
from alerts.services.payloads import alert_payload


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
