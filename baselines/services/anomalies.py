"""The hourly anomaly scan.

For the last completed hour(s) of a camera, the count x of each class and of all activity is
compared with its slot's expectation lambda (class slot: the class's weighted mean at that hour
of day; activity slot: the weighted mean at that weekday and hour), under X ~ Poisson(lambda):

- surge: ``anomaly_score = 1 - P(X >= x)``; flagged when P(X >= x) is smaller than the one-sided
  tail of a ``threshold_stdev``-sigma normal event (default k = 3: p < 0.00135, so score > 0.99865;
  k = 2: p < 0.0228);
- absence (all activity only): nothing in a run of consecutive hours whose expectations make
  that silence improbable (``anomaly_score = 1 - P(all empty) = 1 - exp(-(lambda_1 + ... +
  lambda_n))``), stored as one row spanning the run. A busy slot gone silent is what a dead,
  blinded or unplugged camera looks like; late detections that fall into the run withdraw it.

The expectation an hour is judged against never includes that hour (``expectations``), in
whatever order the recompute, the ingest and the scan run.

A slot is used only once it has ``min_samples`` observed hours. A class never seen at that hour
in n observed hours has lambda = 0, which would make any single sighting infinitely improbable;
lambda is floored at 1/(n + 1) (about "once in the hours watched so far").

Rows are unique per (camera, hour, class): scanning an hour twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from baselines import signals
from baselines.models import Anomaly, Detection
from baselines.services.clock import HOUR, camera_zone, hour_floor, hour_keys, hour_label
from baselines.services.config import (
    SCAN_CLAIM,
    baseline_job_claim,
    baseline_job_release,
    baseline_state_get,
    effective_config,
)
from baselines.services.expectations import Expectations, hour_counts
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


def anomaly_detect(
    *, camera_id: str, now: dt.datetime | None = None, hours: int = 1, until: dt.datetime | None = None
) -> ScanResult:
    """Score the camera's last ``hours`` completed local hours (those ending by ``until``, default
    ``now``) and store the anomalies found.

    Single flight per camera (a busy camera is skipped); a trashed camera is skipped quietly.
    """
    now = now or timezone.now()
    camera = Camera.objects.filter(pk=camera_id).first()
    if camera is None:
        logger.info("anomaly scan skipped: camera %s is not live", camera_id)
        return ScanResult(camera_id=camera_id, skipped="not live")
    baseline_state_get(camera_id=camera_id)
    if not baseline_job_claim(camera_id=camera_id, column=SCAN_CLAIM, now=now):
        logger.info("anomaly scan skipped: camera %s is being scanned", camera_id)
        return ScanResult(camera_id=camera_id, skipped="busy")
    try:
        created = _scan(camera=camera, now=min(until or now, now), hours=hours)
    finally:
        baseline_job_release(camera_id=camera_id, column=SCAN_CLAIM, last_scan_at=now)
    return ScanResult(camera_id=camera_id, hours=hours, created=created)


def _surges(*, camera: Camera, key: dt.datetime, counts: dict[str, int], config, expect: Expectations) -> list[Anomaly]:
    found: list[Anomaly] = []
    threshold = score_threshold(config.threshold_stdev)
    label = hour_label(key)
    total = sum(counts.values())
    mean, samples = expect.activity(key)
    if total and samples >= config.min_samples:
        lam = expected_floor(mean, samples)
        score = surge_score(total, lam)
        if score > threshold:
            found.append(
                Anomaly(
                    camera=camera, hour_start=key, ends_at=key + HOUR, object_type="", kind=Anomaly.Kind.SURGE,
                    observed_count=total, expected_count=lam, anomaly_score=score,
                    reason=f"{total} detections at {label} when about {_about(lam)} are expected",
                )
            )
    if not counts:
        return found
    class_slots, watched = expect.classes(key)
    for object_type, observed in sorted(counts.items()):
        # A class never seen at this hour has no slot but the same watch time.
        frequency, hours_observed = class_slots.get(object_type, (0.0, watched))
        if hours_observed < config.min_samples:
            continue
        lam = expected_floor(frequency, hours_observed)
        score = surge_score(observed, lam)
        if score > threshold:
            found.append(
                Anomaly(
                    camera=camera, hour_start=key, ends_at=key + HOUR, object_type=object_type,
                    kind=Anomaly.Kind.SURGE, observed_count=observed, expected_count=lam, anomaly_score=score,
                    reason=f"{object_type} detected {_times(observed)} at {label} when about {_about(lam)} are expected",
                )
            )
    return found


def _span_label(first: dt.datetime, end: dt.datetime, hours: int, tz) -> str:
    if hours == 1:
        return f"at {hour_label(first)}"
    local_end = end.astimezone(tz)
    if hours >= 24:
        return f"from {first:%a %H:00} to {local_end:%a %H:00} ({hours} hours)"
    return f"from {first:%H:00} to {local_end:%H:00} ({hours} hours)"


def _absence(*, camera: Camera, keys: list[dt.datetime], end: dt.datetime, reach_back: bool, config, expect, tz) -> int:
    """Judge one run of silent hours ``keys`` (ending at ``end``) as one absence.

    Consecutive empty hours are one event: under Poisson expectations l1..ln, P(all empty) =
    exp(-(l1 + ... + ln)), so three quiet busy hours make one strong anomaly where each alone
    was a weak miss. A run reaching the start of the scanned hours (``reach_back``) goes back to
    the hour after the camera's last detection (at most ``window_days``), so the hourly scan sees
    the whole silence, not its last hour. Leading hours that expect nothing carry no evidence and
    are left out of the span. The run is stored as one row at its first hour, with ``hours`` and
    ``ends_at``; a stored absence it overlaps is that row, grown in place (one signal, when the
    row is first stored). Returns 1 if a row was created."""
    threshold = score_threshold(config.threshold_stdev)
    first = keys[0]
    if reach_back:
        last_seen = (
            Detection.objects.filter(camera_id=camera.pk, detected_at__lt=first)
            .aggregate(last=Max("detected_at"))["last"]
        )
        since = max(first - dt.timedelta(days=config.window_days), expect.observed_from)
        if last_seen is not None:
            since = max(since, hour_floor(last_seen, tz) + HOUR)
        if since < first:
            keys = hour_keys(since, first, tz) + keys
    expect.prepare(keys[0], keys[-1])
    expected = []
    for key in keys:
        mean, samples = expect.activity(key)
        expected.append(mean if samples >= config.min_samples else 0.0)
    while keys and expected[0] <= 0.0:
        keys, expected = keys[1:], expected[1:]
    if not keys:
        return 0
    lam = math.fsum(expected)
    score = absence_score(lam)
    if score <= threshold:
        return 0
    hours = len(keys)
    fields = {
        "hour_start": keys[0], "ends_at": end, "hours": hours, "observed_count": 0, "expected_count": lam,
        "anomaly_score": score,
        "reason": f"no detections {_span_label(keys[0], end, hours, tz)} when about {_about(lam)} are expected",
    }
    with transaction.atomic():
        stored = list(
            Anomaly.objects.select_for_update()
            .filter(camera_id=camera.pk, kind=Anomaly.Kind.ABSENCE, hour_start__lt=end, ends_at__gt=keys[0])
            .order_by("hour_start", "id")
        )
        if stored:
            keep, *merged = stored
            for row in merged:  # runs that a detection split, joined again once it was removed
                _withdraw(row)
            for name, value in fields.items():
                setattr(keep, name, value)
            keep.save(update_fields=list(fields))
            return 0
        try:
            with transaction.atomic():
                anomaly = Anomaly.objects.create(camera=camera, object_type="", kind=Anomaly.Kind.ABSENCE, **fields)
        except IntegrityError:
            return 0  # a concurrent scan stored it
        signals.anomaly_recorded.send(sender=Anomaly, anomaly_id=anomaly.pk, camera_id=camera.pk)
    return 1


def _scan(*, camera: Camera, now: dt.datetime, hours: int) -> int:
    state = baseline_state_get(camera_id=camera.pk)
    config = effective_config(state)
    tz = camera_zone(camera)
    end = hour_floor(now, tz)
    start = end - hours * HOUR
    counts = hour_counts(camera=camera, start=start, end=end)
    keys = hour_keys(start, end, tz)
    expect = Expectations(camera=camera, state=state, config=config, tz=tz)
    if keys:
        expect.prepare(keys[0], keys[-1])
    created = 0
    for key in keys:
        for anomaly in _surges(camera=camera, key=key, counts=counts.get(key, {}), config=config, expect=expect):
            try:
                with transaction.atomic():
                    anomaly.save(force_insert=True)
                    signals.anomaly_recorded.send(sender=Anomaly, anomaly_id=anomaly.pk, camera_id=camera.pk)
                created += 1
            except IntegrityError:
                pass  # this hour and class already has its anomaly (an earlier or concurrent scan)
    # Runs of empty hours, each judged as one absence.
    run: list[dt.datetime] = []
    for key in [*keys, None]:
        if key is not None and not counts.get(key):
            run.append(key)
            continue
        if run:
            run_end = key if key is not None else end
            created += _absence(
                camera=camera, keys=run, end=run_end, reach_back=run[0] == keys[0], config=config, expect=expect,
                tz=tz,
            )
            run = []
    if created:
        logger.info("anomaly scan camera=%s hours=%s created=%s", camera.pk, hours, created)
    return created


def _withdraw(row: Anomaly) -> None:
    signals.anomaly_withdrawn.send(
        sender=Anomaly, anomaly_id=row.pk, camera_id=row.camera_id, hour_start=row.hour_start
    )
    Anomaly.all_objects.filter(pk=row.pk).delete()


def absences_disproved(*, points_by_camera: dict[str, list[tuple[dt.datetime, str]]]) -> list[tuple[str, dt.datetime, int]]:
    """Withdraw the stored absences that new detections fall into (caller holds the transaction).

    A late batch for an hour already judged empty proves that hour was not: its absence row is
    removed after ``anomaly_withdrawn`` is sent. Returns ``(camera_id, ends_at, hours)`` of each
    withdrawn span, for a rescan that judges what is left of it (the silent hours on either side
    may still be an absence). One query per batch, on the (camera, hour_start) index."""
    bounds = {
        camera_id: (min(t for t, _ in points), max(t for t, _ in points))
        for camera_id, points in points_by_camera.items()
        if points
    }
    if not bounds:
        return []
    condition = Q(
        *(Q(camera_id=camera_id, hour_start__lte=hi, ends_at__gt=lo) for camera_id, (lo, hi) in bounds.items()),
        _connector=Q.OR,
    )
    withdrawn = []
    for row in Anomaly.objects.filter(condition, kind=Anomaly.Kind.ABSENCE).order_by("hour_start", "id"):
        if any(row.hour_start <= t < row.ends_at for t, _ in points_by_camera[row.camera_id]):
            withdrawn.append((row.camera_id, row.ends_at, row.hours))
            _withdraw(row)
    if withdrawn:
        from baselines.tasks import detect_anomalies_task

        for camera_id, ends_at, hours in withdrawn:
            logger.info("absence withdrawn camera=%s: late detections until %s", camera_id, ends_at.isoformat())
            transaction.on_commit(
                lambda c=camera_id, e=ends_at, h=hours: detect_anomalies_task.delay(c, until=e.isoformat(), hours=h)
            )
    return withdrawn


def anomaly_detect_all(*, now: dt.datetime | None = None, hours: int = 1) -> list[ScanResult]:
    ids = list(Camera.objects.order_by("pk").values_list("pk", flat=True))
    return [anomaly_detect(camera_id=camera_id, now=now, hours=hours) for camera_id in ids]
