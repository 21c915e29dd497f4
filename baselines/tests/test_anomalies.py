"""The anomaly scan against hand-computed Poisson tails."""

import datetime as dt
import math

import pytest

from baselines.models import Anomaly
from baselines.services import anomaly_detect, baseline_recompute
from baselines.services.anomalies import poisson_cdf, score_threshold
from baselines.services.reports import current_deviation
from baselines.tests.constructed import MONDAY_9, NOW, WEEK, add_detections

pytestmark = pytest.mark.django_db

NEXT_MONDAY_9 = MONDAY_9 + WEEK
SCAN_AT = NOW + WEEK  # Monday 2026-03-09 10:30Z: the last completed hour is 09:00-10:00


def _learn_one_per_monday(camera):
    """Monday 09:00 saw exactly 1 detection in each of the three weeks: slot mean 1, std 0.
    Person at 09:00 (any day): 3 of 21 hours had 1: frequency (1 + 0.5 + 0.25) / 12.25 = 1/7."""
    for weeks in range(3):
        add_detections(camera, MONDAY_9 - weeks * WEEK, 1)
    baseline_recompute(camera_id=camera.pk, now=NOW)


def test_poisson_cdf_by_hand():
    assert poisson_cdf(0, 2.0) == pytest.approx(math.exp(-2), rel=1e-12)
    assert poisson_cdf(2, 2.0) == pytest.approx(math.exp(-2) * (1 + 2 + 2), rel=1e-12)
    assert poisson_cdf(1200, 1000.0) == pytest.approx(1.0, abs=1e-9)  # no overflow
    assert score_threshold(2.0) == pytest.approx(0.977249868, rel=1e-9)


def test_surge_is_scored_against_the_hand_computed_poisson_tail(small_window, old_camera):
    _learn_one_per_monday(old_camera)
    add_detections(old_camera, NEXT_MONDAY_9, 5)

    result = anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT)

    assert result.created == 2
    activity = Anomaly.objects.get(camera=old_camera, object_type="")
    # 1 - P(X >= 5 | Poisson(1)) = P(X <= 4) = e^-1 (1 + 1 + 1/2 + 1/6 + 1/24) = 0.99634015...
    assert activity.anomaly_score == pytest.approx(math.exp(-1) * (1 + 1 + 1 / 2 + 1 / 6 + 1 / 24), rel=1e-12)
    assert activity.anomaly_score == pytest.approx(0.99634015, abs=1e-8)
    assert (activity.kind, activity.observed_count, activity.expected_count) == ("surge", 5, 1.0)
    assert activity.hour_start == NEXT_MONDAY_9
    assert activity.reason == "5 detections at 09:00-10:00 when about 1.0 are expected"

    person = Anomaly.objects.get(camera=old_camera, object_type="person")
    lam = 1 / 7
    assert person.expected_count == pytest.approx(lam, rel=1e-12)
    assert person.anomaly_score == pytest.approx(
        math.exp(-lam) * (1 + lam + lam**2 / 2 + lam**3 / 6 + lam**4 / 24), rel=1e-12
    )
    assert person.reason == "person detected 5 times at 09:00-10:00 when about 0.1 are expected"


def test_a_likely_count_is_not_an_anomaly(small_window, old_camera):
    """2 where 1 is expected: P(X >= 2 | 1) = 1 - 2/e = 0.264, far from the 2-sigma tail (0.0228).
    For person (lambda = 1/7) it is 0.0089: rare enough, so only the class is flagged."""
    _learn_one_per_monday(old_camera)
    add_detections(old_camera, NEXT_MONDAY_9, 2)
    anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT)
    assert list(Anomaly.objects.values_list("object_type", flat=True)) == ["person"]


def test_absence_in_a_normally_busy_hour(small_window, old_camera):
    """Monday 09:00 saw 10 every week; this Monday nothing. 1 - P(X = 0 | 10) = 1 - e^-10."""
    for weeks in range(3):
        add_detections(old_camera, MONDAY_9 - weeks * WEEK, 10)
    baseline_recompute(camera_id=old_camera.pk, now=NOW)
    anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT)

    absence = Anomaly.objects.get(camera=old_camera)
    assert absence.kind == "absence"
    assert absence.object_type == ""
    assert (absence.observed_count, absence.expected_count) == (0, 10.0)
    assert absence.anomaly_score == pytest.approx(1 - math.exp(-10), rel=1e-12)
    assert absence.reason == "no detections at 09:00-10:00 when about 10.0 are expected"


def test_a_quiet_hour_that_is_usually_quiet_is_not_an_absence(small_window, old_camera):
    """Mean 1: an empty hour has probability e^-1 = 0.37, nothing unusual."""
    _learn_one_per_monday(old_camera)
    anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT)
    assert not Anomaly.objects.exists()


def test_second_scan_adds_no_duplicate(small_window, old_camera):
    _learn_one_per_monday(old_camera)
    add_detections(old_camera, NEXT_MONDAY_9, 5)
    assert anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT).created == 2
    assert anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT).created == 0
    assert anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT + dt.timedelta(minutes=20), hours=3).created == 0
    assert Anomaly.objects.count() == 2


def test_unseen_class_uses_the_floored_expectation(small_window, old_camera):
    """A dog never seen at 09:00 in 21 watched hours: lambda = 1/22; two dogs score P(X <= 1)."""
    _learn_one_per_monday(old_camera)
    add_detections(old_camera, NEXT_MONDAY_9 + dt.timedelta(minutes=30), 2, object_type="dog")
    anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT)
    dog = Anomaly.objects.get(object_type="dog")
    lam = 1 / 22
    assert dog.expected_count == pytest.approx(lam)
    assert dog.anomaly_score == pytest.approx(math.exp(-lam) * (1 + lam), rel=1e-12)
    assert dog.reason == "dog detected 2 times at 09:00-10:00 when about 0.05 are expected"


def test_slots_without_min_samples_are_not_scored(small_window, old_camera):
    small_window.NEM_BASELINE_MIN_SAMPLES = 4  # only 3 Mondays observed
    _learn_one_per_monday(old_camera)
    add_detections(old_camera, NEXT_MONDAY_9, 5)
    anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT)
    # The class slot has 21 observed hours, the Monday slot only 3.
    assert list(Anomaly.objects.values_list("object_type", flat=True)) == ["person"]


def test_per_camera_threshold_override_is_used(small_window, old_camera):
    from baselines.services import baseline_config_update

    _learn_one_per_monday(old_camera)
    add_detections(old_camera, NEXT_MONDAY_9, 5)
    # k = 3: the activity surge (p = 0.0037) is no longer rare enough; the person surge (p = 2e-6) is.
    baseline_config_update(camera_id=old_camera.pk, data={"threshold_stdev": 3.0, "override_global_config": True})
    anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT)
    assert list(Anomaly.objects.values_list("object_type", flat=True)) == ["person"]


def test_current_deviation_is_a_z_score_of_the_last_hour(small_window, old_camera):
    from baselines.models import ActivitySlot, ClassSlot

    _learn_one_per_monday(old_camera)
    slots = list(ActivitySlot.objects.filter(camera=old_camera))
    classes = list(ClassSlot.objects.filter(camera=old_camera))
    add_detections(old_camera, NEXT_MONDAY_9, 5)
    deviation = current_deviation(camera=old_camera, slots=slots, classes=classes, min_samples=3, now=SCAN_AT)
    # z = (5 - 1) / max(std 0, floor 1) = 4
    assert deviation == {
        "score": 4.0,
        "interpretation": "far_above_normal",
        "contributing_factors": ["person_count_elevated"],
        "hour_start": NEXT_MONDAY_9,
        "observed_count": 5,
        "expected_count": 1.0,
    }
    # While learning (4 samples needed, 3 observed) it is null.
    assert current_deviation(camera=old_camera, slots=slots, classes=classes, min_samples=4, now=SCAN_AT) is None
    # Tuesday 09:00 was always empty and is empty again: z = 0.
    quiet = current_deviation(camera=old_camera, slots=slots, classes=classes, min_samples=3,
                              now=SCAN_AT + dt.timedelta(days=1))
    assert quiet["interpretation"] == "normal"
    assert quiet["contributing_factors"] == []


def test_a_stored_anomaly_sends_anomaly_recorded_inside_its_transaction(small_window, old_camera):
    """The receiver runs inside the writing transaction: it sees the row, and a second scan sends nothing."""
    from django.db import connection

    from baselines import signals

    seen = []

    def receiver(sender, anomaly_id, camera_id, **kwargs):
        row = Anomaly.objects.get(pk=anomaly_id)
        seen.append((row.kind, row.object_type, camera_id, connection.in_atomic_block))

    for weeks in range(3):
        add_detections(old_camera, MONDAY_9 - weeks * WEEK, 10)
    baseline_recompute(camera_id=old_camera.pk, now=NOW)
    signals.anomaly_recorded.connect(receiver)
    try:
        anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT)
        anomaly_detect(camera_id=old_camera.pk, now=SCAN_AT)
    finally:
        signals.anomaly_recorded.disconnect(receiver)
    assert seen == [("absence", "", old_camera.pk, True)]
