"""evaluate_health (cron), its task (beat), check_camera_status going through the verdict, and the
path from an upload to the verdict through frame_arrived."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cameras.media.scanner import media_scan
from cameras.models import Camera
from cameras.tests.factories import CameraFactory
from health.models import CameraHealth
from health.tasks import evaluate_health_task
from health.tests.frames import scene_jpeg, write_frame
from nem.models import JobRun


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


@pytest.mark.django_db
def test_evaluate_health_prints_one_line_and_records_its_run(media_root):
    CameraFactory(id="a", folder_path=str(media_root / "missing"), status="online")
    CameraFactory(id="b", folder_path=str(media_root), last_seen_at=timezone.now(), status="online")
    assert run("evaluate_health") == (
        "evaluated 2 camera(s), 2 health change(s), 1 status change(s); a: unknown -> error; b: unknown -> online\n"
    )
    assert run("evaluate_health", camera="b") == "evaluated 1 camera(s), 0 health change(s), 0 status change(s)\n"
    assert run("evaluate_health", verbosity=0) == ""
    assert JobRun.objects.get(name="health.evaluate").last_ok is True


@pytest.mark.django_db
def test_evaluate_health_refuses_an_unknown_or_trashed_camera(media_root):
    CameraFactory(id="gone", deleted_at=timezone.now())
    for camera_id in ("nope", "gone"):
        with pytest.raises(CommandError, match=f"'{camera_id}'.*GET /api/cameras"):
            run("evaluate_health", camera=camera_id)


@pytest.mark.django_db
def test_a_camera_whose_evaluation_fails_makes_the_command_exit_non_zero(media_root, monkeypatch):
    from health.services import evaluate

    CameraFactory(id="a", folder_path=str(media_root), last_seen_at=timezone.now())
    CameraFactory(id="b", folder_path=str(media_root / "b"))

    real = evaluate.health_verdict

    def verdict(**kwargs):
        if kwargs["camera"].pk == "a":
            raise RuntimeError("broken evidence")
        return real(**kwargs)

    monkeypatch.setattr(evaluate, "health_verdict", verdict)
    with pytest.raises(CommandError, match="1 part\\(s\\) failed: a: RuntimeError: broken evidence"):
        run("evaluate_health")
    assert CameraHealth.objects.get(pk="b").state == "error"  # the others were still judged


@pytest.mark.django_db
def test_the_task_and_check_camera_status_run_the_same_evaluation(media_root):
    CameraFactory(id="a", folder_path=str(media_root / "missing"), status="online")
    assert evaluate_health_task.delay().get() == 1
    assert evaluate_health_task.delay("nope").get() == 0
    Camera.objects.filter(pk="a").update(status="online")  # set by hand; the verdict sets it back
    assert run("check_camera_status") == "checked 1 camera(s), 1 status change(s); a: online -> error\n"


@pytest.mark.django_db(transaction=True)
def test_an_upload_reaches_the_verdict_through_frame_arrived(media_root, settings, tmp_path):
    """scan_media -> frame_arrived (after commit) -> health.observe_frame -> the still run."""
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "cache")
    folder = media_root / "porch"
    folder.mkdir()
    now = timezone.now().replace(microsecond=0)
    CameraFactory(id="porch", folder_path=str(folder), created_at=now - dt.timedelta(hours=1))
    for i in range(3):
        at = now - dt.timedelta(minutes=3 - i)
        write_frame(folder, at, scene_jpeg(person_x=250, seed=7, clock=f"08:0{i}"))
        media_scan(now=at + dt.timedelta(seconds=5))
    health = CameraHealth.objects.get(pk="porch")
    assert health.still_frames == 3
    assert health.state == "online"
    assert len(health.media_times) == 3
