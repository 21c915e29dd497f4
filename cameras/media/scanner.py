"""ftp ingestion: find each camera's newest complete image and video without re-reading old files.

A scan lists only the directories whose mtime moved since the last look (adding, removing or
renaming an entry moves a directory's mtime; old files do not), and re-stats the few files it is
already watching: those seen once and maybe still being written, and the newest images (a camera
that overwrites ``snapshot.jpg`` in place does not move the directory's mtime). So a scan costs
the number of directories plus the new entries, not the number of files in the folder.

A file counts as complete when its size and mtime did not change over two looks, when it was
last modified longer ago than ``NEM_MEDIA_SETTLE_SECONDS`` (it was there before we looked), or,
for an image, when it ends with its format's trailer (a JPEG's EOI marker), which is the common
case and needs no second look.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cameras.cache import camera_list_batch
from cameras.folders import camera_folder_usable, camera_folders
from cameras.media.paths import IMAGE, OUTSIDE_ROOT, VIDEO, folder_check, inside, media_kind
from cameras.media.status import camera_status_check
from cameras.models import Camera, IngestionMode, IngestionRecord
from cameras.signals import frame_arrived
from nem.claims import ClaimColumn, claim

logger = logging.getLogger(__name__)

RECENT_KEEP = 5  # newest complete images/videos remembered per camera (snapshot fallbacks)
PENDING_KEEP = 500  # files watched for completion per camera; the newest win
CLAIM_LEASE = dt.timedelta(minutes=10)  # longer than any scan; a crashed worker's claim expires


@dataclass(frozen=True)
class Seen:
    rel: str
    size: int
    mtime_ns: int
    kind: str


@dataclass
class Walk:
    dir_state: dict
    files: list[Seen]
    complete: bool  # False when max_entries stopped it early


@dataclass
class Look:
    """The record's new media state after one look at a camera folder."""

    recent_images: list
    recent_videos: list
    pending_files: dict
    new_images: list[Seen]  # complete images newer than the previous newest, oldest first
    new_videos: int
    newest_seen_ns: int | None  # newest mtime of any media file seen (complete or not)


@dataclass
class CameraScan:
    camera_id: str
    new_images: int = 0
    new_videos: int = 0
    last_seen_changed: bool = False
    error: str = ""
    skipped: bool = False  # another scan holds the camera
    recent_images: list = field(default_factory=list)
    recent_videos: list = field(default_factory=list)
    folder: str = ""


@dataclass
class ScanReport:
    cameras: list[CameraScan]
    status_changes: dict[str, tuple[str, str]]

    @property
    def new_images(self) -> int:
        return sum(c.new_images for c in self.cameras)

    @property
    def new_videos(self) -> int:
        return sum(c.new_videos for c in self.cameras)

    @property
    def errors(self) -> int:
        return sum(1 for c in self.cameras if c.error)


def _join(rel: str, name: str) -> str:
    return f"{rel}/{name}" if rel else name


def media_walk(
    folder: Path, prev_dirs: dict, *, skip: frozenset[Path] = frozenset(), max_entries: int | None = None
) -> Walk:
    """List the directories under ``folder`` whose mtime moved since ``prev_dirs``; descend into
    the others through their remembered subdirectory lists. Symlinks are never followed or
    recorded (a link could lead out of the media root), nor are hidden names and the folders of
    other cameras nested inside this one (``skip``)."""
    dir_state: dict = {}
    files: list[Seen] = []
    entries = 0
    stack = [""]
    while stack:
        rel = stack.pop()
        path = folder / rel if rel else folder
        try:
            # stat before listing: an entry added after the listing moves the mtime past this value.
            st = os.stat(path, follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode):
            continue
        previous = prev_dirs.get(rel)
        if previous and previous[0] == st.st_mtime_ns:
            subdirs = previous[1]
        else:
            subdirs = []
            try:
                with os.scandir(path) as it:
                    for entry in it:
                        entries += 1
                        name = entry.name
                        if name.startswith("."):
                            continue
                        if entry.is_dir(follow_symlinks=False):
                            subdirs.append(name)
                            continue
                        kind = media_kind(name)
                        if kind and entry.is_file(follow_symlinks=False):
                            est = entry.stat(follow_symlinks=False)
                            files.append(Seen(_join(rel, name), est.st_size, est.st_mtime_ns, kind))
            except OSError as exc:
                logger.warning("cannot list %s: %s", path, exc.strerror)
                continue
        dir_state[rel] = [st.st_mtime_ns, subdirs]
        for name in subdirs:
            if path / name not in skip:
                stack.append(_join(rel, name))
        if max_entries is not None and entries >= max_entries and stack:
            return Walk(dir_state, files, complete=False)
    return Walk(dir_state, files, complete=True)


def _restat(folder: Path, rel: str) -> Seen | None:
    kind = media_kind(os.path.basename(rel))
    try:
        st = os.stat(folder / rel, follow_symlinks=False)
    except OSError:
        return None
    if kind is None or not stat.S_ISREG(st.st_mode):
        return None
    return Seen(rel, st.st_size, st.st_mtime_ns, kind)


_TRAILERS = {".jpg": (b"\xff\xd9",), ".jpeg": (b"\xff\xd9",), ".png": (b"IEND\xaeB`\x82",), ".gif": (b";",)}


def image_complete(path: Path) -> bool:
    """True if the image ends with its format's trailer, i.e. the upload has finished."""
    trailers = _TRAILERS.get(path.suffix.lower())
    if not trailers:
        return False
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 32))
            tail = fh.read().rstrip(b"\x00")  # some cameras pad JPEGs with zeros
    except OSError:
        return False
    return any(tail.endswith(t) for t in trailers)


def _top(entries: list, new: list[Seen]) -> list:
    merged = {rel: [rel, mtime_ns, size] for rel, mtime_ns, size in entries}
    for s in new:
        merged[s.rel] = [s.rel, s.mtime_ns, s.size]
    return sorted(merged.values(), key=lambda e: (e[1], e[0]), reverse=True)[:RECENT_KEEP]


def media_look(record: IngestionRecord, walk: Walk, *, folder: Path, now: dt.datetime, first: bool) -> Look:
    """Fold one walk into the record's state (pure but for a few stats of watched files)."""
    prev_pending = {} if first else dict(record.pending_files)
    prev_images = [] if first else list(record.recent_images)
    prev_videos = [] if first else list(record.recent_videos)
    candidates = {s.rel: s for s in walk.files}
    for rel in [*prev_pending, *(e[0] for e in prev_images)]:
        if rel not in candidates:
            seen = _restat(folder, rel)
            if seen is not None:
                candidates[rel] = seen
    marks = {IMAGE: prev_images[0][1] if prev_images else None, VIDEO: prev_videos[0][1] if prev_videos else None}
    now_ns = int(now.timestamp() * 1_000_000_000)
    settle_ns = int(settings.NEM_MEDIA_SETTLE_SECONDS * 1_000_000_000)
    complete: dict[str, list[Seen]] = {IMAGE: [], VIDEO: []}
    pending: dict[str, list[int]] = {}
    newest_seen = None
    for seen in candidates.values():
        before = prev_pending.get(seen.rel)
        mark = marks[seen.kind]
        if before is None and mark is not None and seen.mtime_ns <= mark:
            continue  # older than what we already have: not news
        newest_seen = seen.mtime_ns if newest_seen is None else max(newest_seen, seen.mtime_ns)
        done = (
            (before is not None and before == [seen.size, seen.mtime_ns])
            or now_ns - seen.mtime_ns >= settle_ns
            or (seen.kind == IMAGE and image_complete(folder / seen.rel))
        )
        if done:
            complete[seen.kind].append(seen)
        else:
            pending[seen.rel] = [seen.size, seen.mtime_ns]
    if len(pending) > PENDING_KEEP:
        keep = sorted(pending.items(), key=lambda kv: kv[1][1], reverse=True)[:PENDING_KEEP]
        pending = dict(keep)
    images = sorted(complete[IMAGE], key=lambda s: (s.mtime_ns, s.rel))
    if marks[IMAGE] is None:
        # The first look at a folder: its old images are history, not new frames. Only the newest
        # one goes to the scene comparison (as its first reference).
        new_images = images[-1:]
    else:
        new_images = images[-settings.NEM_SCAN_MAX_FRAMES_PER_LOOK :]
    return Look(
        recent_images=_top(prev_images, complete[IMAGE]),
        recent_videos=_top(prev_videos, complete[VIDEO]),
        pending_files=pending,
        new_images=new_images,
        new_videos=len(complete[VIDEO]),
        newest_seen_ns=newest_seen,
    )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _ns_to_datetime(ns: int) -> dt.datetime:
    # Integer arithmetic, truncated to the microsecond: a float detour (ns is past 2**53) rounds
    # differently depending on how it is divided, so one file could get two different times.
    return _EPOCH + dt.timedelta(microseconds=ns // 1000)


def record_claim(camera_id: str) -> bool:
    """Claim the camera's record for one scan or grab (created on first use). False: someone has it."""
    return claim(
        IngestionRecord.objects.filter(pk=camera_id),
        ClaimColumn("busy_until", lease=CLAIM_LEASE, holds_expiry=True),
        create=lambda: IngestionRecord.objects.get_or_create(camera_id=camera_id),
    )


def record_release(camera_id: str) -> None:
    IngestionRecord.objects.filter(pk=camera_id).update(busy_until=None)


def ingestion_files_removed(*, camera_id: str, paths: Iterable[str], release_claim: bool = False) -> bool:
    """Files of the camera's folder were deleted (retention): forget them, so the snapshot never
    points at a deleted file. The newest image and video become the next remembered ones; when a
    list loses its last entry, the record forgets its folder, so the next look (a scan, or the
    snapshot's one-off scan) walks the folder again and finds what is left. ``paths`` are absolute,
    as ``folder / rel``. Call it holding the record's claim (``record_claim``), so that a scan
    cannot write back a file it listed before the deletion; ``release_claim`` releases it in the
    same statement. True if the record changed."""
    gone = set(paths)
    release = {"busy_until": None} if release_claim else {}
    with transaction.atomic():
        record = IngestionRecord.objects.select_for_update().filter(pk=camera_id).first()
        if record is None or not record.folder or not gone:
            if release and record is not None:
                IngestionRecord.objects.filter(pk=camera_id).update(**release)
            return False
        folder = record.folder
        images = [e for e in record.recent_images if os.path.join(folder, e[0]) not in gone]
        videos = [e for e in record.recent_videos if os.path.join(folder, e[0]) not in gone]
        pending = {rel: v for rel, v in record.pending_files.items() if os.path.join(folder, rel) not in gone}
        if (
            len(images) == len(record.recent_images)
            and len(videos) == len(record.recent_videos)
            and len(pending) == len(record.pending_files)
            and record.newest_image_path not in gone
            and record.newest_video_path not in gone
        ):
            if release:
                IngestionRecord.objects.filter(pk=camera_id).update(**release)
            return False
        fields = {
            "recent_images": images,
            "recent_videos": videos,
            "pending_files": pending,
            "newest_image_path": os.path.join(folder, images[0][0]) if images else "",
            "newest_image_mtime": _ns_to_datetime(images[0][1]) if images else None,
            "newest_video_path": os.path.join(folder, videos[0][0]) if videos else "",
            "newest_video_mtime": _ns_to_datetime(videos[0][1]) if videos else None,
            "newest_video_size": videos[0][2] if videos else None,
        }
        if (record.recent_images and not images) or (record.recent_videos and not videos):
            fields.update(folder="", dir_state={})
        IngestionRecord.objects.filter(pk=camera_id).update(**fields, **release)
    return True


def frames_send_on_commit(camera_id: str, folder: Path, frames: list[Seen]) -> None:
    for seen in frames:
        path = str(folder / seen.rel)
        captured_at = _ns_to_datetime(seen.mtime_ns)
        transaction.on_commit(
            lambda p=path, c=captured_at: frame_arrived.send(
                sender=IngestionRecord, camera_id=camera_id, path=p, captured_at=c
            )
        )


def record_last_seen(*, camera_id: str, seen_at: dt.datetime) -> bool:
    """Move ``last_seen_at`` forward (never back), with a conditional UPDATE: a concurrent API
    PATCH of other fields is never overwritten. True if it moved."""
    return bool(
        Camera.objects.filter(pk=camera_id)
        .filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=seen_at))
        .update(last_seen_at=seen_at)
    )


def _nested_folders(folder: Path, others: dict[str, Path], camera_id: str) -> frozenset[Path]:
    return frozenset(p for cid, p in others.items() if cid != camera_id and p != folder and inside(p, folder))


def _live_folders() -> dict[str, Path]:
    # Every camera's folder, trashed ones included (the cameras folder rule): a trashed camera's
    # images are never ingested as another camera's.
    return {cid: path for cid, (path, _trashed) in camera_folders().items()}


def media_scan_camera(
    *,
    camera_id: str,
    now: dt.datetime | None = None,
    max_entries: int | None = None,
    folders: dict[str, Path] | None = None,
    look_if_busy: bool = False,
) -> CameraScan:
    """Scan one live camera's folder and fold what is new into its ingestion record.

    1. Resolve the folder; a folder outside the media root, missing or unreadable is recorded as
       the record's error (the status check turns it into ``error``) and nothing is read.
    2. Claim the record (single flight). If another scan holds it, skip; with ``look_if_busy``
       (the snapshot's one-off scan of a never-scanned camera) walk anyway without saving.
    3. Walk the changed directories (``max_entries`` bounds a one-off walk), fold the result in.
    4. Save the record, move ``last_seen_at`` forward, and after commit send ``frame_arrived``
       for each new complete image.
    """
    now = now or timezone.now()
    camera = Camera.objects.filter(pk=camera_id).only("id", "folder_path").first()
    result = CameraScan(camera_id=camera_id)
    if camera is None:
        result.skipped = True
        return result
    check = folder_check(camera.folder_path)
    result.folder = str(check.path)
    if not check.usable:
        result.error = "folder_path not under the media root" if check.problem == OUTSIDE_ROOT else check.problem
        IngestionRecord.objects.update_or_create(
            camera_id=camera_id, defaults={"last_error": result.error, "last_error_at": now, "last_scan_at": now}
        )
        return result
    folder = check.path
    folders = folders if folders is not None else _live_folders()
    refused = camera_folder_usable(
        camera_id=camera_id, folder=folder, folders={cid: (path, False) for cid, path in folders.items()}
    )
    if refused is not None:
        result.error = refused
        IngestionRecord.objects.update_or_create(
            camera_id=camera_id, defaults={"last_error": refused, "last_error_at": now, "last_scan_at": now}
        )
        return result
    skip = _nested_folders(folder, folders, camera_id)
    claimed = record_claim(camera_id)
    if not claimed and not look_if_busy:
        result.skipped = True
        return result
    try:
        record = IngestionRecord.objects.get(pk=camera_id)
        first = record.folder != str(folder)
        walk = media_walk(folder, {} if first else record.dir_state, skip=skip, max_entries=max_entries)
        look = media_look(record, walk, folder=folder, now=now, first=first)
        result.recent_images, result.recent_videos = look.recent_images, look.recent_videos
        if not claimed:
            return result
        newest_image = look.recent_images[0] if look.recent_images else None
        newest_video = look.recent_videos[0] if look.recent_videos else None
        with transaction.atomic():
            IngestionRecord.objects.filter(pk=camera_id).update(
                folder=str(folder),
                recent_images=look.recent_images,
                recent_videos=look.recent_videos,
                pending_files=look.pending_files,
                # A walk cut short keeps the old directory state, so the next scan lists them again.
                dir_state=walk.dir_state if walk.complete else ({} if first else record.dir_state),
                newest_image_path=str(folder / newest_image[0]) if newest_image else "",
                newest_image_mtime=_ns_to_datetime(newest_image[1]) if newest_image else None,
                newest_video_path=str(folder / newest_video[0]) if newest_video else "",
                newest_video_mtime=_ns_to_datetime(newest_video[1]) if newest_video else None,
                newest_video_size=newest_video[2] if newest_video else None,
                last_scan_at=now,
                last_error="",
                last_error_at=None,
                busy_until=None,
            )
            if look.newest_seen_ns is not None:
                seen_at = min(_ns_to_datetime(look.newest_seen_ns), now)  # a camera clock ahead is not the future
                result.last_seen_changed = record_last_seen(camera_id=camera_id, seen_at=seen_at)
            frames_send_on_commit(camera_id, folder, look.new_images)
        claimed = False
        result.new_images = len(look.new_images)
        result.new_videos = look.new_videos
        return result
    finally:
        if claimed:
            record_release(camera_id)


def media_scan(*, camera_ids: list[str] | None = None, now: dt.datetime | None = None) -> ScanReport:
    """Scan every live ftp camera (or the given ones), then re-evaluate their status; the camera
    list is invalidated once, at the end, if any ``status`` or ``last_seen_at`` changed."""
    with camera_list_batch():
        return _media_scan(camera_ids=camera_ids, now=now)


def _media_scan(*, camera_ids: list[str] | None, now: dt.datetime | None) -> ScanReport:
    now = now or timezone.now()
    cameras = Camera.objects.filter(ingestion_mode=IngestionMode.FTP).order_by("id")
    if camera_ids is not None:
        cameras = cameras.filter(pk__in=camera_ids)
    folders = _live_folders()
    results = []
    for camera_id in cameras.values_list("id", flat=True):
        try:
            results.append(media_scan_camera(camera_id=camera_id, now=now, folders=folders))
        except Exception:  # one broken folder must not stop the other cameras' ingestion
            logger.exception("media scan failed camera=%s", camera_id)
            results.append(CameraScan(camera_id=camera_id, error="scan failed"))
    scanned = [r.camera_id for r in results]
    status = camera_status_check(camera_ids=scanned, now=now, invalidate=False) if scanned else None
    changes = status.changes if status else {}
    report = ScanReport(cameras=results, status_changes=changes)
    logger.info(
        "media scan cameras=%d new_images=%d new_videos=%d errors=%d status_changes=%d",
        len(results),
        report.new_images,
        report.new_videos,
        report.errors,
        len(changes),
    )
    return report
