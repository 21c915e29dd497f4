from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cameras.cache import camera_list_changed
from nem.crypto import decrypt_secret, encrypt_secret
from nem.softdelete import SoftDeleteModel, SoftDeleteQuerySet

# Ids that are literal route segments under /api/cameras/ (or were in the earlier system), so a
# camera with that id could never be addressed.
RESERVED_CAMERA_IDS = frozenset({"deleted", "validation", "onvif", "rtsp", "preview"})


def normalize_camera_id(value: str | None) -> str:
    """Strip, lower-case, runs of whitespace/hyphens -> ``_``, drop other non-word characters
    (Unicode-aware), collapse and trim ``_``. ``"Front Door"`` -> ``front_door``."""
    if not value:
        return ""
    s = value.strip().lower()
    s = re.sub(r"[\s\-]+", "_", s)
    s = re.sub(r"[^\w]", "", s)
    s = re.sub(r"_+", "_", s)
    return s.strip("_")


def folder_basename(folder_path: str) -> str:
    return folder_path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def default_timezone() -> str:
    return settings.TIME_ZONE


class CameraStatus(models.TextChoices):
    ONLINE = "online"
    OFFLINE = "offline"
    ERROR = "error"
    UNKNOWN = "unknown"


class IngestionMode(models.TextChoices):
    FTP = "ftp", "FTP"
    RTSP = "rtsp", "RTSP"
    ONVIF = "onvif", "ONVIF"


class StreamProfile(models.TextChoices):
    MAIN = "main"
    SUB = "sub"
    BOTH = "both"


class CameraQuerySet(SoftDeleteQuerySet):
    """Every bulk write of cameras invalidates the camera list (``cameras.cache``), so no write
    path (a service, the admin, a job, a shell) can serve a stale list by forgetting to."""

    def update(self, **kwargs) -> int:
        rows = super().update(**kwargs)
        if rows:
            camera_list_changed()
        return rows

    update.alters_data = True

    def delete(self):
        result = super().delete()
        camera_list_changed()
        return result

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, *args, **kwargs):
        created = super().bulk_create(*args, **kwargs)
        camera_list_changed()
        return created

    bulk_create.alters_data = True

    def bulk_update(self, *args, **kwargs):
        rows = super().bulk_update(*args, **kwargs)
        camera_list_changed()
        return rows

    bulk_update.alters_data = True

    def for_api(self) -> CameraQuerySet:
        # created_at, id: a stable total order for limit/offset and cursor pages.
        return self.order_by("created_at", "id")

    def streaming(self) -> CameraQuerySet:
        return self.filter(ingestion_mode__in=[IngestionMode.RTSP, IngestionMode.ONVIF])


class LiveCameraManager(models.Manager.from_queryset(CameraQuerySet)):
    def get_queryset(self) -> CameraQuerySet:
        return super().get_queryset().alive()


class Camera(SoftDeleteModel):
    """A camera: where its uploads land (``folder_path``), how media reaches us (``ingestion_mode``:
    an ftp upload folder, or frames pulled from an rtsp/onvif stream), and its health (``status``,
    ``last_seen_at``). The id is the normalised folder basename and never changes. ``name``,
    ``folder_path`` and ``id`` are unique over live *and* trashed cameras, so a trashed camera can
    always be restored. The RTSP password is encrypted at rest and never leaves the model."""

    id = models.CharField(primary_key=True, max_length=255)
    name = models.CharField(max_length=255, unique=True)
    folder_path = models.CharField(max_length=500, unique=True)
    status = models.CharField(max_length=16, choices=CameraStatus.choices, default=CameraStatus.ONLINE)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    ingestion_mode = models.CharField(max_length=8, choices=IngestionMode.choices, default=IngestionMode.FTP)
    rtsp_url = models.CharField(max_length=1000, null=True, blank=True)
    rtsp_username = models.CharField(max_length=255, null=True, blank=True)
    rtsp_password_encrypted = models.TextField(null=True, blank=True, editable=False)
    stream_profile = models.CharField(max_length=8, choices=StreamProfile.choices, null=True, blank=True)
    motion_sensitivity = models.FloatField(default=0.5)
    onvif_url = models.CharField(max_length=1000, null=True, blank=True)
    timezone = models.CharField(max_length=64, default=default_timezone)

    objects = LiveCameraManager()
    all_objects = models.Manager.from_queryset(CameraQuerySet)()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(motion_sensitivity__gte=0.0) & Q(motion_sensitivity__lte=1.0),
                name="camera_motion_sensitivity_range",
            ),
            models.CheckConstraint(condition=Q(status__in=CameraStatus.values), name="camera_status_valid"),
            models.CheckConstraint(
                condition=Q(ingestion_mode__in=IngestionMode.values), name="camera_ingestion_mode_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        camera_list_changed()  # the row-by-row writes; CameraQuerySet covers the bulk ones

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        camera_list_changed()
        return result

    @property
    def rtsp_password(self) -> str | None:
        return decrypt_secret(self.rtsp_password_encrypted) if self.rtsp_password_encrypted else None

    @rtsp_password.setter
    def rtsp_password(self, value: str | None) -> None:
        self.rtsp_password_encrypted = encrypt_secret(value) if value else None

    @property
    def has_rtsp_password(self) -> bool:
        return bool(self.rtsp_password_encrypted)


class TrashedCamera(Camera):
    """The trash, as the admin shows it: cameras that a delete moved out of sight."""

    objects = models.Manager.from_queryset(CameraQuerySet)()

    class Meta:
        proxy = True
        verbose_name = "trashed camera"
        verbose_name_plural = "trash"
        permissions = [("purge_trashedcamera", "Can purge trashed cameras permanently")]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class CameraAuditRecord(models.Model):
    """Who trashed, restored or purged which camera, when, and how many child rows went with it.
    ``camera_id`` is a plain string, not a foreign key, so the record outlives a purge."""

    class Action(models.TextChoices):
        DELETE = "delete"
        RESTORE = "restore"
        PURGE = "purge"
        # A PATCH moved rtsp_url/onvif_url to another scheme, host or port without new credentials.
        CREDENTIALS_CLEARED = "creds_cleared", "credentials cleared"

    camera_id = models.CharField(max_length=255, db_index=True)
    camera_name = models.CharField(max_length=255)
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.camera_id} by {self.actor}"


class IngestionRecord(models.Model):
    """What ingestion last learned about one camera's media, so that no request walks a folder.

    The scanner (ftp) and the frame grabber (rtsp/onvif) keep it: the few newest complete images
    and videos (paths relative to ``folder``, the camera folder as resolved at that look), files
    seen once and not yet known to be complete (``pending_files``: size and mtime at the last look),
    and each directory's mtime with its subdirectories (``dir_state``), so the next scan lists only
    the directories that changed. The snapshot endpoint reads this row and re-checks the file on
    disk. It is plain state, not history: it follows the camera (deleted on purge, kept in the trash)."""

    camera = models.OneToOneField(
        Camera, on_delete=models.CASCADE, primary_key=True, related_name="ingestion_record"
    )
    folder = models.CharField(max_length=1000, blank=True, default="")
    newest_image_path = models.CharField(max_length=1000, blank=True, default="")
    newest_image_mtime = models.DateTimeField(null=True, blank=True)
    newest_video_path = models.CharField(max_length=1000, blank=True, default="")
    newest_video_mtime = models.DateTimeField(null=True, blank=True)
    newest_video_size = models.BigIntegerField(null=True, blank=True)
    # [[relative path, mtime_ns, size], ...], newest first, a handful each: the snapshot falls back
    # to the next one when the newest was removed or (video) cannot be decoded.
    recent_images = models.JSONField(default=list, blank=True)
    recent_videos = models.JSONField(default=list, blank=True)
    # {relative path: [size, mtime_ns]} of files that may still be being written.
    pending_files = models.JSONField(default=dict, blank=True)
    # {relative dir ("" is the folder): [mtime_ns, [subdirectory names]]}
    dir_state = models.JSONField(default=dict, blank=True)
    last_scan_at = models.DateTimeField(null=True, blank=True)
    last_grab_ok_at = models.DateTimeField(null=True, blank=True)
    # The last ingestion failure (folder or stream), never containing a credential.
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    # Single flight: a scan or grab claims the row until then (a crashed worker's claim expires).
    busy_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "ingestion record"

    def __str__(self) -> str:
        return f"ingestion of {self.camera_id}"
