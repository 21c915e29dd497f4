"""``prune_storage``: the retention job (command, Celery task, hourly beat entry), and the reads
the API and the admin make of what it stored."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from cameras.models import Camera
from retention import signals
from retention.models import PruneRun, StorageUsage
from retention.policy import global_policy
from retention.services.camera import CameraReport, policy_of, prune_camera, prune_rows
from retention.services.common import CATEGORIES, Usage, camera_folders, storage_measure
from retention.services.floor import FloorState, floor_restore, floor_state

logger = logging.getLogger(__name__)


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
    folders = camera_folders()
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
        prune_rows(
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
        "policy": policy_of(camera.pk).as_dict(),
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
