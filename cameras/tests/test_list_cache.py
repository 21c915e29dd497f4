"""The camera list cache is invalidated by every write of a camera row, whoever writes it.

Each test warms the cached list, writes through one path, and reads the list again: a path that
did not invalidate serves the warmed (stale) body. The after-commit bump is tested on its own,
with a reader that caches the pre-commit rows between the write and the commit.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cameras import services
from cameras.cache import camera_list_batch, list_generation, list_lookup, list_params, list_store
from cameras.media.demo import demo_jpeg
from cameras.media.scanner import media_scan
from cameras.media.status import camera_status_check
from cameras.media.streams import stream_grab_frames
from cameras.models import Camera, TrashedCamera
from cameras.tests.factories import CameraFactory, camera_admin_form
from cameras.tests.rtsp_peer import closed_port, gst_rtsp_unavailable, rtsp_server

pytestmark = pytest.mark.django_db

LIST = "/api/cameras"
PARAMS = list_params({})  # what GET /api/cameras looks up
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def listed(api_client) -> dict[str, dict]:
    return {c["id"]: c for c in api_client.get(LIST).json()["items"]}


@pytest.fixture
def warm(api_client, camera):
    """The list, cached: the next read is a hit unless something invalidated it."""
    assert list(listed(api_client)) == ["front_door"]
    assert list_lookup(status=None, params=PARAMS).body is not None
    return api_client


# --- the model's own write paths: save, delete and every queryset write ------------------------


def test_save_invalidates(warm):
    camera = Camera.objects.get(pk="front_door")
    camera.name = "Renamed"
    camera.save(update_fields=["name"])
    assert listed(warm)["front_door"]["name"] == "Renamed"


def test_create_invalidates(warm):
    Camera.objects.create(id="porch", name="Porch", folder_path="/export/foscam/porch")
    assert sorted(listed(warm)) == ["front_door", "porch"]


def test_queryset_update_invalidates(warm):
    Camera.objects.filter(pk="front_door").update(status="error")
    assert listed(warm)["front_door"]["status"] == "error"


def test_an_update_that_matches_no_row_keeps_the_cache(warm):
    generation = list_generation()
    assert Camera.objects.filter(pk="nope").update(status="error") == 0
    assert list_generation() == generation


def test_queryset_soft_delete_and_restore_invalidate(warm):
    batch = uuid.uuid4()
    Camera.objects.filter(pk="front_door").soft_delete(by="test", batch=batch)
    assert listed(warm) == {}
    TrashedCamera.objects.restore(batch=batch)
    assert list(listed(warm)) == ["front_door"]


def test_model_delete_and_queryset_delete_invalidate(warm):
    Camera.objects.get(pk="front_door").delete()
    assert listed(warm) == {}
    CameraFactory(id="porch", name="Porch", folder_path="/export/foscam/porch")
    assert list(listed(warm)) == ["porch"]
    Camera.all_objects.filter(pk="porch").delete()
    assert listed(warm) == {}


def test_bulk_create_and_bulk_update_invalidate(warm):
    Camera.objects.bulk_create([Camera(id="porch", name="Porch", folder_path="/export/foscam/porch")])
    assert sorted(listed(warm)) == ["front_door", "porch"]
    porch = Camera.objects.get(pk="porch")
    porch.name = "Porch 2"
    Camera.objects.bulk_update([porch], ["name"])
    assert listed(warm)["porch"]["name"] == "Porch 2"


# --- the services, the admin and the jobs ------------------------------------------------------


def test_the_services_invalidate(warm):
    services.camera_update(camera_id="front_door", data={"name": "Renamed"})
    assert listed(warm)["front_door"]["name"] == "Renamed"
    services.camera_status_set(camera_id="front_door", previous="online", status="offline", at=NOW)
    assert listed(warm)["front_door"]["status"] == "offline"
    services.camera_soft_delete(camera_id="front_door", actor="test")
    assert listed(warm) == {}
    services.camera_restore(camera_id="front_door", actor="test")
    assert list(listed(warm)) == ["front_door"]


def test_an_admin_edit_invalidates(warm, admin_client):
    response = admin_client.post(
        reverse("admin:cameras_camera_change", args=["front_door"]),
        camera_admin_form(id="front_door", name="Front Door (admin)", folder_path="/export/foscam/front_door"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # The admin does not edit status (health transitions set it): the name shows the invalidation.
    assert {k: listed(warm)["front_door"][k] for k in ("name", "status")} == {
        "name": "Front Door (admin)",
        "status": "online",
    }


def test_an_admin_trash_action_invalidates(warm, admin_client):
    changelist = reverse("admin:cameras_camera_changelist")
    admin_client.post(changelist, {"action": "move_to_trash", "_selected_action": ["front_door"], "post": "yes"})
    assert listed(warm) == {}


def test_a_scan_that_moves_last_seen_at_invalidates(warm, media_root, settings):
    settings.NEM_MEDIA_SETTLE_SECONDS = 60
    folder = media_root / "front_door"
    folder.mkdir()
    Camera.objects.filter(pk="front_door").update(folder_path=str(folder), last_seen_at=None)
    listed(warm)  # warm again after the update
    seen = timezone.now() - dt.timedelta(minutes=5)
    path = folder / "a.jpg"
    path.write_bytes(demo_jpeg(when=seen, seed=1, size=(64, 48)))
    os.utime(path, (seen.timestamp(), seen.timestamp()))
    media_scan()
    assert listed(warm)["front_door"]["last_seen_at"] is not None


def test_a_frame_grab_that_fails_invalidates_with_the_status_it_sets(warm, media_root, settings):
    settings.NEM_STREAM_TIMEOUT_SECONDS = 2
    Camera.objects.filter(pk="front_door").update(
        ingestion_mode="rtsp", rtsp_url=f"rtsp://127.0.0.1:{closed_port()}/live", folder_path=str(media_root / "fd")
    )
    listed(warm)
    report = stream_grab_frames()
    assert "front_door" in report.failed
    assert listed(warm)["front_door"]["status"] == "error"


@pytest.mark.slow
@pytest.mark.skipif(gst_rtsp_unavailable() is not None, reason=gst_rtsp_unavailable() or "")
def test_a_frame_grab_that_moves_last_seen_at_invalidates(warm, media_root, settings):
    settings.NEM_STREAM_TIMEOUT_SECONDS = 5
    with rtsp_server() as peer:
        Camera.objects.filter(pk="front_door").update(
            ingestion_mode="rtsp", rtsp_url=peer.url, folder_path=str(media_root / "fd"), last_seen_at=None
        )
        listed(warm)
        assert stream_grab_frames(now=NOW).grabbed == ["front_door"]
    assert listed(warm)["front_door"]["last_seen_at"] == "2026-11-20T12:00:00Z"


def test_a_status_check_invalidates(warm, settings):
    settings.NEM_STATUS_OFFLINE_AFTER_SECONDS = 600
    Camera.objects.filter(pk="front_door").update(last_seen_at=timezone.now() - dt.timedelta(hours=2))
    listed(warm)
    changes = camera_status_check().changes  # offline, or error with the health app (no folder)
    assert changes["front_door"][0] == "online" and changes["front_door"][1] != "online"
    assert listed(warm)["front_door"]["status"] == changes["front_door"][1]


# --- batching and the after-commit bump --------------------------------------------------------


def test_a_batch_invalidates_once_at_its_end(warm):
    CameraFactory(id="porch", name="Porch", folder_path="/export/foscam/porch")
    listed(warm)
    generation = list_generation()
    with camera_list_batch():
        Camera.objects.filter(pk="front_door").update(status="error")
        Camera.objects.filter(pk="porch").update(status="error")
        assert list_generation() == generation  # not yet: the batch is open
    assert list_generation() == generation + 1  # once (the after-commit bump waits for the test's commit)
    assert {c["status"] for c in listed(warm).values()} == {"error"}


def test_a_batch_that_fails_half_way_still_invalidates(warm):
    with pytest.raises(RuntimeError), camera_list_batch():
        Camera.objects.filter(pk="front_door").update(status="error")
        raise RuntimeError("the job broke")
    assert listed(warm)["front_door"]["status"] == "error"


def test_the_after_commit_bump_drops_what_a_reader_cached_before_the_commit(warm, django_capture_on_commit_callbacks):
    """A reader in another process reads the rows between the write and its commit (it sees the
    old rows, and the generation the first bump made): only the bump after commit drops them."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Camera.objects.filter(pk="front_door").update(name="Renamed")
        before_commit = list_lookup(status=None, params=PARAMS)
        assert before_commit.body is None  # the first bump already made the warmed entry a miss
        list_store(before_commit, b'{"items": [{"id": "front_door", "name": "Front Door Camera"}], "pagination": {}}')
        assert list_lookup(status=None, params=PARAMS).body is not None  # the stale rows are cached...
    assert callbacks  # ...until the transaction commits
    assert listed(warm)["front_door"]["name"] == "Renamed"
