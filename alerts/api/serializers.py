from __future__ import annotations

from rest_framework import serializers

from alerts import targets
from alerts.models import SEVERITY_VALUES, Alert, AlertEndpoint, AlertKind, Delivery, EndpointKind
from nem.serializers import ModelSerializer, StrictSerializer


class SeverityField(serializers.ChoiceField):
    """``info`` / ``warning`` / ``critical`` on the wire; an ordered integer in the database."""

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


class AlertSerializer(ModelSerializer):
    severity = SeverityField(read_only=True)

    class Meta:
        model = Alert
        fields = ALERT_FIELDS
        read_only_fields = ALERT_FIELDS


ENDPOINT_FIELDS = [
    "id",
    "name",
    "kind",
    "target",
    "enabled",
    "kinds",
    "camera_ids",
    "min_severity",
    "cooldown_seconds",
    "quiet_hours_start",
    "quiet_hours_end",
    "created_at",
]


class AlertEndpointSerializer(ModelSerializer):
    """Output: ``url`` and ``secret`` never appear; ``target`` is the URL's scheme and host."""

    target = serializers.SerializerMethodField()
    min_severity = SeverityField(read_only=True)
    # Local wall-clock times ("22:00:00"), no offset: OpenAPI's format "time" would demand one.
    quiet_hours_start = serializers.CharField(read_only=True, allow_null=True)
    quiet_hours_end = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = AlertEndpoint
        fields = ENDPOINT_FIELDS
        read_only_fields = ENDPOINT_FIELDS

    def get_target(self, obj) -> str:
        return targets.redacted(obj.url)


class AlertEndpointCreatedSerializer(AlertEndpointSerializer):
    """The create response: the only time the signing secret is shown."""

    secret = serializers.SerializerMethodField()

    class Meta(AlertEndpointSerializer.Meta):
        fields = [*ENDPOINT_FIELDS, "secret"]
        read_only_fields = fields

    def get_secret(self, obj) -> str | None:
        return obj.secret or None


class AlertEndpointWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=EndpointKind.choices)
    url = serializers.CharField(max_length=2000, write_only=True)
    enabled = serializers.BooleanField(default=True)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=[k for k in AlertKind.values if k != AlertKind.TEST]),
        default=list,
        max_length=20,
    )
    camera_ids = serializers.ListField(child=serializers.CharField(max_length=255), default=list, max_length=200)
    min_severity = SeverityField(default=10)  # defaults skip to_internal_value: the stored value
    cooldown_seconds = serializers.IntegerField(min_value=0, max_value=7 * 24 * 3600, default=0)
    quiet_hours_start = serializers.TimeField(allow_null=True, default=None)
    quiet_hours_end = serializers.TimeField(allow_null=True, default=None)

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


class DeliverySerializer(ModelSerializer):
    endpoint_id = serializers.IntegerField(read_only=True, allow_null=True)
    alert_id = serializers.IntegerField(read_only=True)

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
