import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from baselines.models import ActivitySlot, BaselineState, DetectionBatch
from baselines.tasks import detect_anomalies_task, recompute_task
from cameras.services import camera_soft_delete
from cameras.tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def test_beat_entries_run_after_the_hour_closes_and_expire():
    recompute = settings.CELERY_BEAT_SCHEDULE["recompute-baselines"]
    scan = settings.CELERY_BEAT_SCHEDULE["detect-anomalies"]
    assert (recompute["task"], scan["task"]) == ("baselines.recompute", "baselines.detect_anomalies")
    assert recompute["schedule"].minute == {7} and scan["schedule"].minute == {3}
    assert recompute["options"]["expires"] <= 3600 and scan["options"]["expires"] <= 3600


def test_recompute_task_fans_out_to_live_cameras_and_prunes_keys(camera):
    CameraFactory(id="garage")
    CameraFactory(id="old")
    camera_soft_delete(camera_id="old", actor="test")
    DetectionBatch.objects.create(key="k", payload_sha256="0" * 64, created_count=1,
                                  created_at=timezone.now() - dt.timedelta(hours=25))
    DetectionBatch.objects.create(key="k23", payload_sha256="0" * 64, created_count=1,
                                  created_at=timezone.now() - dt.timedelta(hours=23))
    recompute_task.delay()
    assert set(ActivitySlot.objects.values_list("camera_id", flat=True)) == {"front_door", "garage"}
    assert not ActivitySlot.all_objects.filter(camera_id="old").exists()
    # the default window is 24 hours: a key 23 hours old is kept, one 25 hours old is forgotten
    assert list(DetectionBatch.objects.values_list("key", flat=True)) == ["k23"]


def test_tasks_exit_quietly_for_a_trashed_camera(camera, caplog):
    camera_soft_delete(camera_id="front_door", actor="test")
    recompute_task.delay("front_door")
    detect_anomalies_task.delay("front_door")
    assert "camera=front_door skipped (not live)" in caplog.text
    assert not BaselineState.all_objects.filter(camera_id="front_door", last_recompute_at__isnull=False).exists()


def test_detect_anomalies_task_records_the_scan(camera):
    CameraFactory(id="garage")
    before = timezone.now()
    detect_anomalies_task.delay()
    after = timezone.now()
    states = {s.camera_id: s for s in BaselineState.objects.all()}
    assert set(states) == {"front_door", "garage"}  # the fan-out reaches every live camera
    for state in states.values():
        assert before <= state.last_scan_at <= after
        assert state.scan_claimed_at is None  # the claim is released after the scan


def test_baseline_tasks_are_acknowledged_late_and_handed_back_by_a_dying_worker():
    """Both are idempotent, so a message is acked after the work and requeued if the worker dies."""
    for task in (recompute_task, detect_anomalies_task):
        assert (task.acks_late, task.reject_on_worker_lost) == (True, True)
