"""prune_storage as cron runs it, and its Celery task and beat entry."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from nem.models import JobRun
from retention.models import PruneRun
from retention.tasks import prune_storage_task
from retention.tests.files import Capacity, frame
from scenechanges.models import SceneChange


def _run(*args) -> str:
    out = io.StringIO()
    call_command("prune_storage", *args, stdout=out)
    return out.getvalue().strip()


def test_the_command_prints_one_summary_line_and_records_the_run(cam, media_root, settings):
    settings.NEM_STORAGE_FLOOR_BYTES = 1000
    Capacity.capacity = 5000
    old = frame(media_root / "driveway", timezone.now() - dt.timedelta(hours=30), size=120)
    out = _run()
    assert out == (
        "deleted 1 file(s), 120 byte(s), 0 row(s) on 1 camera(s) (driveway: 1 files/120 B/0 rows); "
        "free 5000 of 5000 B, floor 1000 B ok"
    )
    assert not old.exists()
    run = JobRun.objects.get(name="retention.prune_storage")
    assert run.last_ok is True and run.last_summary == out


def test_dry_run_and_one_camera(cam, ftp_cam, media_root):
    old = frame(media_root / "driveway", timezone.now() - dt.timedelta(hours=30), size=120)
    assert _run("--dry-run", "--camera", "driveway").startswith(
        "would delete 1 file(s), 120 byte(s), 0 row(s) on 1 camera(s) (driveway: 1 files/120 B/0 rows)"
    )
    assert old.exists()
    assert list(PruneRun.objects.values_list("camera_id", "dry_run")) == [("driveway", True)]
    assert not JobRun.objects.filter(name="retention.prune_storage").exists()  # a dry run says nothing of the schedule


def test_verbosity_zero_prints_nothing(cam):
    out = io.StringIO()
    call_command("prune_storage", verbosity=0, stdout=out)
    assert out.getvalue() == ""


def test_an_unknown_camera_is_a_command_error_with_a_hint(cam):
    with pytest.raises(CommandError, match=r"No live camera with id 'nope'; list them with GET /api/cameras\."):
        _run("--camera", "nope")


def test_a_floor_that_cannot_be_restored_exits_non_zero(cam, media_root, settings):
    """manage.py turns the CommandError into exit status 1 (cron and monitoring see it)."""
    Capacity.capacity = 1000
    settings.NEM_STORAGE_FLOOR_BYTES = 600
    evidence = frame(media_root / "driveway", timezone.now() - dt.timedelta(days=300), size=700)
    SceneChange.objects.create(camera=cam, similarity_score=0.1, file_path=str(evidence))
    with pytest.raises(CommandError) as excinfo:
        _run()
    assert str(excinfo.value) == (
        "1 part(s) failed: free space 300 bytes is below the floor of 600 bytes after pruning everything allowed"
    )
    assert evidence.exists()
    run = JobRun.objects.get(name="retention.prune_storage")
    assert run.last_ok is False


def test_the_command_exits_1_from_the_shell(cam, media_root, settings, tmp_path):
    """The exit status itself, through manage.py's own entry point."""
    Capacity.capacity = 1000
    settings.NEM_STORAGE_FLOOR_BYTES = 600
    evidence = frame(media_root / "driveway", timezone.now() - dt.timedelta(days=300), size=700)
    SceneChange.objects.create(camera=cam, similarity_score=0.1, file_path=str(evidence))
    from django.core.management import ManagementUtility

    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as excinfo:
        ManagementUtility(["manage.py", "prune_storage", "-v", "0"]).execute()
    assert excinfo.value.code == 1
    assert "1 part(s) failed: free space 300 bytes is below the floor" in err.getvalue()


def test_the_task_runs_the_job_and_beat_runs_it_hourly(cam, media_root):
    old = frame(media_root / "driveway", timezone.now() - dt.timedelta(hours=30), size=120)
    assert prune_storage_task.delay().get() == {"files": 1, "bytes": 120, "rows": 0, "failures": 0}
    assert not old.exists()
    assert prune_storage_task.delay("gone").get() == {"files": 0, "bytes": 0, "rows": 0, "failures": 0}
    entry = django_settings.CELERY_BEAT_SCHEDULE["prune-storage"]
    assert entry["task"] == "retention.prune_storage" and entry["options"] == {"expires": 3000}
    assert str(entry["schedule"]) == "<crontab: 23 * * * * (m/h/dM/MY/d)>"


def test_a_task_run_below_the_floor_fails_and_readiness_names_the_job(cam, media_root, settings, anon_client):
    from retention.services import PruneIncomplete

    Capacity.capacity = 1000
    settings.NEM_STORAGE_FLOOR_BYTES = 600
    evidence = frame(media_root / "driveway", timezone.now() - dt.timedelta(days=300), size=700)
    SceneChange.objects.create(camera=cam, similarity_score=0.1, file_path=str(evidence))
    with pytest.raises(PruneIncomplete, match="below the floor of 600 bytes"):
        prune_storage_task.delay()
    assert PruneRun.objects.get().floor_ok is False
    run = JobRun.objects.get(name="retention.prune_storage")
    assert run.last_ok is False
    body = anon_client.get("/ready").json()
    assert "prune-storage: failed" in body["degraded"]
