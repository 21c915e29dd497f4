"""Trash and restore of a camera hide and bring back every baseline row."""

import datetime as dt

import pytest

from baselines.models import (
    ActivitySlot,
    Anomaly,
    BaselineState,
    ClassSlot,
    Detection,
    Event,
    HourlyClassCount,
    HourlyCount,
)
from baselines.services import anomaly_detect, baseline_recompute
from baselines.tests.constructed import MONDAY_9, NOW, WEEK, add_detections
from cameras.services import camera_restore, camera_soft_delete
from cameras.tests.factories import CameraFactory

pytestmark = pytest.mark.django_db
MODELS = [Detection, Event, HourlyCount, HourlyClassCount, ActivitySlot, ClassSlot, BaselineState, Anomaly]


def _counts(camera_id, manager="objects"):
    return {m.__name__: getattr(m, manager).filter(camera_id=camera_id).count() for m in MODELS}


def test_trash_hides_and_restore_brings_back_every_baseline_row(small_window, old_camera):
    bystander = CameraFactory(id="garage", created_at=old_camera.created_at)
    for camera in (old_camera, bystander):
        for weeks in range(3):
            add_detections(camera, MONDAY_9 - weeks * WEEK, 1)
        add_detections(camera, MONDAY_9 + WEEK, 5)
        Event.objects.create(camera=camera, started_at=MONDAY_9, ended_at=MONDAY_9, detection_count=1)
        baseline_recompute(camera_id=camera.pk, now=NOW)
        anomaly_detect(camera_id=camera.pk, now=NOW + WEEK)
    before = _counts("front_door")
    assert all(before.values()), before
    assert before["Anomaly"] == 2

    result = camera_soft_delete(camera_id="front_door", actor="test")

    assert all(result.counts[f"baselines.{m.__name__.lower()}"] == before[m.__name__] for m in MODELS)
    assert set(_counts("front_door").values()) == {0}
    assert _counts("front_door", "all_objects") == before
    assert _counts("garage") == before  # the other camera is untouched
    camera_restore(camera_id="front_door", actor="test")
    assert _counts("front_door") == before


def test_jobs_skip_a_trashed_camera_and_leave_its_rows_alone(small_window, old_camera):
    add_detections(old_camera, MONDAY_9, 2)
    baseline_recompute(camera_id=old_camera.pk, now=NOW)
    camera_soft_delete(camera_id="front_door", actor="test")
    hidden = _counts("front_door", "all_objects")
    assert baseline_recompute(camera_id="front_door", now=NOW + dt.timedelta(hours=1)).skipped == "not live"
    assert anomaly_detect(camera_id="front_door", now=NOW).skipped == "not live"
    assert _counts("front_door", "all_objects") == hidden
