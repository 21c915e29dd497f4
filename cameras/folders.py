"""The one rule for a camera's folder, used by the API, the admin, the scanner, the snapshot and
the scene comparison: resolved (symlinks followed), it is inside NEM_MEDIA_ROOT, it is not the
root itself, and it is neither inside nor above another camera's folder, trashed cameras included
(a trashed camera can be restored, and its images must never be served as another camera's).
"""

from __future__ import annotations

from pathlib import Path

from cameras.media.paths import OUTSIDE_ROOT, folder_check, inside, media_root
from cameras.models import Camera
from nem.errors import CameraConflict, InvalidInput

ROOT_ITSELF = "folder_path is the media root itself"


def folder_resolved(folder_path: str) -> Path:
    return folder_check(folder_path).path


def folder_place_problem(folder: Path) -> str | None:
    """OUTSIDE_ROOT or ROOT_ITSELF for a resolved folder, else None."""
    root = media_root()
    if not inside(folder, root):
        return OUTSIDE_ROOT
    if folder == root:
        return ROOT_ITSELF
    return None


def camera_folders() -> dict[str, tuple[Path, bool]]:
    """Every camera's resolved folder, trashed ones included: {id: (folder, trashed)}."""
    rows = Camera.all_objects.values_list("id", "folder_path", "deleted_at")
    return {cid: (folder_resolved(fp), deleted is not None) for cid, fp, deleted in rows}


def folder_overlap(
    camera_id: str | None, folder: Path, folders: dict[str, tuple[Path, bool]]
) -> tuple[str, bool] | None:
    """(id, trashed) of a camera whose folder is this folder, contains it or lies inside it."""
    for other, (path, trashed) in folders.items():
        if other != camera_id and (inside(folder, path) or inside(path, folder)):
            return other, trashed
    return None


def camera_folder_validate(*, folder_path: str, camera_id: str | None) -> None:
    """``InvalidInput`` for a folder outside the media root or the root itself; ``CameraConflict``
    naming the camera whose folder overlaps it (with how to get a trashed one back)."""
    folder = folder_resolved(folder_path)
    problem = folder_place_problem(folder)
    if problem == OUTSIDE_ROOT:
        raise InvalidInput({"folder_path": [f"folder_path must be inside the media root ({media_root()})"]})
    if problem == ROOT_ITSELF:
        raise InvalidInput(
            {"folder_path": ["folder_path must be a folder inside the media root, not the root itself"]}
        )
    overlap = folder_overlap(camera_id, folder, camera_folders())
    if overlap is not None:
        other, trashed = overlap
        message = f"folder_path overlaps the folder of camera {other} (one camera's folder may not contain another's)."
        if trashed:
            message += f" That camera is in the trash: purge it, or restore it with POST /api/cameras/{other}/restore."
        raise CameraConflict(message)


def camera_folder_usable(
    *, camera_id: str, folder: Path, folders: dict[str, tuple[Path, bool]] | None = None
) -> str | None:
    """Read-time check of a resolved folder (scanner, scene comparison): why it must not be read,
    or None. A folder that contains another camera's is usable: the scanner skips that one."""
    problem = folder_place_problem(folder)
    if problem is not None:
        return problem
    folders = camera_folders() if folders is None else folders
    for other, (path, _trashed) in folders.items():
        if other != camera_id and inside(folder, path):
            return f"folder is inside camera {other}'s folder"
    return None
