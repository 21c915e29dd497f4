"""Retention: ``prune_storage`` deleting 100,000 grabbed frames of one camera, against
``find <folder> -type f -delete`` on an identical tree, in the same run.

The tree is what ``grab_frames`` leaves: one folder per UTC day, a frame a minute (70 days,
100,800 frames; small files, since an unlink costs the same whatever the size), built once and
copied with ``cp -a`` (names, sizes and mtimes) before each deletion. Rounds alternate the two
deleters, so page-cache and machine noise hit both alike; the median of each is reported. Target: prune_storage removes at least half as many files per second
as ``find -delete`` (it also classifies each name, checks the evidence hold, claims the camera's
ingestion record per batch of ``NEM_RETENTION_BATCH_SIZE`` and rewrites it, and measures what
is left).

Also reported: the "at most N frames" path (oldest-first selection by mtime histogram: several
streaming passes) on the same tree, and the peak Python memory of a prune of 100,000 files
(tracemalloc) against what merely holding the 100,000 entries in a list costs, which is what
a walk that lists before deleting would need at least. Target: at most a tenth of it.

Run alone with ``python -m bench.bench_prune`` (SQLite unless DATABASE_URL is set).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.common import Row, setup_django

DAYS = 70
PER_DAY = 1440
FILES = DAYS * PER_DAY
ROUNDS = 2  # each round writes and prunes 100,800 files; more would pass make bench's module timeout
TARGET_RATIO = 0.5
MEMORY_RATIO = 0.1
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NOW = START + dt.timedelta(days=DAYS + 2)  # every frame is older than the 24 h policy


def _build(folder: Path) -> None:
    from cameras.media.paths import grabbed_frame_rel

    payload = b"\xff\xd8" + b"\x00" * 60 + b"\xff\xd9"
    for day in range(DAYS):
        base = START + dt.timedelta(days=day)
        (folder / f"{base:%Y-%m-%d}").mkdir(parents=True, exist_ok=True)
        for minute in range(PER_DAY):
            at = base + dt.timedelta(minutes=minute)
            path = folder / grabbed_frame_rel(at)
            with open(path, "wb") as fh:
                fh.write(payload)
            ts = at.timestamp()
            os.utime(path, (ts, ts))


def _copy(template: Path, folder: Path) -> None:
    """An identical tree (names, sizes, mtimes) for each deleter: ``cp -a`` is quicker than building."""
    if folder.exists():
        shutil.rmtree(folder)
    subprocess.run(["cp", "-a", str(template), str(folder)], check=True)


def _count(folder: Path) -> int:
    return sum(len(files) for _root, _dirs, files in os.walk(folder))


def _find_delete(folder: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(["find", str(folder), "-type", "f", "-delete"], check=True)
    return time.perf_counter() - t0


def run() -> list[Row]:
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment

    from cameras.models import Camera
    from retention.services import prune_storage
    from retention.walk import FileInfo

    tmp = Path(tempfile.mkdtemp(prefix="nem-bench-prune-"))
    template = tmp / "template"
    media_root = tmp / "media"
    folder = media_root / "driveway"
    reference = tmp / "reference"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        None if connection.vendor == "sqlite" else f"test_{settings.DATABASES['default']['NAME']}_prune"
    )
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    overrides = override_settings(
        NEM_MEDIA_ROOT=str(media_root),
        NEM_SNAPSHOT_CACHE_DIR=str(tmp / "snapshot-cache"),
        NEM_SCENE_REFERENCE_DIR=str(tmp / "scene-references"),
        NEM_STORAGE_FLOOR_PERCENT=0.0,
        NEM_STORAGE_FLOOR_BYTES=0,
        NEM_RETENTION_FRAMES_MAX_AGE_HOURS=24,
        NEM_RETENTION_FRAMES_MAX_COUNT=0,
    )
    overrides.enable()
    try:
        _build(template)
        media_root.mkdir()
        folder.mkdir()
        Camera.objects.create(id="driveway", name="Driveway", folder_path=str(folder), ingestion_mode="rtsp")
        prune_rates, find_rates = [], []
        for _ in range(ROUNDS):
            _copy(template, folder)
            t0 = time.perf_counter()
            report = prune_storage(now=NOW)
            elapsed = time.perf_counter() - t0
            assert report.files == FILES and _count(folder) == 0, (report.files, _count(folder))
            prune_rates.append(FILES / elapsed)
            _copy(template, reference)
            elapsed = _find_delete(reference)
            assert _count(reference) == 0
            find_rates.append(FILES / elapsed)

        # "At most N": keep the newest 1,000 of 100,800 frames (selection by mtime, oldest first).
        count_rates = []
        with override_settings(NEM_RETENTION_FRAMES_MAX_AGE_HOURS=0, NEM_RETENTION_FRAMES_MAX_COUNT=1000):
            _copy(template, folder)
            t0 = time.perf_counter()
            report = prune_storage(now=NOW)
            elapsed = time.perf_counter() - t0
            assert report.files == FILES - 1000 and _count(folder) == 1000
            count_rates.append(report.files / elapsed)

        # Peak Python memory of one prune of the whole tree, against holding its entries in a list.
        _copy(template, folder)
        tracemalloc.start()
        prune_storage(now=NOW)
        _current, prune_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        tracemalloc.start()
        listing = [
            FileInfo(f"2026-01-01/frame_{i:06d}_000000.jpg", f"frame_{i:06d}_000000.jpg", 64, i) for i in range(FILES)
        ]
        _current, list_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del listing
    finally:
        overrides.disable()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(tmp, ignore_errors=True)

    prune_rate, find_rate = statistics.median(prune_rates), statistics.median(find_rates)
    count_rate = statistics.median(count_rates)
    mib = 1024 * 1024
    return [
        Row(
            figure=f"prune_storage, {FILES:,} grabbed frames of one camera by age (median of {ROUNDS})",
            value=round(prune_rate),
            unit="files/s",
            reference="find <folder> -type f -delete on an identical tree, same run",
            reference_value=round(find_rate),
            target=f"ratio >= {TARGET_RATIO}",
            ok=prune_rate >= TARGET_RATIO * find_rate,
        ),
        Row(
            figure=f"prune_storage, at most 1,000 of {FILES:,} frames (oldest-first selection, one run)",
            value=round(count_rate),
            unit="files/s",
            reference="find <folder> -type f -delete on an identical tree, same run",
            reference_value=round(find_rate),
            target="reported",
            ok=None,
        ),
        Row(
            figure=f"prune_storage peak Python memory, {FILES:,} files (tracemalloc)",
            value=round(prune_peak / mib, 2),
            unit="MiB",
            reference=f"holding {FILES:,} entries in a list (the least a list-then-delete walk needs)",
            reference_value=round(list_peak / mib, 2),
            target=f"ratio <= {MEMORY_RATIO}",
            ok=prune_peak <= MEMORY_RATIO * list_peak,
        ),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
