"""Evaluation: compute a camera's verdict, store it, record and signal a change, derive the status."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cameras.media.status import StatusReport
from cameras.models import Camera, IngestionRecord
from cameras.services import camera_status_set
from health.models import CameraHealth, HealthOverride, HealthState, HealthTransition
from health.services.records import health_locked, note_media
from health.services.verdict import STATUS_OF, health_limits, health_verdict
from health.signals import health_changed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluation:
    camera_id: str
    previous: str
    state: str
    reasons: list[dict]
    status_change: tuple[str, str] | None

    @property
    def changed(self) -> bool:
        return self.previous != self.state


def health_evaluate(*, camera_id: str, now: dt.datetime | None = None, invalidate: bool = True) -> Evaluation | None:
    """Compute and store one live camera's verdict (None for an unknown or trashed camera).

    1. Lock the camera's health row; note ``last_seen_at`` as an arrival (videos and frames whose
       ``frame_arrived`` is still queued count too).
    2. Compute the verdict from the signals (``health_verdict``).
    3. On a change of state: write a ``HealthTransition`` and send ``health_changed``.
    4. Derive the camera's status and set it through ``camera_status_set`` (which sends
       ``camera_status_changed``), all in this one transaction.
    """
    now = now or timezone.now()
    with transaction.atomic():
        camera = Camera.objects.filter(pk=camera_id).first()
        if camera is None:
            return None
        health = health_locked(camera_id)
        record = IngestionRecord.objects.filter(pk=camera_id).first()
        override = HealthOverride.objects.filter(pk=camera_id).first()
        limits = health_limits(camera=camera, override=override)
        if camera.last_seen_at is not None:
            note_media(health, camera.last_seen_at, exact=False)
        reasons = health_verdict(camera=camera, record=record, health=health, limits=limits, now=now)
        state = reasons[0]["state"]
        previous = health.state
        health.reasons = reasons
        health.evaluated_at = now
        if state != previous:
            health.state = state
            health.since = now
            HealthTransition.objects.create(
                camera_id=camera_id, at=now, previous=previous, state=state, reasons=reasons
            )
            health_changed.send(
                sender=CameraHealth, camera_id=camera_id, previous=previous, state=state, reasons=reasons, at=now
            )
            logger.info("camera health camera=%s %s -> %s (%s)", camera_id, previous, state, reasons[0]["message"])
        health.save()
        status = STATUS_OF[HealthState(state)]
        status_change = None
        if camera.status != status and camera_status_set(
            camera_id=camera_id,
            previous=camera.status,
            status=status,
            at=now,
            detail=f"health {state}: {reasons[0]['message']}",
            invalidate=invalidate,
        ):
            status_change = (camera.status, str(status))
    return Evaluation(camera_id=camera_id, previous=previous, state=state, reasons=reasons, status_change=status_change)


@dataclass
class HealthReport:
    checked: int = 0
    transitions: dict[str, tuple[str, str]] = field(default_factory=dict)
    status_changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def health_evaluate_many(
    *,
    camera_ids: list[str] | None = None,
    now: dt.datetime | None = None,
    invalidate: bool = True,
    keep_going: bool = False,
) -> HealthReport:
    """Evaluate every live camera (or the given ones). ``keep_going``: a camera whose evaluation
    fails is logged and reported in ``failed`` and the others still run (the periodic job);
    otherwise the error propagates."""
    now = now or timezone.now()
    cameras = Camera.objects.order_by("id")
    if camera_ids is not None:
        cameras = cameras.filter(pk__in=camera_ids)
    report = HealthReport()
    for camera_id in cameras.values_list("pk", flat=True):
        report.checked += 1
        try:
            result = health_evaluate(camera_id=camera_id, now=now, invalidate=False)
        except Exception as exc:
            if not keep_going:
                raise
            logger.exception("health evaluation failed camera=%s", camera_id)
            report.failed[camera_id] = f"{type(exc).__name__}: {exc}"
            continue
        if result is None:
            continue
        if result.changed:
            report.transitions[camera_id] = (result.previous, result.state)
        if result.status_change is not None:
            report.status_changes[camera_id] = result.status_change
    if report.status_changes and invalidate:
        from cameras.cache import camera_list_invalidate

        camera_list_invalidate()
    return report


def health_status_check(
    *, camera_ids: list[str] | None = None, now: dt.datetime | None = None, invalidate: bool = True
) -> StatusReport:
    """``camera_status_check`` with health installed: the status comes from the verdict."""
    report = health_evaluate_many(camera_ids=camera_ids, now=now, invalidate=invalidate)
    return StatusReport(checked=report.checked, changes=report.status_changes)
