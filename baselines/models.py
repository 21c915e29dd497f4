from __future__ import annotations

from django.db import models

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
        indexes = [models.Index(fields=["camera", "detected_at"], name="detection_camera_time")]
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

    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="events")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    detection_count = models.PositiveIntegerField(default=0)
    object_types = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["camera", "started_at"], name="event_camera_time")]

    def __str__(self) -> str:
        return f"event on {self.camera_id} at {self.started_at:%Y-%m-%d %H:%M:%S}"
