"""Input and output shapes of the ONVIF endpoints (the seed's, key for key)."""

from __future__ import annotations

from rest_framework import serializers

from nem.serializers import FiniteFloatField, StrictSerializer


class PtzCommandSerializer(StrictSerializer):
    """Types only: an unknown command or a value/speed out of range is the seed's 400, checked by
    the service; a body that is not this shape at all is a 422."""

    command = serializers.CharField(help_text="pan, tilt, zoom or stop", max_length=32)
    value = FiniteFloatField(help_text="Movement value, -1.0 to 1.0 (direction and amount)")
    speed = FiniteFloatField(help_text="Movement speed, 0.0 to 1.0; the velocity sent is value * speed")


class PtzResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    command = serializers.CharField()
    value = serializers.FloatField()
    speed = serializers.FloatField()


class CapabilitiesSerializer(serializers.Serializer):
    manufacturer = serializers.CharField(allow_null=True)
    model = serializers.CharField(allow_null=True)
    firmware_version = serializers.CharField(allow_null=True)
    serial_number = serializers.CharField(allow_null=True)
    hardware_id = serializers.CharField(allow_null=True)
    ptz_supported = serializers.BooleanField()
    media_supported = serializers.BooleanField()
    analytics_supported = serializers.BooleanField()


class PresetSerializer(serializers.Serializer):
    token = serializers.CharField()
    name = serializers.CharField(allow_null=True, help_text="null for a preset saved without a name")


class PresetListSerializer(serializers.Serializer):
    presets = PresetSerializer(many=True)
    count = serializers.IntegerField()


class PresetGotoSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    preset_token = serializers.CharField()


class DiscoverRequestSerializer(StrictSerializer):
    subnet = serializers.CharField(max_length=64, help_text="CIDR, e.g. 192.168.1.0/24; at most a /22")
    timeout = serializers.IntegerField(
        min_value=1, max_value=60, default=10, help_text="Bound on the whole call, seconds (default 10)"
    )
    username = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text="ONVIF user, to fetch each device's details"
    )
    password = serializers.CharField(
        required=False, allow_blank=True, max_length=255, write_only=True, style={"input_type": "password"}
    )


class RtspUrlSerializer(serializers.Serializer):
    profile = serializers.CharField()
    url = serializers.CharField()


class DeviceCapabilitiesSerializer(serializers.Serializer):
    video = serializers.BooleanField()
    ptz = serializers.BooleanField()
    events = serializers.BooleanField()


class DiscoveredDeviceSerializer(serializers.Serializer):
    device_url = serializers.CharField()
    ip = serializers.CharField()
    port = serializers.IntegerField()
    manufacturer = serializers.CharField(allow_null=True)
    model = serializers.CharField(allow_null=True)
    firmware_version = serializers.CharField(allow_null=True)
    serial_number = serializers.CharField(allow_null=True)
    hardware_id = serializers.CharField(allow_null=True)
    rtsp_urls = RtspUrlSerializer(many=True)
    capabilities = DeviceCapabilitiesSerializer(
        allow_null=True, help_text="null when the device did not answer in time (asked without credentials too)"
    )
    auth_required = serializers.BooleanField(
        allow_null=True,
        help_text=(
            "true: the device refused a question (asked without credentials, or with wrong ones): the fields it "
            "would have answered are null, give (the right) username and password for them. false: it answered "
            "everything. null: it did not answer in time."
        ),
    )


class DiscoverResultSerializer(serializers.Serializer):
    devices = DiscoveredDeviceSerializer(many=True)
    count = serializers.IntegerField()


# ONVIF events (issue 17)


class UnknownTopicSerializer(serializers.Serializer):
    topic = serializers.CharField()
    count = serializers.IntegerField()
    last_seen_at = serializers.DateTimeField()


class EventStatusSerializer(serializers.Serializer):
    camera_id = serializers.CharField()
    subscribed = serializers.BooleanField(help_text="The event process holds a PullPoint subscription now.")
    subscribed_at = serializers.DateTimeField(allow_null=True)
    terminates_at = serializers.DateTimeField(allow_null=True, help_text="Of the current subscription.")
    subscriptions_created = serializers.IntegerField()
    renewals = serializers.IntegerField()
    messages = serializers.IntegerField()
    last_message_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    consecutive_failures = serializers.IntegerField()
    last_motion_at = serializers.DateTimeField(allow_null=True, help_text="Last motion event the camera sent.")
    motion_active = serializers.BooleanField()
    last_tamper_at = serializers.DateTimeField(allow_null=True)
    signal_lost = serializers.BooleanField()
    unknown_topics = UnknownTopicSerializer(many=True, help_text="Topics NEM does not interpret (50 newest).")
