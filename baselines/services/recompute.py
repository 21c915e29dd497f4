"""Hourly rollups and the baseline recompute (spec section 5).

Everything here is rebuilt from raw detections, so running it twice gives the same rows:

1. ``hourly_rollup``: one SQL aggregation per camera (detections grouped by local hour and
   class) over a range of hours, written to ``HourlyClassCount``; ``HourlyCount`` gets every
   hour of the range, zero hours included. Only rows that differ are written (bulk upsert), so
   a repeated run writes nothing.
2. ``baseline_recompute``: the rollup over the window, then the slots. An hour k whole weeks
   older than the newest completed hour weighs ``decay ** k``; per slot, the weighted mean
   ``sum(w x) / sum(w)`` and the weighted (population) std ``sqrt(sum(w (x - mean)^2) / sum(w))``
   over the observed hours. This loops over hourly rows (at most 24 x window_days per camera),
   never over detections.

Observed hours: the window's hours from the camera's first data (its creation, or its first
detection if older) or from its last reset, whichever is later. Hours before a camera existed are
not zero hours; hours it existed and saw nothing are.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Min
from django.db.models.functions import TruncHour
from django.utils import timezone

from baselines.models import (
    ActivitySlot,
    BaselineState,
    ClassSlot,
    Detection,
    DirtyHour,
    HourlyClassCount,
    HourlyCount,
)
from baselines.services import rollup_pg
from baselines.services.clock import camera_zone, hour_ceil, hour_floor, hour_keys, weeks_old
from baselines.services.config import baseline_state_get, effective_config
from cameras.models import Camera

logger = logging.getLogger(__name__)

SLOTS = 168
LEARNING_SHARE = 0.8
# A claim older than this is from a worker that died (the tasks' hard limit is 660 s).
CLAIM_STALE = dt.timedelta(minutes=15)


def learnt_slots_needed() -> int:
    """At least 80 % of the 168 slots: 134.4, so 135."""
    return math.ceil(LEARNING_SHARE * SLOTS)


@dataclass(frozen=True)
class RecomputeResult:
    camera_id: str
    skipped: str = ""  # why nothing was done ("busy", "trashed"), else empty
    hours: int = 0
    detections: int = 0
    learning_complete: bool = False
    rolled_up_hours: int = 0  # hours re-read from the detections (all of them, or only those due)


def hourly_aggregate(*, camera_ids: list[str], tz, start: dt.datetime, end: dt.datetime) -> dict[str, dict]:
    """Detections per (camera, local hour, class) in [start, end) for cameras on one clock: a
    single SQL GROUP BY, so the table is read once however many cameras there are."""
    out: dict[str, dict] = {camera_id: {} for camera_id in camera_ids}
    rows = (
        Detection.objects.filter(camera_id__in=camera_ids, detected_at__gte=start, detected_at__lt=end)
        .annotate(key=TruncHour("detected_at", tzinfo=tz))
        .values_list("camera_id", "key", "object_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    for camera_id, key, object_type, n in rows:
        out[camera_id][(key, object_type)] = n
    return out


def hourly_rollup(
    *, camera: Camera, start: dt.datetime, end: dt.datetime, aggregated: dict | None = None
) -> tuple[list, dict]:
    """Rebuild the camera's hourly rows for the local hours in [start, end).

    ``aggregated``: this camera's ``hourly_aggregate`` over a range covering [start, end), when
    the caller already ran it for several cameras. Returns ``(keys, counts)``: the hour keys,
    oldest first, and ``{(key, class): count}``.
    """
    tz = camera_zone(camera)
    keys = hour_keys(start, end, tz)
    if aggregated is None:
        counts = hourly_aggregate(camera_ids=[camera.pk], tz=tz, start=start, end=end)[camera.pk]
    else:
        counts = {item: n for item, n in aggregated.items() if start <= item[0] < end}
    totals: dict[dt.datetime, int] = defaultdict(int)
    for (key, _), n in counts.items():
        totals[key] += n

    existing = dict(
        HourlyCount.objects.filter(camera_id=camera.pk, hour_start__gte=start, hour_start__lt=end)
        .order_by()  # the default ordering would join and sort by the camera's ordering
        .values_list("hour_start", "count")
    )
    changed = [
        HourlyCount(camera_id=camera.pk, hour_start=key, day_of_week=key.weekday(), hour=key.hour, count=totals[key])
        for key in keys
        if existing.get(key) != totals[key]
    ]
    if changed:
        HourlyCount.objects.bulk_create(
            changed,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["camera", "hour_start"],
            update_fields=["count", "day_of_week", "hour"],
        )

    existing_classes = {
        (key, object_type): (pk, n)
        for pk, key, object_type, n in HourlyClassCount.objects.filter(
            camera_id=camera.pk, hour_start__gte=start, hour_start__lt=end
        )
        .order_by()
        .values_list("pk", "hour_start", "object_type", "count")
    }
    stale = [pk for item, (pk, _) in existing_classes.items() if item not in counts]
    if stale:
        HourlyClassCount.objects.filter(pk__in=stale).delete()
    changed_classes = [
        HourlyClassCount(
            camera_id=camera.pk, hour_start=key, object_type=object_type, day_of_week=key.weekday(), hour=key.hour, count=n
        )
        for (key, object_type), n in counts.items()
        if existing_classes.get((key, object_type), (None, None))[1] != n
    ]
    if changed_classes:
        HourlyClassCount.objects.bulk_create(
            changed_classes,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["camera", "hour_start", "object_type"],
            update_fields=["count", "day_of_week", "hour"],
        )
    return keys, counts


def _weighted(values: list[tuple[float, float]]) -> tuple[float, float]:
    """Weighted mean and population std of [(weight, value)]."""
    total = sum(w for w, _ in values)
    if total <= 0:
        return 0.0, 0.0
    mean = sum(w * x for w, x in values) / total
    variance = sum(w * (x - mean) ** 2 for w, x in values) / total
    return mean, math.sqrt(max(variance, 0.0))


def observation_start(*, camera: Camera, state: BaselineState, window_start: dt.datetime, tz) -> dt.datetime:
    first_detection = Detection.objects.filter(camera_id=camera.pk).aggregate(first=Min("detected_at"))["first"]
    first_data = min(filter(None, [camera.created_at, first_detection]))
    start = max(window_start, hour_floor(first_data, tz))
    if state.learning_since:
        start = max(start, hour_ceil(state.learning_since, tz))
    return start


def _claim(camera_id: str, field: str, now: dt.datetime, *, take_over: bool = False) -> bool:
    """Single flight: take the camera's job claim with a conditional UPDATE (0 rows: busy).
    ``take_over`` takes it whatever its age: for a redelivered task whose first worker died."""
    from django.db.models import Q

    rows = BaselineState.objects.filter(camera_id=camera_id)
    if not take_over:
        stale = now - CLAIM_STALE
        rows = rows.filter(Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": stale}))
    return bool(rows.update(**{field: now}))


def _release(camera_id: str, field: str, **done) -> None:
    BaselineState.all_objects.filter(camera_id=camera_id).update(**{field: None}, **done)


def baseline_recompute(
    *,
    camera_id: str,
    now: dt.datetime | None = None,
    aggregated: dict | None = None,
    take_over: bool = False,
    full: bool = False,
) -> RecomputeResult:
    """Rebuild one camera's hourly counts, activity slots and class slots from raw detections.

    1. Re-check the camera is live (a trashed camera is skipped quietly).
    2. Claim the camera's recompute (at most one at a time per camera; a busy camera is skipped).
    3. Window: the ``window_days`` days of local hours ending with the last completed hour.
    4. Roll up, compute the slots, upsert all 168 activity slots and 24 slots per class seen
       (slots of classes no longer seen are deleted), in one transaction that holds the
       camera's state row, so a reset either precedes it (and is honoured) or waits for it
       (and then deletes what it wrote): a reset is never followed by stale slots.
    5. Record learning_complete and, the first time it holds, ``established_at``; release.

    On PostgreSQL steps 3-5 are set-based SQL (``rollup_pg``), and incremental: only the hours
    whose detections changed (marked by triggers) or that were never rolled up are re-read from
    the detections, unless ``full``. Elsewhere the portable ORM path, always a full rebuild.
    """
    now = now or timezone.now()
    camera = Camera.objects.filter(pk=camera_id).first()
    if camera is None:
        logger.info("baseline recompute skipped: camera %s is not live", camera_id)
        return RecomputeResult(camera_id=camera_id, skipped="not live")
    baseline_state_get(camera_id=camera_id)
    if not _claim(camera_id, "recompute_claimed_at", now, take_over=take_over):
        logger.info("baseline recompute skipped: camera %s is being recomputed", camera_id)
        return RecomputeResult(camera_id=camera_id, skipped="busy")
    try:
        if connection.vendor == "postgresql":
            result = _recompute_sql(cameras=[camera], now=now, full=full)[0]
        else:
            result = _recompute(camera=camera, now=now, aggregated=aggregated)
    finally:
        _release(camera_id, "recompute_claimed_at")
    return result


def _lock_states(camera_ids: list[str]) -> dict[str, BaselineState]:
    """The cameras' state rows, locked until the recompute commits (id order: no deadlock with
    another locker of several rows). ``baseline_reset`` takes the same lock."""
    return {
        state.camera_id: state
        for state in BaselineState.objects.select_for_update().filter(camera_id__in=camera_ids).order_by("camera_id")
    }


def _finish(
    *, state: BaselineState, start, window_end, now, hours, detections, learnt, rolled_up
) -> RecomputeResult:
    complete = learnt >= learnt_slots_needed()
    update = {
        "learning_complete": complete,
        "window_start": start,
        "window_end": window_end,
        "last_recompute_at": now,
    }
    if complete and state.established_at is None:
        update["established_at"] = now
    BaselineState.all_objects.filter(pk=state.pk).update(**update)
    return RecomputeResult(
        camera_id=state.camera_id, hours=hours, detections=detections, learning_complete=complete,
        rolled_up_hours=rolled_up,
    )


@transaction.atomic
def _recompute_sql(*, cameras: list[Camera], now: dt.datetime, full: bool = False) -> list[RecomputeResult]:
    """The PostgreSQL recompute of cameras on one clock (claimed by the caller), as one group."""
    tz = camera_zone(cameras[0])
    states = _lock_states([c.pk for c in cameras])
    window_end = hour_floor(now, tz)
    keys_by_start: dict[dt.datetime, tuple[list, list]] = {}
    windows = []
    for camera in cameras:
        state = states[camera.pk]
        config = effective_config(state)
        window_start = window_end - dt.timedelta(days=config.window_days)
        start = min(observation_start(camera=camera, state=state, window_start=window_start, tz=tz), window_end)
        if start not in keys_by_start:
            keys = hour_keys(start, window_end, tz)
            keys_by_start[start] = (keys, [config.decay_factor ** weeks_old(key, window_end) for key in keys])
        keys, weights = keys_by_start[start]
        windows.append(
            rollup_pg.CameraWindow(
                camera_id=camera.pk, start=start, min_samples=config.min_samples, keys=keys, weights=weights
            )
        )
    stats = rollup_pg.rollup_and_slots(windows=windows, tz_name=str(tz), window_end=window_end, stamp=now, full=full)
    return [
        _finish(
            state=states[w.camera_id], start=w.start, window_end=window_end, now=now,
            hours=stats[w.camera_id].hours, detections=stats[w.camera_id].detections,
            learnt=stats[w.camera_id].learnt_slots, rolled_up=stats[w.camera_id].rolled_up_hours,
        )
        for w in windows
    ]


@transaction.atomic
def _recompute(*, camera: Camera, now: dt.datetime, aggregated: dict | None) -> RecomputeResult:
    state = _lock_states([camera.pk])[camera.pk]
    config = effective_config(state)
    tz = camera_zone(camera)
    window_end = hour_floor(now, tz)
    window_start = window_end - dt.timedelta(days=config.window_days)
    start = min(observation_start(camera=camera, state=state, window_start=window_start, tz=tz), window_end)

    # Rows from before the window (or the reset) no longer matter.
    HourlyCount.all_objects.filter(camera_id=camera.pk, hour_start__lt=start).delete()
    HourlyClassCount.all_objects.filter(camera_id=camera.pk, hour_start__lt=start).delete()
    keys, counts = hourly_rollup(camera=camera, start=start, end=window_end, aggregated=aggregated)

    weights = {key: config.decay_factor ** weeks_old(key, window_end) for key in keys}
    totals: dict[dt.datetime, int] = defaultdict(int)
    by_class: dict[str, dict[dt.datetime, int]] = defaultdict(dict)
    for (key, object_type), n in counts.items():
        totals[key] += n
        by_class[object_type][key] = n

    activity: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    keys_by_hour: dict[int, list[dt.datetime]] = defaultdict(list)
    for key in keys:
        activity[(key.weekday(), key.hour)].append((weights[key], totals[key]))
        keys_by_hour[key.hour].append(key)

    stamp = now
    slots = []
    for day in range(7):
        for hour in range(24):
            values = activity.get((day, hour), [])
            mean, std = _weighted(values)
            slots.append(
                ActivitySlot(
                    camera_id=camera.pk, day_of_week=day, hour=hour, avg_count=mean, std_dev=std,
                    sample_count=len(values), updated_at=stamp,
                )
            )
    ActivitySlot.objects.bulk_create(
        slots,
        update_conflicts=True,
        unique_fields=["camera", "day_of_week", "hour"],
        update_fields=["avg_count", "std_dev", "sample_count", "updated_at"],
    )

    class_slots = []
    for object_type in sorted(by_class):
        seen = by_class[object_type]
        for hour in range(24):
            hour_keys_ = keys_by_hour.get(hour, [])
            values = [(weights[key], seen.get(key, 0)) for key in hour_keys_]
            mean, std = _weighted(values)
            class_slots.append(
                ClassSlot(
                    camera_id=camera.pk, object_type=object_type, hour=hour, frequency=mean, std_dev=std,
                    hours_observed=len(values), sample_count=sum(seen.get(key, 0) for key in hour_keys_),
                    updated_at=stamp,
                )
            )
    ClassSlot.all_objects.filter(camera_id=camera.pk).exclude(object_type__in=list(by_class)).delete()
    if class_slots:
        ClassSlot.objects.bulk_create(
            class_slots,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["camera", "object_type", "hour"],
            update_fields=["frequency", "std_dev", "hours_observed", "sample_count", "updated_at"],
        )

    return _finish(
        state=state, start=start, window_end=window_end, now=now, hours=len(keys), rolled_up=len(keys),
        detections=sum(totals.values()), learnt=sum(1 for slot in slots if slot.sample_count >= config.min_samples),
    )


def baseline_recompute_all(*, now: dt.datetime | None = None, full: bool = False) -> list[RecomputeResult]:
    """Recompute every live camera (the command without ``--camera``). Cameras on the same clock
    share one aggregation over the widest window (each camera then keeps its own hours), so the
    detections table is read once per time zone rather than once per camera."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        # Marks of purged cameras (their own deletes made them); trashed cameras keep theirs.
        DirtyHour.objects.exclude(camera_id__in=Camera.all_objects.values("pk")).delete()
    by_zone: dict[str, list[Camera]] = defaultdict(list)
    for camera in Camera.objects.order_by("pk"):
        by_zone[str(camera_zone(camera))].append(camera)
    window_days = effective_config(None).window_days
    results = []
    for cameras in by_zone.values():
        if connection.vendor == "postgresql":
            results += _recompute_group(cameras=cameras, now=now, full=full)
            continue
        tz = camera_zone(cameras[0])
        end = hour_floor(now, tz)
        aggregated = hourly_aggregate(
            camera_ids=[c.pk for c in cameras], tz=tz, start=end - dt.timedelta(days=window_days), end=end
        )
        results += [baseline_recompute(camera_id=c.pk, now=now, aggregated=aggregated[c.pk]) for c in cameras]
    return results


def _recompute_group(*, cameras: list[Camera], now: dt.datetime, full: bool = False) -> list[RecomputeResult]:
    """Claim each camera of one clock, recompute the claimed ones together, release them."""
    claimed = []
    results: dict[str, RecomputeResult] = {}
    for camera in cameras:
        baseline_state_get(camera_id=camera.pk)
        if _claim(camera.pk, "recompute_claimed_at", now):
            claimed.append(camera)
        else:
            logger.info("baseline recompute skipped: camera %s is being recomputed", camera.pk)
            results[camera.pk] = RecomputeResult(camera_id=camera.pk, skipped="busy")
    try:
        if claimed:
            results.update((r.camera_id, r) for r in _recompute_sql(cameras=claimed, now=now, full=full))
    finally:
        for camera in claimed:
            _release(camera.pk, "recompute_claimed_at")
    return [results[c.pk] for c in cameras]
