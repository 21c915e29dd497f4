"""Recompute on constructed data: exact numbers computed by hand."""

import datetime as dt
import math

import pytest
from django.db import connection

from baselines.models import ActivitySlot, BaselineState, ClassSlot, HourlyClassCount, HourlyCount
from baselines.services import baseline_recompute, baseline_reset
from baselines.services.clock import hour_keys
from baselines.tests.constructed import MONDAY_9, NOW, WEEK, add_detections, baseline_rows
from cameras.tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def _slot(camera, day, hour) -> ActivitySlot:
    return ActivitySlot.objects.get(camera=camera, day_of_week=day, hour=hour)


def test_weighted_mean_and_std_of_a_slot_by_hand(small_window, old_camera):
    """Monday 09:00 saw 4 (this week, w=1), 2 (last week, w=0.5) and 0 (two weeks ago, w=0.25).
    mean = (4 + 1 + 0) / 1.75 = 20/7; E[x^2] = (16 + 2) / 1.75 = 72/7; var = 72/7 - 400/49 = 104/49."""
    add_detections(old_camera, MONDAY_9, 4)
    add_detections(old_camera, MONDAY_9 - WEEK, 2)
    result = baseline_recompute(camera_id=old_camera.pk, now=NOW)

    slot = _slot(old_camera, 0, 9)
    assert slot.sample_count == 3
    assert slot.avg_count == pytest.approx(20 / 7, abs=1e-12)
    assert slot.std_dev == pytest.approx(math.sqrt(104) / 7, abs=1e-12)
    assert result.hours == 21 * 24
    assert result.detections == 6
    # Every other slot observed three empty hours.
    other = _slot(old_camera, 0, 8)
    assert (other.avg_count, other.std_dev, other.sample_count) == (0.0, 0.0, 3)
    assert ActivitySlot.objects.filter(camera=old_camera).count() == 168


def test_zero_hours_lower_the_mean_only_while_the_camera_existed(small_window):
    """The same counts on a camera created 10 days ago: the empty hour two weeks ago was before it
    existed, so only weeks 0 and 1 count: (4 + 1) / 1.5 = 10/3 (not 20/7)."""
    young = CameraFactory(id="young", created_at=dt.datetime(2026, 2, 20, tzinfo=dt.UTC))
    add_detections(young, MONDAY_9, 4)
    add_detections(young, MONDAY_9 - WEEK, 2)
    baseline_recompute(camera_id=young.pk, now=NOW)
    slot = _slot(young, 0, 9)
    assert slot.sample_count == 2
    assert slot.avg_count == pytest.approx(10 / 3, abs=1e-12)
    # std: E[x^2] = (16 + 2) / 1.5 = 12; var = 12 - 100/9 = 8/9
    assert slot.std_dev == pytest.approx(math.sqrt(8) / 3, abs=1e-12)


def test_class_slot_frequency_includes_zero_hours(small_window, old_camera):
    """Person at 09:00 on any weekday: 21 observed hours, 7 per week weighing 1, 0.5, 0.25
    (sum 12.25). 4 this Monday and 2 last Monday: frequency = (4 + 0.5 * 2) / 12.25."""
    add_detections(old_camera, MONDAY_9, 4)
    add_detections(old_camera, MONDAY_9 - WEEK, 2)
    add_detections(old_camera, MONDAY_9 - WEEK + dt.timedelta(minutes=5), 1, object_type="car")
    baseline_recompute(camera_id=old_camera.pk, now=NOW)

    person = ClassSlot.objects.get(camera=old_camera, object_type="person", hour=9)
    assert person.frequency == pytest.approx(5 / 12.25, abs=1e-12)
    mean = 5 / 12.25
    var = (1 * (4 - mean) ** 2 + 0.5 * (2 - mean) ** 2 + (12.25 - 1.5) * mean**2) / 12.25
    assert person.std_dev == pytest.approx(math.sqrt(var), abs=1e-12)
    assert (person.hours_observed, person.sample_count) == (21, 6)
    car = ClassSlot.objects.get(camera=old_camera, object_type="car", hour=9)
    assert car.frequency == pytest.approx(0.5 / 12.25, abs=1e-12)
    assert car.sample_count == 1
    # 24 slots per class seen, zero hours of day included.
    assert ClassSlot.objects.filter(camera=old_camera).count() == 48
    assert ClassSlot.objects.get(camera=old_camera, object_type="car", hour=3).frequency == 0.0
    # The hourly rows: every hour of the window, class rows only where something was seen.
    assert HourlyCount.objects.filter(camera=old_camera).count() == 504
    assert HourlyCount.objects.get(camera=old_camera, hour_start=MONDAY_9 - WEEK).count == 3
    assert HourlyClassCount.objects.filter(camera=old_camera).count() == 3


def test_camera_in_new_york_puts_13z_into_its_local_hour_8(small_window):
    """13:00Z on Monday 2026-02-23 is 08:00 EST (UTC-5) on the camera's clock."""
    ny = CameraFactory(id="porch", timezone="America/New_York", created_at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC))
    add_detections(ny, dt.datetime(2026, 2, 23, 13, 0, tzinfo=dt.UTC), 3)
    baseline_recompute(camera_id=ny.pk, now=NOW)

    row = HourlyCount.objects.get(camera=ny, count=3)
    assert (row.day_of_week, row.hour) == (0, 8)
    assert row.hour_start == dt.datetime(2026, 2, 23, 13, 0, tzinfo=dt.UTC)
    assert _slot(ny, 0, 8).avg_count > 0
    assert _slot(ny, 0, 13).avg_count == 0.0
    assert ClassSlot.objects.get(camera=ny, object_type="person", hour=8).sample_count == 3
    # NOW is 05:30 EST, so the window ends at 05:00 local (10:00Z) and has 21 x 24 hours.
    assert HourlyCount.objects.filter(camera=ny).count() == 504


def test_half_hour_zone_uses_local_hour_boundaries(small_window):
    """Asia/Kolkata is UTC+5:30: 03:40Z is 09:10 local, in the hour that began at 03:30Z."""
    cam = CameraFactory(id="mumbai", timezone="Asia/Kolkata", created_at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC))
    add_detections(cam, dt.datetime(2026, 2, 23, 3, 40, tzinfo=dt.UTC), 2)
    baseline_recompute(camera_id=cam.pk, now=NOW)
    row = HourlyCount.objects.get(camera=cam, count=2)
    assert row.hour_start == dt.datetime(2026, 2, 23, 3, 30, tzinfo=dt.UTC)
    assert (row.day_of_week, row.hour) == (0, 9)


def test_dst_change_neither_skips_nor_invents_hours():
    """Europe/Berlin springs forward on 2026-03-29: that local day has 23 hours."""
    import zoneinfo

    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    start = dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC)  # 00:00 local on the 29th
    keys = hour_keys(start, start + dt.timedelta(hours=23), tz)
    assert len(keys) == 23
    assert [k.hour for k in keys[:4]] == [0, 1, 3, 4]


def test_recompute_twice_gives_identical_rows(small_window, old_camera):
    add_detections(old_camera, MONDAY_9, 4)
    add_detections(old_camera, MONDAY_9 - dt.timedelta(days=3, hours=5), 7, object_type="car")
    baseline_recompute(camera_id=old_camera.pk, now=NOW)
    first = baseline_rows(old_camera)
    baseline_recompute(camera_id=old_camera.pk, now=NOW)
    assert baseline_rows(old_camera) == first
    assert len(first[2]) == 168


def test_recompute_follows_new_data_and_drops_hours_that_left_the_window(small_window, old_camera):
    add_detections(old_camera, MONDAY_9, 4)
    baseline_recompute(camera_id=old_camera.pk, now=NOW)
    assert _slot(old_camera, 0, 9).avg_count == pytest.approx(4 / 1.75)
    # A week later the 4 are a week old (w = 0.5) and a new week of zero hours came in.
    baseline_recompute(camera_id=old_camera.pk, now=NOW + WEEK)
    assert _slot(old_camera, 0, 9).avg_count == pytest.approx(2 / 1.75)
    assert HourlyCount.objects.filter(camera=old_camera).count() == 504
    assert HourlyCount.objects.filter(camera=old_camera, hour_start__lt=dt.datetime(2026, 2, 16, 10, tzinfo=dt.UTC)).count() == 0


def test_learning_complete_needs_80_percent_of_slots_and_sets_established_once(small_window):
    """min_samples 3 with a 3-week window: slots reach 3 observations only after 3 weeks."""
    cam = CameraFactory(id="new_cam", created_at=dt.datetime(2026, 2, 16, 10, 0, tzinfo=dt.UTC))
    result = baseline_recompute(camera_id=cam.pk, now=NOW)
    # Observed since Feb 16 10:00Z: exactly 2 weeks, so every slot has 2 observations.
    assert result.learning_complete is False
    assert BaselineState.objects.get(camera=cam).established_at is None
    # 5 days later, 5 x 24 = 120 slots have 3: not yet 135.
    assert baseline_recompute(camera_id=cam.pk, now=NOW + dt.timedelta(days=5)).learning_complete is False
    # 6 days later, 144 slots: complete, and established_at is that run.
    later = NOW + dt.timedelta(days=6)
    assert baseline_recompute(camera_id=cam.pk, now=later).learning_complete is True
    assert BaselineState.objects.get(camera=cam).established_at == later
    baseline_recompute(camera_id=cam.pk, now=later + dt.timedelta(hours=1))
    assert BaselineState.objects.get(camera=cam).established_at == later  # it does not drift


def test_reset_forgets_and_relearns_from_the_reset(small_window, old_camera):
    add_detections(old_camera, MONDAY_9 - WEEK, 5)
    baseline_recompute(camera_id=old_camera.pk, now=NOW)
    result = baseline_reset(camera_id=old_camera.pk, now=NOW)
    assert result["deleted"] == {"activity_slots": 168, "class_slots": 24, "hourly_counts": 505}
    assert not ActivitySlot.objects.filter(camera=old_camera).exists()
    # The raw detections stay, but a recompute does not relearn from before the reset.
    baseline_recompute(camera_id=old_camera.pk, now=NOW + dt.timedelta(hours=3))
    assert HourlyCount.objects.filter(camera=old_camera).count() == 2  # 11:00 and 12:00Z
    assert _slot(old_camera, 0, 9).sample_count == 0


def test_recompute_skips_a_busy_camera_and_a_trashed_one(small_window, old_camera):
    from cameras.services import camera_soft_delete

    baseline_recompute(camera_id=old_camera.pk, now=NOW)
    BaselineState.objects.filter(camera=old_camera).update(recompute_claimed_at=NOW)
    assert baseline_recompute(camera_id=old_camera.pk, now=NOW).skipped == "busy"
    # A claim older than the stale limit (a dead worker's) is taken over.
    assert baseline_recompute(camera_id=old_camera.pk, now=NOW + dt.timedelta(minutes=20)).skipped == ""
    assert BaselineState.objects.get(camera=old_camera).recompute_claimed_at is None
    # A redelivered task (its first worker died holding a fresh claim) takes the claim over at once.
    BaselineState.objects.filter(camera=old_camera).update(recompute_claimed_at=NOW)
    assert baseline_recompute(camera_id=old_camera.pk, now=NOW, take_over=True).skipped == ""
    assert BaselineState.objects.get(camera=old_camera).recompute_claimed_at is None
    camera_soft_delete(camera_id=old_camera.pk, actor="test")
    assert baseline_recompute(camera_id=old_camera.pk, now=NOW).skipped == "not live"


def test_recompute_all_shares_one_aggregation_per_zone_and_gives_the_same_rows(small_window, old_camera):
    from baselines.services import baseline_recompute_all

    ny = CameraFactory(id="porch", timezone="America/New_York", created_at=old_camera.created_at)
    third = CameraFactory(id="yard", created_at=old_camera.created_at)
    for camera, n in ((old_camera, 3), (ny, 5), (third, 2)):
        add_detections(camera, MONDAY_9 - dt.timedelta(days=2, hours=4), n)
        add_detections(camera, MONDAY_9 - WEEK, n + 1, object_type="car")
    for camera in (old_camera, ny, third):
        baseline_recompute(camera_id=camera.pk, now=NOW)
    one_by_one = [baseline_rows(c) for c in (old_camera, ny, third)]
    ActivitySlot.objects.all().delete()
    ClassSlot.objects.all().delete()
    HourlyCount.objects.all().delete()
    HourlyClassCount.objects.all().delete()
    results = baseline_recompute_all(now=NOW)
    assert [r.camera_id for r in results] == ["front_door", "yard", "porch"]  # UTC cameras share a query
    together = [baseline_rows(c) for c in (old_camera, ny, third)]
    # ids (and so the order rows were inserted in) differ
    strip = lambda snap: [sorted(row[1:] for row in table) for table in snap]  # noqa: E731
    assert [strip(s) for s in together] == [strip(s) for s in one_by_one]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based SQL path runs on PostgreSQL only")
def test_sql_recompute_matches_the_portable_path(small_window, old_camera):
    """On PostgreSQL the recompute is set-based SQL (``rollup.pg``); the portable ORM path gives
    the same hourly rows and, to the last bits that summation order allows, the same slots:
    cameras on two clocks, several classes, a camera younger than the window."""
    from baselines.services.recompute import baseline_recompute_group
    from baselines.services.rollup import PATHS

    berlin = CameraFactory(id="berlin", timezone="Europe/Berlin", created_at=old_camera.created_at)
    young = CameraFactory(id="young", created_at=dt.datetime(2026, 2, 20, 3, 0, tzinfo=dt.UTC))
    for camera in (old_camera, berlin, young):
        for days, hours, n, kind in ((0, 0, 4, "person"), (7, 3, 2, "car"), (9, 14, 5, "person"), (12, 20, 1, "dog")):
            add_detections(camera, MONDAY_9 - dt.timedelta(days=days, hours=hours), n, object_type=kind)

    def rows(camera):
        snap = baseline_rows(camera)
        hourly = [sorted(r[4:] for r in table) for table in snap[:2]]  # after id and soft-delete fields
        slots = [sorted(r[4:-1] for r in table) for table in snap[2:]]  # without updated_at
        return hourly, slots

    for camera in (old_camera, berlin, young):
        baseline_recompute_group(cameras=[camera], now=NOW, rollup=PATHS["portable"])
    portable = {c.pk: rows(c) for c in (old_camera, berlin, young)}
    for table in (ActivitySlot, ClassSlot, HourlyCount, HourlyClassCount):
        table.objects.all().delete()
    baseline_recompute_group(cameras=[old_camera, young], now=NOW, rollup=PATHS["postgresql"])
    baseline_recompute_group(cameras=[berlin], now=NOW, rollup=PATHS["postgresql"])
    for camera in (old_camera, berlin, young):
        hourly, slots = rows(camera)
        assert hourly == portable[camera.pk][0]
        for got, want in zip(slots, portable[camera.pk][1], strict=True):
            assert len(got) == len(want)
            for row, expected in zip(got, want, strict=True):
                assert row == pytest.approx(expected, abs=1e-12)
