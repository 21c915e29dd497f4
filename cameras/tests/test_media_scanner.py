"""The ftp scanner: incremental walks, newest complete image/video, last_seen_at, frame_arrived."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from cameras.cache import invalidate_now, list_generation
from cameras.media.demo import demo_jpeg, demo_video_write
from cameras.media.scanner import media_scan, media_scan_camera
from cameras.models import Camera, CameraStatus, IngestionRecord
from cameras.signals import frame_arrived
from cameras.tests.factories import CameraFactory

NOW = dt.datetime(2026, 11, 20, 12, 0, 0, tzinfo=dt.UTC)


def put(path: Path, data: bytes, at: dt.datetime) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def jpeg(path: Path, at: dt.datetime, seed: int = 0) -> Path:
    return put(path, demo_jpeg(when=at, seed=seed, size=(64, 48)), at)


def keep_dir_mtime(directory: Path, func) -> None:
    """Change a directory's entries without moving its mtime (what an unchanged dir looks like)."""
    st = os.stat(directory)
    func()
    os.utime(directory, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.fixture
def frames():
    received = []

    def receiver(sender, camera_id, path, captured_at, **kwargs):
        received.append((camera_id, path, captured_at))

    frame_arrived.connect(receiver, dispatch_uid="test-media-scanner")
    yield received
    frame_arrived.disconnect(dispatch_uid="test-media-scanner")


@pytest.fixture
def folder(media_root, settings, tmp_path):
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "snapshot-cache")
    settings.NEM_MEDIA_SETTLE_SECONDS = 60
    settings.NEM_STATUS_OFFLINE_AFTER_SECONDS = 3600
    path = media_root / "front_door"
    path.mkdir()
    return path


@pytest.fixture
def cam(folder):
    return CameraFactory(id="front_door", name="Front Door Camera", folder_path=str(folder))


def scan(now=NOW, **kwargs):
    return media_scan(now=now, **kwargs)


@pytest.mark.django_db
def test_first_scan_records_newest_image_and_video_and_sends_only_the_newest_frame(
    cam, folder, frames, django_capture_on_commit_callbacks
):
    jpeg(folder / "2026-11-20" / "a.jpg", NOW - dt.timedelta(minutes=9))
    jpeg(folder / "2026-11-20" / "b.png", NOW - dt.timedelta(minutes=8))
    newest = jpeg(folder / "2026-11-20" / "late" / "C.JPG", NOW - dt.timedelta(minutes=7))
    clip = folder / "clips" / "one.mkv"
    clip.parent.mkdir()
    demo_video_write(clip, frames=5)
    os.utime(clip, ((NOW - dt.timedelta(minutes=30)).timestamp(),) * 2)
    put(folder / "notes.txt", b"not media", NOW)

    with django_capture_on_commit_callbacks(execute=True):
        report = scan()

    record = IngestionRecord.objects.get(pk="front_door")
    assert record.folder == str(folder)
    assert record.newest_image_path == str(newest)
    assert record.newest_image_mtime == NOW - dt.timedelta(minutes=7)
    assert [e[0] for e in record.recent_images] == ["2026-11-20/late/C.JPG", "2026-11-20/b.png", "2026-11-20/a.jpg"]
    assert record.newest_video_path == str(clip)
    assert record.newest_video_mtime == NOW - dt.timedelta(minutes=30)
    assert record.newest_video_size == clip.stat().st_size
    assert record.pending_files == {}
    assert record.last_scan_at == NOW
    assert record.busy_until is None
    assert Camera.objects.get(pk="front_door").last_seen_at == NOW - dt.timedelta(minutes=7)
    # Old uploads are history: only the newest goes to the scene comparison, as its first frame.
    assert frames == [("front_door", str(newest), NOW - dt.timedelta(minutes=7))]
    assert (report.new_images, report.new_videos, report.errors) == (1, 1, 0)


@pytest.mark.django_db
def test_later_scans_send_each_new_image_oldest_first(cam, folder, frames, django_capture_on_commit_callbacks):
    jpeg(folder / "old.jpg", NOW - dt.timedelta(hours=1))
    scan(now=NOW - dt.timedelta(minutes=30))
    first = jpeg(folder / "new1.jpg", NOW - dt.timedelta(seconds=20))
    second = jpeg(folder / "new2.jpeg", NOW - dt.timedelta(seconds=10))
    frames.clear()

    with django_capture_on_commit_callbacks(execute=True):
        report = scan()

    assert frames == [
        ("front_door", str(first), NOW - dt.timedelta(seconds=20)),
        ("front_door", str(second), NOW - dt.timedelta(seconds=10)),
    ]
    assert report.new_images == 2
    assert Camera.objects.get(pk="front_door").last_seen_at == NOW - dt.timedelta(seconds=10)


@pytest.mark.django_db
def test_a_scan_lists_only_directories_whose_mtime_moved(cam, folder):
    """The proof of incrementality: a file slipped into a directory whose mtime was put back is
    invisible to the next scan, and appears as soon as the directory's mtime moves."""
    day = folder / "2026-11-19"
    jpeg(day / "a.jpg", NOW - dt.timedelta(hours=2))
    jpeg(folder / "2026-11-20" / "b.jpg", NOW - dt.timedelta(hours=1))
    scan(now=NOW - dt.timedelta(minutes=30))

    keep_dir_mtime(day, lambda: jpeg(day / "sneaky.jpg", NOW - dt.timedelta(minutes=5)))
    scan()
    assert IngestionRecord.objects.get(pk="front_door").newest_image_path == str(folder / "2026-11-20" / "b.jpg")

    os.utime(day)  # the directory changed after all
    scan()
    assert IngestionRecord.objects.get(pk="front_door").newest_image_path == str(day / "sneaky.jpg")


@pytest.mark.django_db
def test_new_subdirectories_and_removed_ones_are_followed(cam, folder):
    jpeg(folder / "a" / "x.jpg", NOW - dt.timedelta(hours=2))
    scan(now=NOW - dt.timedelta(hours=1))
    jpeg(folder / "b" / "c" / "y.gif", NOW - dt.timedelta(minutes=10))
    scan()
    record = IngestionRecord.objects.get(pk="front_door")
    assert record.newest_image_path == str(folder / "b" / "c" / "y.gif")
    assert set(record.dir_state) == {"", "a", "b", "b/c"}
    (folder / "a" / "x.jpg").unlink()
    (folder / "a").rmdir()
    scan(now=NOW + dt.timedelta(minutes=1))
    assert set(IngestionRecord.objects.get(pk="front_door").dir_state) == {"", "b", "b/c"}


@pytest.mark.django_db
def test_a_video_still_being_written_counts_only_after_two_looks_with_the_same_size(cam, folder):
    old = folder / "old.mp4"
    demo_video_write(old, frames=5)
    os.utime(old, ((NOW - dt.timedelta(hours=1)).timestamp(),) * 2)
    growing = folder / "growing.mp4"
    growing.write_bytes(b"\x00" * 1000)
    os.utime(growing, ((NOW - dt.timedelta(seconds=5)).timestamp(),) * 2)

    scan()
    record = IngestionRecord.objects.get(pk="front_door")
    assert record.newest_video_path == str(old)
    assert record.pending_files == {"growing.mp4": [1000, growing.stat().st_mtime_ns]}

    # It grew since: still pending, with the new size.
    keep_dir_mtime(folder, lambda: growing.write_bytes(b"\x00" * 2000))
    os.utime(growing, ((NOW + dt.timedelta(seconds=20)).timestamp(),) * 2)
    scan(now=NOW + dt.timedelta(seconds=30))
    record = IngestionRecord.objects.get(pk="front_door")
    assert record.newest_video_path == str(old)
    assert record.pending_files == {"growing.mp4": [2000, growing.stat().st_mtime_ns]}

    # Unchanged over two looks: complete, and the newest video.
    scan(now=NOW + dt.timedelta(seconds=60))
    record = IngestionRecord.objects.get(pk="front_door")
    assert record.newest_video_path == str(growing)
    assert record.newest_video_size == 2000
    assert record.pending_files == {}
    assert [e[0] for e in record.recent_videos] == ["growing.mp4", "old.mp4"]


@pytest.mark.django_db
def test_a_half_uploaded_jpeg_waits_and_a_complete_one_needs_no_second_look(
    cam, folder, frames, django_capture_on_commit_callbacks
):
    jpeg(folder / "old.jpg", NOW - dt.timedelta(hours=1))
    scan(now=NOW - dt.timedelta(minutes=5))
    full = demo_jpeg(when=NOW, size=(64, 48))
    partial = put(folder / "upload.jpg", full[: len(full) // 2], NOW - dt.timedelta(seconds=2))
    frames.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scan()
    assert frames == []
    assert IngestionRecord.objects.get(pk="front_door").newest_image_path == str(folder / "old.jpg")

    keep_dir_mtime(folder, lambda: put(partial, full, NOW + dt.timedelta(seconds=1)))
    with django_capture_on_commit_callbacks(execute=True):
        scan(now=NOW + dt.timedelta(seconds=2))
    assert frames == [("front_door", str(partial), NOW + dt.timedelta(seconds=1))]
    assert IngestionRecord.objects.get(pk="front_door").pending_files == {}


@pytest.mark.django_db
def test_an_image_overwritten_in_place_is_a_new_frame(cam, folder, frames, django_capture_on_commit_callbacks):
    snap = jpeg(folder / "snapshot.jpg", NOW - dt.timedelta(minutes=5))
    scan(now=NOW - dt.timedelta(minutes=4))
    frames.clear()
    keep_dir_mtime(folder, lambda: jpeg(snap, NOW - dt.timedelta(seconds=30), seed=3))
    with django_capture_on_commit_callbacks(execute=True):
        scan()
    assert frames == [("front_door", str(snap), NOW - dt.timedelta(seconds=30))]


@pytest.mark.django_db
def test_symlinks_hidden_files_and_nested_camera_folders_are_not_this_cameras_media(cam, folder, media_root, tmp_path):
    jpeg(folder / "real.jpg", NOW - dt.timedelta(hours=1))
    outside = jpeg(tmp_path / "outside.jpg", NOW - dt.timedelta(minutes=1))
    os.symlink(outside, folder / "link.jpg")
    os.symlink(tmp_path, folder / "linked-dir")
    jpeg(folder / ".hidden.jpg", NOW - dt.timedelta(minutes=1))
    jpeg(folder / ".tmp" / "x.jpg", NOW - dt.timedelta(minutes=1))
    inner = folder / "porch"
    jpeg(inner / "porch.jpg", NOW - dt.timedelta(minutes=1))
    CameraFactory(id="porch", folder_path=str(inner))

    scan()

    record = IngestionRecord.objects.get(pk="front_door")
    assert [e[0] for e in record.recent_images] == ["real.jpg"]
    # A folder inside another camera's breaks the cameras folder rule: it is not read.
    porch = IngestionRecord.objects.get(pk="porch")
    assert porch.newest_image_path == ""
    assert porch.last_error == "folder is inside camera front_door's folder"


@pytest.mark.django_db
def test_trashed_and_streaming_cameras_are_not_scanned(folder, media_root):
    trashed_folder = media_root / "old"
    jpeg(trashed_folder / "a.jpg", NOW - dt.timedelta(minutes=1))
    CameraFactory(id="old", folder_path=str(trashed_folder), deleted_at=NOW)
    jpeg(folder / "a.jpg", NOW - dt.timedelta(minutes=1))
    CameraFactory(id="front_door", folder_path=str(folder), ingestion_mode="rtsp", rtsp_url="rtsp://127.0.0.1:1/x")

    report = scan()

    assert report.cameras == []
    assert not IngestionRecord.objects.exists()


@pytest.mark.django_db
def test_last_seen_at_never_moves_back_nor_into_the_future(cam, folder):
    jpeg(folder / "future.jpg", NOW + dt.timedelta(hours=2))  # a camera whose clock runs ahead
    scan()
    assert Camera.objects.get(pk="front_door").last_seen_at == NOW
    Camera.objects.filter(pk="front_door").update(last_seen_at=NOW + dt.timedelta(minutes=5))
    jpeg(folder / "later.jpg", NOW + dt.timedelta(hours=3))
    scan()
    assert Camera.objects.get(pk="front_door").last_seen_at == NOW + dt.timedelta(minutes=5)


@pytest.mark.django_db
def test_one_scan_invalidates_the_camera_list_once_for_all_changes(folder, media_root, api_client):
    for name in ("a", "b", "c"):
        jpeg(media_root / name / "x.jpg", NOW - dt.timedelta(minutes=1))
        CameraFactory(id=name, folder_path=str(media_root / name), last_seen_at=None)
    before = api_client.get("/api/cameras").json()
    assert [c["last_seen_at"] for c in before["items"]] == [None, None, None]
    generation = list_generation()

    scan()

    assert list_generation() == generation + 1
    after = api_client.get("/api/cameras").json()
    assert [c["last_seen_at"] for c in after["items"]] == ["2026-11-20T11:59:00Z"] * 3


@pytest.mark.django_db
def test_a_scan_that_changes_nothing_keeps_the_list_cache(cam, folder):
    jpeg(folder / "x.jpg", NOW - dt.timedelta(minutes=1))
    scan()
    list_generation() or invalidate_now()
    generation = list_generation()
    scan(now=NOW + dt.timedelta(seconds=30))
    assert list_generation() == generation


@pytest.mark.django_db
def test_a_missing_folder_is_recorded_and_sets_the_camera_to_error(cam, folder):
    folder.rmdir()
    report = scan()
    assert report.errors == 1
    record = IngestionRecord.objects.get(pk="front_door")
    assert record.last_error == "directory does not exist"
    assert Camera.objects.get(pk="front_door").status == CameraStatus.ERROR
    assert report.status_changes == {"front_door": ("online", "error")}


@pytest.mark.django_db
def test_a_claimed_camera_is_skipped_and_an_expired_claim_is_taken_over(cam, folder):
    jpeg(folder / "x.jpg", NOW - dt.timedelta(minutes=1))
    IngestionRecord.objects.create(camera=cam, busy_until=timezone.now() + dt.timedelta(minutes=5))
    assert media_scan_camera(camera_id="front_door", now=NOW).skipped is True
    assert IngestionRecord.objects.get(pk="front_door").newest_image_path == ""

    IngestionRecord.objects.filter(pk="front_door").update(busy_until=timezone.now() - dt.timedelta(seconds=1))
    assert media_scan_camera(camera_id="front_door", now=NOW).skipped is False
    record = IngestionRecord.objects.get(pk="front_door")
    assert record.newest_image_path == str(folder / "x.jpg")
    assert record.busy_until is None


@pytest.mark.django_db
def test_a_bounded_walk_keeps_no_directory_state_so_the_next_scan_walks_again(cam, folder):
    jpeg(folder / "top.jpg", NOW - dt.timedelta(hours=2))
    for i in range(30):
        jpeg(folder / f"d{i:02d}" / "x.jpg", NOW - dt.timedelta(minutes=60 - i))
    result = media_scan_camera(camera_id="front_door", now=NOW, max_entries=5)
    assert result.skipped is False
    record = IngestionRecord.objects.get(pk="front_door")
    assert record.dir_state == {}
    assert [e[0] for e in record.recent_images] == ["top.jpg"]  # what it saw is usable at once
    scan()
    record = IngestionRecord.objects.get(pk="front_door")
    assert record.newest_image_path == str(folder / "d29" / "x.jpg")
    assert len(record.dir_state) == 31


@pytest.mark.django_db
def test_a_changed_folder_path_starts_over(cam, folder, media_root):
    jpeg(folder / "x.jpg", NOW - dt.timedelta(minutes=5))
    scan()
    other = media_root / "elsewhere"
    jpeg(other / "y.jpg", NOW - dt.timedelta(hours=5))
    Camera.objects.filter(pk="front_door").update(folder_path=str(other))
    scan(now=NOW + dt.timedelta(minutes=1))
    record = IngestionRecord.objects.get(pk="front_door")
    assert record.folder == str(other)
    assert [e[0] for e in record.recent_images] == ["y.jpg"]
