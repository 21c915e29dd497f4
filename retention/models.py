from __future__ import annotations

from django.db import models
from django.utils import timezone

from nem.softdelete import SoftDeleteModel


class StoragePolicy(SoftDeleteModel):
    """One camera's overrides of the global retention settings (``NEM_RETENTION_*``). A null field
    means "use the global value"; a limit of 0 means "no limit of this kind". Created the first
    time the camera's policy is edited; a camera without a row follows the settings."""

    camera = models.OneToOneField("cameras.Camera", on_delete=models.CASCADE, related_name="storage_policy")
    frames_max_age_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="NEM's own grabbed frames older than this are deleted (0: no age limit)."
    )
    frames_max_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="At most this many grabbed frames are kept, the newest (0: no limit)."
    )
    uploads_enabled = models.BooleanField(
        null=True, blank=True, help_text="Whether uploaded media in the camera folder is pruned at all."
    )
    uploads_max_age_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Uploads older than this are deleted when enabled (0: no age limit)."
    )
    uploads_max_bytes = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Uploads beyond this many bytes are deleted, oldest first (0: no limit)."
    )
    cache_max_age_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Snapshot cache files and retired references older than this (0: kept)."
    )
    rows_max_age_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Detections, events and anomalies older than this (never inside the baseline window "
        "plus NEM_RETENTION_ROWS_MARGIN_DAYS; 0: kept).",
    )
    alerts_max_age_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Alerts (unless held) and deliveries older than this (0: kept)."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "storage policy"
        verbose_name_plural = "storage policies"

    def __str__(self) -> str:
        return f"storage policy of {self.camera_id}"


class StorageUsage(models.Model):
    """What one camera's files used when ``prune_storage`` (or a refresh of the storage endpoint)
    last walked them: per category the number of files, their bytes and the oldest file's time.
    Plain state, not history: it follows the camera and is rewritten by every walk."""

    camera = models.OneToOneField("cameras.Camera", on_delete=models.CASCADE, primary_key=True, related_name="+")
    measured_at = models.DateTimeField(default=timezone.now)
    # Per category (frames, uploads, snapshot_cache, references): files, bytes and the oldest
    # file's time as ISO 8601 (null when there is none).
    categories = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "storage usage"

    def __str__(self) -> str:
        return f"storage usage of {self.camera_id}"


class PruneRun(models.Model):
    """One run of ``prune_storage``: what it deleted (or would have, when dry), per camera, and
    where the free-space floor stood at the end. The newest run's ``floor_ok`` is the storage
    health the admin index shows."""

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    camera_id = models.CharField(max_length=255, blank=True, default="", help_text="Empty: every live camera.")
    files = models.PositiveBigIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveBigIntegerField(default=0)
    # Per camera id: files, bytes, rows, the split by category and model, errors; the key ""
    # holds the camera-less rows (system alerts).
    details = models.JSONField(default=dict, blank=True)
    free_bytes = models.BigIntegerField(null=True, blank=True)
    total_bytes = models.BigIntegerField(null=True, blank=True)
    floor_bytes = models.BigIntegerField(null=True, blank=True)
    floor_ok = models.BooleanField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "prune run"

    def __str__(self) -> str:
        return f"prune run {self.started_at:%Y-%m-%d %H:%M:%S}{' (dry)' if self.dry_run else ''}"
