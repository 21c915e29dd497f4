from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class HealthState(models.TextChoices):
    UNKNOWN = "unknown", "unknown (not evaluated yet)"
    ONLINE = "online"
    OFFLINE = "offline"
    FROZEN = "frozen"
    BLINDED = "blinded"
    SILENT = "silent"
    ERROR = "error"


class CameraHealth(models.Model):
    """One camera's health verdict (``state`` since ``since``, with ``reasons`` and their evidence,
    worst first) and the state the verdict is computed from that no other app keeps: the newest
    media arrival times (for the hysteresis back to online) and the perceptual signature of the
    picture the current run of unchanged frames started with (for ``frozen``). Plain state, not
    history: it follows the camera (kept in the trash, deleted on purge)."""

    camera = models.OneToOneField("cameras.Camera", on_delete=models.CASCADE, primary_key=True, related_name="health")
    state = models.CharField(max_length=8, choices=HealthState.choices, default=HealthState.UNKNOWN)
    since = models.DateTimeField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    # ISO 8601 instants of the newest media arrivals, newest first (bounded).
    media_times = models.JSONField(default=list, blank=True)
    last_frame_at = models.DateTimeField(null=True, blank=True)
    # The run of unchanged frames: its first frame's signature, when it started, how many frames.
    still_hash = models.CharField(max_length=64, blank=True, default="")
    still_signature = models.TextField(blank=True, default="")
    still_since = models.DateTimeField(null=True, blank=True)
    still_frames = models.PositiveIntegerField(default=0)
    # ISO instants of the newest frames whose picture changed, newest first (bounded).
    moves = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "camera health"
        verbose_name_plural = "camera health"
        constraints = [models.CheckConstraint(condition=Q(state__in=HealthState.values), name="health_state_valid")]

    def __str__(self) -> str:
        return f"{self.camera_id}: {self.state}"

    @property
    def summary(self) -> str:
        """The state with its first reason, as one line (the admin list, log lines)."""
        if not self.reasons:
            return self.state
        return f"{self.state}: {self.reasons[0].get('message', '')}"


class HealthTransitionQuerySet(models.QuerySet):
    def for_api(self) -> HealthTransitionQuerySet:
        # Newest first, id as the tie-breaker: the cursor is a keyset over exactly this order.
        return self.order_by("-at", "-id")


class HealthTransition(models.Model):
    """One change of a camera's health verdict: from ``previous`` to ``state`` at ``at``, with the
    reasons (and their evidence) that made it. Written in the transaction that sends
    ``health_changed``; never updated."""

    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="health_transitions")
    at = models.DateTimeField(default=timezone.now)
    previous = models.CharField(max_length=8, choices=HealthState.choices)
    state = models.CharField(max_length=8, choices=HealthState.choices)
    reasons = models.JSONField(default=list, blank=True)

    objects = HealthTransitionQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["camera", "-at", "-id"], name="health_transition_camera_at")]

    def __str__(self) -> str:
        return f"{self.camera_id}: {self.previous} -> {self.state} at {self.at:%Y-%m-%d %H:%M:%S}"


class HealthOverride(models.Model):
    """Per-camera overrides of the health thresholds; an empty field uses the setting. An ftp
    camera that uploads on motion only needs a long offline grace; a view that is legitimately
    motionless (a test chart, an empty store room) can turn ``frozen`` off with 0 minutes."""

    camera = models.OneToOneField(
        "cameras.Camera", on_delete=models.CASCADE, primary_key=True, related_name="health_override"
    )
    offline_grace_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds without new media before offline (NEM_HEALTH_OFFLINE_GRACE_SECONDS)."
    )
    online_after_frames = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Consecutive new frames before an offline camera is online again (1-16)."
    )
    frozen_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Minutes of an unchanged picture before frozen; 0 turns frozen off."
    )
    silent_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Consecutive absence anomalies (hours) before silent; 0 turns silent off."
    )

    class Meta:
        verbose_name = "health override"
        constraints = [
            models.CheckConstraint(
                condition=Q(offline_grace_seconds__isnull=True) | Q(offline_grace_seconds__gte=1),
                name="health_override_grace_positive",
            ),
            models.CheckConstraint(
                condition=Q(online_after_frames__isnull=True)
                | (Q(online_after_frames__gte=1) & Q(online_after_frames__lte=16)),
                name="health_override_frames_range",
            ),
        ]

    def __str__(self) -> str:
        return f"health overrides of {self.camera_id}"
