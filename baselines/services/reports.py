"""What the baseline endpoints return, read from
the stored slots. Numbers are rounded to 3 decimals (frequencies of rare classes are small)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from django.utils import timezone

from baselines.models import ActivitySlot, Anomaly, ClassSlot
from baselines.services.anomalies import hour_counts
from baselines.services.clock import DAY_NAMES, HOUR, camera_zone, hour_floor, hour_key
from baselines.services.config import baseline_state_get, effective_config
from baselines.services.recompute import learnt_slots_needed
from cameras.models import Camera

PEAK_FACTOR = 1.5  # a slot is a peak when it is 1.5 x the camera's mean hourly activity
Z_STD_FLOOR = 1.0  # a slot whose counts never varied has std 0; one detection keeps z finite
FACTOR_Z = 1.5


def _r(value: float) -> float:
    return round(value, 3)


def interpret_z(z: float) -> str:
    if z < -2:
        return "far_below_normal"
    if z < -1:
        return "below_normal"
    if z < 1:
        return "normal"
    if z < 2:
        return "slightly_above_normal"
    if z < 3:
        return "above_normal"
    return "far_above_normal"


def _learning_complete(slots: list[ActivitySlot], min_samples: int) -> bool:
    return sum(1 for s in slots if s.sample_count >= min_samples) >= learnt_slots_needed()


def current_deviation(*, camera: Camera, slots: list[ActivitySlot], classes: list[ClassSlot], min_samples: int,
                      now: dt.datetime | None = None) -> dict | None:
    """The last completed local hour against its slot, as a z-score; null while learning.

    ``score`` = (observed - slot mean) / max(slot std, 1). ``contributing_factors``: each class
    whose own z at that hour is beyond +-1.5 (``person_count_elevated`` / ``car_count_reduced``);
    if none and |z| > 1, ``overall_activity_deviation``.
    """
    if not _learning_complete(slots, min_samples):
        return None
    tz = camera_zone(camera)
    end = hour_floor(now or timezone.now(), tz)
    key = hour_key(end - HOUR, tz)
    slot = next((s for s in slots if s.day_of_week == key.weekday() and s.hour == key.hour), None)
    if slot is None or slot.sample_count < min_samples:
        return None
    counts = hour_counts(camera=camera, start=end - HOUR, end=end).get(key, {})
    observed = sum(counts.values())
    z = (observed - slot.avg_count) / max(slot.std_dev, Z_STD_FLOOR)
    factors = []
    for cslot in sorted((c for c in classes if c.hour == key.hour), key=lambda c: c.object_type):
        class_z = (counts.get(cslot.object_type, 0) - cslot.frequency) / max(cslot.std_dev, Z_STD_FLOOR)
        if z > 0 and class_z > FACTOR_Z:
            factors.append(f"{cslot.object_type}_count_elevated")
        elif z < 0 and class_z < -FACTOR_Z:
            factors.append(f"{cslot.object_type}_count_reduced")
    if not factors and abs(z) > 1.0:
        factors = ["overall_activity_deviation"]
    return {
        "score": round(z, 2),
        "interpretation": interpret_z(z),
        "contributing_factors": factors,
        "hour_start": key,
        "observed_count": observed,
        "expected_count": _r(slot.avg_count),
    }


def _load(camera: Camera):
    state = baseline_state_get(camera_id=camera.pk)
    config = effective_config(state)
    slots = list(ActivitySlot.objects.filter(camera_id=camera.pk).order_by("day_of_week", "hour"))
    classes = list(ClassSlot.objects.filter(camera_id=camera.pk).order_by("object_type", "hour"))
    return state, config, slots, classes


def baseline_summary(*, camera: Camera, now: dt.datetime | None = None) -> dict:
    """``GET /api/cameras/{id}/baseline``.

    ``hourly_patterns["8"]``: mean over the 7 weekdays of the 08:00 slots, and the std of an
    08:00 hour across the week (the slots' pooled spread, equal weight per weekday).
    ``daily_patterns["monday"]``: ``avg_detections`` = mean detections per hour that day (the
    earlier system summed them under this name), ``expected_total`` = their sum, ``peak_hour``.
    ``object_baselines["person"]``: ``avg_hourly`` = mean of the class's 24 hourly frequencies,
    ``peak_hour``, ``total_detections`` in the window.
    """
    state, config, slots, classes = _load(camera)
    hourly: dict[str, dict] = {}
    by_hour: dict[int, list[ActivitySlot]] = defaultdict(list)
    by_day: dict[int, list[ActivitySlot]] = defaultdict(list)
    for slot in slots:
        if slot.sample_count:
            by_hour[slot.hour].append(slot)
            by_day[slot.day_of_week].append(slot)
    for hour in sorted(by_hour):
        group = by_hour[hour]
        mean = sum(s.avg_count for s in group) / len(group)
        pooled = sum(s.std_dev**2 + (s.avg_count - mean) ** 2 for s in group) / len(group)
        hourly[str(hour)] = {
            "avg_detections": _r(mean),
            "std_dev": _r(math.sqrt(pooled)),
            "sample_count": sum(s.sample_count for s in group),
        }
    daily: dict[str, dict] = {}
    for day in sorted(by_day):
        group = by_day[day]
        peak = max(group, key=lambda s: (s.avg_count, -s.hour))
        daily[DAY_NAMES[day]] = {
            "avg_detections": _r(sum(s.avg_count for s in group) / len(group)),
            "expected_total": _r(sum(s.avg_count for s in group)),
            "peak_hour": peak.hour,
            "total_samples": sum(s.sample_count for s in group),
        }
    objects: dict[str, dict] = {}
    per_class: dict[str, list[ClassSlot]] = defaultdict(list)
    for cslot in classes:
        per_class[cslot.object_type].append(cslot)
    for object_type, group in per_class.items():
        peak = max(group, key=lambda s: (s.frequency, -s.hour))
        objects[object_type] = {
            "avg_hourly": _r(sum(s.frequency for s in group) / 24),
            "peak_hour": peak.hour,
            "total_detections": sum(s.sample_count for s in group),
        }
    return {
        "camera_id": camera.pk,
        "camera_name": camera.name,
        "timezone": str(camera_zone(camera)),
        "baseline_established": state.established_at,
        "learning_complete": _learning_complete(slots, config.min_samples),
        "data_points": len(slots) + len(classes),
        "hourly_patterns": hourly,
        "daily_patterns": daily,
        "object_baselines": objects,
        "current_deviation": current_deviation(
            camera=camera, slots=slots, classes=classes, min_samples=config.min_samples, now=now
        ),
    }


def baseline_activity(*, camera: Camera) -> dict:
    """``GET /api/cameras/{id}/baseline/activity``: the 24 x 7 slots, ordered (day_of_week, hour)."""
    _, config, slots, _ = _load(camera)
    mean = sum(s.avg_count for s in slots) / len(slots) if slots else 0.0
    peak = max(slots, key=lambda s: s.avg_count) if slots and any(s.avg_count for s in slots) else None
    return {
        "camera_id": camera.pk,
        "entries": [
            {
                "hour": s.hour,
                "day_of_week": s.day_of_week,
                "avg_count": _r(s.avg_count),
                "std_dev": _r(s.std_dev),
                "sample_count": s.sample_count,
                "is_peak": s.avg_count > 0 and s.avg_count > PEAK_FACTOR * mean,
            }
            for s in slots
        ],
        "total_samples": sum(s.sample_count for s in slots),
        "peak_hour": peak.hour if peak else None,
        "peak_day": peak.day_of_week if peak else None,
        "learning_complete": _learning_complete(slots, config.min_samples),
        "min_samples_required": config.min_samples,
    }


def baseline_classes(*, camera: Camera) -> dict:
    """``GET /api/cameras/{id}/baseline/classes``: (class, hour) slots, ordered that way."""
    _, _, _, classes = _load(camera)
    totals: dict[str, int] = defaultdict(int)
    for cslot in classes:
        totals[cslot.object_type] += cslot.sample_count
    # Ties go to the alphabetically first class (max keeps the first maximum it meets).
    most_common = max(sorted(totals), key=totals.__getitem__) if totals else None
    return {
        "camera_id": camera.pk,
        "entries": [
            {
                "object_class": c.object_type,
                "hour": c.hour,
                "frequency": _r(c.frequency),
                "std_dev": _r(c.std_dev),
                "sample_count": c.sample_count,
                "hours_observed": c.hours_observed,
            }
            for c in classes
        ],
        "unique_classes": sorted(totals),
        "total_samples": sum(totals.values()),
        "most_common_class": most_common,
    }


def baseline_anomalies(*, camera: Camera, days: int, now: dt.datetime | None = None) -> dict:
    """``GET /api/cameras/{id}/baseline/anomalies?days=``: anomalies of spans that reach into the
    last ``days`` days, newest first."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    rows = list(Anomaly.objects.filter(camera_id=camera.pk, ends_at__gt=since).order_by("-hour_start", "object_type"))
    return {"camera_id": camera.pk, "anomalies": rows, "count": len(rows), "period_days": days}
