from __future__ import annotations

from rest_framework import serializers

from alerts import targets
from alerts.models import SEVERITY_VALUES, Alert, AlertEndpoint, AlertKind, Delivery, EndpointKind
from alerts.services.endpoints import ENDPOINT_SETTINGS
from nem.serializers import ModelSerializer, StrictSerializer


class SeverityField(serializers.ChoiceField):
    # info / warning / critical on the wire; an ordered integer in the database.

    def __init__(self, **kwargs):
        super().__init__(choices=list(SEVERITY_VALUES), **kwargs)

    def to_representation(self, value):
        return {v: k for k, v in SEVERITY_VALUES.items()}.get(value, str(value))

    def to_internal_value(self, data):
        return SEVERITY_VALUES[super().to_internal_value(data)]


ALERT_FIELDS = [
    "id",
    "camera_id",
    "kind",
    "severity",
    "state",
    "reason",
    "version",
    "opened_at",
    "updated_at",
    "resolved_at",
    "acknowledged_at",
    "acknowledged_by",
    "scene_change_id",
    "anomaly_id",
    "evidence_path",
    "hold",
    "details",
]


ALERT_HELP = {
    "id": "The alert's id.",
    "camera_id": "The camera the incident is about; null for a system alert (e.g. the storage floor).",
    "kind": "What happened: tamper, blinded, frozen, anomaly, silent, camera_offline, camera_error, storage or test.",
    "state": "open (new), updated (the source fired again) or resolved.",
    "reason": "The incident in words, as of this version.",
    "version": "Starts at 1; each update, resolution or acknowledgement that resolves adds one.",
    "opened_at": "When the incident began (UTC).",
    "updated_at": "When this version was written (UTC).",
    "resolved_at": "When the incident ended (UTC); null while unresolved.",
    "acknowledged_at": "When a person acknowledged it (UTC); null until then.",
    "acknowledged_by": "Who acknowledged it (the API key's or user's name); empty until then.",
    "scene_change_id": "The scene change behind a tamper alert; null otherwise.",
    "anomaly_id": "The anomaly behind an anomaly alert; null otherwise.",
    "evidence_path": "Server path of the frame kept as evidence; empty without one.",
    "hold": "Whether the alert and its evidence are kept past the retention policy.",
    "details": "Kind-specific facts (e.g. the previous and new camera status).",
}


class AlertSerializer(ModelSerializer):
    """One incident."""

    severity = SeverityField(read_only=True, help_text="info, warning or critical.")

    class Meta:
        model = Alert
        fields = ALERT_FIELDS
        read_only_fields = ALERT_FIELDS
        extra_kwargs = {name: {"help_text": text} for name, text in ALERT_HELP.items()}


ENDPOINT_FIELDS = ["id", "name", "kind", "target", *ENDPOINT_SETTINGS, "created_at"]


ENDPOINT_HELP = {
    "id": "The endpoint's id.",
    "name": "A unique name.",
    "kind": "webhook (signed HTTP POST) or apprise (an Apprise URL: ntfy, Telegram, e-mail...).",
    "enabled": "Whether alerts are sent to it.",
    "kinds": "The alert kinds it receives; empty: all.",
    "camera_ids": "The cameras whose alerts it receives; empty: all.",
    "cooldown_seconds": "After a new alert of a camera and kind, further new ones of the same are held back "
    "this long; 0: none.",
    "created_at": "When it was created (UTC).",
}


class AlertEndpointSerializer(ModelSerializer):
    """Where alerts are sent besides MQTT. The URL and the signing secret never appear: `target` is the
    URL's scheme and host."""

    # The URL and the secret are write-only: target shows the scheme and host only.
    target = serializers.SerializerMethodField(help_text="The URL's scheme and host (the rest is secret).")
    min_severity = SeverityField(read_only=True, help_text="The least severity it receives.")
    # Local wall-clock times ("22:00:00"), no offset: OpenAPI's format "time" would demand one.
    quiet_hours_start = serializers.CharField(
        read_only=True, allow_null=True, help_text="Camera-local time new alerts start being held back; null: none."
    )
    quiet_hours_end = serializers.CharField(
        read_only=True, allow_null=True, help_text="Camera-local time quiet hours end; null: none."
    )

    class Meta:
        model = AlertEndpoint
        fields = ENDPOINT_FIELDS
        read_only_fields = ENDPOINT_FIELDS
        extra_kwargs = {name: {"help_text": text} for name, text in ENDPOINT_HELP.items()}

    def get_target(self, obj) -> str:
        return targets.redacted(obj.url)


class AlertEndpointCreatedSerializer(AlertEndpointSerializer):
    """A new endpoint: the only time its signing secret is shown."""

    secret = serializers.SerializerMethodField(
        help_text="A webhook's Standard Webhooks signing secret (whsec_...), shown only now; null for apprise."
    )

    class Meta(AlertEndpointSerializer.Meta):
        fields = [*ENDPOINT_FIELDS, "secret"]
        read_only_fields = fields

    def get_secret(self, obj) -> str | None:
        return obj.secret or None


class AlertEndpointWriteSerializer(StrictSerializer):
    """An endpoint to create, or the fields of one to change."""

    name = serializers.CharField(max_length=100, help_text=ENDPOINT_HELP["name"])
    kind = serializers.ChoiceField(
        choices=EndpointKind.choices, help_text=ENDPOINT_HELP["kind"] + " Cannot change later."
    )
    url = serializers.CharField(
        max_length=2000,
        write_only=True,
        help_text="webhook: an http(s) URL; apprise: an Apprise URL (ntfys://ntfy.sh/topic). Never shown again.",
    )
    enabled = serializers.BooleanField(default=True, help_text=ENDPOINT_HELP["enabled"])
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=[k for k in AlertKind.values if k != AlertKind.TEST]),
        default=list,
        max_length=20,
        help_text=ENDPOINT_HELP["kinds"],
    )
    camera_ids = serializers.ListField(
        child=serializers.CharField(max_length=255), default=list, max_length=200, help_text=ENDPOINT_HELP["camera_ids"]
    )
    # Defaults skip to_internal_value: the default is the stored value.
    min_severity = SeverityField(default=10, help_text="The least severity it receives: info, warning or critical.")
    cooldown_seconds = serializers.IntegerField(
        min_value=0, max_value=7 * 24 * 3600, default=0, help_text=ENDPOINT_HELP["cooldown_seconds"]
    )
    quiet_hours_start = serializers.TimeField(
        allow_null=True, default=None, help_text="Camera-local time (HH:MM) new alerts start being held back."
    )
    quiet_hours_end = serializers.TimeField(
        allow_null=True, default=None, help_text="Camera-local time (HH:MM) quiet hours end; set both or neither."
    )

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("must not be blank")
        queryset = AlertEndpoint.objects.filter(name=value)
        if self.instance is not None:
            queryset = queryset.exclude(pk=self.instance.pk)
        if queryset.exists():
            raise serializers.ValidationError("an endpoint with this name exists")
        return value

    def validate(self, attrs):
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        url = attrs.get("url")
        if url is not None:
            check = targets.webhook_url_check if kind == EndpointKind.WEBHOOK else targets.apprise_url_check
            try:
                check(url.strip(), resolve=False)
            except targets.TargetRefused as exc:
                raise serializers.ValidationError({"url": [str(exc)]}) from None
            except ValueError:
                raise serializers.ValidationError({"url": ["is not a valid URL"]}) from None
            if kind == EndpointKind.APPRISE:
                import apprise

                if not apprise.Apprise().add(url.strip()):
                    raise serializers.ValidationError({"url": ["is not a URL Apprise supports"]})
            attrs["url"] = url.strip()
        if self.instance is not None and "kind" in attrs and attrs["kind"] != self.instance.kind:
            raise serializers.ValidationError({"kind": ["cannot change; create a new endpoint"]})
        start = attrs.get("quiet_hours_start", getattr(self.instance, "quiet_hours_start", None))
        end = attrs.get("quiet_hours_end", getattr(self.instance, "quiet_hours_end", None))
        if (start is None) != (end is None):
            raise serializers.ValidationError({"quiet_hours_end": ["quiet hours need both a start and an end"]})
        return attrs


DELIVERY_HELP = {
    "id": "The delivery's id.",
    "version": "The alert version it carries.",
    "event": "new, update or end.",
    "channel": "mqtt, webhook or apprise.",
    "message_id": "Stable per alert version (webhook-id, MQTT id): receivers deduplicate on it.",
    "state": "pending, delivered or dead (gave up after NEM_ALERT_MAX_AGE or a permanent refusal).",
    "attempts": "Send attempts so far.",
    "created_at": "When it was written to the outbox (UTC).",
    "next_attempt_at": "When a pending delivery is tried next (UTC).",
    "expires_at": "When a pending delivery is given up (UTC).",
    "delivered_at": "When it was delivered (UTC); null until then.",
    "last_attempt_at": "When it was last tried (UTC).",
    "last_status_code": "The receiver's HTTP status on the last attempt; null for MQTT or no answer.",
    "last_error": "Why the last attempt failed; empty if it did not.",
    "latency_ms": "How long the last attempt took, in milliseconds.",
}


class DeliverySerializer(ModelSerializer):
    """One alert version sent on one channel: an outbox row and its log."""

    endpoint_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The endpoint it goes to; null for MQTT."
    )
    alert_id = serializers.IntegerField(read_only=True, help_text="The alert it carries.")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "alert_id",
            "version",
            "event",
            "channel",
            "endpoint_id",
            "message_id",
            "state",
            "attempts",
            "created_at",
            "next_attempt_at",
            "expires_at",
            "delivered_at",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "latency_ms",
        ]
        read_only_fields = fields
        extra_kwargs = {name: {"help_text": text} for name, text in DELIVERY_HELP.items()}
