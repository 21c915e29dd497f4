from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from nem.softdelete import SoftDeleteModel


class Detection(SoftDeleteModel):
    """One object an external detector saw in one of a camera's frames: the raw input of the
    activity baselines. Trashed with its camera (deletion batch) and purged with it."""

    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="detections")
    detected_at = models.DateTimeField()
    object_type = models.CharField(max_length=64)
    confidence = models.FloatField()
    bbox_x = models.FloatField(null=True, blank=True)
    bbox_y = models.FloatField(null=True, blank=True)
    bbox_width = models.FloatField(null=True, blank=True)
    bbox_height = models.FloatField(null=True, blank=True)
    file_path = models.CharField(max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["detected_at", "id"]
        indexes = [
            models.Index(fields=["camera", "detected_at"], name="detection_camera_time"),
            # GET /api/detections without a camera filter pages by (detected_at, id).
            models.Index(fields=["detected_at", "id"], name="detection_time_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0.0) & models.Q(confidence__lte=1.0),
                name="detection_confidence_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type} on {self.camera_id} at {self.detected_at:%Y-%m-%d %H:%M:%S}"


class Event(SoftDeleteModel):
    """Detections of one camera less than 90 s apart, as one episode of activity."""

    # No index of its own: the (camera, ...) index or unique constraint below covers it.
    camera = models.ForeignKey(
        "cameras.Camera", on_delete=models.CASCADE, related_name="events", db_index=False
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    detection_count = models.PositiveIntegerField(default=0)
    object_types = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["camera", "started_at"], name="event_camera_time")]

    def __str__(self) -> str:
        return f"event on {self.camera_id} at {self.started_at:%Y-%m-%d %H:%M:%S}"


class DetectionBatch(models.Model):
    """An ``Idempotency-Key`` a client sent with ``POST /api/detections``, and what that request
    stored. A retry with the same key and the same payload answers the first response again
    instead of storing the detections twice; the same key with another payload is a 409. Rows
    older than ``NEM_DETECTION_IDEMPOTENCY_HOURS`` are pruned by the hourly recompute job. Not a
    camera child: one batch may span several cameras, and it holds no detection data."""

    key = models.CharField(max_length=255, unique=True)
    payload_sha256 = models.CharField(max_length=64)
    created_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"detection batch {self.key} ({self.created_count})"


class DirtyHour(models.Model):
    """A UTC hour of one camera whose detections changed since the last recompute: the worklist
    of the incremental rollup on PostgreSQL.

    Written by triggers on the detections table (migration 0004): every insert, update (a trash,
    a restore, an edited time) and delete marks the hours it touched, whoever wrote the rows (the
    API, COPY, the admin, SQL by hand). The recompute deletes the rows of its cameras and
    re-aggregates only those hours (and hours it has never rolled up). Bookkeeping, not data:
    no foreign key, so a purge is never blocked by a mark its own deletes left behind (the
    recompute drops marks of cameras that no longer exist)."""

    camera_id = models.CharField(max_length=255)
    hour_start = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["camera_id", "hour_start"], name="dirty_hour_unique")]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.hour_start:%Y-%m-%d %H:00}Z"


class HourlyCount(SoftDeleteModel):
    """Detections of one camera in one local hour (all classes), zero hours included: the
    observations the activity slots are computed from. ``hour_start`` is the instant the local
    hour began; ``day_of_week`` (0 = Monday) and ``hour`` are that hour on the camera's clock.
    Derived data, rebuilt from detections by every recompute."""

    # No index of its own: the (camera, ...) index or unique constraint below covers it.
    camera = models.ForeignKey(
        "cameras.Camera", on_delete=models.CASCADE, related_name="hourly_counts", db_index=False
    )
    hour_start = models.DateTimeField()
    day_of_week = models.PositiveSmallIntegerField()
    hour = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["camera", "hour_start"]
        constraints = [
            models.UniqueConstraint(fields=["camera", "hour_start"], name="hourly_count_unique_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.hour_start:%Y-%m-%d %H:%M}Z: {self.count}"


class HourlyClassCount(SoftDeleteModel):
    """Detections of one class on one camera in one local hour. Only hours with at least one
    detection of the class have a row; a class's zero hours are the camera's ``HourlyCount``
    hours without a row here (keeps the table ~classes times smaller). Derived data."""

    # No index of its own: the (camera, ...) index or unique constraint below covers it.
    camera = models.ForeignKey(
        "cameras.Camera", on_delete=models.CASCADE, related_name="hourly_class_counts", db_index=False
    )
    hour_start = models.DateTimeField()
    object_type = models.CharField(max_length=64)
    day_of_week = models.PositiveSmallIntegerField()
    hour = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["camera", "hour_start", "object_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "hour_start", "object_type"], name="hourly_class_count_unique_hour"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.object_type} {self.hour_start:%Y-%m-%d %H:%M}Z: {self.count}"


class ActivitySlot(SoftDeleteModel):
    """The learnt activity of one camera in one (day_of_week, hour) slot of its local week:
    exponentially weighted mean and standard deviation of detections per hour over the window,
    and how many hours were observed. Rebuilt by every recompute (all 168 slots)."""

    # No index of its own: the (camera, ...) index or unique constraint below covers it.
    camera = models.ForeignKey(
        "cameras.Camera", on_delete=models.CASCADE, related_name="activity_slots", db_index=False
    )
    day_of_week = models.PositiveSmallIntegerField()
    hour = models.PositiveSmallIntegerField()
    avg_count = models.FloatField(default=0.0)
    std_dev = models.FloatField(default=0.0)
    sample_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["camera", "day_of_week", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["camera", "day_of_week", "hour"], name="activity_slot_unique"),
            models.CheckConstraint(condition=models.Q(day_of_week__lte=6), name="activity_slot_day_range"),
            models.CheckConstraint(condition=models.Q(hour__lte=23), name="activity_slot_hour_range"),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} day {self.day_of_week} {self.hour:02d}h: {self.avg_count:.2f}"


class ClassSlot(SoftDeleteModel):
    """The learnt frequency of one object class on one camera at one local hour of the day (any
    weekday): weighted mean detections of that class per hour (``frequency``), its weighted std,
    the hours observed and the detections counted. Rebuilt by every recompute."""

    # No index of its own: the (camera, ...) index or unique constraint below covers it.
    camera = models.ForeignKey(
        "cameras.Camera", on_delete=models.CASCADE, related_name="class_slots", db_index=False
    )
    object_type = models.CharField(max_length=64)
    hour = models.PositiveSmallIntegerField()
    frequency = models.FloatField(default=0.0)
    std_dev = models.FloatField(default=0.0)
    hours_observed = models.PositiveIntegerField(default=0)
    sample_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["camera", "object_type", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["camera", "object_type", "hour"], name="class_slot_unique"),
            models.CheckConstraint(condition=models.Q(hour__lte=23), name="class_slot_hour_range"),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.object_type} {self.hour:02d}h: {self.frequency:.2f}"


class BaselineState(SoftDeleteModel):
    """A camera's baseline settings and bookkeeping, persisted (one row per camera).

    Config: ``threshold_stdev`` / ``min_samples`` apply only while ``override_global_config`` is
    on; otherwise the global settings do. Bookkeeping: ``learning_since`` (set by a reset, so the
    baseline relearns from then on), ``established_at`` (the first recompute that found learning
    complete; it does not drift), the last runs, and the single-flight claims of the two jobs
    (a claim older than the jobs' hard time limit is stale and may be taken over)."""

    camera = models.OneToOneField("cameras.Camera", on_delete=models.CASCADE, related_name="baseline_state")
    override_global_config = models.BooleanField(default=False)
    threshold_stdev = models.FloatField(null=True, blank=True)
    min_samples = models.PositiveIntegerField(null=True, blank=True)
    learning_since = models.DateTimeField(null=True, blank=True)
    established_at = models.DateTimeField(null=True, blank=True)
    learning_complete = models.BooleanField(default=False)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    last_recompute_at = models.DateTimeField(null=True, blank=True)
    last_scan_at = models.DateTimeField(null=True, blank=True)
    recompute_claimed_at = models.DateTimeField(null=True, blank=True)
    scan_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["camera"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold_stdev__isnull=True) | models.Q(threshold_stdev__gte=0.5),
                name="baseline_state_threshold_min",
            ),
            models.CheckConstraint(
                condition=models.Q(min_samples__isnull=True) | models.Q(min_samples__gte=1),
                name="baseline_state_min_samples_min",
            ),
        ]

    def __str__(self) -> str:
        return f"baseline of {self.camera_id}"


class Anomaly(SoftDeleteModel):
    """An hour of one camera whose count was improbable under its baseline: a surge (more of a
    class, or of all activity, than the Poisson expectation allows) or an absence (nothing in
    normally busy hours). ``object_type`` is empty for all activity. One row per camera, hour and
    class, so a scan that runs twice adds nothing. ``anomaly_score`` = 1 - P(X >= observed)
    for a surge, 1 - P(X = 0) for an absence, with X ~ Poisson(expected).

    A surge spans one hour. An absence spans the run of consecutive empty hours it was judged
    on, ``hours`` of them from ``hour_start`` to ``ends_at``, with the run's summed expectation
    (the joint probability that all of them are empty); the scan grows the row in place while the
    silence lasts, and removes it when late detections fall into it."""

    class Kind(models.TextChoices):
        SURGE = "surge"
        ABSENCE = "absence"

    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="anomalies")
    hour_start = models.DateTimeField()
    object_type = models.CharField(max_length=64, blank=True, default="")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    observed_count = models.PositiveIntegerField()
    expected_count = models.FloatField()
    anomaly_score = models.FloatField()
    reason = models.CharField(max_length=300)
    detected_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    hours = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-hour_start", "object_type", "-id"]
        verbose_name_plural = "anomalies"
        indexes = [models.Index(fields=["camera", "hour_start"], name="anomaly_camera_hour")]
        constraints = [
            models.UniqueConstraint(fields=["camera", "hour_start", "object_type"], name="anomaly_unique_hour_class"),
            models.CheckConstraint(
                condition=models.Q(anomaly_score__gte=0.0) & models.Q(anomaly_score__lte=1.0),
                name="anomaly_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.camera_id} at {self.hour_start:%Y-%m-%d %H:%M}Z ({self.object_type or 'all'})"

    def save(self, *args, **kwargs):
        if self.ends_at is None and self.hour_start is not None:
            self.ends_at = self.hour_start + dt.timedelta(hours=self.hours or 1)
        super().save(*args, **kwargs)

    @property
    def detection_class(self) -> str:
        return self.object_type or "all"
