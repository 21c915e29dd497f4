"""The snapshot: the camera's newest image, else a frame from near the end of its newest
complete video, found from the ingestion record (one row) and re-checked on disk.

Nothing here walks the camera folder on the request path, except once for a camera that was
never scanned (a bounded one-off scan, which then fills the record) or whose record lists only
files that are gone (an incremental rescan: only changed directories are listed). Every file
served is resolved and must stay inside the camera folder and ``NEM_MEDIA_ROOT``. Video frames
are cached per (video path, mtime, size) under ``NEM_SNAPSHOT_CACHE_DIR``, outside the camera
folders, so the scanner never mistakes a cached frame for an upload.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.cache import cache

from cameras.media.frames import video_frame_extract
from cameras.media.paths import (
    atomic_write,
    confined_file,
    folder_check,
    image_content_type,
    media_kind,
    media_root,
    open_confined,
)
from cameras.media.scanner import media_scan_camera
from cameras.models import Camera
from cameras.services import camera_get_live
from nem.errors import CameraNotFound, NotFoundError

logger = logging.getLogger(__name__)

FOLDER_MISSING = "Camera folder does not exist"
NOTHING_FOUND = "No snapshot images or video files found for camera"
EXTRACTION_FAILED = "Video files found but frame extraction failed"
_LOOKUP = object()  # snapshot_resolve's default: look the camera up


@dataclass(frozen=True)
class Snapshot:
    """A file to serve: where it is, what it is, and its validators."""

    path: Path
    stat: os.stat_result  # of the file as checked; open() refuses any other file
    content_type: str
    filename: str
    mtime: float
    etag: str
    source: str  # "image" or "video"

    def open(self):
        return open_confined(self.path, self.stat)


def _etag(kind: str, st: os.stat_result) -> str:
    return f'"{kind}-{st.st_mtime_ns:x}-{st.st_size:x}"'


def _image(folder: Path, entries: list) -> Snapshot | None:
    for rel, _mtime_ns, _size in entries:
        found = confined_file(folder, rel)
        if found is None or media_kind(found[0].name) != "image":
            continue
        path, st = found
        return Snapshot(
            path=path,
            stat=st,
            content_type=image_content_type(path.name),
            filename=path.name,
            mtime=st.st_mtime,
            etag=_etag("i", st),
            source="image",
        )
    return None


def snapshot_cache_dir(camera_id: str) -> Path:
    """The folder of the camera's cached video frames (retention prunes it by age)."""
    return _cache_dir(camera_id)


def _cache_dir(camera_id: str) -> Path:
    name = camera_id if re.fullmatch(r"\w+", camera_id) else hashlib.sha256(camera_id.encode()).hexdigest()[:32]
    return Path(settings.NEM_SNAPSHOT_CACHE_DIR) / name


def _video(camera_id: str, folder: Path, entries: list) -> tuple[Snapshot | None, bool]:
    """(snapshot, whether any listed video still exists)."""
    any_video = False
    cache_dir = _cache_dir(camera_id)
    for rel, _mtime_ns, _size in entries:
        found = confined_file(folder, rel)
        if found is None or media_kind(found[0].name) != "video":
            continue
        any_video = True
        path, st = found
        key = hashlib.sha256(f"{path}\0{st.st_mtime_ns}\0{st.st_size}".encode()).hexdigest()[:40]
        cached = cache_dir / f"{key}.jpg"
        if not cached.is_file() and not _extract_once(camera_id, rel, path, key, cached):
            logger.info("no frame could be extracted camera=%s video=%s; trying an older one", camera_id, rel)
            continue
        return (
            Snapshot(
                path=cached,
                stat=os.stat(cached),
                content_type="image/jpeg",
                filename=f"{path.stem}.jpg",
                mtime=st.st_mtime,
                etag=_etag("v", st),
                source="video",
            ),
            True,
        )
    return None, any_video


# Extraction is single-flight per video file: threads of this process queue on a striped lock,
# processes on a claim in the shared cache (the loser waits for the winner's frame). A failure is
# remembered per (path, mtime, size), so a file that cannot be decoded costs one extraction, not
# one per request.
_EXTRACT_LOCKS = [threading.Lock() for _ in range(64)]
_FAILED_TTL_SECONDS = 24 * 3600
_WAIT_STEP_SECONDS = 0.05


def _extract_once(camera_id: str, rel: str, path: Path, key: str, cached: Path) -> bool:
    failed_key, claim_key = f"cameras:snapshot:extract-failed:{key}", f"cameras:snapshot:extract:{key}"
    budget = settings.NEM_VIDEO_EXTRACT_SECONDS
    with _EXTRACT_LOCKS[int(key[:8], 16) % len(_EXTRACT_LOCKS)]:
        if cached.is_file():
            return True
        if cache.get(failed_key):
            return False
        if cache.add(claim_key, 1, timeout=int(budget) + 10) is False:
            return _wait_for_other(cached, failed_key, budget)
        try:
            logger.info("extracting a frame camera=%s video=%s", camera_id, rel)
            jpeg = video_frame_extract(path, budget_seconds=budget)
            if jpeg is None:
                cache.set(failed_key, 1, timeout=_FAILED_TTL_SECONDS)
                return False
            cached.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(cached, jpeg)
            _prune(cached.parent, keep=cached)
            return True
        finally:
            cache.delete(claim_key)


def _wait_for_other(cached: Path, failed_key: str, budget: float) -> bool:
    """Another process is extracting this very file: wait (at most its budget) for its frame."""
    deadline = time.monotonic() + budget + 1
    while time.monotonic() < deadline:
        if cached.is_file():
            return True
        if cache.get(failed_key):
            return False
        time.sleep(_WAIT_STEP_SECONDS)
    return cached.is_file()


def _prune(cache_dir: Path, *, keep: Path) -> None:
    """Frames of older videos are never served again: keep the cache one file per camera."""
    for entry in cache_dir.iterdir():
        if entry != keep and entry.suffix == ".jpg":
            entry.unlink(missing_ok=True)


def snapshot_lookup(*, camera_id: str) -> tuple[str, str | None, list, list] | None:
    """(folder_path, record folder, recent images, recent videos) of a live camera in one query,
    or None if there is no live camera with that id: what ``snapshot_resolve`` starts from."""
    row = (
        Camera.objects.filter(pk=camera_id)
        .values_list(
            "folder_path",
            "ingestion_record__folder",
            "ingestion_record__recent_images",
            "ingestion_record__recent_videos",
        )[:1]
    )
    for folder_path, record_folder, images, videos in row:
        return folder_path, record_folder, images or [], videos or []
    return None


def snapshot_resolve(*, camera_id: str, state=_LOOKUP) -> Snapshot:
    """What ``GET /api/cameras/{id}/snapshot`` serves, or a not-found error (``CameraNotFound`` or ``NotFoundError``). ``state``:
    what ``snapshot_lookup`` returned, if the caller already looked."""
    if state is _LOOKUP:
        state = snapshot_lookup(camera_id=camera_id)
    if state is None:
        camera_get_live(camera_id=camera_id)  # CameraNotFound for unknown and trashed cameras
        state = snapshot_lookup(camera_id=camera_id)  # created a moment ago
        if state is None:
            raise CameraNotFound(camera_id)
    folder_path, record_folder, images, videos = state
    check = folder_check(folder_path)
    if not check.usable or check.path == media_root():
        # The media root holds every camera's folder: it is never one camera's (cameras.folders).
        raise NotFoundError(FOLDER_MISSING)
    folder = check.path
    rescanned = False
    if record_folder != str(folder):
        images, videos = _rescan(camera_id, max_entries=settings.NEM_SNAPSHOT_SCAN_MAX_ENTRIES)
        rescanned = True
    for attempt in range(2):
        snap = _image(folder, images)
        if snap is not None:
            return snap
        snap, any_video = _video(camera_id, folder, videos)
        if snap is not None:
            return snap
        if any_video:
            raise NotFoundError(EXTRACTION_FAILED)
        if rescanned or not (images or videos) or attempt:
            break
        # Everything the record lists is gone (retention, a manual clean-up): look again once.
        images, videos = _rescan(camera_id, max_entries=None)
    raise NotFoundError(NOTHING_FOUND)


def snapshot_open(*, camera_id: str, snap: Snapshot) -> tuple[Snapshot, BinaryIO]:
    """Open what ``snapshot_resolve`` found. If it was replaced or removed since (a new upload
    renamed over it, a pruned frame cache), resolve once more rather than fail."""
    try:
        return snap, snap.open()
    except OSError:
        snap = snapshot_resolve(camera_id=camera_id)
        return snap, snap.open()


def _rescan(camera_id: str, *, max_entries: int | None) -> tuple[list, list]:
    scan = media_scan_camera(camera_id=camera_id, max_entries=max_entries, look_if_busy=True)
    return scan.recent_images, scan.recent_videos
