"""What the ONVIF event process knows about each camera, and the topics it could not place."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from nem.softdelete import SoftDeleteModel


class OnvifEventState(SoftDeleteModel):
    """The event subscription of one camera, as the ``run_onvif_events`` process keeps it: whether
    it holds a PullPoint subscription now, when the last message came, the last error, and the
    camera's own motion and signal state. Health reads ``last_motion_at``: a camera whose motion
    events keep coming is not frozen."""

    camera = models.OneToOneField("cameras.Camera", on_delete=models.CASCADE, related_name="onvif_event_state")
    subscribed = models.BooleanField(default=False)
    subscribed_at = models.DateTimeField(null=True, blank=True)
    terminates_at = models.DateTimeField(null=True, blank=True, help_text="The subscription's termination time.")
    subscriptions_created = models.PositiveIntegerField(default=0)
    renewals = models.PositiveIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    messages = models.PositiveBigIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_motion_at = models.DateTimeField(null=True, blank=True, help_text="Last motion event the camera sent.")
    motion_active = models.BooleanField(default=False)
    last_tamper_at = models.DateTimeField(null=True, blank=True)
    # The state of each tamper topic (per source), so a repeated "active" opens nothing new.
    tamper_topics = models.JSONField(default=dict, blank=True)
    signal_lost = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "ONVIF event state"

    def __str__(self) -> str:
        return f"ONVIF events of {self.camera_id}"


class OnvifUnknownEvent(SoftDeleteModel):
    """A topic NEM does not interpret, kept (one row per camera and topic, with a count and the
    last message) so that an operator can see what a camera sends and ask for it to be handled."""

    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, related_name="onvif_unknown_events")
    topic = models.CharField(max_length=255)
    count = models.PositiveBigIntegerField(default=0)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    last_message = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["camera", "topic"]
        constraints = [models.UniqueConstraint(fields=["camera", "topic"], name="onvif_unknown_event_one_per_topic")]

    def __str__(self) -> str:
        return f"{self.topic} from {self.camera_id}"
