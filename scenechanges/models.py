from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from nem.softdelete import SoftDeleteModel, SoftDeleteQuerySet


class LightingMode(models.TextChoices):
    DAY = "day", "day (colour)"
    NIGHT = "night", "night (infrared greyscale)"


class ChangeType(models.TextChoices):
    VIEW_BLOCKED = "view_blocked"
    ANGLE_CHANGED = "angle_changed"
    VIEW_TAMPERED = "view_tampered"
    UNKNOWN = "unknown"


class ChangeSource(models.TextChoices):
    DETECTOR = "detector", "our detector"
    CAMERA = "camera", "the camera's own event"
    BOTH = "both", "both"


class SceneReference(SoftDeleteModel):
    """The picture a camera's frames are compared with, one per lighting mode (a colour day view
    and an infrared night view look nothing alike). Its image is a copy in the reference store
    (``NEM_SCENE_REFERENCE_DIR``), so it survives restarts and FTP clean-ups. A reference is never
    deleted while the camera exists: when it is replaced (an acknowledged change, a PTZ move) it
    is retired, and the scene changes that were measured against it keep pointing at it."""

    class Reason(models.TextChoices):
        FIRST_FRAME = "first_frame"
        ACKNOWLEDGED = "acknowledged"
        VIEW_MOVED = "view_moved"

    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="scene_references")
    mode = models.CharField(max_length=8, choices=LightingMode.choices)
    image = models.CharField(max_length=500, help_text="Path inside the reference store.")
    source_path = models.CharField(max_length=1000, help_text="The camera frame it was copied from.")
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.FIRST_FRAME)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    # A PTZ camera has one reference per preset (and "" for a fixed camera or a free view).
    preset_token = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["camera", "mode", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "mode", "preset_token"],
                condition=Q(retired_at__isnull=True, deleted_at__isnull=True),
                name="scene_reference_one_current_per_mode",
            ),
            models.CheckConstraint(condition=Q(mode__in=LightingMode.values), name="scene_reference_mode_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.mode} reference #{self.pk}"

    @property
    def is_current(self) -> bool:
        return self.retired_at is None


class SceneChangeQuerySet(SoftDeleteQuerySet):
    def for_api(self) -> SceneChangeQuerySet:
        # Newest first, id as the tie-breaker: the cursor is a keyset over exactly this order.
        return self.order_by("-detected_at", "-id")


class LiveSceneChangeManager(models.Manager.from_queryset(SceneChangeQuerySet)):
    def get_queryset(self) -> SceneChangeQuerySet:
        return super().get_queryset().alive()


class SceneChange(SoftDeleteModel):
    """A confirmed change of a camera's view (tampering, re-aiming), recorded once per episode:
    the frame that confirmed it (``file_path``, plus a copy in the reference store), the reference
    it was measured against and the detector's signals. Acknowledging it closes the alert and, by
    default, makes the current view the new reference."""

    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="scene_changes")
    detected_at = models.DateTimeField(default=timezone.now)
    change_type = models.CharField(max_length=16, choices=ChangeType.choices, default=ChangeType.UNKNOWN)
    similarity_score = models.FloatField(help_text="SSIM of the normalised frame and reference, 0..1.")
    acknowledged = models.BooleanField(default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=150, blank=True, default="")
    # Nullable as in the contract's SceneChange (the earlier system stored NULL when it had no frame path).
    file_path = models.CharField(max_length=1000, null=True, blank=True)  # noqa: DJ001
    frame_copy = models.CharField(max_length=500, blank=True, default="", help_text="Path inside the reference store.")
    mode = models.CharField(max_length=8, choices=LightingMode.choices, default=LightingMode.DAY)
    reference = models.ForeignKey(
        SceneReference, on_delete=models.SET_NULL, null=True, blank=True, related_name="scene_changes"
    )
    signals = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=8, choices=ChangeSource.choices, default=ChangeSource.DETECTOR)
    preset_token = models.CharField(max_length=64, blank=True, default="")
    hold = models.BooleanField(default=False, help_text="Keep this change's evidence files indefinitely.")

    objects = LiveSceneChangeManager()
    all_objects = models.Manager.from_queryset(SceneChangeQuerySet)()

    class Meta:
        ordering = ["-detected_at", "-id"]
        indexes = [
            models.Index(fields=["camera", "-detected_at", "-id"], name="scenechange_camera_time"),
            models.Index(fields=["camera"], condition=Q(acknowledged=False), name="scenechange_camera_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(similarity_score__gte=0.0) & Q(similarity_score__lte=1.0),
                name="scenechange_similarity_range",
            ),
            models.CheckConstraint(condition=Q(change_type__in=ChangeType.values), name="scenechange_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.change_type} on {self.camera_id} at {self.detected_at:%Y-%m-%d %H:%M:%S}"


class SceneMonitor(SoftDeleteModel):
    """Per-camera state of the comparison, persisted so that any worker (or a restarted one)
    continues where the last left off: the candidate change waiting for confirmation, the open
    episode, the pause after a PTZ move, and the last frame compared (so ``detect_scene_changes``
    never compares a frame twice)."""

    camera = models.OneToOneField("cameras.Camera", on_delete=models.CASCADE, related_name="scene_monitor")
    last_mode = models.CharField(max_length=8, choices=LightingMode.choices, default=LightingMode.DAY)
    pending_count = models.PositiveIntegerField(default=0)
    pending_type = models.CharField(max_length=16, blank=True, default="")
    pending_since = models.DateTimeField(null=True, blank=True)
    episode = models.ForeignKey(
        SceneChange,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The change whose view later frames are checked against, until the view is back.",
    )
    paused_until = models.DateTimeField(null=True, blank=True)
    rereference_after_pause = models.BooleanField(default=False)
    # PTZ: the preset whose reference frames are compared with ("" = a fixed camera or a
    # free view), the preset a goto is heading for until the device reports it arrived, and the
    # free-view search after a continuous move: the first frame of the current still run.
    preset_token = models.CharField(max_length=64, blank=True, default="")
    awaiting_preset = models.CharField(max_length=64, blank=True, default="")
    seeking = models.BooleanField(default=False, help_text="The view moved freely: compare against nothing yet.")
    seeking_frame = models.CharField(max_length=1000, blank=True, default="")
    seeking_since = models.FloatField(null=True, blank=True, help_text="Capture time of seeking_frame (epoch).")
    last_frame_path = models.CharField(max_length=1000, blank=True, default="")
    last_frame_mtime = models.FloatField(null=True, blank=True)
    last_result = models.CharField(max_length=32, blank=True, default="")
    last_compared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "scene monitor"

    def __str__(self) -> str:
        return f"scene monitor of {self.camera_id}"
