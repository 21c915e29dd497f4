"""grab_frames against a real RTSP server on 127.0.0.1 (GStreamer), a closed port and a silent one."""

from __future__ import annotations

import datetime as dt
import logging

import cv2
import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from cameras.media.streams import redact_url, stream_grab_frames, stream_url_with_credentials
from cameras.models import Camera, CameraStatus, IngestionRecord
from cameras.signals import frame_arrived
from cameras.tests.factories import CameraFactory
from cameras.tests.rtsp_peer import closed_port, gst_rtsp_unavailable, rtsp_server, silent_server

USERNAME = "admin user"
PASSWORD = "p@ss:w/rd%Secret#1"  # every character that would break an unencoded URL
NOW = timezone.now().replace(microsecond=0)

_unavailable = gst_rtsp_unavailable()
needs_rtsp = pytest.mark.skipif(_unavailable is not None, reason=_unavailable or "")


def test_credentials_are_percent_encoded_into_the_url_in_memory_only():
    assert stream_url_with_credentials("rtsp://cam.local:554/live?ch=1", USERNAME, PASSWORD) == (
        "rtsp://admin%20user:p%40ss%3Aw%2Frd%25Secret%231@cam.local:554/live?ch=1"
    )
    assert stream_url_with_credentials("rtsp://[::1]/x", "u", None) == "rtsp://u@[::1]/x"
    assert stream_url_with_credentials("rtsps://h/x", None, "ignored") == "rtsps://h/x"
    assert redact_url("rtsp://u:secret@h:554/x") == "rtsp://h:554/x"
    assert redact_url("rtsp://h/x") == "rtsp://h/x"


@pytest.fixture(scope="module")
def rtsp_peer():
    if _unavailable:
        pytest.skip(_unavailable)
    with rtsp_server(USERNAME, PASSWORD) as peer:
        yield peer


@pytest.fixture
def frames():
    received = []

    def receiver(sender, camera_id, path, captured_at, **kwargs):
        received.append((camera_id, path, captured_at))

    frame_arrived.connect(receiver, dispatch_uid="test-media-streams")
    yield received
    frame_arrived.disconnect(dispatch_uid="test-media-streams")


@pytest.fixture
def stream_settings(media_root, settings, tmp_path):
    settings.NEM_STREAM_TIMEOUT_SECONDS = 5
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "cache")
    return settings


def stream_camera(media_root, url, *, password=PASSWORD, **kwargs):
    return CameraFactory(
        id="gate",
        name="Gate",
        folder_path=str(media_root / "gate"),
        ingestion_mode=kwargs.pop("mode", "rtsp"),
        rtsp_url=url,
        rtsp_username=USERNAME,
        rtsp_password=password,
        **{"status": "offline", **kwargs},
    )


@needs_rtsp
@pytest.mark.slow
@pytest.mark.django_db
def test_a_grabbed_frame_is_stored_as_a_jpeg_in_the_folder_and_sets_the_camera_online(
    rtsp_peer, stream_settings, media_root, frames, caplog, django_capture_on_commit_callbacks, anon_client
):
    caplog.set_level(logging.DEBUG)
    stream_camera(media_root, rtsp_peer.url, mode="onvif")

    with django_capture_on_commit_callbacks(execute=True):
        report = stream_grab_frames(now=NOW)

    assert report.grabbed == ["gate"] and report.failed == {}
    stored = sorted((media_root / "gate").rglob("*.jpg"))
    assert [p.relative_to(media_root / "gate").as_posix() for p in stored] == [
        f"{NOW:%Y-%m-%d}/frame_{NOW:%H%M%S_%f}.jpg"
    ]
    image = cv2.imdecode(np.frombuffer(stored[0].read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (240, 320, 3)
    assert not [p for p in (media_root / "gate").rglob("*") if p.name.startswith(".")]  # no temp file left
    camera = Camera.objects.get(pk="gate")
    assert camera.status == CameraStatus.ONLINE
    assert camera.last_seen_at == NOW
    record = IngestionRecord.objects.get(pk="gate")
    assert record.newest_image_path == str(stored[0])
    assert record.last_grab_ok_at == NOW
    assert (record.last_error, record.busy_until) == ("", None)
    mtime_us = stored[0].stat().st_mtime_ns // 1000  # the file's own mtime, to the microsecond
    assert frames == [("gate", str(stored[0]), dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=mtime_us))]
    # The snapshot serves it like an upload.
    response = anon_client.get("/api/cameras/gate/snapshot")
    assert response.content == stored[0].read_bytes()
    assert PASSWORD not in caplog.text
    assert "p%40ss" not in caplog.text


@needs_rtsp
@pytest.mark.slow
@pytest.mark.django_db
def test_wrong_credentials_set_error_and_the_password_never_reaches_a_log_line(
    rtsp_peer, stream_settings, media_root, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    stream_camera(media_root, rtsp_peer.url, password="wrong-" + PASSWORD)

    report = stream_grab_frames(now=NOW)

    assert report.failed == {"gate": "stream did not open (unreachable, refused, or wrong credentials)"}
    assert Camera.objects.get(pk="gate").status == CameraStatus.ERROR
    assert "frame grab failed camera=gate url=" + rtsp_peer.url in caplog.text
    assert PASSWORD not in caplog.text
    assert "Secret" not in caplog.text
    out, err = capfd.readouterr()  # what OpenCV/FFmpeg print on the process's stderr
    assert "Secret" not in out + err and "p%40ss" not in out + err
    record = IngestionRecord.objects.get(pk="gate")
    assert "Secret" not in record.last_error and record.busy_until is None


@pytest.mark.django_db
def test_a_closed_port_sets_the_camera_to_error(stream_settings, media_root, caplog):
    caplog.set_level(logging.DEBUG)
    stream_camera(media_root, f"rtsp://127.0.0.1:{closed_port()}/test")

    report = stream_grab_frames(now=NOW)

    assert report.failed == {"gate": "stream did not open (unreachable, refused, or wrong credentials)"}
    assert report.status_changes == {"gate": ("offline", "error")}
    camera = Camera.objects.get(pk="gate")
    assert (camera.status, camera.last_seen_at) == (CameraStatus.ERROR, None)
    record = IngestionRecord.objects.get(pk="gate")
    assert (record.last_error_at, record.last_grab_ok_at) == (NOW, None)
    assert PASSWORD not in caplog.text


@pytest.mark.slow
@pytest.mark.django_db
def test_a_server_that_never_answers_is_given_up_after_the_timeout(stream_settings, media_root):
    stream_settings.NEM_STREAM_TIMEOUT_SECONDS = 1
    with silent_server() as port:
        stream_camera(media_root, f"rtsp://127.0.0.1:{port}/test")
        report = stream_grab_frames(now=NOW)
    assert list(report.failed) == ["gate"]
    assert Camera.objects.get(pk="gate").status == CameraStatus.ERROR


@pytest.mark.django_db
def test_a_folder_outside_the_media_root_is_an_error_without_connecting(stream_settings, media_root, tmp_path):
    CameraFactory(id="gate", folder_path=str(tmp_path / "x"), ingestion_mode="rtsp", rtsp_url="rtsp://127.0.0.1:1/x")
    report = stream_grab_frames(now=NOW)
    assert report.failed == {"gate": "camera folder unusable: folder_path not under the media root"}
    assert Camera.objects.get(pk="gate").status == CameraStatus.ERROR
    assert not (tmp_path / "x").exists()


@pytest.mark.django_db
def test_ftp_and_trashed_cameras_are_not_grabbed(stream_settings, media_root):
    CameraFactory(id="ftp", folder_path=str(media_root / "ftp"))
    CameraFactory(
        id="old",
        folder_path=str(media_root / "old"),
        ingestion_mode="rtsp",
        rtsp_url="rtsp://127.0.0.1:1/x",
        deleted_at=NOW,
    )
    report = stream_grab_frames(now=NOW)
    assert (report.grabbed, report.failed, report.skipped) == ([], {}, [])


@needs_rtsp
@pytest.mark.slow
@pytest.mark.django_db
def test_the_grab_frames_command_grabs_one_camera(rtsp_peer, stream_settings, media_root):
    stream_camera(media_root, rtsp_peer.url)
    CameraFactory(
        id="other",
        folder_path=str(media_root / "other"),
        ingestion_mode="rtsp",
        rtsp_url=f"rtsp://127.0.0.1:{closed_port()}/x",
    )
    from io import StringIO

    out = StringIO()
    call_command("grab_frames", camera="gate", stdout=out)
    assert out.getvalue() == "grabbed 1 frame(s), 0 failed, 0 busy, 1 status change(s)\n"
    assert not IngestionRecord.objects.filter(pk="other").exists()
