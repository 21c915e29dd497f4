"""Camera status transitions on a controlled clock (``now=``), each invalidating the camera list."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from cameras.cache import invalidate_now, list_generation
from cameras.media.demo import demo_jpeg
from cameras.media.scanner import media_scan
from cameras.media.status import camera_status_check
from cameras.models import Camera, CameraStatus, IngestionRecord
from cameras.tests.factories import CameraFactory

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
OFFLINE_AFTER = dt.timedelta(seconds=600)


def upload(folder, name, at):
    path = folder / name
    path.write_bytes(demo_jpeg(when=at, size=(32, 24)))
    os.utime(path, (at.timestamp(), at.timestamp()))


def status_of(camera_id="front_door"):
    return Camera.objects.get(pk=camera_id).status


def generation():
    if list_generation() is None:
        invalidate_now()  # starts one
    return list_generation()


@pytest.fixture
def folder(media_root, settings, tmp_path):
    settings.NEM_STATUS_OFFLINE_AFTER_SECONDS = int(OFFLINE_AFTER.total_seconds())
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "cache")
    path = media_root / "front_door"
    path.mkdir()
    return path


@pytest.fixture
def cam(folder):
    return CameraFactory(id="front_door", folder_path=str(folder), created_at=T0, status="online")


@pytest.mark.django_db
def test_online_offline_online_error_online_on_a_controlled_clock(cam, folder):
    upload(folder, "a.jpg", T0)
    media_scan(now=T0 + dt.timedelta(seconds=5))
    assert status_of() == CameraStatus.ONLINE

    # Silence up to the limit keeps it online; one second past it, offline.
    assert camera_status_check(now=T0 + OFFLINE_AFTER).changes == {}
    gen = generation()
    report = camera_status_check(now=T0 + OFFLINE_AFTER + dt.timedelta(seconds=1))
    assert report.changes == {"front_door": ("online", "offline")}
    assert status_of() == CameraStatus.OFFLINE
    assert generation() == gen + 1

    # Media arrives again: online once NEM_HEALTH_ONLINE_AFTER_FRAMES (3) consecutive new frames
    # came (the health verdict's hysteresis), not on the first late one.
    later = T0 + dt.timedelta(hours=2)
    for i, name in enumerate(("b.jpg", "c.jpg")):
        upload(folder, name, later + dt.timedelta(seconds=30 * i))
        assert media_scan(now=later + dt.timedelta(seconds=30 * i + 10)).status_changes == {}
    upload(folder, "d.jpg", later + dt.timedelta(seconds=60))
    scan = media_scan(now=later + dt.timedelta(seconds=70))
    assert scan.status_changes == {"front_door": ("offline", "online")}
    assert status_of() == CameraStatus.ONLINE

    # The folder breaks: error, whatever the last media time.
    for name in ("a.jpg", "b.jpg", "c.jpg", "d.jpg"):
        (folder / name).unlink()
    folder.rmdir()
    assert camera_status_check(now=later + dt.timedelta(seconds=20)).changes == {"front_door": ("online", "error")}

    # Fixed, and media recent enough: online.
    folder.mkdir()
    assert camera_status_check(now=later + dt.timedelta(seconds=30)).changes == {"front_door": ("error", "online")}


@pytest.mark.django_db
def test_a_camera_that_never_delivered_goes_offline_after_the_silence_from_its_creation(cam):
    assert camera_status_check(now=T0 + OFFLINE_AFTER).changes == {}
    assert camera_status_check(now=T0 + OFFLINE_AFTER * 2).changes == {"front_door": ("online", "offline")}


@pytest.mark.django_db
def test_no_change_means_no_invalidation(cam, folder):
    upload(folder, "a.jpg", T0)
    media_scan(now=T0)
    gen = generation()
    assert camera_status_check(now=T0 + dt.timedelta(seconds=30)).changes == {}
    assert generation() == gen


@pytest.mark.django_db
def test_a_folder_outside_the_media_root_is_an_error(media_root, tmp_path, settings):
    settings.NEM_STATUS_OFFLINE_AFTER_SECONDS = 600
    CameraFactory(id="away", folder_path=str(tmp_path), created_at=T0)
    assert camera_status_check(now=T0).changes == {"away": ("online", "error")}


@pytest.mark.django_db
def test_a_stream_camera_is_in_error_while_its_last_grab_failed(folder):
    cam = CameraFactory(
        id="front_door",
        folder_path=str(folder),
        created_at=T0,
        ingestion_mode="rtsp",
        rtsp_url="rtsp://127.0.0.1/x",
        last_seen_at=T0,
    )
    IngestionRecord.objects.create(
        camera=cam, last_grab_ok_at=T0, last_error="stream did not open", last_error_at=T0 + dt.timedelta(seconds=60)
    )
    assert camera_status_check(now=T0 + dt.timedelta(seconds=61)).changes == {"front_door": ("online", "error")}
    IngestionRecord.objects.filter(pk=cam.pk).update(last_grab_ok_at=T0 + dt.timedelta(seconds=120))
    Camera.objects.filter(pk=cam.pk).update(last_seen_at=T0 + dt.timedelta(seconds=120))
    assert camera_status_check(now=T0 + dt.timedelta(seconds=121)).changes == {"front_door": ("error", "online")}


@pytest.mark.django_db
def test_a_stream_cameras_missing_folder_is_not_an_error_before_its_first_grab(media_root, settings):
    settings.NEM_STATUS_OFFLINE_AFTER_SECONDS = 600
    CameraFactory(
        id="cam",
        folder_path=str(media_root / "not-yet"),
        created_at=T0,
        ingestion_mode="rtsp",
        rtsp_url="rtsp://127.0.0.1/x",
    )
    assert camera_status_check(now=T0 + dt.timedelta(seconds=1)).changes == {}


@pytest.mark.django_db
def test_a_trashed_camera_is_left_alone(media_root):
    CameraFactory(id="gone", folder_path=str(media_root / "missing"), created_at=T0, deleted_at=T0)
    report = camera_status_check(now=T0)
    assert (report.checked, report.changes) == (0, {})
    assert Camera.all_objects.get(pk="gone").status == CameraStatus.ONLINE


@pytest.fixture
def status_signals():
    """Every ``camera_status_changed`` sent, with whether a transaction was open at that moment."""
    from django.db import connection

    from cameras.signals import camera_status_changed

    sent = []

    def receiver(sender, **kwargs):
        sent.append({**kwargs, "in_atomic": connection.in_atomic_block})

    camera_status_changed.connect(receiver, dispatch_uid="test-status-signals")
    yield sent
    camera_status_changed.disconnect(dispatch_uid="test-status-signals")


@pytest.mark.django_db(transaction=True)
def test_every_status_change_sends_camera_status_changed_inside_its_transaction(cam, folder, status_signals):
    upload(folder, "a.jpg", T0)
    media_scan(now=T0 + dt.timedelta(seconds=5))
    assert status_signals == []

    at = T0 + OFFLINE_AFTER + dt.timedelta(seconds=1)
    camera_status_check(now=at)
    assert status_signals == [
        {
            "signal": status_signals[0]["signal"],
            "camera_id": "front_door",
            "previous": "online",
            "current": "offline",
            "at": at,
            "detail": "health offline: no new media for 601 s (grace 600 s)",
            "in_atomic": True,
        }
    ]
    # No change, no signal.
    camera_status_check(now=at + dt.timedelta(seconds=1))
    assert len(status_signals) == 1

    later = T0 + dt.timedelta(hours=2)
    for i, name in enumerate(("b.jpg", "c.jpg", "d.jpg")):
        upload(folder, name, later + dt.timedelta(seconds=30 * i))
        media_scan(now=later + dt.timedelta(seconds=30 * i + 10))
    assert [(s["previous"], s["current"], s["detail"], s["in_atomic"]) for s in status_signals[1:]] == [
        ("offline", "online", "health online: new media arriving", True)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_rolls_the_status_change_back(cam, folder):
    from cameras.signals import camera_status_changed

    def refuse(sender, **kwargs):
        raise RuntimeError("receiver failed")

    camera_status_changed.connect(refuse, dispatch_uid="test-refuse")
    try:
        with pytest.raises(RuntimeError):
            camera_status_check(now=T0 + OFFLINE_AFTER * 2)
    finally:
        camera_status_changed.disconnect(dispatch_uid="test-refuse")
    assert status_of() == CameraStatus.ONLINE


@pytest.mark.django_db
def test_a_status_set_through_the_api_sends_the_signal(api_client, cam, status_signals):
    response = api_client.patch("/api/cameras/front_door", {"status": "error"}, format="json")
    assert response.status_code == 200
    assert [(s["camera_id"], s["previous"], s["current"], s["detail"]) for s in status_signals] == [
        ("front_door", "online", "error", "set through the API")
    ]
    api_client.patch("/api/cameras/front_door", {"name": "Renamed"}, format="json")
    assert len(status_signals) == 1
