"""How the snapshot tells its freshness: capture time and source headers, no-cache with the ETag,
and ``?max_age=SECONDS`` answering a 404 problem instead of an older picture (422 on a bad value)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.utils import timezone

from cameras.media.demo import demo_video_write
from cameras.media.scanner import media_scan
from cameras.tests.factories import CameraFactory

URL = "/api/cameras/front_door/snapshot"
# Capture times an hour (or a day) before the request: far from any max_age boundary the test uses.
HOUR_AGO = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)


def put(path: Path, at: dt.datetime, seed: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".jpg", np.full((24, 32, 3), seed * 20 % 255, np.uint8))
    assert ok
    path.write_bytes(buf.tobytes())
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@pytest.fixture
def folder(media_root, tmp_path, settings):
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "snapshot-cache")
    path = media_root / "front_door"
    path.mkdir()
    return path


@pytest.fixture
def cam(folder):
    return CameraFactory(id="front_door", name="Front Door Camera", folder_path=str(folder))


@pytest.mark.django_db
def test_an_uploaded_image_says_when_it_was_captured_and_that_it_is_an_upload(cam, folder, anon_client):
    path = put(folder / "MDAlarm_20261120-080000.jpg", HOUR_AGO)
    media_scan()
    response = anon_client.get(URL)
    assert response.status_code == 200
    st = path.stat()
    assert response["X-Captured-At"] == iso(HOUR_AGO)
    assert response["X-Snapshot-Source"] == "upload"
    assert response["Cache-Control"] == "no-cache"
    assert response["ETag"] == f'"i-{st.st_mtime_ns:x}-{st.st_size:x}"'


@pytest.mark.django_db
def test_a_grabbed_stream_frame_is_a_stream_snapshot(folder, anon_client):
    CameraFactory(
        id="front_door", folder_path=str(folder), ingestion_mode="rtsp", rtsp_url="rtsp://127.0.0.1:8554/front"
    )
    put(folder / f"{HOUR_AGO:%Y-%m-%d}" / f"frame_{HOUR_AGO:%H%M%S}_000123.jpg", HOUR_AGO)
    response = anon_client.get(URL)  # a never-scanned camera: the snapshot's one-off scan finds it
    assert response.status_code == 200
    response = anon_client.get(URL)
    assert response.status_code == 200
    assert (response["X-Snapshot-Source"], response["X-Captured-At"]) == ("stream", iso(HOUR_AGO))


@pytest.mark.django_db
def test_a_frame_of_a_video_is_a_video_frame_captured_when_the_video_was(cam, folder, anon_client):
    path = folder / "clip.mp4"
    demo_video_write(path, frames=12, fps=10.0)
    os.utime(path, (HOUR_AGO.timestamp(), HOUR_AGO.timestamp()))
    media_scan()
    response = anon_client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert (response["X-Snapshot-Source"], response["X-Captured-At"]) == ("video_frame", iso(HOUR_AGO))
    assert response["Cache-Control"] == "no-cache"


@pytest.mark.django_db
def test_max_age_serves_a_picture_young_enough_and_a_404_problem_for_an_older_one(cam, folder, anon_client, problem_document):
    put(folder / "a.jpg", HOUR_AGO)
    media_scan()
    fresh = anon_client.get(URL, {"max_age": 7200})
    assert fresh.status_code == 200
    assert fresh["X-Captured-At"] == iso(HOUR_AGO)

    stale = anon_client.get(URL, {"max_age": 60})
    assert stale.status_code == 404
    assert stale["Content-Type"] == "application/problem+json"
    body = stale.json()
    assert body == problem_document("not-found", body["detail"], "/api/cameras/front_door/snapshot")
    assert re.fullmatch(
        rf"The newest snapshot was captured (\d+) s ago \({re.escape(iso(HOUR_AGO))}\), older than max_age=60",
        body["detail"],
    )
    assert int(re.search(r"captured (\d+) s", body["detail"]).group(1)) >= 3600


@pytest.mark.django_db
def test_max_age_wins_over_a_matching_etag(cam, folder, anon_client):
    """A client revalidating an old picture must learn it is stale, not that it is still current."""
    put(folder / "a.jpg", HOUR_AGO)
    media_scan()
    etag = anon_client.get(URL)["ETag"]
    revalidated = anon_client.get(URL, {"max_age": 7200}, HTTP_IF_NONE_MATCH=etag)
    assert revalidated.status_code == 304
    assert (revalidated["X-Captured-At"], revalidated["X-Snapshot-Source"]) == (iso(HOUR_AGO), "upload")
    assert anon_client.get(URL, {"max_age": 60}, HTTP_IF_NONE_MATCH=etag).status_code == 404


@pytest.mark.django_db
def test_max_age_zero_refuses_anything_captured_before_now(cam, folder, anon_client):
    put(folder / "a.jpg", HOUR_AGO)
    media_scan()
    assert anon_client.get(URL, {"max_age": 0}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "60s"])
def test_a_bad_max_age_is_a_422_problem_naming_the_parameter(cam, folder, anon_client, value, problem_document):
    put(folder / "a.jpg", HOUR_AGO)
    media_scan()
    response = anon_client.get(URL, {"max_age": value})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    message = "must be at least 0" if value == "-1" else f"must be an integer, got {value!r}"
    assert response.json() == problem_document(
        "invalid-query-parameter",
        f"Request validation failed: max_age: {message}",
        "/api/cameras/front_door/snapshot",
        [{"field": "max_age", "message": message}],
    )


@pytest.mark.django_db
def test_max_age_on_an_unknown_camera_is_the_unknown_cameras_404(anon_client, media_root, problem_document):
    response = anon_client.get("/api/cameras/nowhere/snapshot", {"max_age": 60})
    assert response.status_code == 404
    assert response.json() == problem_document(
        "camera-not-found", "No camera 'nowhere'. List cameras at /api/cameras.", "/api/cameras/nowhere/snapshot"
    )
