"""Periodic jobs: their commands exit non-zero on a partial failure, every run is recorded (by the
command or by the Celery worker), and readiness names a job that stopped running."""

import datetime as dt
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cameras.models import Camera
from cameras.tests.factories import CameraFactory
from nem.jobs import jobs_liveness, period_of
from nem.models import JobRun

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue().strip()


def test_scan_media_exits_non_zero_naming_each_broken_folder(media_root):
    (media_root / "porch").mkdir()
    CameraFactory(id="porch", folder_path=str(media_root / "porch"))
    CameraFactory(id="gone", folder_path=str(media_root / "gone"))  # never created
    with pytest.raises(CommandError) as failure:
        run("scan_media")
    assert str(failure.value).startswith("1 part(s) failed: gone: ")
    run_row = JobRun.objects.get(pk="cameras.scan_media")
    assert run_row.last_ok is False
    assert run_row.last_summary.startswith("scanned 2 camera(s)")
    assert "1 folder error(s)" in run_row.last_summary


def test_scan_media_succeeds_quietly_with_verbosity_zero_and_records_the_run(media_root):
    (media_root / "porch").mkdir()
    CameraFactory(id="porch", folder_path=str(media_root / "porch"))
    assert run("scan_media", verbosity=0) == ""
    assert (
        run("scan_media")
        == "scanned 1 camera(s): 0 new image(s), 0 new video(s), 0 folder error(s), 0 status change(s)"
    )
    row = JobRun.objects.get(pk="cameras.scan_media")
    assert (row.last_ok, row.runs) == (True, 2)


def test_a_run_for_one_camera_is_not_recorded_as_the_schedule(media_root):
    (media_root / "porch").mkdir()
    CameraFactory(id="porch", folder_path=str(media_root / "porch"))
    run("scan_media", "--camera", "porch")
    assert not JobRun.objects.exists()


def test_grab_frames_exits_non_zero_when_a_stream_fails(media_root, settings):
    settings.NEM_STREAM_TIMEOUT_SECONDS = 1.0
    (media_root / "drive").mkdir()
    CameraFactory(
        id="drive", folder_path=str(media_root / "drive"), ingestion_mode="rtsp", rtsp_url="rtsp://127.0.0.1:1/stream"
    )
    with pytest.raises(CommandError) as failure:
        run("grab_frames")
    assert str(failure.value).startswith("1 part(s) failed: drive: ")
    assert JobRun.objects.get(pk="cameras.grab_frames").last_ok is False


def test_purge_trash_refuses_a_non_positive_retention_in_the_command_and_the_task(settings):
    from cameras import services
    from cameras.tasks import purge_trash_task

    CameraFactory(id="fresh")
    services.camera_soft_delete(camera_id="fresh", actor="x")
    settings.NEM_TRASH_RETENTION_DAYS = -5
    with pytest.raises(CommandError, match="NEM_TRASH_RETENTION_DAYS=-5 would empty the whole trash"):
        run("purge_trash")
    with pytest.raises(ValueError, match="would empty the whole trash"):
        purge_trash_task.delay()
    assert Camera.all_objects.filter(pk="fresh").exists()


def test_a_worker_run_of_a_scheduled_task_is_recorded(media_root):
    from cameras.tasks import scan_media_task

    scan_media_task.delay()
    row = JobRun.objects.get(pk="cameras.scan_media")
    assert row.last_ok is True
    assert row.last_summary == "SUCCESS: 0"
    scan_media_task.delay("nosuch")  # one camera: not the schedule
    assert JobRun.objects.get(pk="cameras.scan_media").runs == 1


def test_periods_of_the_schedule():
    from celery.schedules import crontab

    assert period_of(30.0) == dt.timedelta(seconds=30)
    assert period_of(crontab(minute=3)) == dt.timedelta(hours=1)
    assert period_of(crontab(hour=3, minute=17)) == dt.timedelta(days=1)


def _record(name: str, ago: dt.timedelta, *, ok: bool = True, now=None) -> None:
    at = (now or timezone.now()) - ago
    JobRun.objects.update_or_create(
        name=name, defaults={"last_started_at": at, "last_finished_at": at, "last_ok": ok, "runs": 1}
    )


def _all_recently(now):
    from django.conf import settings

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        _record(entry["task"], dt.timedelta(seconds=1), now=now)


def test_liveness_ok_overdue_failed_and_never():
    now = timezone.now()
    assert {job.state for job in jobs_liveness(now=now)} == {"never"}  # a fresh install is not degraded
    _all_recently(now)
    assert {job.state for job in jobs_liveness(now=now)} == {"ok"}
    _record("cameras.scan_media", dt.timedelta(seconds=61), now=now)  # two periods of 30 s and a second
    _record("baselines.recompute", dt.timedelta(minutes=119), now=now)  # within two hours
    _record("cameras.purge_trash", dt.timedelta(minutes=1), ok=False, now=now)
    states = {job.entry: job.state for job in jobs_liveness(now=now)}
    assert states["scan-media"] == "overdue"
    assert states["recompute-baselines"] == "ok"
    assert states["purge-trash"] == "failed"


def test_a_job_that_never_ran_is_overdue_once_the_others_have_run_for_two_of_its_periods():
    now = timezone.now()
    _record("cameras.scan_media", dt.timedelta(seconds=1), now=now)
    JobRun.objects.filter(pk="cameras.scan_media").update(last_started_at=now - dt.timedelta(minutes=3))
    states = {job.entry: job.state for job in jobs_liveness(now=now)}
    assert states["grab-frames"] == "overdue"  # 60 s period, recording for 3 minutes
    assert states["detect-anomalies"] == "never"  # hourly: too early to tell


def test_ready_reports_a_stopped_beat_as_degraded_and_strict_as_503(anon_client, media_root, settings):
    settings.CELERY_BEAT_SCHEDULE = {
        name: entry
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if name in ("scan-media", "grab-frames", "recompute-baselines", "purge-trash")
    }
    _all_recently(timezone.now())
    body = anon_client.get("/ready").json()
    assert body["status"] == "ok"
    assert body["degraded"] == []
    assert body["jobs"]["scan-media"]["state"] == "ok"
    assert body["jobs"]["scan-media"]["period_seconds"] == 30

    # beat stopped three minutes ago: the frequent jobs fall behind first
    JobRun.objects.update(last_finished_at=timezone.now() - dt.timedelta(minutes=3))
    response = anon_client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["degraded"] == ["grab-frames: overdue", "scan-media: overdue"]
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "media_root": "ok"}

    strict = anon_client.get("/ready?strict=1")
    assert strict.status_code == 503
    assert strict["Content-Type"] == "application/problem+json"
    assert strict.json()["detail"] == "Degraded: grab-frames: overdue, scan-media: overdue."


def test_ready_is_503_when_the_media_root_is_missing_or_unreadable(anon_client, settings, tmp_path):
    settings.NEM_MEDIA_ROOT = str(tmp_path / "not-mounted")
    response = anon_client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["media_root"] == "unavailable"
    assert response.json()["detail"] == "Not ready: media_root unavailable."

    # A root without read/search permission (checked as the unprivileged user the service runs as).
    unreadable = tmp_path / "locked"
    unreadable.mkdir()
    unreadable.chmod(0)
    try:
        settings.NEM_MEDIA_ROOT = str(unreadable)
        if os.geteuid() == 0:
            import subprocess
            import sys

            code = "import os,sys; sys.exit(0 if os.access(sys.argv[1], os.R_OK | os.X_OK) else 3)"
            result = subprocess.run(
                [
                    "setpriv",
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    sys.executable,
                    "-c",
                    code,
                    str(unreadable),
                ]
            )
            assert result.returncode == 3
        else:
            assert anon_client.get("/ready").status_code == 503
    finally:
        unreadable.chmod(0o755)


def test_the_admin_index_shows_each_job_with_its_last_run(client, staff_user, settings):
    settings.CELERY_BEAT_SCHEDULE = {
        name: entry for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if name in ("scan-media", "purge-trash")
    }
    _record("cameras.scan_media", dt.timedelta(minutes=5))
    client.force_login(staff_user)
    page = client.get("/admin/").content.decode()
    assert "<h2>Background jobs</h2>" in page
    assert (
        "<tr><td>scan-media</td><td><code>cameras.scan_media</code></td><td>5\xa0minutes ago</td>"
        "<td>every 30 s</td><td>ok</td><td>overdue</td></tr>"
    ) in page
    assert "<tr><td>purge-trash</td><td><code>cameras.purge_trash</code></td><td>never</td>" in page
    assert "<td>every 1 day</td>" in page
