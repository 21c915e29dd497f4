"""What an hour of a camera is judged against: its slots' expectations, from the hours before it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Min
from django.db.models.functions import TruncHour

from baselines.models import ActivitySlot, ClassSlot, Detection, HourlyClassCount, HourlyCount
from baselines.services.clock import HOUR, camera_zone, hour_ceil, hour_floor, hour_keys, weeks_old
from cameras.models import Camera


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


class Expectations:
    """The slot expectations of a camera's hours, each from the observed hours strictly before it.

    The expectation of hour H is the slot as a recompute that ended at H computed it: its
    window ``[H - window_days, H)`` (and not before the camera's first data or its last reset),
    an hour k whole weeks older than H weighing ``decay ** k``. The stored slot is exactly that
    when its recompute ended at H, and leaves H out when it ended earlier, so it is used then. A
    recompute that ended after H (it ran after the hour and before the scan: a backlog, a rerun
    scan, a late detector batch) counted H itself, and with the newest week weighing 1.0 an empty
    hour pulled its own expectation down by about a fifth. Those hours are recomputed here from
    the hourly rows; hours the recompute no longer keeps (the oldest week of H's window) or
    never rolled up are counted from the detections.
    """

    def __init__(self, *, camera: Camera, state, config, tz) -> None:
        self.camera, self.state, self.config, self.tz = camera, state, config, tz
        self.activity_slots = {(s.day_of_week, s.hour): s for s in ActivitySlot.objects.filter(camera_id=camera.pk)}
        self.class_slots: dict[int, dict[str, ClassSlot]] = defaultdict(dict)
        for s in ClassSlot.objects.filter(camera_id=camera.pk):
            self.class_slots[s.hour][s.object_type] = s
        # All slots of one kind are written by one recompute, with one stamp: the hour its window ended.
        self.activity_end = self._window_end(self.activity_slots.values())
        self.class_end = self._window_end(s for by_type in self.class_slots.values() for s in by_type.values())
        first_detection = Detection.objects.filter(camera_id=camera.pk).aggregate(first=Min("detected_at"))["first"]
        first_data = min(filter(None, [camera.created_at, first_detection]))
        self.observed_from = hour_floor(first_data, tz)
        if state.learning_since:
            self.observed_from = max(self.observed_from, hour_ceil(state.learning_since, tz))
        self._loaded: tuple[dt.datetime, dt.datetime] | None = None

    def _window_end(self, slots) -> dt.datetime | None:
        stamps = [s.updated_at for s in slots]
        return hour_floor(max(stamps), self.tz) if stamps else None

    def _window_start(self, key: dt.datetime) -> dt.datetime:
        return max(key - dt.timedelta(days=self.config.window_days), self.observed_from)

    def _load(self, lo: dt.datetime, hi: dt.datetime) -> None:
        """Hourly totals and class counts of the local hours in [lo, hi), from the hourly rows
        and, for the hours without one, from the detections."""
        if self._loaded and self._loaded[0] <= lo and hi <= self._loaded[1]:
            return
        if self._loaded:
            lo, hi = min(lo, self._loaded[0]), max(hi, self._loaded[1])
        keys = hour_keys(lo, hi, self.tz)
        totals = dict(
            HourlyCount.objects.filter(camera_id=self.camera.pk, hour_start__gte=lo, hour_start__lt=hi)
            .order_by()
            .values_list("hour_start", "count")
        )
        by_class: dict[dt.datetime, dict[str, int]] = defaultdict(dict)
        for key, object_type, n in (
            HourlyClassCount.objects.filter(camera_id=self.camera.pk, hour_start__gte=lo, hour_start__lt=hi)
            .order_by()
            .values_list("hour_start", "object_type", "count")
        ):
            by_class[key][object_type] = n
        missing = [key for key in keys if key not in totals]
        if missing:
            counted = hour_counts(camera=self.camera, start=missing[0], end=missing[-1] + HOUR)
            for key in missing:
                by_class[key] = dict(counted.get(key, {}))
                totals[key] = sum(by_class[key].values())
        self.keys_by_hour: dict[int, list[dt.datetime]] = defaultdict(list)
        for key in keys:
            self.keys_by_hour[key.hour].append(key)
        self.totals, self.by_class = totals, by_class
        self._loaded = (lo, hi)

    def prepare(self, first: dt.datetime, last: dt.datetime) -> None:
        """Load what the hours in [first, last] need, in one go (a long silence asks for many)."""
        if any(end is not None and end > first for end in (self.activity_end, self.class_end)):
            self._load(self._window_start(first), last)

    def _slot_hours(self, key: dt.datetime, *, weekly: bool) -> list[tuple[float, dt.datetime]]:
        self.prepare(key, key)
        start = self._window_start(key)
        return [
            (self.config.decay_factor ** weeks_old(k, key), k)
            for k in self.keys_by_hour.get(key.hour, ())
            if start <= k < key and (not weekly or k.weekday() == key.weekday())
        ]

    def activity(self, key: dt.datetime) -> tuple[float, int]:
        """(weighted mean count, observed hours) of the hour's weekday-and-hour slot."""
        if self.activity_end is None or self.activity_end <= key:
            slot = self.activity_slots.get((key.weekday(), key.hour))
            return (slot.avg_count, slot.sample_count) if slot else (0.0, 0)
        hours = self._slot_hours(key, weekly=True)
        total = sum(w for w, _ in hours)
        mean = sum(w * self.totals.get(k, 0) for w, k in hours) / total if total else 0.0
        return mean, len(hours)

    def classes(self, key: dt.datetime) -> tuple[dict[str, tuple[float, int]], int]:
        """({class: (weighted mean count, observed hours)}, hours watched) at the hour of day."""
        if self.class_end is None or self.class_end <= key:
            slots = self.class_slots.get(key.hour, {})
            found = {t: (s.frequency, s.hours_observed) for t, s in slots.items()}
            return found, max((n for _, n in found.values()), default=0)
        hours = self._slot_hours(key, weekly=False)
        total = sum(w for w, _ in hours)
        sums: dict[str, float] = defaultdict(float)
        for w, k in hours:
            for object_type, n in self.by_class.get(k, {}).items():
                sums[object_type] += w * n
        return {t: (v / total, len(hours)) for t, v in sums.items()}, len(hours)
