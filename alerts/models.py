from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from nem.crypto import decrypt_secret, encrypt_secret
from nem.softdelete import SoftDeleteModel, SoftDeleteQuerySet


class AlertKind(models.TextChoices):
    TAMPER = "tamper"
    ANOMALY = "anomaly"
    CAMERA_OFFLINE = "camera_offline"
    CAMERA_ERROR = "camera_error"
    FROZEN = "frozen"
    BLINDED = "blinded"
    SILENT = "silent"
    STORAGE = "storage"
    TEST = "test"


class Severity(models.IntegerChoices):
    INFO = 10, "info"
    WARNING = 20, "warning"
    CRITICAL = 30, "critical"


SEVERITY_NAMES = {member.value: member.label for member in Severity}
SEVERITY_VALUES = {member.label: member.value for member in Severity}


class AlertState(models.TextChoices):
    OPEN = "open"
    UPDATED = "updated"
    RESOLVED = "resolved"


class AlertQuerySet(SoftDeleteQuerySet):
    def unresolved(self) -> AlertQuerySet:
        return self.exclude(state=AlertState.RESOLVED)


class LiveAlertManager(models.Manager.from_queryset(AlertQuerySet)):
    def get_queryset(self) -> AlertQuerySet:
        return super().get_queryset().alive()


class Alert(SoftDeleteModel):
    """One incident: a tamper episode, an anomaly, a camera offline until it recovers. Its
    lifecycle is ``open -> updated -> resolved``; every change bumps ``version`` and writes one
    outbox row per channel in the same transaction (see ``Delivery``). ``incident_key`` names the
    source (``scenechange:12``, ``anomaly:7``, ``status``), and at most one unresolved alert exists
    per (camera, kind, incident_key), so a source that fires again updates its alert instead of
    raising a second one. ``hold`` keeps the evidence files forever (retention reads it)."""

    camera = models.ForeignKey("cameras.Camera", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.WARNING)
    state = models.CharField(max_length=8, choices=AlertState.choices, default=AlertState.OPEN)
    incident_key = models.CharField(max_length=100)
    reason = models.CharField(max_length=500)
    version = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=150, blank=True, default="")
    scene_change_id = models.BigIntegerField(null=True, blank=True)
    anomaly_id = models.BigIntegerField(null=True, blank=True)
    evidence_path = models.CharField(max_length=1000, blank=True, default="", help_text="Snapshot path.")
    hold = models.BooleanField(default=False, help_text="Keep this alert's evidence files indefinitely.")
    details = models.JSONField(default=dict, blank=True)

    objects = LiveAlertManager()
    all_objects = models.Manager.from_queryset(AlertQuerySet)()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["-opened_at", "-id"], name="alert_newest"),
            models.Index(fields=["camera", "kind", "state"], name="alert_camera_kind_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "kind", "incident_key"],
                condition=~Q(state="resolved"),
                name="alert_one_unresolved_per_incident",
            ),
            models.CheckConstraint(condition=Q(state__in=AlertState.values), name="alert_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.camera_id or 'system'} #{self.pk} ({self.state})"

    @property
    def severity_name(self) -> str:
        return SEVERITY_NAMES.get(self.severity, str(self.severity))

    @property
    def is_resolved(self) -> bool:
        return self.state == AlertState.RESOLVED


class EndpointKind(models.TextChoices):
    WEBHOOK = "webhook"
    APPRISE = "apprise"


class AlertEndpoint(models.Model):
    """Where alerts go besides MQTT: a webhook (signed per Standard Webhooks with its own secret)
    or an Apprise URL (ntfy, Telegram, e-mail, ...). Filters: ``kinds`` and ``camera_ids`` (empty =
    all), ``min_severity``; a ``cooldown_seconds`` per (camera, kind) and camera-local quiet hours
    hold back new alerts (never their updates or ends). The URL and the secret are encrypted at
    rest: both can carry credentials."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=8, choices=EndpointKind.choices)
    url_encrypted = models.TextField(editable=False)
    secret_encrypted = models.TextField(blank=True, default="", editable=False)
    enabled = models.BooleanField(default=True)
    kinds = models.JSONField(default=list, blank=True)
    camera_ids = models.JSONField(default=list, blank=True)
    min_severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.INFO)
    cooldown_seconds = models.PositiveIntegerField(default=0)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EndpointKind.values), name="alert_endpoint_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    @property
    def url(self) -> str:
        return decrypt_secret(self.url_encrypted) or ""

    @url.setter
    def url(self, value: str) -> None:
        self.url_encrypted = encrypt_secret(value)

    @property
    def secret(self) -> str:
        return (decrypt_secret(self.secret_encrypted) or "") if self.secret_encrypted else ""

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = encrypt_secret(value) if value else ""


class Channel(models.TextChoices):
    MQTT = "mqtt"
    WEBHOOK = "webhook"
    APPRISE = "apprise"


class DeliveryState(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class Delivery(models.Model):
    """The transactional outbox: one row per (alert version, channel, endpoint), written in the
    transaction that changed the alert. ``message_id`` is stable per (alert, version), so a
    receiver deduplicates retries on it (it is the ``webhook-id``). Rows of one ``lane`` (channel,
    endpoint, camera) are sent strictly in id order: a row waits while an older one of its lane is
    pending. ``payload`` is frozen at write time, so a retry sends the same bytes' meaning. The log
    keeps status, latency and attempts, never response bodies."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    version = models.PositiveIntegerField()
    event = models.CharField(max_length=8)  # new | update | end
    channel = models.CharField(max_length=8, choices=Channel.choices)
    endpoint = models.ForeignKey(
        AlertEndpoint, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    lane = models.CharField(max_length=300)
    message_id = models.CharField(max_length=64)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    latency_ms = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        # Partial: a row leaving "pending" adds no entry to them (marking a batch delivered is
        # the hot write of the drain), and the drains only ever look for pending rows.
        indexes = [
            models.Index(fields=["channel", "id"], condition=Q(state="pending"), name="delivery_pending_by_channel"),
            models.Index(fields=["lane", "id"], condition=Q(state="pending"), name="delivery_pending_by_lane"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "version", "channel", "endpoint"], name="delivery_one_per_version_target"
            ),
            models.CheckConstraint(condition=Q(state__in=DeliveryState.values), name="delivery_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.message_id} ({self.state})"
