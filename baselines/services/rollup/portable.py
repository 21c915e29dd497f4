"""The portable rollup (any database): hourly rows and slots computed in Python.

Same result as the PostgreSQL path (``rollup.pg``; the tests run both), always a full rebuild:

1. ``hourly_aggregate``: one SQL aggregation per group of cameras (detections grouped by local
   hour and class) over the widest window.
2. ``hourly_rollup``: per camera, ``HourlyClassCount`` from it and ``HourlyCount`` for every hour
   of the window, zero hours included. Only rows that differ are written (bulk upsert), so a
   repeated run writes nothing.
3. The slots: per slot, the weighted mean ``sum(w x) / sum(w)`` and the weighted (population) std
   ``sqrt(sum(w (x - mean)^2) / sum(w))`` over the observed hours. This loops over hourly rows
   (at most 24 x window_days per camera), never over detections.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import TruncHour

from baselines.models import ActivitySlot, ClassSlot, Detection, HourlyClassCount, HourlyCount
from baselines.services.clock import hour_keys
from baselines.services.rollup.window import CameraWindow, GroupStats


def rollup_and_slots(
    *, windows: list[CameraWindow], tz, window_end: dt.datetime, stamp: dt.datetime, full: bool = False
) -> dict[str, GroupStats]:
    """Rebuild the hourly rows and slots of cameras on the clock ``tz`` (caller holds the
    transaction, the claims and the state locks). Always the whole window: ``full`` changes nothing."""
    aggregated = hourly_aggregate(
        camera_ids=[w.camera_id for w in windows], tz=tz, start=min(w.start for w in windows), end=window_end
    )
    stats = {}
    for window in windows:
        keys, counts = _rollup_camera(window, tz=tz, window_end=window_end, aggregated=aggregated[window.camera_id])
        stats[window.camera_id] = _write_slots(window, keys=keys, counts=counts, stamp=stamp)
    return stats


def _rollup_camera(window: CameraWindow, *, tz, window_end: dt.datetime, aggregated: dict) -> tuple[list, dict]:
    """Drop the hourly rows from before the window (or the reset), rebuild those in it."""
    HourlyCount.all_objects.filter(camera_id=window.camera_id, hour_start__lt=window.start).delete()
    HourlyClassCount.all_objects.filter(camera_id=window.camera_id, hour_start__lt=window.start).delete()
    return hourly_rollup(camera_id=window.camera_id, tz=tz, start=window.start, end=window_end, aggregated=aggregated)


def _write_slots(window: CameraWindow, *, keys: list, counts: dict, stamp: dt.datetime) -> GroupStats:
    """Upsert the camera's 168 activity slots and 24 slots per class seen; slots of classes no
    longer seen are deleted."""
    weights = dict(zip(window.keys, window.weights, strict=True))
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

    slots = []
    for day in range(7):
        for hour in range(24):
            values = activity.get((day, hour), [])
            mean, std = _weighted(values)
            slots.append(
                ActivitySlot(
                    camera_id=window.camera_id, day_of_week=day, hour=hour, avg_count=mean, std_dev=std,
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
                    camera_id=window.camera_id, object_type=object_type, hour=hour, frequency=mean, std_dev=std,
                    hours_observed=len(values), sample_count=sum(seen.get(key, 0) for key in hour_keys_),
                    updated_at=stamp,
                )
            )
    ClassSlot.all_objects.filter(camera_id=window.camera_id).exclude(object_type__in=list(by_class)).delete()
    if class_slots:
        ClassSlot.objects.bulk_create(
            class_slots,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["camera", "object_type", "hour"],
            update_fields=["frequency", "std_dev", "hours_observed", "sample_count", "updated_at"],
        )


    return GroupStats(
        hours=len(keys), detections=sum(totals.values()), rolled_up_hours=len(keys),
        learnt_slots=sum(1 for slot in slots if slot.sample_count >= window.min_samples),
    )


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
    *, camera_id: str, tz, start: dt.datetime, end: dt.datetime, aggregated: dict | None = None
) -> tuple[list, dict]:
    """Rebuild the camera's hourly rows for the local hours in [start, end).

    ``aggregated``: this camera's ``hourly_aggregate`` over a range covering [start, end), when
    the caller already ran it for several cameras. Returns ``(keys, counts)``: the hour keys,
    oldest first, and ``{(key, class): count}``.
    """
    keys = hour_keys(start, end, tz)
    if aggregated is None:
        counts = hourly_aggregate(camera_ids=[camera_id], tz=tz, start=start, end=end)[camera_id]
    else:
        counts = {item: n for item, n in aggregated.items() if start <= item[0] < end}
    totals: dict[dt.datetime, int] = defaultdict(int)
    for (key, _), n in counts.items():
        totals[key] += n

    existing = dict(
        HourlyCount.objects.filter(camera_id=camera_id, hour_start__gte=start, hour_start__lt=end)
        .order_by()  # the default ordering would join and sort by the camera's ordering
        .values_list("hour_start", "count")
    )
    changed = [
        HourlyCount(camera_id=camera_id, hour_start=key, day_of_week=key.weekday(), hour=key.hour, count=totals[key])
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
            camera_id=camera_id, hour_start__gte=start, hour_start__lt=end
        )
        .order_by()
        .values_list("pk", "hour_start", "object_type", "count")
    }
    stale = [pk for item, (pk, _) in existing_classes.items() if item not in counts]
    if stale:
        HourlyClassCount.objects.filter(pk__in=stale).delete()
    changed_classes = [
        HourlyClassCount(
            camera_id=camera_id, hour_start=key, object_type=object_type, day_of_week=key.weekday(), hour=key.hour, count=n
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
