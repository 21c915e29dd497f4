"""Camera workflows: create, update, trash, restore, purge."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from cameras import netpolicy
from cameras.cascade import camera_children
from cameras.folders import camera_folder_validate
from cameras.models import (
    RESERVED_CAMERA_IDS,
    Camera,
    CameraAuditRecord,
    IngestionMode,
    folder_basename,
    normalize_camera_id,
)
from cameras.signals import camera_status_changed
from nem.errors import CameraConflict, CameraNotDeleted, CameraNotFound, InvalidInput

logger = logging.getLogger(__name__)

STREAMING_MODES = (IngestionMode.RTSP, IngestionMode.ONVIF)


def camera_get_live(*, camera_id: str) -> Camera:
    """The live camera with this id; ``CameraNotFound`` for an unknown or trashed one."""
    try:
        return Camera.objects.get(pk=camera_id)
    except Camera.DoesNotExist:
        raise CameraNotFound(camera_id) from None


def camera_derive_id(*, folder_path: str, name: str) -> str:
    return normalize_camera_id(folder_basename(folder_path)) or normalize_camera_id(name)


def _conflict_message(field: str, value: str, holder: Camera) -> str:
    message = f"Camera with {field} '{value}' already exists (id: {holder.id})."
    if holder.is_deleted:
        message += (
            f" That camera is in the trash: restore it with POST /api/cameras/{holder.id}/restore,"
            " or choose another value."
        )
    return message


def _raise_on_conflict(*, camera_id: str | None, name: str | None, folder_path: str | None, exclude: str | None):
    """``CameraConflict`` naming the camera (live or trashed) that already holds the id, name or folder_path."""
    checks = [("name", "name", name), ("folder_path", "folder_path", folder_path), ("id", "pk", camera_id)]
    for label, lookup, value in checks:
        if value is None:
            continue
        holder = Camera.all_objects.filter(**{lookup: value}).exclude(pk=exclude).first()
        if holder is not None:
            raise CameraConflict(_conflict_message(label, value, holder))


def _check_stream_rule(camera: Camera) -> None:
    if camera.ingestion_mode in STREAMING_MODES and not camera.rtsp_url:
        raise InvalidInput({"rtsp_url": ["rtsp_url is required when ingestion_mode is 'rtsp' or 'onvif'"]})


def _apply(camera: Camera, data: dict) -> list[str]:
    changed = []
    for field, value in data.items():
        if field == "id":
            continue
        if field == "rtsp_password":
            camera.rtsp_password = value
            changed.append("rtsp_password_encrypted")
            continue
        setattr(camera, field, value)
        changed.append(field)
    return changed


def camera_create(*, data: dict) -> Camera:
    """Create a camera from validated input.

    1. Derive the id (explicit id, else the folder basename, else the name) and refuse reserved ids.
    2. Check id, name and folder_path against every camera, trashed ones included: 409 naming it.
    3. Insert. A concurrent create of the same camera fails on the unique indexes; the loser
       re-runs step 2 and answers 409 too, so two clients never see a 500.
    """
    camera_id = data.get("id") or camera_derive_id(folder_path=data["folder_path"], name=data["name"])
    if not camera_id:
        raise InvalidInput({"id": ["Could not derive an id from folder_path or name; send an explicit id"]})
    if camera_id in RESERVED_CAMERA_IDS:
        raise InvalidInput(
            {"id": [f"'{camera_id}' is a reserved path segment; send an explicit id or rename the folder"]}
        )
    _raise_on_conflict(camera_id=camera_id, name=data["name"], folder_path=data["folder_path"], exclude=None)
    camera_folder_validate(folder_path=data["folder_path"], camera_id=camera_id)
    camera = Camera(id=camera_id)
    _apply(camera, data)
    _check_stream_rule(camera)
    try:
        with transaction.atomic():
            camera.save(force_insert=True)
    except IntegrityError:
        _raise_on_conflict(camera_id=camera_id, name=data["name"], folder_path=data["folder_path"], exclude=None)
        raise
    logger.info("camera created id=%s", camera.id)
    return camera


def camera_status_set(
    *, camera_id: str, previous: str, status: str, at: dt.datetime, detail: str = "", invalidate: bool = True
) -> bool:
    """Move a live camera's ``status`` from ``previous`` to ``status``; False if it no longer
    had ``previous`` (a concurrent writer won) or is trashed.

    The UPDATE is conditional on the old value, and ``camera_status_changed`` is sent inside the
    same transaction, so a receiver's writes commit or roll back with the change. The camera list
    is invalidated by the model's write (``cameras.cache``); ``invalidate`` is accepted for
    existing callers and has no effect (a job batches with ``camera_list_batch``)."""
    if status == previous:
        return False
    with transaction.atomic():
        if not Camera.objects.filter(pk=camera_id, status=previous).update(status=status):
            return False
        camera_status_changed.send(
            sender=Camera, camera_id=camera_id, previous=previous, current=status, at=at, detail=detail
        )
    logger.info("camera status camera=%s %s -> %s (%s)", camera_id, previous, status, detail)
    return True


CREDENTIAL_FIELDS = ("rtsp_username", "rtsp_password")


def _moved_urls(camera: Camera, data: dict) -> list[str]:
    """The device URLs this update points at another scheme, host or port."""
    return [
        field
        for field in ("rtsp_url", "onvif_url")
        if field in data and netpolicy.origin(data[field]) != netpolicy.origin(getattr(camera, field))
    ]


def camera_update(*, camera_id: str, data: dict, actor: str = "unknown") -> Camera:
    """Apply a partial update to a live camera, under a row lock so that a concurrent worker
    update of status/last_seen_at is neither lost nor overwrites this one.

    Credentials belong to the host they were given for: when ``rtsp_url`` or ``onvif_url`` moves to
    another scheme, host or port and the same update brings no credentials, the stored username
    and password are cleared (an audit record says so, and ``camera.credentials_cleared`` lists
    the fields for the response). Otherwise changing only the URL would send the old password to
    whoever runs the new host."""
    _raise_on_conflict(camera_id=None, name=data.get("name"), folder_path=data.get("folder_path"), exclude=camera_id)
    if "folder_path" in data:
        camera_folder_validate(folder_path=data["folder_path"], camera_id=camera_id)
    try:
        with transaction.atomic():
            try:
                camera = Camera.objects.select_for_update().get(pk=camera_id)
            except Camera.DoesNotExist:
                raise CameraNotFound(camera_id) from None
            previous_status = camera.status
            moved = _moved_urls(camera, data)
            cleared: list[str] = []
            if moved and not any(field in data for field in CREDENTIAL_FIELDS):
                cleared = [f for f in CREDENTIAL_FIELDS if getattr(camera, f)]
                data = {**data, "rtsp_username": None, "rtsp_password": None} if cleared else data
            changed = _apply(camera, data)
            _check_stream_rule(camera)
            if cleared:
                CameraAuditRecord.objects.create(
                    camera_id=camera.id,
                    camera_name=camera.name,
                    action=CameraAuditRecord.Action.CREDENTIALS_CLEARED,
                    actor=actor,
                    details={"cleared": cleared, "moved": moved},
                )
                logger.info("camera %s: %s moved, stored credentials cleared", camera.id, ", ".join(moved))
            camera.credentials_cleared = cleared
            if changed:
                camera.save(update_fields=changed)
                if camera.status != previous_status:
                    camera_status_changed.send(
                        sender=Camera, camera_id=camera.id, previous=previous_status, current=camera.status,
                        at=timezone.now(), detail="set through the API",
                    )
    except IntegrityError:
        _raise_on_conflict(
            camera_id=None, name=data.get("name"), folder_path=data.get("folder_path"), exclude=camera_id
        )
        raise
    return camera


@dataclass(frozen=True)
class CascadeResult:
    camera_id: str
    counts: dict[str, int]


@transaction.atomic
def camera_soft_delete(*, camera_id: str, actor: str) -> CascadeResult:
    """Move a live camera and its live children to the trash, as one deletion batch.

    Children already trashed on their own keep their own batch, so a restore of the camera never
    brings them back. Media files stay on disk. Ingestion and comparisons stop because every
    worker job reads live cameras only and re-checks ``deleted_at`` when it starts.
    """
    try:
        camera = Camera.objects.select_for_update().get(pk=camera_id)
    except Camera.DoesNotExist:
        raise CameraNotFound(camera_id) from None
    batch = uuid.uuid4()
    now = timezone.now()
    counts = {
        child.label: child.rows_of(camera.id).soft_delete(by=actor, batch=batch, at=now)
        for child in camera_children()
    }
    Camera.all_objects.filter(pk=camera.id).update(deleted_at=now, deleted_by=actor, deletion_batch=batch)
    CameraAuditRecord.objects.create(
        camera_id=camera.id, camera_name=camera.name, action=CameraAuditRecord.Action.DELETE, actor=actor,
        at=now, details={"batch": str(batch), "children": counts},
    )
    logger.info("camera trashed id=%s by=%s children=%s", camera.id, actor, counts)
    return CascadeResult(camera_id=camera.id, counts=counts)


@transaction.atomic
def camera_restore(*, camera_id: str, actor: str) -> Camera:
    """Bring back a trashed camera and exactly the rows its delete hid (same deletion batch)."""
    try:
        camera = Camera.all_objects.select_for_update().get(pk=camera_id)
    except Camera.DoesNotExist:
        raise CameraNotFound(camera_id) from None
    if not camera.is_deleted:
        raise CameraNotDeleted(f"Camera {camera_id} is not deleted")
    batch = camera.deletion_batch
    counts = {child.label: child.rows_of(camera.id).restore(batch=batch) for child in camera_children()} if batch else {}
    Camera.all_objects.filter(pk=camera.id).update(deleted_at=None, deleted_by="", deletion_batch=None)
    CameraAuditRecord.objects.create(
        camera_id=camera.id, camera_name=camera.name, action=CameraAuditRecord.Action.RESTORE, actor=actor,
        details={"batch": str(batch) if batch else None, "children": counts},
    )
    camera.refresh_from_db()
    logger.info("camera restored id=%s by=%s children=%s", camera.id, actor, counts)
    return camera


@transaction.atomic
def camera_purge(*, camera_id: str, actor: str) -> CascadeResult:
    """Hard-delete a trashed camera and every row that belongs to it. Media files stay."""
    try:
        camera = Camera.all_objects.dead().select_for_update().get(pk=camera_id)
    except Camera.DoesNotExist:
        raise CameraNotFound(camera_id) from None
    counts = {child.label: child.rows_of(camera.id).count() for child in camera_children()}
    Camera.all_objects.filter(pk=camera.id).delete()
    CameraAuditRecord.objects.create(
        camera_id=camera.id, camera_name=camera.name, action=CameraAuditRecord.Action.PURGE, actor=actor,
        details={"children": counts, "deleted_at": camera.deleted_at.isoformat()},
    )
    logger.info("camera purged id=%s by=%s children=%s", camera.id, actor, counts)
    return CascadeResult(camera_id=camera.id, counts=counts)


def camera_purge_trash(*, older_than_days: int, actor: str, dry_run: bool = False) -> list[str]:
    """Purge every camera trashed more than ``older_than_days`` days ago; returns their ids."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    ids = list(
        Camera.all_objects.dead().filter(deleted_at__lt=cutoff).order_by("deleted_at").values_list("pk", flat=True)
    )
    if dry_run:
        return ids
    purged = []
    for camera_id in ids:
        try:
            camera_purge(camera_id=camera_id, actor=actor)
        except CameraNotFound:
            continue  # restored or purged meanwhile
        purged.append(camera_id)
    return purged
