"""Helpers of the retention tests: the test clock, files with a given age and size, and a "free
bytes" probe whose filesystem has a fixed capacity and counts the bytes actually present under its
roots (so deleting a file frees its bytes, as on a real disk)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

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
