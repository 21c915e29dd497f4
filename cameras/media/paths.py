"""Where a camera's media lives, and the one rule every reader follows: a path is resolved
(symlinks included) and used only if it stays inside ``NEM_MEDIA_ROOT``."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

IMAGE_CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif"}
VIDEO_EXTENSIONS = frozenset({".mp4", ".mkv", ".avi", ".mov", ".webm"})

IMAGE = "image"
VIDEO = "video"

# Folder problems, worded as the path validation endpoint reports them.
OUTSIDE_ROOT = "outside_root"
MISSING = "directory does not exist"
NOT_A_DIRECTORY = "path is not a directory"
NOT_READABLE = "not readable"


# NEM's own frames (``grab_frames``): one folder per UTC day, a name from the capture time. Anything
# else in a camera folder was uploaded by the camera; retention tells the two apart by this name.
_GRABBED_FRAME = re.compile(r"\d{4}-\d{2}-\d{2}/frame_\d{6}_\d{6}\.jpg")


def grabbed_frame_rel(at: dt.datetime) -> str:
    """Where ``grab_frames`` stores a frame captured ``at`` (UTC), relative to the camera folder."""
    return f"{at:%Y-%m-%d}/frame_{at:%H%M%S_%f}.jpg"


def is_grabbed_frame(rel: str) -> bool:
    """Whether ``rel`` (relative to the camera folder, "/"-separated) is named like NEM's own frame."""
    return _GRABBED_FRAME.fullmatch(rel) is not None


def media_kind(name: str) -> str | None:
    """``image``/``video`` by extension, case-insensitively (``.JPG`` is an image); None otherwise.
    Hidden names (``.upload.jpg.part``, our own temp files) are never media."""
    if name.startswith("."):
        return None
    suffix = os.path.splitext(name)[1].lower()
    if suffix in IMAGE_CONTENT_TYPES:
        return IMAGE
    if suffix in VIDEO_EXTENSIONS:
        return VIDEO
    return None


def image_content_type(name: str) -> str:
    return IMAGE_CONTENT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def media_root() -> Path:
    return Path(_resolved(settings.NEM_MEDIA_ROOT))


@functools.lru_cache(maxsize=8)
def _resolved(raw: str) -> str:
    # The root is an operator's choice, not uploader-controlled: resolving it once per value
    # saves a realpath walk on every snapshot request.
    return os.path.realpath(raw)


def folder_unresolved(folder_path: str) -> Path:
    """A relative ``folder_path`` is relative to the media root; an absolute one is taken as is."""
    return Path(_unresolved(folder_path))


def _unresolved(folder_path: str) -> str:
    return folder_path if os.path.isabs(folder_path) else os.path.join(settings.NEM_MEDIA_ROOT, folder_path)


def inside(path: Path | str, root: Path | str) -> bool:
    """Whether resolved ``path`` is ``root`` or below it. String work, not ``Path.is_relative_to``
    (several times slower): both are absolute and normalised, so a prefix ending at a separator
    is the same test."""
    path, root = os.fspath(path), os.fspath(root)
    return path == root or path.startswith(root if root.endswith(os.sep) else root + os.sep)


@dataclass(frozen=True)
class FolderCheck:
    """A camera folder, resolved, and what (if anything) stops us from reading media from it."""

    path: Path
    problem: str | None  # OUTSIDE_ROOT, MISSING, NOT_A_DIRECTORY, NOT_READABLE or None

    @property
    def usable(self) -> bool:
        return self.problem is None


def folder_check(folder_path: str) -> FolderCheck:
    resolved = os.path.realpath(_unresolved(folder_path))
    if not inside(resolved, _resolved(settings.NEM_MEDIA_ROOT)):
        return FolderCheck(Path(resolved), OUTSIDE_ROOT)
    return FolderCheck(Path(resolved), directory_problem(resolved))


def directory_problem(path: Path | str) -> str | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return MISSING
    except OSError:
        return NOT_READABLE
    if not stat.S_ISDIR(st.st_mode):
        return NOT_A_DIRECTORY
    if not os.access(path, os.R_OK | os.X_OK):
        return NOT_READABLE
    return None


def confined_file(folder: Path, rel: str) -> tuple[Path, os.stat_result] | None:
    """``folder/rel`` resolved, if it is a regular file that stays inside both the camera folder
    and the media root; None otherwise (gone, a directory, or a symlink that leads out).
    ``folder`` must be a resolved camera folder (``FolderCheck.path``) inside the media root."""
    try:
        resolved = os.path.realpath(os.path.join(folder, rel), strict=True)
        st = os.stat(resolved)
    except (OSError, RuntimeError):  # gone, or a symlink loop
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    if not (inside(resolved, folder) and inside(folder, _resolved(settings.NEM_MEDIA_ROOT))):
        return None
    return Path(resolved), st


def open_confined(path: Path, expected: os.stat_result):
    """Open a file found by ``confined_file`` for reading, and make sure it is that file: the last
    component is opened with O_NOFOLLOW, and the opened file must be the very inode that was
    checked, so a symlink swapped into the path since the check is refused."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (expected.st_dev, expected.st_ino):
            raise FileNotFoundError(path)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    """Write beside the target under a hidden name, then rename: a reader (or the scanner) sees
    the old file or the whole new one, never half of it."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
