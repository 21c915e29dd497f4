"""One camera's retention: its policy on its folder (age, count, bytes), its snapshot cache and
reference store by age, its rows by age; then its usage is stored."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import transaction

from baselines.models import Anomaly, Detection, Event
from cameras.media.paths import MISSING, folder_check, is_grabbed_frame
from cameras.models import Camera
from retention.models import StoragePolicy
from retention.policy import Policy, effective_policy, rows_floor_days
from retention.services.common import (
    CATEGORIES,
    FRAMES,
    REFERENCES,
    SNAPSHOT_CACHE,
    UPLOADS,
    CameraFolderSink,
    CountingSink,
    Usage,
    alert_model,
    cache_root,
    camera_folders,
    camera_store_dir,
    classify,
    held_paths,
    nested_skip,
    newest_media,
    ns_of,
    storage_measure,
    usage_save,
)
from retention.walk import FileInfo, Tally, Target, prune_oldest, walk
from scenechanges.models import SceneChange, SceneReference


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


def policy_of(camera_id: str) -> Policy:
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
    keep = frozenset(p[len(prefix) :] for p in held | newest_media(camera.pk, folder) if p.startswith(prefix))
    skip = nested_skip(folder, camera.pk, folders)
    sink = CameraFolderSink(camera_id=camera.pk, folder=folder, dry_run=dry_run, tallies=report.files)
    now_ns = ns_of(now)
    frames_cutoff = now_ns - policy.frames_max_age_hours * 3_600_000_000_000 if policy.frames_max_age_hours else None
    uploads_cutoff = (
        now_ns - policy.uploads_max_age_days * 86_400_000_000_000
        if policy.uploads_enabled and policy.uploads_max_age_days
        else None
    )
    kept = {FRAMES: Usage(), UPLOADS: Usage()}

    def first_pass(info: FileInfo) -> bool:
        category = classify(info.rel)
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
            eligible=lambda i: classify(i.rel) == UPLOADS and i.rel not in keep,
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


def prune_rows(camera_id: str | None, policy: Policy, report: CameraReport, *, now, dry_run, batch_size) -> None:
    if camera_id is not None and policy.rows_max_age_days:
        # Never inside the baseline window plus the margin: the recompute reads those hours.
        cutoff = now - dt.timedelta(days=max(policy.rows_max_age_days, rows_floor_days()))
        for label, qs in (
            ("detections", Detection.all_objects.filter(camera_id=camera_id, detected_at__lt=cutoff)),
            ("events", Event.all_objects.filter(camera_id=camera_id, ended_at__lt=cutoff)),
            ("anomalies", Anomaly.all_objects.filter(camera_id=camera_id, hour_start__lt=cutoff)),
        ):
            report.rows[label] = _delete_rows(qs, dry_run=dry_run, batch_size=batch_size)
    alert = alert_model()
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
    policy = policy_of(camera.pk)
    batch_size = int(settings.NEM_RETENTION_BATCH_SIZE)
    folders = folders if folders is not None else camera_folders()
    kept = _prune_folder(camera, policy, report, folders=folders, now=now, dry_run=dry_run, batch_size=batch_size)
    if policy.cache_max_age_days:
        cutoff = now - dt.timedelta(days=policy.cache_max_age_days)
        sink = CountingSink(dry_run=dry_run, tally=report.files[SNAPSHOT_CACHE])
        cutoff_ns = ns_of(cutoff)
        walk(str(cache_root(camera.pk)), decide=lambda i: i.mtime_ns < cutoff_ns, sink=sink, batch_size=batch_size)
        report.errors.extend(sink.errors)
        report.rows["scene_references"] = _prune_references(camera.pk, cutoff, dry_run=dry_run)
        _prune_store(camera.pk, cutoff_ns, report, dry_run=dry_run, batch_size=batch_size)
    prune_rows(camera.pk, policy, report, now=now, dry_run=dry_run, batch_size=batch_size)
    if dry_run:
        return report
    if kept is not None:
        usage = {FRAMES: kept[FRAMES], UPLOADS: kept[UPLOADS], SNAPSHOT_CACHE: Usage(), REFERENCES: Usage()}
        for category, root in ((SNAPSHOT_CACHE, cache_root(camera.pk)), (REFERENCES, camera_store_dir(camera.pk))):
            walk(str(root), decide=lambda info, u=usage[category]: u.add(info) or False)
        usage_save(camera.pk, usage, now)
    else:
        storage_measure(camera=camera, folders=folders, now=now)
    return report
