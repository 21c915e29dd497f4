"""Hostile media: images are measured from their header before any decode and refused
above NEM_MAX_IMAGE_PIXELS at every decode site; video frame extraction has a time budget, runs
once per file at a time, and a failure is remembered per (path, mtime, size)."""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import threading
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from cameras.media import snapshot as snapshot_module
from cameras.media.frames import video_frame_extract
from cameras.media.images import ImageRefused, image_check
from cameras.models import IngestionRecord
from cameras.tests.factories import CameraFactory
from scenechanges import detector
from scenechanges.admin import _thumbnail


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(path: Path, side: int = 8000) -> Path:
    """A valid 1-bit greyscale PNG of side x side pixels that weighs a few kilobytes."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b""))
    return path


def test_the_dimensions_come_from_the_header_and_a_bomb_is_refused(tmp_path):
    bomb = png_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ImageRefused) as refused:
        image_check(bomb.read_bytes())
    assert str(refused.value) == "8000x8000 pixels is more than NEM_MAX_IMAGE_PIXELS (40000000)"
    ok, small = cv2.imencode(".png", np.zeros((48, 64, 3), np.uint8))
    assert image_check(small.tobytes()) == (64, 48)
    with pytest.raises(ImageRefused, match="no image header"):
        image_check(b"not an image at all")


def test_the_detector_never_decodes_a_bomb(tmp_path):
    """The worker's comparison, the acknowledge re-reference and the admin thumbnail all decode
    through detector.decode."""
    bomb = png_bomb(tmp_path / "bomb.png")
    with pytest.raises(detector.UnreadableFrame) as refused:
        detector.decode(bomb, config=detector.DetectorConfig())
    assert str(refused.value) == f"{bomb}: 8000x8000 pixels is more than NEM_MAX_IMAGE_PIXELS (40000000)"
    assert _thumbnail(bomb) is None


def test_the_pixel_limit_is_a_setting(tmp_path, settings):
    ok, png = cv2.imencode(".png", np.zeros((100, 100, 3), np.uint8))
    settings.NEM_MAX_IMAGE_PIXELS = 9_999
    with pytest.raises(ImageRefused):
        image_check(png.tobytes())
    settings.NEM_MAX_IMAGE_PIXELS = 10_000
    assert image_check(png.tobytes()) == (100, 100)


def mjpeg_named_mkv(path: Path, frames: int) -> Path:
    """Concatenated JPEGs under a video name: FFmpeg opens it, but cannot tell its frame count,
    so extraction falls back to reading frame after frame."""
    ok, jpeg = cv2.imencode(".jpg", np.full((48, 64, 3), 128, np.uint8))
    path.write_bytes(jpeg.tobytes() * frames)
    return path


class StepClock:
    def __init__(self, step: float):
        self.now, self.step, self.calls = 0.0, step, 0

    def __call__(self) -> float:
        self.calls += 1
        self.now += self.step
        return self.now


def test_video_extraction_stops_at_its_time_budget(tmp_path):
    video = mjpeg_named_mkv(tmp_path / "long.mkv", 1500)
    clock = StepClock(step=0.01)  # every frame read advances the fake clock one step

    assert video_frame_extract(video, budget_seconds=2.0, clock=clock) is None
    assert clock.calls <= 202  # about 200 reads, not the 1500 (or 3000) an unbounded read makes

    assert video_frame_extract(video, budget_seconds=60.0, clock=StepClock(step=0.01)) is not None


def test_video_frames_above_the_pixel_limit_are_not_decoded(tmp_path, settings):
    video = mjpeg_named_mkv(tmp_path / "v.mkv", 3)
    settings.NEM_MAX_IMAGE_PIXELS = 64 * 48 - 1
    assert video_frame_extract(video) is None


@pytest.fixture
def snapshot_cache(settings, tmp_path):
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "cache")
    return Path(settings.NEM_SNAPSHOT_CACHE_DIR)


def _extractions(caplog) -> int:
    return sum(1 for r in caplog.records if r.getMessage().startswith("extracting a frame"))


def test_concurrent_first_requests_share_one_extraction(tmp_path, snapshot_cache, caplog):
    video = mjpeg_named_mkv(tmp_path / "clip.mkv", 50)
    key = hashlib.sha256(str(video).encode()).hexdigest()[:40]
    cached = snapshot_cache / "cam" / f"{key}.jpg"
    results = []
    barrier = threading.Barrier(3)

    def request():
        barrier.wait()
        results.append(snapshot_module._extract_once("cam", "clip.mkv", video, key, cached))

    caplog.set_level(logging.INFO, logger="cameras.media.snapshot")
    threads = [threading.Thread(target=request) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [True, True, True]
    assert _extractions(caplog) == 1
    assert cached.is_file()


@pytest.mark.django_db
def test_a_video_that_fails_is_not_extracted_again_until_it_changes(anon_client, media_root, snapshot_cache, caplog):
    folder = media_root / "garage"
    folder.mkdir()
    broken = folder / "clip.mkv"
    broken.write_bytes(os.urandom(4096))
    os.utime(broken, (1_700_000_000, 1_700_000_000))  # long settled: complete at first sight
    CameraFactory(id="garage", folder_path=str(folder))
    caplog.set_level(logging.INFO, logger="cameras.media.snapshot")

    first = anon_client.get("/api/cameras/garage/snapshot")
    second = anon_client.get("/api/cameras/garage/snapshot")

    assert first.status_code == second.status_code == 404
    assert second.json()["detail"] == "Video files found but frame extraction failed"
    assert _extractions(caplog) == 1
    assert IngestionRecord.objects.get(pk="garage").recent_videos[0][0] == "clip.mkv"

    broken.write_bytes(os.urandom(5000))  # a new upload under the same name: new size and mtime
    os.utime(broken, (1_700_000_100, 1_700_000_100))
    IngestionRecord.objects.filter(pk="garage").delete()
    anon_client.get("/api/cameras/garage/snapshot")
    assert _extractions(caplog) == 2
