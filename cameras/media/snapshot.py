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
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from rest_framework.exceptions import NotFound

from cameras.media.frames import video_frame_extract
from cameras.media.paths import atomic_write, confined_file, folder_check, image_content_type, media_kind, open_confined
from cameras.media.scanner import media_scan_camera
from cameras.models import IngestionRecord
from cameras.services import camera_get_live

logger = logging.getLogger(__name__)

FOLDER_MISSING = "Camera folder does not exist"
NOTHING_FOUND = "No snapshot images or video files found for camera"
EXTRACTION_FAILED = "Video files found but frame extraction failed"

@dataclass(frozen=True)
class Snapshot:
    """A file to serve: where it is, what it is, and its validators."""

    path: Path
    root: Path  # the path must stay inside this when opened
    content_type: str
    filename: str
    mtime: float
    etag: str
    source: str  # "image" or "video"

    def open(self):
        fh, _ = open_confined(self.path, self.root)
        return fh


def _etag(kind: str, st: os.stat_result) -> str:
    return f'"{kind}-{st.st_mtime_ns:x}-{st.st_size:x}"'


def _image(folder: Path, entries: list) -> Snapshot | None:
    for rel, _mtime_ns, _size in entries:
        found = confined_file(folder, rel)
        if found is None or media_kind(found[0].name) != "image":
            continue
        path, st = found
        return Snapshot(
            path=path, root=folder, content_type=image_content_type(path.name), filename=path.name,
            mtime=st.st_mtime, etag=_etag("i", st), source="image",
        )
    return None


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
        if not cached.is_file():
            jpeg = video_frame_extract(path)
            if jpeg is None:
                logger.info("no frame could be extracted camera=%s video=%s; trying an older one", camera_id, rel)
                continue
            cache_dir.mkdir(parents=True, exist_ok=True)
            atomic_write(cached, jpeg)
            _prune(cache_dir, keep=cached)
        return (
            Snapshot(
                path=cached, root=cache_dir.resolve(), content_type="image/jpeg", filename=f"{path.stem}.jpg",
                mtime=st.st_mtime, etag=_etag("v", st), source="video",
            ),
            True,
        )
    return None, any_video


def _prune(cache_dir: Path, *, keep: Path) -> None:
    """Frames of older videos are never served again: keep the cache one file per camera."""
    for entry in cache_dir.iterdir():
        if entry != keep and entry.suffix == ".jpg":
            entry.unlink(missing_ok=True)


def snapshot_resolve(*, camera_id: str) -> Snapshot:
    """What ``GET /api/cameras/{id}/snapshot`` serves, or the contract's 404 problem."""
    camera = camera_get_live(camera_id=camera_id)
    check = folder_check(camera.folder_path)
    if not check.usable:
        raise NotFound(FOLDER_MISSING)
    folder = check.path
    record = IngestionRecord.objects.filter(pk=camera.pk).only("folder", "recent_images", "recent_videos").first()
    if record is None or record.folder != str(folder):
        images, videos = _rescan(camera.pk, max_entries=settings.NEM_SNAPSHOT_SCAN_MAX_ENTRIES)
        rescanned = True
    else:
        images, videos = record.recent_images, record.recent_videos
        rescanned = False
    for attempt in range(2):
        snap = _image(folder, images)
        if snap is not None:
            return snap
        snap, any_video = _video(camera.pk, folder, videos)
        if snap is not None:
            return snap
        if any_video:
            raise NotFound(EXTRACTION_FAILED)
        if rescanned or not (images or videos) or attempt:
            break
        # Everything the record lists is gone (retention, a manual clean-up): look again once.
        images, videos = _rescan(camera.pk, max_entries=None)
    raise NotFound(NOTHING_FOUND)


def _rescan(camera_id: str, *, max_entries: int | None) -> tuple[list, list]:
    scan = media_scan_camera(camera_id=camera_id, max_entries=max_entries, look_if_busy=True)
    return scan.recent_images, scan.recent_videos
