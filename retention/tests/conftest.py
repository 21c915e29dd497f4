"""Fixtures of the retention tests: a media root, a snapshot cache and a reference store under the
test's temporary directory, a controllable clock, and a "free bytes" probe whose filesystem has a
fixed capacity and counts the bytes actually present under the media root (so deleting a file
frees its bytes, as on a real disk)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from cameras.tests.factories import CameraFactory

NOW = dt.datetime(2026, 3, 10, 12, 0, 0, tzinfo=dt.UTC)


class Capacity:
    """The probe's filesystem: ``capacity`` bytes, of which the files under ``roots`` use their size."""

    capacity = 10_000_000
    roots: list[Path] = []
    calls = 0

    @classmethod
    def used(cls) -> int:
        total = 0
        for root in cls.roots:
            for dirpath, _dirs, files in os.walk(root):
                for name in files:
                    path = os.path.join(dirpath, name)
                    if not os.path.islink(path):
                        total += os.path.getsize(path)
        return total


def capacity_probe(path: str) -> tuple[int, int]:
    Capacity.calls += 1
    return Capacity.capacity, max(0, Capacity.capacity - Capacity.used())


@pytest.fixture
def storage(tmp_path, media_root, settings):
    """Every retention path under tmp_path, the probe on, a floor that is met by default."""
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "snapshot-cache")
    settings.NEM_SCENE_REFERENCE_DIR = str(tmp_path / "scene-references")
    settings.NEM_STORAGE_FREE_PROBE = "retention.tests.conftest.capacity_probe"
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


def put(path: Path, at: dt.datetime, size: int = 100) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8" + b"x" * max(0, size - 4) + b"\xff\xd9")
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def frame(folder: Path, at: dt.datetime, size: int = 100) -> Path:
    from cameras.media.paths import grabbed_frame_rel

    return put(folder / grabbed_frame_rel(at), at, size)


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink())
