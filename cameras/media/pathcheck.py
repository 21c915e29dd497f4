"""``GET /api/cameras/validation/paths``: is each live camera's folder usable for ingestion?

Checks the same resolved path the scanner and the snapshot use (symlinks followed), so a camera
reported valid here is one whose media we will actually read, and the reverse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from cameras.folders import ROOT_ITSELF
from cameras.media.paths import (
    OUTSIDE_ROOT,
    confined_file,
    directory_problem,
    folder_check,
    inside,
    media_kind,
    media_root,
)
from cameras.models import Camera, IngestionRecord

NO_MEDIA = "no image or video files found"


def folder_has_media(folder: Path) -> bool:
    """True at the first media file found (depth first, symlinks not followed)."""
    stack = [folder]
    while stack:
        path = stack.pop()
        try:
            with os.scandir(path) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False):
                        if not entry.name.startswith("."):
                            stack.append(Path(entry.path))
                    elif media_kind(entry.name) and entry.is_file(follow_symlinks=False):
                        return True
        except OSError:
            continue
    return False


def _recorded_media_exists(record: IngestionRecord | None, folder: Path) -> bool:
    if record is None or record.folder != str(folder):
        return False
    return any(confined_file(folder, e[0]) for e in [*record.recent_images, *record.recent_videos])


@dataclass(frozen=True)
class CameraFolderCheck:
    """One live camera and what is wrong with its folder (nothing when ``issues`` is empty)."""

    camera: Camera
    resolved_path: Path
    issues: list[str]

    @property
    def valid(self) -> bool:
        return not self.issues


@dataclass(frozen=True)
class PathValidation:
    base_path: Path
    checks: list[CameraFolderCheck]

    @property
    def valid(self) -> list[CameraFolderCheck]:
        return [check for check in self.checks if check.valid]

    @property
    def invalid(self) -> list[CameraFolderCheck]:
        return [check for check in self.checks if not check.valid]


def media_paths_validate() -> PathValidation:
    """The folder check of every live camera, in list order (``GET /api/cameras/validation/paths``)."""
    root = media_root()
    cameras = list(Camera.objects.for_api().select_related("ingestion_record"))
    folders = {camera.pk: folder_check(camera.folder_path) for camera in cameras}
    checks = []
    for camera in cameras:
        check = folders[camera.pk]
        issues = []
        if check.problem == OUTSIDE_ROOT:
            issues.append(f"folder_path not under base_path ({settings.NEM_MEDIA_ROOT})")
            problem = directory_problem(check.path)
        else:
            problem = check.problem
        if problem:
            issues.append(problem)
        if check.path == root:
            issues.append(ROOT_ITSELF)  # the cameras folder rule: never a camera's folder
        for other in cameras:
            other_path = folders[other.pk].path
            if other.pk != camera.pk and inside(check.path, other_path):
                issues.append(f"nested inside camera {other.pk}'s folder")
        # Looking for media outside the root would walk folders we never read from.
        if problem is None and check.problem != OUTSIDE_ROOT:
            try:
                record = camera.ingestion_record
            except IngestionRecord.DoesNotExist:
                record = None
            if not _recorded_media_exists(record, check.path) and not folder_has_media(check.path):
                issues.append(NO_MEDIA)
        checks.append(CameraFolderCheck(camera=camera, resolved_path=check.path, issues=issues))
    return PathValidation(base_path=root, checks=checks)
