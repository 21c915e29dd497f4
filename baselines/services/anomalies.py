"""The hourly anomaly scan (spec section 5).

For the last completed hour(s) of a camera, the count x of each class and of all activity is
compared with its slot's expectation lambda (class slot: the class's weighted mean at that hour
of day; activity slot: the weighted mean at that weekday and hour), under X ~ Poisson(lambda):

- surge: ``anomaly_score = 1 - P(X >= x)``; flagged when P(X >= x) is smaller than the one-sided
  tail of a ``threshold_stdev``-sigma normal event (default k = 3: p < 0.00135, so score > 0.99865;
  k = 2: p < 0.0228);
- absence (all activity only): nothing in an hour whose expectation makes an empty hour that
  improbable (``anomaly_score = 1 - P(X = 0) = 1 - exp(-lambda)``). A busy slot gone silent is
  what a dead, blinded or unplugged camera looks like.

A slot is used only once it has ``min_samples`` observed hours. A class never seen at that hour
in n observed hours has lambda = 0, which would make any single sighting infinitely improbable;
lambda is floored at 1/(n + 1) (about "once in the hours watched so far").

Rows are unique per (camera, hour, class): scanning an hour twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone

from baselines import signals
from baselines.models import ActivitySlot, Anomaly, ClassSlot, Detection
from baselines.services.clock import HOUR, camera_zone, hour_floor, hour_keys, hour_label
from baselines.services.config import baseline_state_get, effective_config
from baselines.services.recompute import _claim, _release
from cameras.models import Camera

logger = logging.getLogger(__name__)


def poisson_cdf(x: int, lam: float) -> float:
    """P(X <= x) for X ~ Poisson(lam), summed in log space (no overflow for large counts)."""
    if x < 0:
        return 0.0
    if lam <= 0:
        return 1.0
    log_terms = [-lam + k * math.log(lam) - math.lgamma(k + 1) for k in range(x + 1)]
    top = max(log_terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in log_terms))


def surge_score(observed: int, lam: float) -> float:
    """1 - P(X >= observed) = P(X <= observed - 1)."""
    return poisson_cdf(observed - 1, lam)


def absence_score(lam: float) -> float:
    """1 - P(X = 0)."""
    return 1.0 - math.exp(-lam)


def score_threshold(threshold_stdev: float) -> float:
    """Phi(k): a score above it is rarer than a one-sided k-sigma normal event."""
    return 0.5 * (1.0 + math.erf(threshold_stdev / math.sqrt(2.0)))


def expected_floor(lam: float, hours_observed: int) -> float:
    return max(lam, 1.0 / (hours_observed + 1))


def _about(value: float) -> str:
    return f"{value:.1f}" if value >= 0.05 else f"{value:.2f}"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


@dataclass(frozen=True)
class ScanResult:
    camera_id: str
    skipped: str = ""
    hours: int = 0
    created: int = 0


def anomaly_detect(*, camera_id: str, now: dt.datetime | None = None, hours: int = 1) -> ScanResult:
    """Score the camera's last ``hours`` completed local hours and store the anomalies found.

    Single flight per camera (a busy camera is skipped); a trashed camera is skipped quietly.
    """
    now = now or timezone.now()
    camera = Camera.objects.filter(pk=camera_id).first()
    if camera is None:
        logger.info("anomaly scan skipped: camera %s is not live", camera_id)
        return ScanResult(camera_id=camera_id, skipped="not live")
    baseline_state_get(camera_id=camera_id)
    if not _claim(camera_id, "scan_claimed_at", now):
        logger.info("anomaly scan skipped: camera %s is being scanned", camera_id)
        return ScanResult(camera_id=camera_id, skipped="busy")
    try:
        created = _scan(camera=camera, now=now, hours=hours)
    finally:
        _release(camera_id, "scan_claimed_at", last_scan_at=now)
    return ScanResult(camera_id=camera_id, hours=hours, created=created)


def hour_counts(*, camera: Camera, start: dt.datetime, end: dt.datetime) -> dict[dt.datetime, dict[str, int]]:
    """{local hour key: {class: count}} for detections in [start, end), one SQL aggregation."""
    tz = camera_zone(camera)
    out: dict[dt.datetime, dict[str, int]] = defaultdict(dict)
    rows = (
        Detection.objects.filter(camera_id=camera.pk, detected_at__gte=start, detected_at__lt=end)
        .annotate(key=TruncHour("detected_at", tzinfo=tz))
        .values_list("key", "object_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    for key, object_type, n in rows:
        out[key][object_type] = n
    return out


def _candidates(*, camera: Camera, key: dt.datetime, counts: dict[str, int], config) -> list[Anomaly]:
    found: list[Anomaly] = []
    threshold = score_threshold(config.threshold_stdev)
    label = hour_label(key)
    slot = ActivitySlot.objects.filter(camera_id=camera.pk, day_of_week=key.weekday(), hour=key.hour).first()
    if slot is not None and slot.sample_count >= config.min_samples:
        total = sum(counts.values())
        lam = expected_floor(slot.avg_count, slot.sample_count)
        if total == 0:
            score = absence_score(lam)
            if score > threshold:
                found.append(
                    Anomaly(
                        camera=camera, hour_start=key, object_type="", kind=Anomaly.Kind.ABSENCE, observed_count=0,
                        expected_count=lam, anomaly_score=score,
                        reason=f"no detections at {label} when about {_about(lam)} are expected",
                    )
                )
        else:
            score = surge_score(total, lam)
            if score > threshold:
                found.append(
                    Anomaly(
                        camera=camera, hour_start=key, object_type="", kind=Anomaly.Kind.SURGE, observed_count=total,
                        expected_count=lam, anomaly_score=score,
                        reason=f"{total} detections at {label} when about {_about(lam)} are expected",
                    )
                )
    class_slots = {s.object_type: s for s in ClassSlot.objects.filter(camera_id=camera.pk, hour=key.hour)}
    # Hours watched at this hour of day (a class never seen has no slot but the same watch time).
    watched = max((s.hours_observed for s in class_slots.values()), default=0)
    for object_type, observed in sorted(counts.items()):
        cslot = class_slots.get(object_type)
        hours_observed = cslot.hours_observed if cslot else watched
        if hours_observed < config.min_samples:
            continue
        lam = expected_floor(cslot.frequency if cslot else 0.0, hours_observed)
        score = surge_score(observed, lam)
        if score > threshold:
            found.append(
                Anomaly(
                    camera=camera, hour_start=key, object_type=object_type, kind=Anomaly.Kind.SURGE,
                    observed_count=observed, expected_count=lam, anomaly_score=score,
                    reason=f"{object_type} detected {_times(observed)} at {label} when about {_about(lam)} are expected",
                )
            )
    return found


def _scan(*, camera: Camera, now: dt.datetime, hours: int) -> int:
    state = baseline_state_get(camera_id=camera.pk)
    config = effective_config(state)
    tz = camera_zone(camera)
    end = hour_floor(now, tz)
    start = end - hours * HOUR
    counts = hour_counts(camera=camera, start=start, end=end)
    created = 0
    for key in hour_keys(start, end, tz):
        for anomaly in _candidates(camera=camera, key=key, counts=counts.get(key, {}), config=config):
            try:
                with transaction.atomic():
                    anomaly.save(force_insert=True)
                    signals.anomaly_recorded.send(sender=Anomaly, anomaly_id=anomaly.pk, camera_id=camera.pk)
                created += 1
            except IntegrityError:
                pass  # this hour and class already has its anomaly (an earlier or concurrent scan)
    if created:
        logger.info("anomaly scan camera=%s hours=%s created=%s", camera.pk, hours, created)
    return created


def anomaly_detect_all(*, now: dt.datetime | None = None, hours: int = 1) -> list[ScanResult]:
    ids = list(Camera.objects.order_by("pk").values_list("pk", flat=True))
    return [anomaly_detect(camera_id=camera_id, now=now, hours=hours) for camera_id in ids]
