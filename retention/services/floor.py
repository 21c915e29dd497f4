"""The free-space floor: below it, the oldest prunable files go until it is met again."""

from __future__ import annotations

import functools
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from cameras.media.paths import folder_check, media_root
from cameras.models import Camera
from retention.services.camera import CameraReport, policy_of
from retention.services.common import (
    FRAMES,
    SNAPSHOT_CACHE,
    UPLOADS,
    CameraFolderSink,
    CountingSink,
    cache_root,
    classify,
    held_paths,
    nested_skip,
)
from retention.walk import Target, prune_oldest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FloorState:
    total_bytes: int
    free_bytes: int
    floor_bytes: int

    @property
    def ok(self) -> bool:
        return self.free_bytes >= self.floor_bytes

    @property
    def missing(self) -> int:
        return max(0, self.floor_bytes - self.free_bytes)

    def as_dict(self) -> dict:
        return {
            "total_bytes": self.total_bytes,
            "free_bytes": self.free_bytes,
            "floor_bytes": self.floor_bytes,
            "floor_percent": float(settings.NEM_STORAGE_FLOOR_PERCENT),
            "floor_ok": self.ok,
        }


@functools.lru_cache(maxsize=4)
def _probe_function(dotted: str):
    return import_string(dotted) if dotted else None


def disk_probe(path: str) -> tuple[int, int]:
    """(total, free) bytes of the filesystem holding ``path``; free as an unprivileged writer sees it."""
    usage = shutil.disk_usage(path)
    return usage.total, usage.free


def floor_state() -> FloorState:
    """Free space of the media root's filesystem against the floor: the larger of
    ``NEM_STORAGE_FLOOR_PERCENT`` of the filesystem and ``NEM_STORAGE_FLOOR_BYTES``. The probe is
    ``NEM_STORAGE_FREE_PROBE`` (a dotted path to ``f(path) -> (total, free)``), else the real one."""
    probe = _probe_function(settings.NEM_STORAGE_FREE_PROBE) or disk_probe
    total, free = probe(str(media_root()))
    floor = max(int(settings.NEM_STORAGE_FLOOR_BYTES), int(total * float(settings.NEM_STORAGE_FLOOR_PERCENT) / 100))
    return FloorState(total_bytes=int(total), free_bytes=int(free), floor_bytes=floor)


def _same_filesystem(path: Path, device: int) -> bool:
    try:
        return os.stat(path).st_dev == device
    except OSError:
        return False


def _floor_targets(category: str, cameras: list[Camera], folders, reports, *, dry_run) -> list[Target]:
    targets = []
    device = os.stat(media_root()).st_dev
    for camera in cameras:
        report = reports[camera.pk]
        if category == SNAPSHOT_CACHE:
            root = cache_root(camera.pk)
            if _same_filesystem(root, device):  # freeing another filesystem does not help
                targets.append(
                    Target(
                        root=str(root),
                        eligible=lambda i: True,
                        sink=CountingSink(dry_run=dry_run, tally=report.files[SNAPSHOT_CACHE]),
                    )
                )
            continue
        if category == UPLOADS and not policy_of(camera.pk).uploads_enabled:
            continue
        check = folder_check(camera.folder_path)
        if not check.usable:
            continue
        folder = str(check.path)
        prefix = folder + os.sep
        held = frozenset(p[len(prefix) :] for p in held_paths(camera_id=camera.pk) if p.startswith(prefix))
        targets.append(
            Target(
                root=folder,
                eligible=lambda i, h=held: classify(i.rel) == category and i.rel not in h,
                sink=CameraFolderSink(camera_id=camera.pk, folder=folder, dry_run=dry_run, tallies=report.files),
                skip=nested_skip(folder, camera.pk, folders),
            )
        )
    return targets


def floor_restore(*, cameras: list[Camera], reports: dict[str, CameraReport], folders, dry_run: bool) -> FloorState:
    """Below the floor: delete the oldest grabbed frames, then the snapshot caches, then uploads
    of cameras whose upload policy is on, until the floor is met again. Held evidence never goes."""
    state = floor_state()
    if state.ok or not cameras:
        return state
    freed = 0
    batch_size = int(settings.NEM_RETENTION_BATCH_SIZE)
    for category in (FRAMES, SNAPSHOT_CACHE, UPLOADS):
        need = state.missing - (freed if dry_run else 0)
        if need <= 0:
            break
        targets = _floor_targets(category, cameras, folders, reports, dry_run=dry_run)
        got = prune_oldest(targets, need=need, by_bytes=True, batch_size=batch_size)
        freed += got
        for target in targets:
            reports_errors = getattr(target.sink, "errors", [])
            if reports_errors:
                logger.warning("floor pruning errors: %s", "; ".join(reports_errors[:5]))
        if not dry_run:
            state = floor_state()
    if dry_run:
        return FloorState(state.total_bytes, min(state.total_bytes, state.free_bytes + freed), state.floor_bytes)
    return state
