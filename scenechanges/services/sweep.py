"""The synchronous sweep of ``manage.py detect_scene_changes``: the newest image of each live
camera's folder, compared if it was not compared yet."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cameras.folders import camera_folder_usable
from cameras.media.paths import folder_check
from cameras.models import Camera
from scenechanges.models import SceneMonitor
from scenechanges.services.compare import scenechange_compare
from scenechanges.services.lookup import camera_live

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png"})


def camera_media_folder(camera: Camera) -> Path | None:
    """The camera's folder by the cameras folder rule (inside NEM_MEDIA_ROOT, not the root, not
    inside another camera's folder), or None: never another folder that happens to share its name."""
    check = folder_check(camera.folder_path)
    if not check.usable or camera_folder_usable(camera_id=camera.id, folder=check.path) is not None:
        return None
    return check.path


def newest_image(folder: Path) -> tuple[Path, float] | None:
    """The newest image (by mtime) under ``folder``, ignoring hidden files and directories."""
    best: tuple[Path, float] | None = None
    stack = [folder]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False) and Path(entry.name).suffix.lower() in IMAGE_EXTENSIONS:
                    mtime = entry.stat(follow_symlinks=False).st_mtime
                    if best is None or mtime > best[1]:
                        best = (Path(entry.path), mtime)
            except OSError:
                continue
    return best


@dataclass(frozen=True)
class SweepSummary:
    cameras: int
    compared: int
    changes: int


def scenechanges_detect_pending(*, camera_id: str | None = None) -> SweepSummary:
    """Compare the newest image of each live camera (or of one) that was not compared yet,
    synchronously: the cron twin of the per-frame Celery task."""
    cameras = [camera_live(camera_id)] if camera_id else list(Camera.objects.order_by("id"))
    compared = changes = 0
    for camera in cameras:
        folder = camera_media_folder(camera)
        newest = newest_image(folder) if folder else None
        if newest is None:
            continue
        path, mtime = newest
        monitor = SceneMonitor.all_objects.filter(camera_id=camera.id).first()
        if monitor and monitor.last_frame_path == str(path.resolve()) and monitor.last_frame_mtime == mtime:
            continue
        result = scenechange_compare(camera_id=camera.id, frame_path=str(path))
        compared += result.status not in ("rejected", "unreadable", "stale", "camera_gone")
        changes += result.change is not None
    return SweepSummary(cameras=len(cameras), compared=compared, changes=changes)
