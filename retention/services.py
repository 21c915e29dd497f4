"""Storage retention: prune each camera's files and rows by its policy, keep the free-space floor,
measure what is used. ``prune_storage`` is the one job (command, Celery task, hourly beat entry).

Categories of files, per camera:

- ``frames``: NEM's own grabbed frames in the camera folder (``cameras.media.paths.is_grabbed_frame``);
- ``uploads``: every other media file in the camera folder (what the camera uploaded);
- ``snapshot_cache``: frames extracted from videos (``NEM_SNAPSHOT_CACHE_DIR/<camera>``);
- ``references``: reference images and scene-change frame copies (``NEM_SCENE_REFERENCE_DIR/<camera>``).

Evidence hold: a file that a scene change, a scene reference or an alert points at is never
deleted while that row exists (trashed rows included: a restore brings them back), whatever the
policy and the floor. The camera's newest image and newest video are kept by the age and count
policies (the snapshot of an idle camera keeps working); only the floor may take them.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from baselines.models import Anomaly, Detection, Event
from cameras.media.paths import MISSING, folder_check, inside, is_grabbed_frame, media_kind, media_root
from cameras.media.scanner import ingestion_files_removed, record_claim, record_release
from cameras.media.snapshot import snapshot_cache_dir
from cameras.models import Camera, IngestionRecord
from retention import signals
from retention.models import PruneRun, StoragePolicy, StorageUsage
from retention.policy import Policy, effective_policy, global_policy, rows_floor_days
from retention.walk import FileInfo, Sink, Tally, Target, prune_oldest, unlink_batch, walk
from scenechanges.models import SceneChange, SceneReference

logger = logging.getLogger(__name__)

FRAMES = "frames"
UPLOADS = "uploads"
SNAPSHOT_CACHE = "snapshot_cache"
REFERENCES = "references"
CATEGORIES = (FRAMES, UPLOADS, SNAPSHOT_CACHE, REFERENCES)

_DAY_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")  # grab_frames' folder per UTC day
CLAIM_ATTEMPTS = 50  # a scan or grab holds a record for well under a second
CLAIM_WAIT_SECONDS = 0.1


def _ns(at: dt.datetime) -> int:
    return int(at.timestamp()) * 1_000_000_000 + at.microsecond * 1000


def _iso(ns: int | None) -> str | None:
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


def _alert_model():
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
    alert = _alert_model()
    if alert is not None:
        held.update(
            p for p in alert.all_objects.filter(camera_id=camera_id).values_list("evidence_path", flat=True) if p
        )
    # Rows may name a path through a symlinked media root: hold the resolved form too.
    return frozenset(held | {os.path.realpath(p) for p in held})


def _newest_media(camera_id: str, folder: str) -> frozenset[str]:
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
        return {"files": self.files, "bytes": self.bytes, "oldest": _iso(self.oldest_ns)}


def _classify(rel: str) -> str | None:
    if is_grabbed_frame(rel):
        return FRAMES
    return UPLOADS if media_kind(os.path.basename(rel)) else None


def _camera_folders() -> dict[str, str]:
    return {cid: str(folder_check(fp).path) for cid, fp in Camera.objects.values_list("id", "folder_path")}


def _nested_skip(folder: str, camera_id: str, folders: dict[str, str]) -> frozenset[tuple[int, int]]:
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
        skip = _nested_skip(folder, camera.pk, folders if folders is not None else _camera_folders())

        def measure(info: FileInfo) -> bool:
            category = _classify(info.rel)
            if category:
                usage[category].add(info)
            return False

        walk(folder, decide=measure, skip=skip)
    for category, root in ((SNAPSHOT_CACHE, cache_root(camera.pk)), (REFERENCES, camera_store_dir(camera.pk))):
        walk(str(root), decide=lambda info, u=usage[category]: u.add(info) or False)
    return _usage_save(camera.pk, usage, now)


def _usage_save(camera_id: str, usage: dict[str, Usage], now) -> dict:
    categories = {c: usage[c].as_dict() for c in CATEGORIES}
    StorageUsage.objects.update_or_create(
        camera_id=camera_id, defaults={"categories": categories, "measured_at": now or timezone.now()}
    )
    return categories


# ---------------------------------------------------------------- per-camera policy


@dataclass
class CameraReport:
    camera_id: str
    files: dict[str, Tally] = field(default_factory=lambda: {c: Tally() for c in CATEGORIES})
    rows: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    busy: int = 0  # files left because ingestion held the record the whole time

    @property
    def file_count(self) -> int:
        return sum(t.files for t in self.files.values())

    @property
    def byte_count(self) -> int:
        return sum(t.bytes for t in self.files.values())

    @property
    def row_count(self) -> int:
        return sum(self.rows.values())

    def as_dict(self) -> dict:
        return {
            "files": self.file_count,
            "bytes": self.byte_count,
            "rows": self.row_count,
            "by_category": {c: {"files": t.files, "bytes": t.bytes} for c, t in self.files.items()},
            "rows_by_model": dict(self.rows),
            "busy": self.busy,
            "errors": list(self.errors),
        }


def _policy_of(camera_id: str) -> Policy:
    return effective_policy(StoragePolicy.objects.filter(camera_id=camera_id).first())


def _prune_folder(
    camera: Camera, policy: Policy, report: CameraReport, *, folders, now, dry_run, batch_size
) -> dict[str, Usage] | None:
    """Age, count and bytes policies on the camera folder. Returns the usage of what is left
    when the first walk measured it exactly (no selection pass ran after it), else None."""
    check = folder_check(camera.folder_path)
    if not check.usable:
        if check.problem != MISSING:  # a camera that never delivered anything has no folder yet
            report.errors.append(f"camera folder unusable: {check.problem}")
        return {FRAMES: Usage(), UPLOADS: Usage()}
    folder = str(check.path)
    held = held_paths(camera_id=camera.pk)
    # Relative to the folder, so the per-file check is a set lookup, not a path join.
    prefix = folder + os.sep
    keep = frozenset(p[len(prefix) :] for p in held | _newest_media(camera.pk, folder) if p.startswith(prefix))
    skip = _nested_skip(folder, camera.pk, folders)
    sink = CameraFolderSink(camera_id=camera.pk, folder=folder, dry_run=dry_run, tallies=report.files)
    now_ns = _ns(now)
    frames_cutoff = now_ns - policy.frames_max_age_hours * 3_600_000_000_000 if policy.frames_max_age_hours else None
    uploads_cutoff = (
        now_ns - policy.uploads_max_age_days * 86_400_000_000_000
        if policy.uploads_enabled and policy.uploads_max_age_days
        else None
    )
    kept = {FRAMES: Usage(), UPLOADS: Usage()}

    def first_pass(info: FileInfo) -> bool:
        category = _classify(info.rel)
        if category is None:
            return False
        if info.rel not in keep:
            cutoff = frames_cutoff if category == FRAMES else uploads_cutoff
            if cutoff is not None and info.mtime_ns < cutoff:
                return True
        kept[category].add(info)
        return False

    walk(folder, decide=first_pass, sink=sink, batch_size=batch_size, skip=skip)
    exact = True
    if policy.frames_max_count and kept[FRAMES].files > policy.frames_max_count:
        target = Target(
            root=folder,
            eligible=lambda i: is_grabbed_frame(i.rel) and i.rel not in keep,
            sink=sink,
            skip=skip,
        )
        prune_oldest([target], need=kept[FRAMES].files - policy.frames_max_count, by_bytes=False, batch_size=batch_size)
        exact = False
    if policy.uploads_enabled and policy.uploads_max_bytes and kept[UPLOADS].bytes > policy.uploads_max_bytes:
        target = Target(
            root=folder,
            eligible=lambda i: _classify(i.rel) == UPLOADS and i.rel not in keep,
            sink=sink,
            skip=skip,
        )
        prune_oldest(
            [target], need=kept[UPLOADS].bytes - policy.uploads_max_bytes, by_bytes=True, batch_size=batch_size
        )
        exact = False
    report.errors.extend(sink.errors)
    report.busy += sink.busy
    return kept if exact else None


def _prune_references(camera_id: str, cutoff: dt.datetime, *, dry_run: bool) -> int:
    """Retired references older than the cutoff that no scene change was measured against."""
    retired = SceneReference.all_objects.filter(camera_id=camera_id, retired_at__lt=cutoff).exclude(
        pk__in=SceneChange.all_objects.filter(reference__isnull=False).values("reference_id")
    )
    if dry_run:
        return retired.count()
    with transaction.atomic():
        count, _ = SceneReference.all_objects.filter(pk__in=list(retired.values_list("pk", flat=True))).delete()
    return count


def _prune_store(camera_id: str, cutoff_ns: int, report: CameraReport, *, dry_run: bool, batch_size: int) -> None:
    """Files in the camera's part of the reference store that no row points at any more (retired
    references just deleted, copies left by a purge), once older than the cutoff."""
    root = camera_store_dir(camera_id)
    held = held_paths(camera_id=camera_id)
    sink = CountingSink(dry_run=dry_run, tally=report.files[REFERENCES])
    walk(
        str(root),
        decide=lambda info: info.mtime_ns < cutoff_ns and str(root / info.rel) not in held,
        sink=sink,
        batch_size=batch_size,
    )
    report.errors.extend(sink.errors)


def _delete_rows(queryset, *, dry_run: bool, batch_size: int) -> int:
    """Delete in primary-key batches, one short transaction each: no long lock on a busy table."""
    if dry_run:
        return queryset.count()
    model = queryset.model
    manager = getattr(model, "all_objects", model._default_manager)
    total = 0
    while True:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return total
        with transaction.atomic():
            manager.filter(pk__in=ids).delete()
        total += len(ids)


def _prune_rows(camera_id: str | None, policy: Policy, report: CameraReport, *, now, dry_run, batch_size) -> None:
    if camera_id is not None and policy.rows_max_age_days:
        # Never inside the baseline window plus the margin: the recompute reads those hours.
        cutoff = now - dt.timedelta(days=max(policy.rows_max_age_days, rows_floor_days()))
        for label, qs in (
            ("detections", Detection.all_objects.filter(camera_id=camera_id, detected_at__lt=cutoff)),
            ("events", Event.all_objects.filter(camera_id=camera_id, ended_at__lt=cutoff)),
            ("anomalies", Anomaly.all_objects.filter(camera_id=camera_id, hour_start__lt=cutoff)),
        ):
            report.rows[label] = _delete_rows(qs, dry_run=dry_run, batch_size=batch_size)
    alert = _alert_model()
    if alert is not None and policy.alerts_max_age_days:
        cutoff = now - dt.timedelta(days=policy.alerts_max_age_days)
        delivery = apps.get_model("alerts", "Delivery")
        alerts = (
            alert.all_objects.filter(camera_id=camera_id)
            if camera_id
            else alert.all_objects.filter(camera__isnull=True)
        )
        # Deliveries first: those done with (delivered or dead) of this camera's alerts.
        report.rows["deliveries"] = _delete_rows(
            delivery.objects.filter(alert__in=alerts, created_at__lt=cutoff, state__in=["delivered", "dead"]),
            dry_run=dry_run,
            batch_size=batch_size,
        )
        # Resolved alerts only (an open incident is never forgotten), never a held one.
        report.rows["alerts"] = _delete_rows(
            alerts.filter(state="resolved", resolved_at__lt=cutoff, hold=False).exclude(deliveries__state="pending"),
            dry_run=dry_run,
            batch_size=batch_size,
        )


def prune_camera(
    *, camera: Camera, now: dt.datetime, dry_run: bool = False, folders: dict[str, str] | None = None
) -> CameraReport:
    """Apply the camera's policy to its folder, its snapshot cache, its reference store and its
    rows; store its usage."""
    report = CameraReport(camera_id=camera.pk)
    policy = _policy_of(camera.pk)
    batch_size = int(settings.NEM_RETENTION_BATCH_SIZE)
    folders = folders if folders is not None else _camera_folders()
    kept = _prune_folder(camera, policy, report, folders=folders, now=now, dry_run=dry_run, batch_size=batch_size)
    if policy.cache_max_age_days:
        cutoff = now - dt.timedelta(days=policy.cache_max_age_days)
        sink = CountingSink(dry_run=dry_run, tally=report.files[SNAPSHOT_CACHE])
        cutoff_ns = _ns(cutoff)
        walk(str(cache_root(camera.pk)), decide=lambda i: i.mtime_ns < cutoff_ns, sink=sink, batch_size=batch_size)
        report.errors.extend(sink.errors)
        report.rows["scene_references"] = _prune_references(camera.pk, cutoff, dry_run=dry_run)
        _prune_store(camera.pk, cutoff_ns, report, dry_run=dry_run, batch_size=batch_size)
    _prune_rows(camera.pk, policy, report, now=now, dry_run=dry_run, batch_size=batch_size)
    if dry_run:
        return report
    if kept is not None:
        usage = {FRAMES: kept[FRAMES], UPLOADS: kept[UPLOADS], SNAPSHOT_CACHE: Usage(), REFERENCES: Usage()}
        for category, root in ((SNAPSHOT_CACHE, cache_root(camera.pk)), (REFERENCES, camera_store_dir(camera.pk))):
            walk(str(root), decide=lambda info, u=usage[category]: u.add(info) or False)
        _usage_save(camera.pk, usage, now)
    else:
        storage_measure(camera=camera, folders=folders, now=now)
    return report


# ---------------------------------------------------------------- free-space floor


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
        if category == UPLOADS and not _policy_of(camera.pk).uploads_enabled:
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
                eligible=lambda i, h=held: _classify(i.rel) == category and i.rel not in h,
                sink=CameraFolderSink(camera_id=camera.pk, folder=folder, dry_run=dry_run, tallies=report.files),
                skip=_nested_skip(folder, camera.pk, folders),
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


# ---------------------------------------------------------------- the job


class PruneIncomplete(Exception):
    """A prune_storage run left part of its work undone (a camera failed, a record stayed busy,
    or the free-space floor could not be restored). Raised by the task after the run is recorded."""


@dataclass
class PruneReport:
    run_id: int
    dry_run: bool
    cameras: dict[str, CameraReport]
    floor: FloorState | None
    errors: list[str]

    @property
    def files(self) -> int:
        return sum(r.file_count for r in self.cameras.values())

    @property
    def bytes(self) -> int:
        return sum(r.byte_count for r in self.cameras.values())

    @property
    def rows(self) -> int:
        return sum(r.row_count for r in self.cameras.values())

    @property
    def failures(self) -> list[str]:
        out = list(self.errors)
        for camera_id, report in sorted(self.cameras.items()):
            out += [f"{camera_id or 'system'}: {e}" for e in report.errors]
            if report.busy:
                out.append(f"{camera_id}: {report.busy} file(s) left, ingestion held the camera's record")
        if self.floor is not None and not self.floor.ok:
            out.append(
                f"free space {self.floor.free_bytes} bytes is below the floor of {self.floor.floor_bytes} bytes "
                "after pruning everything allowed"
            )
        return out

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        per_camera = ", ".join(
            f"{cid}: {r.file_count} files/{r.byte_count} B/{r.row_count} rows"
            for cid, r in sorted(self.cameras.items())
            if cid and (r.file_count or r.row_count)
        )
        floor = ""
        if self.floor is not None:
            floor = (
                f"; free {self.floor.free_bytes} of {self.floor.total_bytes} B, floor {self.floor.floor_bytes} B "
                f"{'ok' if self.floor.ok else 'BREACHED'}"
            )
        return (
            f"{verb} {self.files} file(s), {self.bytes} byte(s), {self.rows} row(s) on {len([c for c in self.cameras if c])} "
            f"camera(s){f' ({per_camera})' if per_camera else ''}{floor}"
        )


def prune_storage(
    *, camera_id: str | None = None, dry_run: bool = False, now: dt.datetime | None = None
) -> PruneReport:
    """The retention job.

    1. Per live camera (or the one given): the policy's age, count and bytes limits on its folder,
       its snapshot cache and reference store by age, its rows by age; its usage is stored.
       One camera's failure is recorded and the others continue.
    2. Camera-less rows (system alerts) by the global policy, on whole-system runs.
    3. The free-space floor: if free space is below it, the oldest prunable files go until it is
       met; if it cannot be met, ``storage_floor_breached`` is sent (not on a dry run).
    4. The run is recorded (``PruneRun``) with what it deleted and where the floor stands.
    """
    now = now or timezone.now()
    run = PruneRun.objects.create(started_at=now, dry_run=dry_run, camera_id=camera_id or "")
    cameras = list(Camera.objects.order_by("id") if camera_id is None else Camera.objects.filter(pk=camera_id))
    folders = _camera_folders()
    reports: dict[str, CameraReport] = {}
    errors: list[str] = []
    for camera in cameras:
        try:
            reports[camera.pk] = prune_camera(camera=camera, now=now, dry_run=dry_run, folders=folders)
        except Exception as exc:  # one broken camera must not stop the others' retention
            logger.exception("prune_storage failed camera=%s", camera.pk)
            reports[camera.pk] = CameraReport(camera_id=camera.pk, errors=[f"failed: {type(exc).__name__}"])
    if camera_id is None:
        system = CameraReport(camera_id="")
        _prune_rows(
            None, global_policy(), system, now=now, dry_run=dry_run, batch_size=int(settings.NEM_RETENTION_BATCH_SIZE)
        )
        if system.row_count:
            reports[""] = system
    floor = None
    before = {cid: r.file_count for cid, r in reports.items()}
    try:
        floor = floor_restore(cameras=cameras, reports=reports, folders=folders, dry_run=dry_run)
    except OSError as exc:
        errors.append(f"free space unknown: {exc.strerror or exc}")
    if not dry_run:
        for camera in cameras:  # the floor took more: their stored usage is stale
            if reports[camera.pk].file_count != before.get(camera.pk):
                storage_measure(camera=camera, folders=folders, now=now)
    report = PruneReport(run_id=run.pk, dry_run=dry_run, cameras=reports, floor=floor, errors=errors)
    previous = PruneRun.objects.filter(dry_run=False, finished_at__isnull=False).exclude(pk=run.pk).first()
    PruneRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        files=report.files,
        bytes=report.bytes,
        rows=report.rows,
        details={cid: r.as_dict() for cid, r in reports.items()},
        free_bytes=floor.free_bytes if floor else None,
        total_bytes=floor.total_bytes if floor else None,
        floor_bytes=floor.floor_bytes if floor else None,
        floor_ok=floor.ok if floor else None,
        errors=report.failures[:50],
    )
    if floor is not None and not dry_run:
        if not floor.ok:
            logger.error(
                "storage floor breached: free %d of %d bytes, floor %d bytes, after pruning %d bytes",
                floor.free_bytes,
                floor.total_bytes,
                floor.floor_bytes,
                report.bytes,
            )
            signals.storage_floor_breached.send(
                sender=PruneRun,
                free_bytes=floor.free_bytes,
                total_bytes=floor.total_bytes,
                floor_bytes=floor.floor_bytes,
                freed_bytes=report.bytes,
                at=now,
            )
        elif previous is not None and previous.floor_ok is False:
            signals.storage_floor_restored.send(
                sender=PruneRun,
                free_bytes=floor.free_bytes,
                total_bytes=floor.total_bytes,
                floor_bytes=floor.floor_bytes,
                at=now,
            )
    logger.info("prune_storage %s", report.summary())
    return report


# ---------------------------------------------------------------- reads for the API and the admin


def storage_usage_get(*, camera: Camera, refresh: bool = False) -> dict:
    """The camera's storage document: usage per category (as last measured, or measured now),
    the policy in effect and the filesystem's free space against the floor."""
    row = StorageUsage.objects.filter(camera_id=camera.pk).first()
    if refresh or row is None:
        storage_measure(camera=camera)
        row = StorageUsage.objects.get(camera_id=camera.pk)
    categories = {c: row.categories.get(c, Usage().as_dict()) for c in CATEGORIES}
    try:
        filesystem = floor_state().as_dict()
    except OSError:
        filesystem = None
    return {
        "camera_id": camera.pk,
        "measured_at": row.measured_at,
        "categories": categories,
        "total": {
            "files": sum(c["files"] for c in categories.values()),
            "bytes": sum(c["bytes"] for c in categories.values()),
        },
        "policy": _policy_of(camera.pk).as_dict(),
        "filesystem": filesystem,
    }


def storage_system_summary() -> dict:
    """The whole system for the admin index: every live camera's last measured usage, the
    filesystem against the floor, and the last run."""
    totals = {c: {"files": 0, "bytes": 0} for c in CATEGORIES}
    live = Camera.objects.values("pk")
    rows = StorageUsage.objects.filter(camera_id__in=live)
    for row in rows:
        for category in CATEGORIES:
            entry = row.categories.get(category) or {}
            totals[category]["files"] += entry.get("files", 0)
            totals[category]["bytes"] += entry.get("bytes", 0)
    try:
        filesystem = floor_state()
    except OSError:
        filesystem = None
    return {
        "categories": totals,
        "cameras_measured": rows.count(),
        "filesystem": filesystem,
        "last_run": PruneRun.objects.filter(finished_at__isnull=False).first(),
    }
