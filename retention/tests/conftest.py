"""Fixtures of the retention tests: a media root, a snapshot cache and a reference store under the
test's temporary directory, the "free bytes" probe on, and cameras."""

from __future__ import annotations

import pytest

from cameras.tests.factories import CameraFactory
from retention.tests.files import Capacity


@pytest.fixture
def storage(tmp_path, media_root, settings):
    """Every retention path under tmp_path, the probe on, a floor that is met by default."""
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "snapshot-cache")
    settings.NEM_SCENE_REFERENCE_DIR = str(tmp_path / "scene-references")
    settings.NEM_STORAGE_FREE_PROBE = "retention.tests.files.capacity_probe"
    settings.NEM_STORAGE_FLOOR_PERCENT = 0.0
    settings.NEM_STORAGE_FLOOR_BYTES = 0
    Capacity.capacity = 10_000_000
    Capacity.roots = [media_root, tmp_path / "snapshot-cache", tmp_path / "scene-references"]
    Capacity.calls = 0
    return tmp_path


@pytest.fixture
def cam(db, media_root, storage):
    folder = media_root / "driveway"
    folder.mkdir()
    return CameraFactory(
        id="driveway",
        name="Driveway",
        folder_path=str(folder),
        ingestion_mode="rtsp",
        rtsp_url="rtsp://127.0.0.1:8554/x",
    )


@pytest.fixture
def ftp_cam(db, media_root, storage):
    folder = media_root / "porch"
    folder.mkdir()
    return CameraFactory(id="porch", name="Porch", folder_path=str(folder))
