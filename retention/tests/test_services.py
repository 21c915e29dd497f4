"""prune_storage against real files: every policy, the evidence hold, the floor, symlinks, the
snapshot index after a prune."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.apps import apps

from baselines.models import Anomaly, Detection, Event
from cameras.media.paths import grabbed_frame_rel, is_grabbed_frame
from cameras.media.scanner import media_scan, record_claim
from cameras.models import IngestionRecord
from cameras.tests.factories import CameraFactory
from retention import services, signals
from retention.models import PruneRun, StoragePolicy, StorageUsage
from retention.tests.files import NOW, Capacity, files_under, frame, put
from scenechanges.models import SceneChange, SceneReference

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def test_grabbed_frame_names_are_what_grab_frames_writes_and_nothing_else():
    at = dt.datetime(2026, 3, 10, 7, 5, 9, 123456, tzinfo=dt.UTC)
    assert grabbed_frame_rel(at) == "2026-03-10/frame_070509_123456.jpg"
    assert is_grabbed_frame(grabbed_frame_rel(at))
    for rel in (
        "frame_070509_123456.jpg",
        "2026-03-10/frame_070509.jpg",
        "2026-03-10/snap.jpg",
        "x/2026-03-10/frame_070509_123456.jpg",
        "2026-03-10/frame_070509_123456.jpg.part",
    ):
        assert not is_grabbed_frame(rel), rel


def test_frames_older_than_the_age_limit_go_newer_ones_and_uploads_stay(cam, media_root):
    folder = media_root / "driveway"
    old = [frame(folder, NOW - 30 * H - i * H) for i in range(3)]
    young = [frame(folder, NOW - i * H) for i in range(1, 4)]
    upload = put(folder / "MDAlarm_20200101.jpg", NOW - 400 * D)
    notes = put(folder / "notes.txt", NOW - 400 * D)
    report = services.prune_storage(now=NOW)
    assert not any(p.exists() for p in old)
    assert all(p.exists() for p in young) and upload.exists() and notes.exists()
    cam_report = report.cameras["driveway"]
    assert cam_report.files["frames"].files == 3 and cam_report.files["frames"].bytes == 300
    assert cam_report.files["uploads"].files == 0
    assert report.failures == []
    usage = StorageUsage.objects.get(camera_id="driveway").categories
    assert usage["frames"] == {"files": 3, "bytes": 300, "oldest": "2026-03-10T09:00:00Z"}
    assert usage["uploads"] == {"files": 1, "bytes": 100, "oldest": "2025-02-03T12:00:00Z"}


def test_at_most_n_frames_are_kept_the_newest(cam, media_root, settings):
    settings.NEM_RETENTION_FRAMES_MAX_COUNT = 5
    folder = media_root / "driveway"
    frames = [frame(folder, NOW - i * dt.timedelta(minutes=1)) for i in range(12)]  # newest first
    report = services.prune_storage(now=NOW)
    assert [p.exists() for p in frames] == [True] * 5 + [False] * 7
    assert report.cameras["driveway"].files["frames"].files == 7


def test_uploads_are_never_pruned_unless_enabled(ftp_cam, media_root):
    folder = media_root / "porch"
    ancient = put(folder / "2019" / "clip.mp4", NOW - 2000 * D)
    services.prune_storage(now=NOW)
    assert ancient.exists()


def test_uploads_by_age_when_enabled(ftp_cam, media_root, settings):
    settings.NEM_RETENTION_UPLOADS_ENABLED = True
    settings.NEM_RETENTION_UPLOADS_MAX_AGE_DAYS = 30
    folder = media_root / "porch"
    old = put(folder / "a" / "old.jpg", NOW - 31 * D)
    young = put(folder / "a" / "young.jpg", NOW - 29 * D)
    newest = put(folder / "b" / "newest.mp4", NOW - H)
    services.prune_storage(now=NOW)
    assert not old.exists() and young.exists() and newest.exists()


def test_uploads_by_bytes_go_oldest_first_until_under_the_limit(ftp_cam, media_root):
    StoragePolicy.objects.create(camera=ftp_cam, uploads_enabled=True, uploads_max_age_days=0, uploads_max_bytes=1000)
    folder = media_root / "porch"
    files = [put(folder / f"d{i % 3}" / f"f{i}.jpg", NOW - i * H, size=300) for i in range(8)]  # newest first
    report = services.prune_storage(now=NOW)
    # 2400 bytes, limit 1000: the five oldest go (1500 bytes), three newest (900 bytes) stay.
    assert [p.exists() for p in files] == [True] * 3 + [False] * 5
    assert report.cameras["porch"].files["uploads"].bytes == 1500


def test_a_camera_override_beats_the_global_policy(cam, media_root):
    StoragePolicy.objects.create(camera=cam, frames_max_age_hours=72)
    folder = media_root / "driveway"
    kept = frame(folder, NOW - 48 * H)
    gone = frame(folder, NOW - 73 * H)
    services.prune_storage(now=NOW)
    assert kept.exists() and not gone.exists()


def test_held_evidence_stays_whatever_its_age(cam, media_root, storage):
    folder = media_root / "driveway"
    evidence = frame(folder, NOW - 100 * D)
    held_one = frame(folder, NOW - 90 * D)
    source = frame(folder, NOW - 80 * D)
    plain = frame(folder, NOW - 70 * D)
    store = storage / "scene-references" / "driveway"
    copy = put(store / "change-1.jpg", NOW - 100 * D)
    ref_image = put(store / "ref-day-1.jpg", NOW - 100 * D)
    orphan = put(store / "change-orphan.jpg", NOW - 100 * D)
    ref = SceneReference.objects.create(camera=cam, mode="day", image="driveway/ref-day-1.jpg", source_path=str(source))
    SceneChange.objects.create(
        camera=cam, similarity_score=0.2, file_path=str(evidence), frame_copy="driveway/change-1.jpg", reference=ref
    )
    trashed = SceneChange.objects.create(camera=cam, similarity_score=0.2, file_path=str(held_one), hold=True)
    SceneChange.all_objects.filter(pk=trashed.pk).update(deleted_at=NOW)  # in the trash: the row still lives
    services.prune_storage(now=NOW)
    assert evidence.exists() and held_one.exists() and source.exists() and copy.exists() and ref_image.exists()
    assert not plain.exists() and not orphan.exists()


def test_retired_references_go_by_age_unless_a_scene_change_was_measured_against_them(cam, storage):
    store = storage / "scene-references" / "driveway"
    cited_file = put(store / "ref-day-old.jpg", NOW - 30 * D)
    lone_file = put(store / "ref-night-old.jpg", NOW - 30 * D)
    cited = SceneReference.objects.create(
        camera=cam, mode="day", image="driveway/ref-day-old.jpg", source_path="", retired_at=NOW - 20 * D
    )
    lone = SceneReference.objects.create(
        camera=cam, mode="night", image="driveway/ref-night-old.jpg", source_path="", retired_at=NOW - 20 * D
    )
    fresh = SceneReference.objects.create(camera=cam, mode="night", image="", source_path="", retired_at=NOW - D)
    SceneChange.objects.create(camera=cam, similarity_score=0.3, reference=cited)
    report = services.prune_storage(now=NOW)
    assert set(SceneReference.all_objects.values_list("pk", flat=True)) == {cited.pk, fresh.pk}
    assert cited_file.exists() and not lone_file.exists()
    assert lone.pk not in SceneReference.all_objects.values_list("pk", flat=True)
    assert report.cameras["driveway"].rows["scene_references"] == 1
    assert report.cameras["driveway"].files["references"].files == 1


def test_snapshot_cache_files_go_by_age(cam, storage):
    cache = storage / "snapshot-cache" / "driveway"
    old = put(cache / "a.jpg", NOW - 8 * D)
    young = put(cache / "b.jpg", NOW - 6 * D)
    services.prune_storage(now=NOW)
    assert not old.exists() and young.exists()


def test_rows_go_by_age_but_never_inside_the_baseline_window_plus_margin(cam, settings):
    settings.NEM_BASELINE_WINDOW_DAYS = 56
    settings.NEM_RETENTION_ROWS_MARGIN_DAYS = 7
    StoragePolicy.objects.create(camera=cam, rows_max_age_days=1)  # asks for less than the window: refused
    other = CameraFactory(id="other")
    for camera in (cam, other):
        for days in (62, 64):
            at = NOW - days * D
            Detection.objects.create(camera=camera, detected_at=at, object_type="person", confidence=0.9)
            Event.objects.create(camera=camera, started_at=at, ended_at=at + H, detection_count=1)
            Anomaly.objects.create(
                camera=camera,
                hour_start=at,
                kind="surge",
                observed_count=5,
                expected_count=1.0,
                anomaly_score=0.99,
                reason="x",
            )
    report = services.prune_storage(camera_id="driveway", now=NOW)
    rows = report.cameras["driveway"].rows
    assert {k: rows[k] for k in ("detections", "events", "anomalies", "scene_references")} == {
        "detections": 1,
        "events": 1,
        "anomalies": 1,
        "scene_references": 0,
    }
    assert list(Detection.objects.filter(camera=cam).values_list("detected_at", flat=True)) == [NOW - 62 * D]
    assert Event.objects.filter(camera=cam).count() == 1 and Anomaly.objects.filter(camera=cam).count() == 1
    assert Detection.objects.filter(camera=other).count() == 2  # --camera touches that camera only


def test_a_dry_run_deletes_nothing_and_reports_the_same(cam, media_root):
    folder = media_root / "driveway"
    frames = [frame(folder, NOW - 30 * H - i * H) for i in range(4)]
    Detection.objects.create(camera=cam, detected_at=NOW - 200 * D, object_type="car", confidence=0.5)
    dry = services.prune_storage(now=NOW, dry_run=True)
    assert all(p.exists() for p in frames) and Detection.objects.count() == 1
    assert (dry.files, dry.bytes, dry.rows) == (4, 400, 1)
    assert "would delete 4 file(s), 400 byte(s), 1 row(s) on 1 camera(s)" in dry.summary()
    real = services.prune_storage(now=NOW)
    assert (real.files, real.bytes, real.rows) == (4, 400, 1)
    assert not any(p.exists() for p in frames)
    runs = list(PruneRun.objects.order_by("id").values_list("dry_run", "files", "bytes", "rows"))
    assert runs == [(True, 4, 400, 1), (False, 4, 400, 1)]


def test_symlinks_are_never_followed_nor_deleted_and_nothing_outside_the_folder_goes(cam, media_root, tmp_path):
    folder = media_root / "driveway"
    outside = tmp_path / "outside"
    victim = frame(outside, NOW - 100 * D)  # named like a frame, old, but outside the camera folder
    (folder / "2026-01-01").mkdir(parents=True)
    link_file = folder / "2026-01-01" / "frame_000000_000000.jpg"
    link_file.symlink_to(victim)
    os.utime(link_file, (0, 0), follow_symlinks=False)
    link_dir = folder / "2026-01-02"
    link_dir.symlink_to(victim.parent, target_is_directory=True)
    other_camera = media_root / "driveway" / "nested"
    CameraFactory(id="nested", folder_path=str(other_camera))
    nested_frame = frame(other_camera, NOW - 100 * D)
    StoragePolicy.objects.create(camera_id="nested", frames_max_age_hours=0, frames_max_count=0)
    services.prune_storage(now=NOW)
    assert victim.exists() and link_file.is_symlink() and link_dir.is_symlink()
    assert nested_frame.exists()  # another camera's folder inside this one follows that camera's policy


def test_the_snapshot_never_points_at_a_pruned_file(ftp_cam, media_root, settings, api_client):
    settings.NEM_RETENTION_UPLOADS_ENABLED = True
    settings.NEM_RETENTION_UPLOADS_MAX_AGE_DAYS = 0
    StoragePolicy.objects.create(camera=ftp_cam, uploads_max_bytes=250)
    folder = media_root / "porch"
    images = [put(folder / f"img{i}.jpg", NOW - (10 - i) * H) for i in range(7)]  # img6 is the newest
    media_scan(now=NOW)
    record = IngestionRecord.objects.get(pk="porch")
    assert [e[0] for e in record.recent_images] == ["img6.jpg", "img5.jpg", "img4.jpg", "img3.jpg", "img2.jpg"]
    services.prune_storage(now=NOW)
    assert [p.exists() for p in images] == [False] * 5 + [True] * 2
    record.refresh_from_db()
    assert [e[0] for e in record.recent_images] == ["img6.jpg", "img5.jpg"]
    assert record.newest_image_path == str(folder / "img6.jpg")
    for rel, _mtime, _size in record.recent_images:
        assert (folder / rel).exists()
    response = api_client.get("/api/cameras/porch/snapshot")
    assert response.status_code == 200 and response["Content-Length"] == "100"


def test_when_every_remembered_image_goes_the_record_forgets_its_folder_and_the_snapshot_rescans(
    ftp_cam, media_root, settings, api_client
):
    settings.NEM_STORAGE_FLOOR_BYTES = 10_000_000  # the floor takes anything not held
    settings.NEM_RETENTION_UPLOADS_ENABLED = True
    folder = media_root / "porch"
    for i in range(3):
        put(folder / f"img{i}.jpg", NOW - (10 - i) * H)
    media_scan(now=NOW)
    evidence = put(folder / "kept" / "evidence.jpg", NOW - 20 * H)
    SceneChange.objects.create(camera=ftp_cam, similarity_score=0.1, file_path=str(evidence))
    report = services.prune_storage(now=NOW)
    assert files_under(folder) == ["kept/evidence.jpg"]
    record = IngestionRecord.objects.get(pk="porch")
    assert (record.folder, record.recent_images, record.newest_image_path, record.dir_state) == ("", [], "", {})
    assert report.floor is not None and not report.floor.ok
    response = api_client.get("/api/cameras/porch/snapshot")
    assert response.status_code == 200  # the snapshot's one-off rescan finds the held evidence
    record.refresh_from_db()
    assert record.newest_image_path == str(evidence)


def test_the_newest_image_survives_the_age_policy(cam, media_root):
    folder = media_root / "driveway"
    frames = [frame(folder, NOW - (50 + i) * H) for i in range(3)]  # newest first, all too old
    IngestionRecord.objects.create(
        camera=cam,
        folder=str(folder),
        recent_images=[[grabbed_frame_rel(NOW - (50 + i) * H), 0, 100] for i in range(3)],
    )
    services.prune_storage(now=NOW)
    assert [p.exists() for p in frames] == [True, False, False]
    record = IngestionRecord.objects.get(pk="driveway")
    assert [e[0] for e in record.recent_images] == [grabbed_frame_rel(NOW - 50 * H)]


def test_a_record_held_by_ingestion_the_whole_time_leaves_its_files_and_fails_the_run(cam, media_root, monkeypatch):
    monkeypatch.setattr("retention.services.common.CLAIM_ATTEMPTS", 1)
    folder = media_root / "driveway"
    old = frame(folder, NOW - 30 * H)
    assert record_claim("driveway")  # a scan or grab in progress
    report = services.prune_storage(now=NOW)
    assert old.exists()
    assert report.cameras["driveway"].busy == 1
    assert report.failures == ["driveway: 1 file(s) left, ingestion held the camera's record"]


# ---------------------------------------------------------------- the floor


def test_below_the_floor_the_oldest_frames_go_first_then_the_cache_never_uploads_when_off(
    cam, ftp_cam, media_root, storage, settings
):
    settings.NEM_RETENTION_FRAMES_MAX_AGE_HOURS = 0
    settings.NEM_RETENTION_FRAMES_MAX_COUNT = 0
    Capacity.capacity = 3000
    settings.NEM_STORAGE_FLOOR_BYTES = 1500  # 2200 bytes used: 800 free, 700 to free
    folder = media_root / "driveway"
    frames = [frame(folder, NOW - i * H, size=100) for i in range(10)]  # newest first, 1000 bytes
    cache = put(storage / "snapshot-cache" / "driveway" / "c.jpg", NOW - H, size=200)
    uploads = [put(media_root / "porch" / f"u{i}.jpg", NOW - 300 * D, size=500) for i in range(2)]
    received = []
    signals.storage_floor_breached.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t1")
    try:
        report = services.prune_storage(now=NOW)
    finally:
        signals.storage_floor_breached.disconnect(dispatch_uid="t1")
    assert [p.exists() for p in frames] == [True] * 3 + [False] * 7  # the oldest 700 bytes of frames
    assert cache.exists() and all(p.exists() for p in uploads)
    assert report.floor.ok and report.floor.free_bytes == 1500 and received == []
    assert report.failures == []


def test_when_frames_are_not_enough_caches_then_enabled_uploads_go(cam, ftp_cam, media_root, storage, settings):
    settings.NEM_RETENTION_FRAMES_MAX_AGE_HOURS = 0
    settings.NEM_RETENTION_FRAMES_MAX_COUNT = 0
    StoragePolicy.objects.create(camera=ftp_cam, uploads_enabled=True, uploads_max_age_days=0)
    Capacity.capacity = 3000
    settings.NEM_STORAGE_FLOOR_BYTES = 2500  # 1800 used, 1200 free: 1300 to free
    folder = media_root / "driveway"
    frames = [frame(folder, NOW - i * H) for i in range(3)]  # 300
    cache = put(storage / "snapshot-cache" / "driveway" / "c.jpg", NOW - H, size=500)
    old_upload = put(media_root / "porch" / "old.mp4", NOW - 9 * D, size=500)
    new_upload = put(media_root / "porch" / "new.mp4", NOW - 8 * D, size=500)
    report = services.prune_storage(now=NOW)
    assert not any(p.exists() for p in frames) and not cache.exists()
    assert not old_upload.exists() and new_upload.exists()
    assert report.floor.ok and report.floor.free_bytes == 2500


def test_a_floor_that_cannot_be_met_is_reported_signalled_and_later_restored(cam, media_root, settings):
    Capacity.capacity = 1000
    settings.NEM_STORAGE_FLOOR_PERCENT = 50.0  # 500 bytes must be free
    folder = media_root / "driveway"
    evidence = frame(folder, NOW - 100 * D, size=800)
    SceneChange.objects.create(camera=cam, similarity_score=0.1, file_path=str(evidence), hold=True)
    breached, restored = [], []
    signals.storage_floor_breached.connect(lambda **kw: breached.append(kw), weak=False, dispatch_uid="t2")
    signals.storage_floor_restored.connect(lambda **kw: restored.append(kw), weak=False, dispatch_uid="t3")
    try:
        report = services.prune_storage(now=NOW)
        assert evidence.exists()
        assert breached == [
            {
                "signal": signals.storage_floor_breached,
                "sender": PruneRun,
                "free_bytes": 200,
                "total_bytes": 1000,
                "floor_bytes": 500,
                "freed_bytes": 0,
                "at": NOW,
            }
        ]
        assert report.failures == [
            "free space 200 bytes is below the floor of 500 bytes after pruning everything allowed"
        ]
        assert PruneRun.objects.get(pk=report.run_id).floor_ok is False
        services.prune_storage(now=NOW, dry_run=True)  # a dry run signals nothing
        assert len(breached) == 1 and restored == []
        Capacity.capacity = 2000
        report = services.prune_storage(now=NOW + H)
        assert report.floor.ok
        assert [r["free_bytes"] for r in restored] == [1200]
    finally:
        for uid in ("t2", "t3"):
            signals.storage_floor_breached.disconnect(dispatch_uid=uid)
            signals.storage_floor_restored.disconnect(dispatch_uid=uid)


def test_a_dry_run_below_the_floor_reports_what_would_restore_it(cam, media_root, settings):
    settings.NEM_RETENTION_FRAMES_MAX_AGE_HOURS = 0
    settings.NEM_RETENTION_FRAMES_MAX_COUNT = 0
    Capacity.capacity = 1000
    settings.NEM_STORAGE_FLOOR_BYTES = 700
    folder = media_root / "driveway"
    frames = [frame(folder, NOW - i * H) for i in range(6)]  # 600 used, 400 free: 300 to free
    report = services.prune_storage(now=NOW, dry_run=True)
    assert all(p.exists() for p in frames)
    assert report.files == 3 and report.floor.ok and report.floor.free_bytes == 700


# ---------------------------------------------------------------- scale


@pytest.mark.slow
def test_a_camera_folder_with_100000_files_is_pruned_streaming(cam, media_root):
    """100,000 old frames in one day folder: all go, and the walk never holds the listing (peak
    Python memory stays far below what 100,000 entries would take)."""
    import tracemalloc

    day = media_root / "driveway" / "2026-03-01"
    day.mkdir(parents=True)
    at = (NOW - 9 * D).timestamp()
    for i in range(100_000):
        path = day / f"frame_{i // 1_000_000:02d}{i // 10_000 % 100:02d}{i // 100 % 100:02d}_{i % 100:06d}.jpg"
        with open(path, "wb") as fh:
            fh.write(b"x")
        os.utime(path, (at, at))
    keep = put(media_root / "driveway" / "2026-03-01" / "upload.jpg", NOW - 9 * D)
    tracemalloc.start()
    try:
        report = services.prune_storage(now=NOW)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.files == 100_000 and report.bytes == 100_000
    assert files_under(media_root / "driveway") == ["2026-03-01/upload.jpg"] and keep.exists()
    assert peak < 8 * 1024 * 1024, peak  # 100,000 FileInfo objects alone would take well over 15 MB


def test_a_tmpfs_below_the_floor_is_brought_back_above_it(cam, media_root, settings, tmp_path):
    """The floor on a real small filesystem (a tmpfs mounted for the test), where the machine allows it."""
    import subprocess

    mount = tmp_path / "small"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN); the probe tests cover the floor")
    try:
        settings.NEM_MEDIA_ROOT = str(mount)
        settings.NEM_STORAGE_FREE_PROBE = ""
        settings.NEM_RETENTION_FRAMES_MAX_AGE_HOURS = 0
        settings.NEM_RETENTION_FRAMES_MAX_COUNT = 0
        settings.NEM_STORAGE_FLOOR_PERCENT = 50.0
        folder = mount / "driveway"
        cam.folder_path = str(folder)
        cam.save(update_fields=["folder_path"])
        frames = [frame(folder, NOW - i * H, size=64 * 1024) for i in range(12)]  # 768 KiB of 1 MiB
        assert services.floor_state().ok is False
        report = services.prune_storage(now=NOW)
        assert report.floor.ok and report.floor.free_bytes >= 512 * 1024
        kept = [p.exists() for p in frames]
        assert kept == sorted(kept, reverse=True) and 0 < sum(kept) < 12  # the oldest went, the newest stayed
    finally:
        subprocess.run(["umount", str(mount)], check=False)


# ---------------------------------------------------------------- alerts (when the app is installed)


needs_alerts = pytest.mark.skipif(not apps.is_installed("alerts"), reason="the alerts app is not installed")


def _alert(camera, *, key: str, resolved_days_ago: int | None, hold: bool = False, evidence: str = ""):
    from alerts.models import Alert

    at = NOW - dt.timedelta(days=(resolved_days_ago or 0) + 1)
    return Alert.objects.create(
        camera=camera,
        kind="status",
        incident_key=key,
        reason="offline",
        opened_at=at,
        updated_at=at,
        state="resolved" if resolved_days_ago is not None else "open",
        resolved_at=NOW - dt.timedelta(days=resolved_days_ago) if resolved_days_ago is not None else None,
        hold=hold,
        evidence_path=evidence,
    )


def _delivery(alert, *, state: str, days_ago: int):
    from alerts.models import Delivery

    at = NOW - dt.timedelta(days=days_ago)
    return Delivery.objects.create(
        alert=alert,
        version=1,
        event="new",
        channel="webhook",
        lane=f"webhook:-:{alert.camera_id}",
        message_id=f"m{alert.pk}-{state}-{days_ago}",
        payload={},
        state=state,
        created_at=at,
        expires_at=at + D,
    )


@needs_alerts
def test_alert_evidence_is_held_and_old_resolved_alerts_go_unless_held(cam, media_root, settings):
    from alerts.models import Alert, Delivery

    settings.NEM_RETENTION_ALERTS_MAX_AGE_DAYS = 30
    folder = media_root / "driveway"
    evidence = frame(folder, NOW - 100 * D)
    old = _alert(cam, key="a", resolved_days_ago=40)
    held = _alert(cam, key="b", resolved_days_ago=40, hold=True, evidence=str(evidence))
    young = _alert(cam, key="c", resolved_days_ago=10)
    still_open = _alert(cam, key="d", resolved_days_ago=None)
    pending_old = _alert(cam, key="e", resolved_days_ago=40)
    done = _delivery(held, state="delivered", days_ago=40)
    dead = _delivery(old, state="dead", days_ago=40)
    recent = _delivery(held, state="delivered", days_ago=5)
    waiting = _delivery(pending_old, state="pending", days_ago=40)
    report = services.prune_storage(now=NOW)
    assert evidence.exists()
    assert set(Alert.all_objects.values_list("pk", flat=True)) == {held.pk, young.pk, still_open.pk, pending_old.pk}
    assert set(Delivery.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert (done.pk, dead.pk) not in Delivery.objects.values_list("pk", flat=True)
    assert report.cameras["driveway"].rows["alerts"] == 1
    assert report.cameras["driveway"].rows["deliveries"] == 2


def test_emptied_day_folders_of_old_frames_go_but_not_todays_or_yesterdays(cam, media_root):
    from django.utils import timezone

    folder = media_root / "driveway"
    wall = timezone.now()
    old = frame(folder, wall - 10 * D)
    held = frame(folder, wall - 9 * D)
    SceneChange.objects.create(camera=cam, similarity_score=0.1, file_path=str(held))
    yesterday = frame(folder, wall - D - dt.timedelta(minutes=1))
    today_dir = folder / f"{wall:%Y-%m-%d}"
    today_dir.mkdir()
    StoragePolicy.objects.create(camera=cam, frames_max_age_hours=1)
    services.prune_storage(now=wall + 2 * D)
    assert not old.exists() and not old.parent.exists()
    assert held.exists() and not yesterday.exists() and yesterday.parent.is_dir() and today_dir.is_dir()
    upload_dir = folder / "2020-01-01"  # named like a day but emptied of uploads: not ours to remove
    upload_dir.mkdir()
    services.prune_storage(now=wall + 2 * D)
    assert upload_dir.is_dir()


def test_usage_after_the_floor_is_measured_again(cam, media_root, settings):
    settings.NEM_RETENTION_FRAMES_MAX_AGE_HOURS = 0
    settings.NEM_RETENTION_FRAMES_MAX_COUNT = 0
    Capacity.capacity = 1000
    settings.NEM_STORAGE_FLOOR_BYTES = 700
    folder = media_root / "driveway"
    for i in range(6):
        frame(folder, NOW - i * H)
    services.prune_storage(now=NOW)
    usage = StorageUsage.objects.get(camera_id="driveway").categories["frames"]
    assert usage == {"files": 3, "bytes": 300, "oldest": "2026-03-10T10:00:00Z"}
