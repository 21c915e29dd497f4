"""Absences: judged against the hours before them whatever the order of the jobs, consecutive empty
hours as one event, and withdrawn by late detections. Default settings (8 weeks, decay 0.85, 4
samples, k = 3: an absence needs 1 - exp(-lambda) > Phi(3), i.e. lambda > 6.6077), a pinned clock.
Runs on SQLite (portable recompute) and on PostgreSQL (set-based, incremental recompute)."""

import datetime as dt
import math

import pytest

from baselines import signals
from baselines.models import ActivitySlot, Anomaly
from baselines.services import anomaly_detect, baseline_recompute, detections_ingest
from baselines.services.anomalies import score_threshold
from baselines.tests.constructed import MONDAY_9, WEEK, add_detections

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
DECAY = 0.85
THRESHOLD = score_threshold(3.0)


@pytest.fixture
def defaults(settings):
    settings.NEM_BASELINE_WINDOW_DAYS = 56
    settings.NEM_BASELINE_DECAY = DECAY
    settings.NEM_BASELINE_MIN_SAMPLES = 4
    settings.NEM_BASELINE_THRESHOLD_STDEV = 3.0
    return settings


@pytest.fixture
def recorded():
    """(signal name, kwargs) of every anomaly signal sent, and whether it ran inside a transaction."""
    from django.db import connection

    seen = []

    def on_recorded(sender, **kwargs):
        seen.append(("recorded", kwargs["anomaly_id"], kwargs["camera_id"], connection.in_atomic_block))

    def on_withdrawn(sender, **kwargs):
        seen.append(
            ("withdrawn", kwargs["anomaly_id"], kwargs["camera_id"], kwargs["hour_start"], connection.in_atomic_block)
        )

    signals.anomaly_recorded.connect(on_recorded)
    signals.anomaly_withdrawn.connect(on_withdrawn)
    yield seen
    signals.anomaly_recorded.disconnect(on_recorded)
    signals.anomaly_withdrawn.disconnect(on_withdrawn)


def _history(camera, hour: dt.datetime, counts: list[int]) -> None:
    """``counts[k - 1]`` detections at ``hour`` k weeks before it (k = 1..8)."""
    for k, n in enumerate(counts, start=1):
        add_detections(camera, hour - k * WEEK, n, spacing_s=60)


def _canonical(counts: list[int]) -> float:
    """The slot as a recompute that ended at the judged hour has it: k weeks back weighs 0.85^(k-1)."""
    weights = [DECAY ** (k - 1) for k in range(1, len(counts) + 1)]
    return sum(w * n for w, n in zip(weights, counts, strict=True)) / sum(weights)


BUSY = [8, 7, 8, 7, 8, 7, 8, 7]  # Monday 09:00 of the last eight weeks, newest first: about 7.5 an hour


def _busy_monday(camera):
    _history(camera, MONDAY_9, BUSY)
    # Activity until 08:30 this Monday, so the silence starts at 09:00.
    add_detections(camera, MONDAY_9 - 30 * M, 1)


def test_the_recompute_before_the_scan_no_longer_hides_a_busy_hour_gone_silent(defaults, old_camera, recorded):
    """The measured gap: the recompute ran at 10:01 (after the hour, before the scan) and counted
    09:00-10:00 as an observed zero; the scan at 10:05 judged the hour against that."""
    _busy_monday(old_camera)
    baseline_recompute(camera_id=old_camera.pk, now=MONDAY_9 + H + M)

    # The stored slot includes the hour it is about to judge: the newest week (weight 1) is the zero.
    slot = ActivitySlot.objects.get(camera=old_camera, day_of_week=0, hour=9)
    biased = sum(DECAY**k * n for k, n in enumerate([0, *BUSY[:7]])) / sum(DECAY**k for k in range(8))
    assert slot.avg_count == pytest.approx(biased, rel=1e-12)
    assert biased == pytest.approx(6.0162, abs=1e-4)  # a fifth below the 7.54 it should be
    assert 1 - math.exp(-biased) < THRESHOLD  # what the scan used to compare: no anomaly

    assert anomaly_detect(camera_id=old_camera.pk, now=MONDAY_9 + H + 5 * M).created == 1

    lam = _canonical(BUSY)
    assert lam == pytest.approx(7.5405, abs=1e-4)
    absence = Anomaly.objects.get(camera=old_camera)
    assert (absence.kind, absence.object_type, absence.observed_count) == ("absence", "", 0)
    assert (absence.hour_start, absence.ends_at, absence.hours) == (MONDAY_9, MONDAY_9 + H, 1)
    assert absence.expected_count == pytest.approx(lam, rel=1e-12)
    assert absence.anomaly_score == pytest.approx(1 - math.exp(-lam), rel=1e-12)
    assert absence.reason == "no detections at 09:00-10:00 when about 7.5 are expected"
    assert recorded == [("recorded", absence.pk, old_camera.pk, True)]


@pytest.mark.parametrize(
    "order",
    [
        "recompute during the hour, scan after it",
        "recompute after the hour, then the scan",
        "scan, then the recompute",
        "recompute a day later, rerun scan of the last 24 hours",
    ],
)
def test_the_expectation_is_the_same_whatever_the_order_of_the_jobs(defaults, old_camera, order):
    _busy_monday(old_camera)
    if order == "recompute during the hour, scan after it":
        baseline_recompute(camera_id=old_camera.pk, now=MONDAY_9 + 30 * M)
        anomaly_detect(camera_id=old_camera.pk, now=MONDAY_9 + H + 5 * M)
    elif order == "recompute after the hour, then the scan":
        baseline_recompute(camera_id=old_camera.pk, now=MONDAY_9 + H + M)
        anomaly_detect(camera_id=old_camera.pk, now=MONDAY_9 + H + 5 * M)
    elif order == "scan, then the recompute":
        baseline_recompute(camera_id=old_camera.pk, now=MONDAY_9 - 2 * H)
        anomaly_detect(camera_id=old_camera.pk, now=MONDAY_9 + H + 5 * M)
        baseline_recompute(camera_id=old_camera.pk, now=MONDAY_9 + H + 10 * M)
    else:
        # Detections of the rest of the day, so the silence is the one hour.
        for hour in range(10, 24):
            add_detections(old_camera, MONDAY_9.replace(hour=hour) + 20 * M, 1)
        baseline_recompute(camera_id=old_camera.pk, now=MONDAY_9 + dt.timedelta(days=1, minutes=1))
        anomaly_detect(camera_id=old_camera.pk, now=MONDAY_9 + dt.timedelta(days=1, minutes=5), hours=24)
    absence = Anomaly.objects.get(camera=old_camera, kind="absence")
    assert absence.expected_count == pytest.approx(_canonical(BUSY), rel=1e-12)
    assert (absence.hour_start, absence.hours) == (MONDAY_9, 1)


def _quiet_morning(camera):
    """Expectations 2, 3, 2, 3 at 09:00-13:00 on Mondays (each alone an unremarkable empty hour:
    1 - e^-3 = 0.95), activity until 08:30 today."""
    for hour, n in zip(range(9, 13), (2, 3, 2, 3), strict=True):
        _history(camera, MONDAY_9.replace(hour=hour), [n] * 8)
    add_detections(camera, MONDAY_9 - 30 * M, 1)


def _hourly_jobs(camera, first_hour: int, last_hour: int) -> list[int]:
    """The hourly jobs in the harmful order (recompute at :01, scan at :05), from ``first_hour``:00
    to ``last_hour``:00 (each scan judges the hour before)."""
    created = []
    for hour in range(first_hour, last_hour + 1):
        now = MONDAY_9.replace(hour=hour)
        baseline_recompute(camera_id=camera.pk, now=now + M)
        created.append(anomaly_detect(camera_id=camera.pk, now=now + 5 * M).created)
    return created


def test_consecutive_empty_hours_are_one_absence_with_the_joint_probability(defaults, old_camera, recorded):
    _quiet_morning(old_camera)
    # 09:00 alone: 1 - e^-2; with 10:00: 1 - e^-5 = 0.9933; with 11:00: 1 - e^-7 = 0.99909 > Phi(3).
    assert _hourly_jobs(old_camera, 10, 11) == [0, 0]
    assert not Anomaly.objects.exists()
    assert _hourly_jobs(old_camera, 12, 12) == [1]
    absence = Anomaly.objects.get()
    assert (absence.hour_start, absence.ends_at, absence.hours) == (MONDAY_9, MONDAY_9 + 3 * H, 3)
    assert absence.expected_count == pytest.approx(7.0, rel=1e-12)
    assert absence.anomaly_score == pytest.approx(1 - math.exp(-7.0), rel=1e-12)
    assert absence.reason == "no detections from 09:00 to 12:00 (3 hours) when about 7.0 are expected"

    # The silence goes on: the same row grows (no second row, no second signal).
    baseline_recompute(camera_id=old_camera.pk, now=MONDAY_9.replace(hour=13) + M)
    assert anomaly_detect(camera_id=old_camera.pk, now=MONDAY_9.replace(hour=13) + 5 * M).created == 0
    absence.refresh_from_db()
    assert (absence.hour_start, absence.ends_at, absence.hours) == (MONDAY_9, MONDAY_9 + 4 * H, 4)
    assert absence.expected_count == pytest.approx(10.0, rel=1e-12)
    assert absence.anomaly_score == pytest.approx(1 - math.exp(-10.0), rel=1e-12)
    assert absence.reason == "no detections from 09:00 to 13:00 (4 hours) when about 10.0 are expected"
    assert recorded == [("recorded", absence.pk, old_camera.pk, True)]

    # Activity again at 13:00: the next scan leaves the absence as it was.
    add_detections(old_camera, MONDAY_9.replace(hour=13) + 10 * M, 1)
    assert anomaly_detect(camera_id=old_camera.pk, now=MONDAY_9.replace(hour=14) + 5 * M).created == 0
    assert list(Anomaly.objects.values_list("hours", "expected_count")) == [(4, pytest.approx(10.0))]


def test_a_silence_scanned_in_one_go_is_the_same_absence(defaults, old_camera):
    _quiet_morning(old_camera)
    baseline_recompute(camera_id=old_camera.pk, now=MONDAY_9.replace(hour=13) + M)
    assert anomaly_detect(camera_id=old_camera.pk, now=MONDAY_9.replace(hour=13) + 5 * M, hours=6).created == 1
    absence = Anomaly.objects.get()
    assert (absence.hour_start, absence.hours, absence.expected_count) == (MONDAY_9, 4, pytest.approx(10.0))


def _late(camera_id: str, at: dt.datetime, now: dt.datetime) -> None:
    detections_ingest(
        payload={
            "detections": [
                {"camera_id": camera_id, "detected_at": at.isoformat(), "object_type": "person", "confidence": 0.8}
            ]
        },
        now=now,
    )


def test_a_late_batch_withdraws_the_absence_it_disproves_and_the_rest_is_judged_again(
    defaults, old_camera, recorded, django_capture_on_commit_callbacks
):
    _quiet_morning(old_camera)
    _hourly_jobs(old_camera, 10, 13)
    absence = Anomaly.objects.get()
    assert (absence.hour_start, absence.hours) == (MONDAY_9, 4)
    recorded.clear()

    # The detector's batch for 09:10 arrives at 13:20: 09:00 was not empty after all.
    with django_capture_on_commit_callbacks(execute=True):
        _late(old_camera.pk, MONDAY_9 + 10 * M, now=MONDAY_9.replace(hour=13) + 20 * M)

    # 10:00-13:00 is still three empty hours (3 + 2 + 3 = 8): judged again as its own absence.
    rejudged = Anomaly.objects.get()
    assert rejudged.pk != absence.pk
    assert (rejudged.hour_start, rejudged.ends_at, rejudged.hours) == (MONDAY_9 + H, MONDAY_9 + 4 * H, 3)
    assert rejudged.expected_count == pytest.approx(8.0, rel=1e-12)
    assert rejudged.reason == "no detections from 10:00 to 13:00 (3 hours) when about 8.0 are expected"
    assert recorded == [
        ("withdrawn", absence.pk, old_camera.pk, MONDAY_9, True),
        ("recorded", rejudged.pk, old_camera.pk, True),
    ]

    # A second late batch in the middle (11:40) leaves 10:00 (3) and 12:00-13:00 (3): neither is rare.
    recorded.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _late(old_camera.pk, MONDAY_9 + 2 * H + 40 * M, now=MONDAY_9.replace(hour=13) + 30 * M)
    assert not Anomaly.objects.exists()
    assert recorded == [("withdrawn", rejudged.pk, old_camera.pk, MONDAY_9 + H, True)]


def test_a_late_batch_outside_an_absence_or_of_another_camera_withdraws_nothing(
    defaults, old_camera, recorded, django_capture_on_commit_callbacks
):
    from cameras.tests.factories import CameraFactory

    CameraFactory(id="porch", created_at=old_camera.created_at)
    _quiet_morning(old_camera)
    _hourly_jobs(old_camera, 10, 12)
    absence = Anomaly.objects.get()
    recorded.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _late(old_camera.pk, MONDAY_9 - 20 * M, now=MONDAY_9.replace(hour=12) + 20 * M)  # before the silence
        _late("porch", MONDAY_9 + 10 * M, now=MONDAY_9.replace(hour=12) + 20 * M)
    assert callbacks == []
    assert recorded == []
    assert Anomaly.objects.get().pk == absence.pk


def test_a_dead_camera_is_one_absence_that_grows_hour_by_hour(defaults, old_camera, recorded):
    """One detection an hour on Mondays and Tuesdays for eight weeks, then nothing from Monday 00:00:
    the seventh empty hour makes it rare (1 - e^-7 > Phi(3)); from then on the same row spans the
    whole silence, with one signal."""
    monday = MONDAY_9.replace(hour=0)
    for hour in range(48):
        _history(old_camera, monday + hour * H, [1] * 8)
    rows = []
    for hour in range(1, 31):
        now = monday + hour * H
        baseline_recompute(camera_id=old_camera.pk, now=now + M)
        anomaly_detect(camera_id=old_camera.pk, now=now + 5 * M)
        rows.append(list(Anomaly.objects.values_list("hour_start", "hours", "expected_count")))
    assert rows[5] == []
    assert rows[6] == [(monday, 7, pytest.approx(7.0))]
    assert rows[29] == [(monday, 30, pytest.approx(30.0))]
    assert (
        Anomaly.objects.get().reason
        == "no detections from Mon 00:00 to Tue 06:00 (30 hours) when about 30.0 are expected"
    )
    assert [name for name, *_ in recorded] == ["recorded"]
