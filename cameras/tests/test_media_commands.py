"""scan_media / check_camera_status commands, the beat tasks, and the demo media."""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO

import cv2
import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cameras.media.demo import demo_jpeg, demo_media_write
from cameras.models import Camera, IngestionRecord
from cameras.tasks import check_camera_status_task, grab_frames_task, scan_media_task
from cameras.tests.factories import CameraFactory


def run(name, **kwargs) -> str:
    out = StringIO()
    call_command(name, stdout=out, **kwargs)
    return out.getvalue()


@pytest.fixture
def media(media_root, settings, tmp_path):
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "cache")
    settings.NEM_STATUS_OFFLINE_AFTER_SECONDS = 3600
    return media_root


def upload(folder, name, at):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(demo_jpeg(when=at, size=(32, 24)))
    os.utime(path, (at.timestamp(), at.timestamp()))


@pytest.mark.django_db
def test_scan_media_prints_a_one_line_summary_and_scans_one_camera_when_asked(media):
    now = timezone.now()
    upload(media / "a", "x.jpg", now - dt.timedelta(minutes=1))
    upload(media / "b", "y.jpg", now - dt.timedelta(minutes=1))
    CameraFactory(id="a", folder_path=str(media / "a"))
    CameraFactory(id="b", folder_path=str(media / "b"))
    CameraFactory(id="c", folder_path=str(media / "missing"))

    assert run("scan_media", camera="a") == (
        "scanned 1 camera(s): 1 new image(s), 0 new video(s), 0 folder error(s), 0 status change(s)\n"
    )
    assert list(IngestionRecord.objects.values_list("pk", flat=True)) == ["a"]
    out = StringIO()
    with pytest.raises(CommandError, match=r"^1 part\(s\) failed: c: directory does not exist$"):
        call_command("scan_media", stdout=out)  # cron sees a non-zero exit
    assert out.getvalue() == (
        "scanned 3 camera(s): 1 new image(s), 0 new video(s), 1 folder error(s), 1 status change(s)\n"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["scan_media", "check_camera_status", "grab_frames"])
def test_commands_refuse_an_unknown_or_trashed_camera_with_a_hint(media, command):
    CameraFactory(id="gone", folder_path=str(media / "gone"), deleted_at=timezone.now())
    for camera_id in ("nope", "gone"):
        with pytest.raises(CommandError, match=f"'{camera_id}'.*GET /api/cameras"):
            run(command, camera=camera_id)


@pytest.mark.django_db
def test_check_camera_status_lists_the_changes(media):
    CameraFactory(id="a", folder_path=str(media / "missing"))
    CameraFactory(id="b", folder_path=str(media), last_seen_at=timezone.now())
    assert run("check_camera_status") == "checked 2 camera(s), 1 status change(s); a: online -> error\n"
    assert run("check_camera_status", camera="b") == "checked 1 camera(s), 0 status change(s)\n"


@pytest.mark.django_db
def test_tasks_call_their_service_and_exit_quietly_for_a_trashed_camera(media, caplog):
    now = timezone.now()
    upload(media / "a", "x.jpg", now - dt.timedelta(minutes=1))
    CameraFactory(id="a", folder_path=str(media / "a"))
    CameraFactory(id="gone", folder_path=str(media / "a" / "sub"), deleted_at=now)

    assert scan_media_task.delay().get() == 1
    assert scan_media_task.delay("gone").get() == 0
    assert "scan_media: camera gone is gone or in the trash" in caplog.text
    assert check_camera_status_task.delay("a").get() == 0
    assert grab_frames_task.delay().get() == 0
    assert Camera.objects.get(pk="a").last_seen_at is not None


@pytest.mark.django_db
def test_demo_media_gives_a_working_snapshot_and_a_decodable_video(media, anon_client):
    folder = media / "front_door"
    demo_media_write(folder)
    names = sorted(p.suffix for p in folder.iterdir())
    assert names == [".jpg", ".jpg", ".jpg", ".mp4"]
    CameraFactory(id="front_door", folder_path=str(folder))
    newest = max(folder.glob("*.jpg"), key=lambda p: p.stat().st_mtime)

    response = anon_client.get("/api/cameras/front_door/snapshot")

    assert response.status_code == 200
    assert response.content == newest.read_bytes()
    for image in folder.glob("*.jpg"):
        image.unlink()
    IngestionRecord.objects.all().delete()
    response = anon_client.get("/api/cameras/front_door/snapshot")
    frame = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    assert frame.shape == (180, 320, 3)


@pytest.mark.django_db
def test_the_admin_panel_shows_what_ingestion_saw(media, rf):
    from cameras.media.admin_panel import media_ingestion_panel
    from cameras.media.scanner import media_scan

    at = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=3)
    upload(media / "a", "x.jpg", at)
    camera = CameraFactory(id="a", folder_path=str(media / "a"))
    assert "Newest image</th><td>none (never)" in media_ingestion_panel(camera, rf.get("/"))
    media_scan()
    html = media_ingestion_panel(camera, rf.get("/"))
    assert f"<td>{media / 'a' / 'x.jpg'} ({at:%Y-%m-%d %H:%M:%S} UTC)</td>" in html
    assert "<img" not in html  # the snapshot is shown once, in the camera page's State section
    missing = CameraFactory(id="b", folder_path=str(media / "b"))
    assert "(directory does not exist)" in media_ingestion_panel(missing, rf.get("/"))
