"""What every part of retention shares: the file categories, the stores outside the camera folder,
the evidence hold, the sinks that delete files, and usage measurement."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from cameras.media.paths import folder_check, inside, is_grabbed_frame, media_kind
from cameras.media.scanner import ingestion_files_removed, record_claim, record_release
from cameras.media.snapshot import snapshot_cache_dir
from cameras.models import Camera, IngestionRecord
from retention.models import StorageUsage
from retention.walk import FileInfo, Sink, Tally, unlink_batch, walk
from scenechanges.models import SceneChange, SceneReference

FRAMES = "frames"
UPLOADS = "uploads"
SNAPSHOT_CACHE = "snapshot_cache"
REFERENCES = "references"
CATEGORIES = (FRAMES, UPLOADS, SNAPSHOT_CACHE, REFERENCES)

_DAY_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")  # grab_frames' folder per UTC day
# A scan or grab holds a camera's record briefly: a sink waits for it this many times this long.
CLAIM_ATTEMPTS = 50
CLAIM_WAIT_SECONDS = 0.1


def ns_of(at: dt.datetime) -> int:
    return int(at.timestamp()) * 1_000_000_000 + at.microsecond * 1000


def iso_of(ns: int | None) -> str | None:
    if ns is None:
        return None
    at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=ns // 1000)
    return at.isoformat().replace("+00:00", "Z")


def reference_store() -> Path:
    return Path(os.path.realpath(settings.NEM_SCENE_REFERENCE_DIR))


def camera_store_dir(camera_id: str) -> Path:
    # scenechanges stores a camera's copies under "<camera_id>/" in the reference store.
    return reference_store() / camera_id


def cache_root(camera_id: str) -> Path:
    return Path(os.path.realpath(snapshot_cache_dir(camera_id)))


# ---------------------------------------------------------------- evidence hold


def alert_model():
    return apps.get_model("alerts", "Alert") if apps.is_installed("alerts") else None


def held_paths(*, camera_id: str) -> frozenset[str]:
    """Absolute paths of every file a living row of this camera points at."""
    held: set[str] = set()
    store = reference_store()
    for file_path, frame_copy in SceneChange.all_objects.filter(camera_id=camera_id).values_list(
        "file_path", "frame_copy"
    ):
        if file_path:
            held.add(file_path)
        if frame_copy:
            held.add(str(store / frame_copy))
    for image, source_path, retired_at in SceneReference.all_objects.filter(camera_id=camera_id).values_list(
        "image", "source_path", "retired_at"
    ):
        if image:
            held.add(str(store / image))
        if source_path and retired_at is None:
            held.add(source_path)
    alert = alert_model()
    if alert is not None:
        held.update(
            p for p in alert.all_objects.filter(camera_id=camera_id).values_list("evidence_path", flat=True) if p
        )
    # Rows may name a path through a symlinked media root: hold the resolved form too.
    return frozenset(held | {os.path.realpath(p) for p in held})


def newest_media(camera_id: str, folder: str) -> frozenset[str]:
    record = IngestionRecord.objects.filter(pk=camera_id).only("folder", "recent_images", "recent_videos").first()
    if record is None or record.folder != folder:
        return frozenset()
    return frozenset(
        os.path.join(folder, entries[0][0]) for entries in (record.recent_images, record.recent_videos) if entries
    )


# ---------------------------------------------------------------- sinks


class CameraFolderSink(Sink):
    """Deletes files of a camera folder holding the ingestion record's claim, and drops them from
    the record in the same claim: a scan never writes back a file that is gone."""

    def __init__(self, *, camera_id: str, folder: str, dry_run: bool, tallies: dict[str, Tally]):
        super().__init__(dry_run=dry_run)
        self.camera_id = camera_id
        self.folder = folder
        self.tallies = tallies
        self.busy = 0
        self.frame_dirs: set[str] = set()  # day folders grabbed frames were deleted from (a few)

    def prune_dir(self, rel: str) -> bool:
        # An emptied day folder of grabbed frames goes too (the scanner would list it forever),
        # but not today's or yesterday's: grab_frames may be about to write into it.
        if rel not in self.frame_dirs or not _DAY_FOLDER.fullmatch(rel):
            return False  # only folders this run took grabbed frames from
        return rel < (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%d")

    def _claim(self) -> bool:
        for attempt in range(CLAIM_ATTEMPTS):
            if record_claim(self.camera_id):
                return True
            if attempt + 1 < CLAIM_ATTEMPTS:
                time.sleep(CLAIM_WAIT_SECONDS)
        return False

    def remove(self, dir_fd: int, batch: list[FileInfo]) -> list[FileInfo]:
        if self.dry_run:
            removed = batch
        elif not self._claim():
            self.busy += len(batch)
            return []
        else:
            released = False
            try:
                removed = unlink_batch(dir_fd, batch, self.errors)
                prefix = self.folder + os.sep
                ingestion_files_removed(
                    camera_id=self.camera_id, paths=[prefix + i.rel for i in removed], release_claim=True
                )
                released = True
            finally:
                if not released:
                    record_release(self.camera_id)
        if removed:
            # A batch is one directory's files: the day folder is the same for all of them.
            top = removed[0].rel.split("/", 1)[0] if "/" in removed[0].rel else ""
            frames, uploads = self.tallies[FRAMES], self.tallies[UPLOADS]
            frames_before = frames.files
            for info in removed:
                tally = frames if is_grabbed_frame(info.rel) else uploads
                tally.files += 1
                tally.bytes += info.size
            if frames.files > frames_before and top:
                self.frame_dirs.add(top)
        return removed


class CountingSink(Sink):
    def __init__(self, *, dry_run: bool, tally: Tally):
        super().__init__(dry_run=dry_run)
        self.tally = tally

    def remove(self, dir_fd: int, batch: list[FileInfo]) -> list[FileInfo]:
        removed = super().remove(dir_fd, batch)
        self.tally.add(removed)
        return removed


# ---------------------------------------------------------------- usage


@dataclass
class Usage:
    files: int = 0
    bytes: int = 0
    oldest_ns: int | None = None

    def add(self, info: FileInfo) -> None:
        self.files += 1
        self.bytes += info.size
        if self.oldest_ns is None or info.mtime_ns < self.oldest_ns:
            self.oldest_ns = info.mtime_ns

    def as_dict(self) -> dict:
        return {"files": self.files, "bytes": self.bytes, "oldest": iso_of(self.oldest_ns)}


def classify(rel: str) -> str | None:
    if is_grabbed_frame(rel):
        return FRAMES
    return UPLOADS if media_kind(os.path.basename(rel)) else None


def camera_folders() -> dict[str, str]:
    return {cid: str(folder_check(fp).path) for cid, fp in Camera.objects.values_list("id", "folder_path")}


def nested_skip(folder: str, camera_id: str, folders: dict[str, str]) -> frozenset[tuple[int, int]]:
    """Other cameras' folders inside this one are theirs: never walked as this camera's."""
    skip = set()
    for cid, other in folders.items():
        if cid != camera_id and other != folder and inside(other, folder):
            try:
                st = os.stat(other, follow_symlinks=False)
            except OSError:
                continue
            skip.add((st.st_dev, st.st_ino))
    return frozenset(skip)


def storage_measure(*, camera: Camera, folders: dict[str, str] | None = None, now=None) -> dict:
    """Walk the camera's files (without deleting anything) and store the usage per category."""
    usage = {c: Usage() for c in CATEGORIES}
    check = folder_check(camera.folder_path)
    if check.usable:
        folder = str(check.path)
        skip = nested_skip(folder, camera.pk, folders if folders is not None else camera_folders())

        def measure(info: FileInfo) -> bool:
            category = classify(info.rel)
            if category:
                usage[category].add(info)
            return False

        walk(folder, decide=measure, skip=skip)
    for category, root in ((SNAPSHOT_CACHE, cache_root(camera.pk)), (REFERENCES, camera_store_dir(camera.pk))):
        walk(str(root), decide=lambda info, u=usage[category]: u.add(info) or False)
    return usage_save(camera.pk, usage, now)


def usage_save(camera_id: str, usage: dict[str, Usage], now) -> dict:
    categories = {c: usage[c].as_dict() for c in CATEGORIES}
    StorageUsage.objects.update_or_create(
        camera_id=camera_id, defaults={"categories": categories, "measured_at": now or timezone.now()}
    )
    return categories
