"""Sending the outbox: the drain shared by every channel, and the webhook and Apprise senders.

At-least-once, in order per lane (channel, endpoint, camera), with exponential backoff and jitter
until a row's ``expires_at`` (``NEM_ALERT_MAX_AGE`` after it was written), then dead-lettered.

1. ``lane_heads`` finds each lane's oldest pending row, if it is due (a row never overtakes an
   older pending row of its lane, so a receiver that is down holds its lane, not the others).
2. ``delivery_claim`` takes a row with a conditional UPDATE on ``claimed_until`` (``nem.claims``):
   two workers never send the same row at once, and a worker that dies mid-send leaves a claim that
   simply expires.
3. After the attempt the row is ``delivered``, or rescheduled, or ``dead`` past ``expires_at``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from alerts import targets
from alerts.models import Channel, Delivery, DeliveryState
from nem.claims import ClaimColumn, claim

logger = logging.getLogger(__name__)

_random = random.SystemRandom()


@dataclass
class AttemptResult:
    ok: bool
    status_code: int | None = None
    error: str = ""
    permanent: bool = False


@dataclass
class DrainSummary:
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    ids: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.delivered + self.failed + self.dead


def backoff_seconds(attempts: int) -> float:
    """Exponential with equal jitter: half the step fixed, half random, capped."""
    step = min(settings.NEM_ALERT_RETRY_MAX_SECONDS, settings.NEM_ALERT_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return step / 2 + _random.uniform(0, step / 2)


def lane_heads(channels: list[str], now: dt.datetime, limit: int = 100):
    older_pending = Delivery.objects.filter(lane=OuterRef("lane"), state=DeliveryState.PENDING, id__lt=OuterRef("id"))
    return (
        Delivery.objects.filter(channel__in=channels, state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .filter(claim_column(0).free(now))
        .exclude(Exists(older_pending))
        .select_related("endpoint", "alert")
        .order_by("id")[:limit]
    )


def claim_column(seconds: float) -> ClaimColumn:
    """A delivery's claim: ``claimed_until`` holds when it runs out, ``seconds`` after it was taken."""
    return ClaimColumn("claimed_until", dt.timedelta(seconds=seconds), holds_expiry=True)


def delivery_claim(delivery: Delivery, now: dt.datetime, seconds: float) -> bool:
    rows = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING)
    return claim(rows, claim_column(seconds), now=now)


def record_attempt(delivery: Delivery, result: AttemptResult, *, now: dt.datetime, latency_ms: float | None) -> str:
    """Store one attempt's outcome; returns the row's new state."""
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = result.status_code
    delivery.latency_ms = latency_ms
    delivery.claimed_until = None
    if result.ok:
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = ""
    else:
        delivery.last_error = result.error[:300]
        retry_at = now + dt.timedelta(seconds=backoff_seconds(delivery.attempts))
        if result.permanent or now >= delivery.expires_at:
            delivery.state = DeliveryState.DEAD
            logger.warning(
                "alert delivery dead id=%s message=%s error=%s", delivery.pk, delivery.message_id, result.error
            )
        else:
            # The last try falls on the expiry itself, so a row is tried for its whole lifetime.
            delivery.next_attempt_at = min(retry_at, delivery.expires_at)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "latency_ms",
            "claimed_until",
            "state",
            "delivered_at",
            "last_error",
            "next_attempt_at",
        ]
    )
    return delivery.state


def _body(delivery: Delivery) -> str:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)


def send_webhook(delivery: Delivery) -> AttemptResult:
    from standardwebhooks.webhooks import Webhook

    endpoint = delivery.endpoint
    url = endpoint.url
    try:
        targets.webhook_url_check(url)
    except targets.TargetRefused as exc:
        return AttemptResult(ok=False, error=f"target refused: {exc}", permanent=True)
    body = _body(delivery)
    # The signature's timestamp is the wall clock of this attempt: receivers refuse stale ones.
    sent_at = dt.datetime.now(dt.UTC)
    signature = Webhook(endpoint.secret).sign(msg_id=delivery.message_id, timestamp=sent_at, data=body)
    headers = {
        "content-type": "application/json",
        "user-agent": "nem-alerts",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    try:
        response = requests.post(
            url,
            data=body.encode(),
            headers=headers,
            timeout=settings.NEM_ALERT_HTTP_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return AttemptResult(ok=False, error=f"{type(exc).__name__}: connection failed")
    response.close()  # the body is never read or kept
    if 200 <= response.status_code < 300:
        return AttemptResult(ok=True, status_code=response.status_code)
    why = "redirect not followed" if 300 <= response.status_code < 400 else "HTTP error"
    return AttemptResult(ok=False, status_code=response.status_code, error=f"{why} {response.status_code}")


def _apprise_text(payload: dict) -> tuple[str, str]:
    alert = payload["alert"]
    camera = alert["camera_id"] or "NEM"
    verb = {"new": "", "update": " (update)", "end": " (resolved)"}.get(payload["type"], "")
    title = f"{camera}: {alert['kind'].replace('_', ' ')}{verb}"
    body = alert["reason"]
    snapshot = payload.get("links", {}).get("snapshot")
    if snapshot:
        body += f"\n{snapshot}"
    return title, body


def send_apprise(delivery: Delivery) -> AttemptResult:
    import apprise

    url = delivery.endpoint.url
    try:
        targets.apprise_url_check(url)
    except targets.TargetRefused as exc:
        return AttemptResult(ok=False, error=f"target refused: {exc}", permanent=True)
    notifier = apprise.Apprise()
    if not notifier.add(url):
        return AttemptResult(ok=False, error="not an Apprise URL Apprise accepts", permanent=True)
    title, body = _apprise_text(delivery.payload)
    attach = None
    evidence = delivery.alert.evidence_path
    if delivery.payload["type"] == "new" and evidence and os.path.isfile(evidence):
        attach = apprise.AppriseAttachment(evidence)
    notify_type = apprise.NotifyType.SUCCESS if delivery.payload["type"] == "end" else apprise.NotifyType.WARNING
    ok = notifier.notify(title=title, body=body, notify_type=notify_type, attach=attach)
    return AttemptResult(ok=bool(ok), error="" if ok else "the service did not accept the notification")


SENDERS: dict[str, Callable[[Delivery], AttemptResult]] = {
    Channel.WEBHOOK: send_webhook,
    Channel.APPRISE: send_apprise,
}


def delivery_attempt(delivery: Delivery, *, now: dt.datetime | None = None) -> str:
    """Claim and send one row through its channel's sender; returns the new state ("" if it was
    claimed by someone else)."""
    now = now or timezone.now()
    if not delivery_claim(delivery, now, settings.NEM_ALERT_HTTP_TIMEOUT_SECONDS * 3 + 30):
        return ""
    started = time.perf_counter()
    try:
        result = SENDERS[delivery.channel](delivery)
    except Exception as exc:  # noqa: BLE001 - a sender bug must not leave the row claimed forever
        logger.exception("alert delivery id=%s raised", delivery.pk)
        result = AttemptResult(ok=False, error=f"{type(exc).__name__}")
    latency = (time.perf_counter() - started) * 1000
    return record_attempt(delivery, result, now=now, latency_ms=round(latency, 1))


def delivery_drain(
    *, now: dt.datetime | None = None, channels: list[str] | None = None, max_rows: int = 1000
) -> DrainSummary:
    """Send every due lane head of the HTTP channels, lane by lane, until nothing is due."""
    channels = channels or [Channel.WEBHOOK, Channel.APPRISE]
    summary = DrainSummary()
    failed_lanes: set[str] = set()
    while summary.attempted < max_rows:
        clock = now or timezone.now()
        heads = [d for d in lane_heads(channels, clock) if d.lane not in failed_lanes]
        if not heads:
            break
        for delivery in heads:
            state = delivery_attempt(delivery, now=clock)
            if state == DeliveryState.DELIVERED:
                summary.delivered += 1
            elif state == DeliveryState.DEAD:
                summary.dead += 1
            elif state == DeliveryState.PENDING:
                summary.failed += 1
                failed_lanes.add(delivery.lane)  # its next row must wait for this one
            summary.ids.append(delivery.pk)
    return summary
