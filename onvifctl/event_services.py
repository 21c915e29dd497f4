"""What the event process writes: the health of each camera's subscription, and the meaning of
the messages it pulls (tamper -> a scene-change episode via ``cameras.signals``, motion -> activity
evidence, signal loss, unknown topics kept for the admin). Each function is one transaction, run
on one of the event process's database threads."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cameras.models import Camera
from cameras.signals import camera_tamper_reported
from onvifctl import topics
from onvifctl.models import OnvifEventState, OnvifUnknownEvent

logger = logging.getLogger(__name__)


def _state_locked(camera_id: str) -> OnvifEventState:
    OnvifEventState.all_objects.get_or_create(camera_id=camera_id)
    return OnvifEventState.all_objects.select_for_update().get(camera_id=camera_id)


def _update(camera_id: str, **fields) -> None:
    if not Camera.objects.filter(pk=camera_id).exists():
        return
    OnvifEventState.all_objects.get_or_create(camera_id=camera_id)
    OnvifEventState.all_objects.filter(camera_id=camera_id).update(updated_at=timezone.now(), **fields)


def onvif_events_subscribed(*, camera_id: str, terminates_at: dt.datetime) -> None:
    now = timezone.now()
    _update(
        camera_id,
        subscribed=True,
        subscribed_at=now,
        terminates_at=terminates_at,
        subscriptions_created=F("subscriptions_created") + 1,
        consecutive_failures=0,
    )


def onvif_events_renewed(*, camera_id: str, terminates_at: dt.datetime) -> None:
    _update(camera_id, terminates_at=terminates_at, renewals=F("renewals") + 1)


def onvif_events_failed(*, camera_id: str, error: str) -> None:
    """The subscription lapsed, was refused, or the device is unreachable: not subscribed now."""
    _update(
        camera_id,
        subscribed=False,
        last_error=error[:500],
        last_error_at=timezone.now(),
        consecutive_failures=F("consecutive_failures") + 1,
    )


def onvif_events_stopped(*, camera_ids: list[str]) -> None:
    """The event process stopped: these cameras' subscriptions are no longer pulled."""
    OnvifEventState.all_objects.filter(camera_id__in=camera_ids).update(subscribed=False, updated_at=timezone.now())


def onvif_events_record(
    *, camera_id: str, notifications: list[topics.Notification], received_at: dt.datetime | None = None
) -> dict[str, int]:
    """Apply the messages of one pull, in order, in one transaction.

    Times are ours (``received_at``), not the device's ``UtcTime``: camera clocks drift, and
    health compares them with our clock. A tamper topic opens or joins an episode only when it
    turns active (``Initialized`` active after a resubscription repeats a known state, and adds
    nothing). Returns counts by kind."""
    received_at = received_at or timezone.now()
    counts = dict.fromkeys((topics.TAMPER, topics.MOTION, topics.SIGNAL_LOSS, topics.UNKNOWN), 0)
    with transaction.atomic():
        # The state row joins the camera's trash cascade: a live row means a live camera, so the
        # usual case is one locking read and one update.
        state = OnvifEventState.all_objects.select_for_update().filter(camera_id=camera_id).first()
        if state is None:
            if not Camera.objects.filter(pk=camera_id).exists():
                return counts
            state = _state_locked(camera_id)
        elif state.is_deleted:
            return counts
        active_tamper = dict(state.tamper_topics or {})
        for note in notifications:
            counts[note.kind] += 1
            if note.kind == topics.MOTION:
                if note.active:
                    state.last_motion_at = received_at
                state.motion_active = bool(note.active)
            elif note.kind == topics.TAMPER:
                key = note.topic + "|" + "|".join(f"{k}={v}" for k, v in sorted(note.source.items()))
                was_active = active_tamper.get(key, False)
                active_tamper[key] = bool(note.active)
                if note.active and not was_active:
                    state.last_tamper_at = received_at
                    camera_tamper_reported.send(
                        sender=OnvifEventState,
                        camera_id=camera_id,
                        change_type=note.change_type,
                        topic=note.topic,
                        occurred_at=received_at,
                    )
            elif note.kind == topics.SIGNAL_LOSS:
                state.signal_lost = bool(note.active)
            else:
                _unknown(camera_id, note, received_at)
        state.tamper_topics = active_tamper
        state.messages += len(notifications)
        if notifications:
            state.last_message_at = received_at
        state.subscribed = True
        state.updated_at = timezone.now()
        state.save()
    return counts


def _unknown(camera_id: str, note: topics.Notification, at: dt.datetime) -> None:
    row, _created = OnvifUnknownEvent.all_objects.get_or_create(
        camera_id=camera_id, topic=note.topic[:255], defaults={"first_seen_at": at}
    )
    OnvifUnknownEvent.all_objects.filter(pk=row.pk).update(count=F("count") + 1, last_seen_at=at, last_message=note.xml)


def onvif_events_status(*, camera_id: str) -> dict:
    """The camera's event subscription as the event process last recorded it (404 for an unknown
    or trashed camera, 409 unless it is in onvif mode); all empty before the process saw it."""
    from onvifctl.services.clients import onvif_camera  # the app's own camera rule

    camera = onvif_camera(camera_id)
    state = OnvifEventState.objects.filter(camera_id=camera.id).first() or OnvifEventState(camera_id=camera.id)
    unknown = OnvifUnknownEvent.objects.filter(camera_id=camera.id).order_by("-last_seen_at", "topic")[:50]
    return {
        "camera_id": camera.id,
        "subscribed": state.subscribed,
        "subscribed_at": state.subscribed_at,
        "terminates_at": state.terminates_at,
        "subscriptions_created": state.subscriptions_created,
        "renewals": state.renewals,
        "messages": state.messages,
        "last_message_at": state.last_message_at,
        "last_error": state.last_error or None,
        "last_error_at": state.last_error_at,
        "consecutive_failures": state.consecutive_failures,
        "last_motion_at": state.last_motion_at,
        "motion_active": state.motion_active,
        "last_tamper_at": state.last_tamper_at,
        "signal_lost": state.signal_lost,
        "unknown_topics": [{"topic": u.topic, "count": u.count, "last_seen_at": u.last_seen_at} for u in unknown],
    }
