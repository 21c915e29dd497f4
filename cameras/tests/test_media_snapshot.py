"""GET /api/cameras/{id}/snapshot: newest image, video fallback, validators, 404s, confinement, rate limit."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from pathlib import Path

import cv2
import numpy as np
import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from django.utils.http import http_date
from django_ratelimit.core import get_usage

from cameras.api.media_views import MEDIA_RATE_GROUP
from cameras.media.demo import demo_video_write
from cameras.media.scanner import media_scan
from cameras.models import IngestionRecord
from cameras.tests.factories import CameraFactory
from nem.errors import PROBLEM_TYPES

T0 = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
URL = "/api/cameras/front_door/snapshot"

# Redis outages and PostgreSQL connection loss: these tests run where CI runs them, on the real
# servers (DATABASE_URL / REDIS_URL).
needs_redis = pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
needs_postgres = pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="needs PostgreSQL (DATABASE_URL)"
)


def put(path: Path, data: bytes, at: dt.datetime) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def image_bytes(ext: str, seed: int) -> bytes:
    frame = np.full((24, 32, 3), seed * 20 % 255, np.uint8)
    if ext.lower() == ".gif":
        # OpenCV cannot write GIF: a 1x1 GIF89a, trailer included.
        return bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
    ok, buf = cv2.imencode(".png" if ext.lower() == ".png" else ".jpg", frame)
    assert ok
    return buf.tobytes()


def video(path: Path, at: dt.datetime, frames: int = 12) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    demo_video_write(path, frames=frames, fps=10.0)
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def problem(detail: str, kind: str = "not-found") -> dict:
    return {
        "type": f"/problems/{kind}",
        "code": kind.replace("-", "_"),
        "title": PROBLEM_TYPES[kind].title,
        "status": PROBLEM_TYPES[kind].status,
        "detail": detail,
        "instance": URL,
    }


def decoded(body: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, f"the body is not an image: {body[:40]!r}"  # callers then check its pixels
    return image


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def cache_dir(tmp_path, settings):
    path = tmp_path / "snapshot-cache"
    settings.NEM_SNAPSHOT_CACHE_DIR = str(path)
    return path


@pytest.fixture
def folder(media_root, cache_dir):
    path = media_root / "front_door"
    path.mkdir()
    return path


@pytest.fixture
def cam(folder):
    return CameraFactory(id="front_door", name="Front Door Camera", folder_path=str(folder))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("newest", "content_type"),
    [
        ("x.jpg", "image/jpeg"),
        ("x.jpeg", "image/jpeg"),
        ("x.png", "image/png"),
        ("x.gif", "image/gif"),
        ("X.JPG", "image/jpeg"),
        ("x.PnG", "image/png"),
    ],
)
def test_the_newest_image_by_mtime_is_served_with_its_content_type(cam, folder, anon_client, newest, content_type):
    for i, name in enumerate(["a.jpg", "b.png", "c.gif", "sub/d.jpeg"]):
        put(folder / name, image_bytes(Path(name).suffix, i), T0 + dt.timedelta(minutes=i))
    data = image_bytes(Path(newest).suffix, 9)
    path = put(folder / "sub" / newest, data, T0 + dt.timedelta(minutes=30))
    media_scan()

    response = anon_client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert body_of(response) == data
    assert response["Content-Disposition"] == f'inline; filename="{newest}"'
    st = path.stat()
    assert response["ETag"] == f'"i-{st.st_mtime_ns:x}-{st.st_size:x}"'
    assert response["Last-Modified"] == http_date(int(st.st_mtime))
    assert response["Cache-Control"] == "no-cache"


@pytest.mark.django_db
def test_a_large_image_is_streamed_with_the_same_headers(cam, folder, anon_client, monkeypatch):
    from cameras.api import media_views

    monkeypatch.setattr(media_views, "ONE_WRITE_BYTES", 100)
    data = image_bytes(".png", 3)
    assert len(data) > 100
    put(folder / "big.png", data, T0)
    response = anon_client.get(URL)
    assert response.streaming
    assert body_of(response) == data
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="big.png"'
    assert response["ETag"].startswith('"i-')


@pytest.mark.django_db
def test_conditional_requests_get_304_and_a_changed_image_gets_200(cam, folder, anon_client):
    put(folder / "a.jpg", image_bytes(".jpg", 1), T0)
    media_scan()
    first = anon_client.get(URL)
    etag, last_modified = first["ETag"], first["Last-Modified"]

    not_modified = anon_client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert anon_client.get(URL, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert anon_client.get(URL, HTTP_IF_NONE_MATCH='"i-0-0"').status_code == 200

    put(folder / "b.jpg", image_bytes(".jpg", 2), T0 + dt.timedelta(minutes=1))
    media_scan()
    changed = anon_client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


@pytest.mark.django_db
def test_no_api_key_is_needed_and_a_wrong_one_is_ignored(cam, folder, anon_client):
    put(folder / "a.jpg", image_bytes(".jpg", 1), T0)
    assert anon_client.get(URL).status_code == 200
    assert anon_client.get(URL, HTTP_X_API_KEY="wrong").status_code == 200
    assert anon_client.get(URL, HTTP_ACCEPT="image/jpeg").status_code == 200


@pytest.mark.django_db
def test_a_camera_never_scanned_still_gets_its_snapshot(cam, folder, anon_client):
    data = image_bytes(".jpg", 4)
    put(folder / "deep" / "er" / "a.jpg", data, T0)
    assert not IngestionRecord.objects.exists()

    response = anon_client.get(URL)

    assert response.status_code == 200
    assert body_of(response) == data
    assert IngestionRecord.objects.get(pk="front_door").newest_image_path == str(folder / "deep" / "er" / "a.jpg")


@pytest.mark.django_db
def test_the_snapshot_reads_the_ingestion_record_not_the_folder(cam, folder, anon_client):
    """Serving costs one row, not a walk: an image the scanner has not seen yet is not served."""
    older = image_bytes(".jpg", 1)
    put(folder / "a.jpg", older, T0)
    media_scan()
    put(folder / "later" / "b.jpg", image_bytes(".jpg", 2), T0 + dt.timedelta(minutes=5))
    assert body_of(anon_client.get(URL)) == older
    media_scan()
    assert body_of(anon_client.get(URL)) == image_bytes(".jpg", 2)


@pytest.mark.django_db
def test_a_deleted_newest_image_falls_back_to_the_previous_one(cam, folder, anon_client):
    previous = image_bytes(".png", 1)
    put(folder / "a.png", previous, T0)
    newest = put(folder / "b.jpg", image_bytes(".jpg", 2), T0 + dt.timedelta(minutes=1))
    media_scan()
    newest.unlink()
    response = anon_client.get(URL)
    assert response["Content-Type"] == "image/png"
    assert body_of(response) == previous


@pytest.mark.django_db
def test_files_gone_since_the_last_scan_trigger_one_rescan(cam, folder, anon_client):
    old = put(folder / "old" / "a.jpg", image_bytes(".jpg", 1), T0)
    media_scan()
    old.unlink()
    fresh = image_bytes(".jpg", 2)
    put(folder / "new" / "b.jpg", fresh, T0 + dt.timedelta(minutes=1))
    assert body_of(anon_client.get(URL)) == fresh


@pytest.mark.django_db
@pytest.mark.parametrize("ext", [".mp4", ".mkv", ".avi"])
def test_with_no_image_a_frame_from_the_newest_video_is_served_and_cached_outside_the_folder(
    cam, folder, cache_dir, media_root, anon_client, ext
):
    video(folder / f"old{ext}", T0, frames=10)
    newest = video(folder / "clips" / f"new{ext}", T0 + dt.timedelta(minutes=1), frames=20)
    media_scan()
    before = sorted(p.relative_to(media_root) for p in media_root.rglob("*"))

    response = anon_client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="new.jpg"'
    st = newest.stat()
    assert response["ETag"] == f'"v-{st.st_mtime_ns:x}-{st.st_size:x}"'
    assert response["Last-Modified"] == http_date(int(st.st_mtime))
    assert decoded(body_of(response)).shape == (180, 320, 3)
    # Cached under NEM_SNAPSHOT_CACHE_DIR, one file per camera; nothing written to the media root.
    cached = list((cache_dir / "front_door").iterdir())
    assert len(cached) == 1 and cached[0].suffix == ".jpg"
    assert sorted(p.relative_to(media_root) for p in media_root.rglob("*")) == before
    assert body_of(anon_client.get(URL)) == cached[0].read_bytes()
    assert anon_client.get(URL, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.django_db
def test_a_clip_shorter_than_one_second_still_gives_a_frame(cam, folder, anon_client):
    video(folder / "blip.mp4", T0, frames=3)  # 0.3 s
    response = anon_client.get(URL)
    assert response.status_code == 200
    assert decoded(body_of(response)).shape == (180, 320, 3)


@pytest.mark.django_db
def test_an_mp4_still_being_written_is_skipped_for_the_previous_complete_one(cam, folder, anon_client):
    complete = video(folder / "a.mp4", T0, frames=10)
    data = complete.read_bytes()
    put(folder / "b.mp4", data[: len(data) // 2], timezone.now())  # no moov atom yet
    response = anon_client.get(URL)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="a.jpg"'


@pytest.mark.django_db
def test_a_stalled_undecodable_mp4_is_skipped_for_the_previous_one(cam, folder, anon_client):
    complete = video(folder / "a.mp4", T0, frames=10)
    data = complete.read_bytes()
    put(folder / "b.mp4", data[: len(data) // 2], T0 + dt.timedelta(minutes=1))  # old enough to look complete
    response = anon_client.get(URL)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="a.jpg"'


@pytest.mark.django_db
def test_404_when_no_video_can_be_decoded(cam, folder, anon_client):
    put(folder / "broken.mp4", b"\x00\x00\x00\x18ftypmp42 not really a video", T0)
    response = anon_client.get(URL)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == problem("Video files found but frame extraction failed")


@pytest.mark.django_db
def test_404_when_the_folder_has_no_media(cam, folder, anon_client):
    put(folder / "readme.txt", b"x", T0)
    response = anon_client.get(URL)
    assert response.status_code == 404
    assert response.json() == problem("No snapshot images or video files found for camera")


@pytest.mark.django_db
def test_404_when_the_folder_does_not_exist(media_root, cache_dir, anon_client):
    CameraFactory(id="front_door", folder_path=str(media_root / "nowhere"))
    response = anon_client.get(URL)
    assert response.status_code == 404
    assert response.json() == problem("Camera folder does not exist")


@pytest.mark.django_db
def test_404_for_unknown_and_trashed_cameras(media_root, cache_dir, anon_client):
    CameraFactory(id="front_door", folder_path=str(media_root), deleted_at=timezone.now())
    put(media_root / "a.jpg", image_bytes(".jpg", 1), T0)
    assert anon_client.get(URL).json() == problem("No camera 'front_door'. List cameras at /api/cameras.", "camera-not-found")
    response = anon_client.get("/api/cameras/nope/snapshot")
    assert response.status_code == 404
    assert response.json()["detail"] == "No camera 'nope'. List cameras at /api/cameras."


@pytest.mark.django_db
def test_a_folder_path_outside_the_media_root_is_never_served(media_root, cache_dir, tmp_path, anon_client):
    outside = tmp_path / "elsewhere"
    put(outside / "secret.jpg", image_bytes(".jpg", 1), T0)
    CameraFactory(id="front_door", folder_path=str(outside))
    assert anon_client.get(URL).json() == problem("Camera folder does not exist")


@pytest.mark.django_db
def test_a_folder_symlinked_out_of_the_media_root_is_never_served(media_root, cache_dir, tmp_path, anon_client):
    outside = tmp_path / "elsewhere"
    put(outside / "secret.jpg", image_bytes(".jpg", 1), T0)
    os.symlink(outside, media_root / "front_door")
    CameraFactory(id="front_door", folder_path=str(media_root / "front_door"))
    assert anon_client.get(URL).json() == problem("Camera folder does not exist")


@pytest.mark.django_db
def test_a_relative_folder_path_is_under_the_media_root(media_root, cache_dir, anon_client):
    data = image_bytes(".jpg", 1)
    put(media_root / "front_door" / "a.jpg", data, T0)
    CameraFactory(id="front_door", folder_path="front_door")
    assert body_of(anon_client.get(URL)) == data


@pytest.mark.django_db
def test_a_symlinked_file_leading_out_is_never_served(cam, folder, tmp_path, anon_client):
    secret = put(tmp_path / "secret.jpg", image_bytes(".jpg", 7), T0 + dt.timedelta(hours=1))
    os.symlink(secret, folder / "newest.jpg")
    response = anon_client.get(URL)
    assert response.json() == problem("No snapshot images or video files found for camera")
    real = image_bytes(".jpg", 1)
    put(folder / "real.jpg", real, T0)
    media_scan()
    assert body_of(anon_client.get(URL)) == real


@pytest.mark.django_db
def test_a_recorded_file_swapped_for_a_symlink_after_the_scan_is_not_served(cam, folder, tmp_path, anon_client):
    older = image_bytes(".jpg", 1)
    put(folder / "a.jpg", older, T0)
    newest = put(folder / "b.jpg", image_bytes(".jpg", 2), T0 + dt.timedelta(minutes=1))
    media_scan()
    secret = put(tmp_path / "secret.jpg", image_bytes(".jpg", 9), T0)
    newest.unlink()
    os.symlink(secret, newest)
    response = anon_client.get(URL)
    assert response.status_code == 200
    assert body_of(response) == older


@pytest.fixture
def frozen_clock(monkeypatch):
    """django-ratelimit's windows follow ``time.time()``: a pinned clock keeps a test's requests
    in one window wherever it starts (a test starting a second before a window edge would
    otherwise see its count reset half-way)."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


@pytest.mark.django_db
def test_the_31st_request_in_a_minute_is_429_with_retry_after(cam, folder, anon_client, settings, frozen_clock):
    settings.NEM_RATE_LIMIT_MEDIA = "30/m"
    put(folder / "a.jpg", image_bytes(".jpg", 1), T0)
    statuses = [anon_client.get(URL, REMOTE_ADDR="10.1.2.3").status_code for _ in range(30)]
    assert statuses == [200] * 30

    limited = anon_client.get(URL, REMOTE_ADDR="10.1.2.3")

    assert limited.status_code == 429
    assert limited["Content-Type"] == "application/problem+json"
    assert limited.json() == problem("Rate limit exceeded. Try again later.", "rate-limited")
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Per client IP: another client is not affected; 404s and 304s count too.
    assert anon_client.get(URL, REMOTE_ADDR="10.9.9.9").status_code == 200
    assert anon_client.get("/api/cameras/nope/snapshot", REMOTE_ADDR="10.1.2.3").status_code == 429
    # The next window opens once Retry-After has passed.
    frozen_clock[0] += int(limited["Retry-After"])
    assert anon_client.get(URL, REMOTE_ADDR="10.1.2.3").status_code == 200


def _django_ratelimit_usage(request, rate: str, *, increment: bool):
    return get_usage(request, group=MEDIA_RATE_GROUP, key="ip", rate=rate, increment=increment)


@pytest.mark.django_db
def test_the_snapshot_counts_on_django_ratelimits_own_counter(cam, folder, anon_client, settings, frozen_clock):
    settings.NEM_RATE_LIMIT_MEDIA = "5/m"
    put(folder / "a.jpg", image_bytes(".jpg", 1), T0)
    request = RequestFactory().get(URL, REMOTE_ADDR="10.4.4.4")

    assert anon_client.get(URL, REMOTE_ADDR="10.4.4.4").status_code == 200
    # django-ratelimit reads the very counter the endpoint wrote...
    usage = _django_ratelimit_usage(request, "5/m", increment=False)
    assert (usage["count"], usage["limit"], usage["should_limit"]) == (1, 5, False)
    assert 0 <= usage["time_left"] <= 60
    # ...and counts on it: the budget is one, whoever counts (the onvif endpoints count the same way).
    assert _django_ratelimit_usage(request, "5/m", increment=True)["count"] == 2
    assert [anon_client.get(URL, REMOTE_ADDR="10.4.4.4").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _django_ratelimit_usage(request, "5/m", increment=False)["count"] == 6


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@needs_redis
@pytest.mark.django_db
@pytest.mark.parametrize("fail_open", [True, False])
def test_with_redis_down_the_count_fails_as_configured(cam, folder, anon_client, settings, fail_open):
    data = image_bytes(".jpg", 1)
    put(folder / "a.jpg", data, T0)
    settings.RATELIMIT_FAIL_OPEN = fail_open
    down = {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0"}
    settings.CACHES = {**settings.CACHES, "default": down}

    response = anon_client.get(URL, REMOTE_ADDR="10.6.6.6")

    if fail_open:  # production's setting: Redis is an accelerator, the snapshot stays available
        assert response.status_code == 200
        assert body_of(response) == data
    else:
        assert response.status_code == 429
        assert response.json() == problem("Rate limit exceeded. Try again later.", "rate-limited")
        assert response["Retry-After"] == "1"


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_under_a_kept_connection_is_replaced(cam, folder, anon_client):
    data = image_bytes(".jpg", 1)
    put(folder / "a.jpg", data, T0)
    assert anon_client.get(URL).status_code == 200
    dead_pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [dead_pid])
    connection.close_if_unusable_or_obsolete()  # a new request, as after a PostgreSQL restart

    response = anon_client.get(URL)

    assert response.status_code == 200
    assert body_of(response) == data
    assert connection.connection.info.backend_pid != dead_pid


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_prepared_lookup_dropped_behind_our_back_is_prepared_again(cam, folder, anon_client):
    data = image_bytes(".jpg", 1)
    put(folder / "a.jpg", data, T0)
    assert anon_client.get(URL).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a pooler's session reset does

    assert body_of(anon_client.get(URL)) == data
    assert anon_client.get("/api/cameras/nope/snapshot").json()["detail"] == "No camera 'nope'. List cameras at /api/cameras."


@pytest.mark.django_db
def test_a_folder_beside_the_media_root_sharing_its_name_as_prefix_is_outside(
    media_root, cache_dir, tmp_path, anon_client
):
    beside = tmp_path / f"{media_root.name}-other" / "front_door"  # ".../media-other" starts with ".../media"
    put(beside / "secret.jpg", image_bytes(".jpg", 1), T0)
    CameraFactory(id="front_door", folder_path=str(beside))
    assert anon_client.get(URL).json() == problem("Camera folder does not exist")
