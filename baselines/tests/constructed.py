"""Constructed data for the baseline tests, and helpers that build and read it.

``NOW`` is Monday 2026-03-02 10:30Z, so the last completed hour is Monday 09:00-10:00 UTC. The
``small_window`` fixture's settings (3 weeks, decay 0.5, 3 samples, k = 2) keep every hand
computation short: an hour 0, 1 or 2 whole weeks older than 09:00 today weighs 1, 0.5 or 0.25.
"""

import datetime as dt

from baselines.models import ActivitySlot, ClassSlot, Detection, HourlyClassCount, HourlyCount

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
MONDAY_9 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEK = dt.timedelta(days=7)


def add_detections(camera, at: dt.datetime, n: int, object_type: str = "person", spacing_s: int = 10) -> None:
    Detection.objects.bulk_create(
        Detection(camera=camera, detected_at=at + dt.timedelta(seconds=i * spacing_s), object_type=object_type,
                  confidence=0.9)
        for i in range(n)
    )


def baseline_rows(camera) -> tuple[list, list, list, list]:
    """Every stored row of the camera's hourly counts, hourly class counts, activity and class slots."""
    return (
        list(HourlyCount.objects.filter(camera=camera).order_by("id").values_list()),
        list(HourlyClassCount.objects.filter(camera=camera).order_by("id").values_list()),
        list(ActivitySlot.objects.filter(camera=camera).order_by("id").values_list()),
        list(ClassSlot.objects.filter(camera=camera).order_by("id").values_list()),
    )
