"""Input and output shapes of the ONVIF endpoints."""

from __future__ import annotations

from rest_framework import serializers

from nem.serializers import FiniteFloatField, StrictSerializer


class PtzCommandSerializer(StrictSerializer):
    # Types only: an unknown command or a value/speed out of range is a 400 (invalid-ptz-command),
    # checked by the service; a body that is not this shape at all is a 422.

    command = serializers.CharField(help_text="`pan`, `tilt`, `zoom` or `stop`.", max_length=32)
    value = FiniteFloatField(help_text="Movement value, -1.0 to 1.0 (direction and amount); ignored by `stop`.")
    speed = FiniteFloatField(help_text="Movement speed, 0.0 to 1.0; the velocity sent is `value * speed`.")


class PtzResultSerializer(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always true: the device accepted the command.")
    command = serializers.CharField(help_text="The command sent.")
    value = serializers.FloatField(help_text="The value sent.")
    speed = serializers.FloatField(help_text="The speed sent.")


class CapabilitiesSerializer(serializers.Serializer):
    manufacturer = serializers.CharField(allow_null=True, help_text="As the device reports it; null if it does not.")
    model = serializers.CharField(allow_null=True, help_text="As the device reports it; null if it does not.")
    firmware_version = serializers.CharField(allow_null=True, help_text="As the device reports it.")
    serial_number = serializers.CharField(allow_null=True, help_text="As the device reports it.")
    hardware_id = serializers.CharField(allow_null=True, help_text="As the device reports it.")
    ptz_supported = serializers.BooleanField(help_text="The device offers the PTZ service (pan, tilt, zoom, presets).")
    media_supported = serializers.BooleanField(help_text="The device offers the media service (stream profiles).")
    analytics_supported = serializers.BooleanField(help_text="The device offers the analytics service.")


class PresetSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The preset's token: the `preset_token` of a goto.")
    name = serializers.CharField(allow_null=True, help_text="null for a preset saved without a name.")


class PresetListSerializer(serializers.Serializer):
    presets = PresetSerializer(many=True, help_text="The presets of the camera's media profile, in device order.")
    count = serializers.IntegerField(help_text="How many presets there are.")


class PresetGotoSerializer(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always true: the device accepted the goto.")
    preset_token = serializers.CharField(help_text="The preset the camera is moving to.")


class OnvifDiscoverSerializer(StrictSerializer):
    subnet = serializers.CharField(max_length=64, help_text="CIDR, e.g. 192.168.1.0/24; at most a /22.")
    timeout = serializers.IntegerField(
        min_value=1, max_value=60, default=10, help_text="Bound on the whole call, seconds (1-60, default 10)."
    )
    username = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text="ONVIF user, to fetch each device's details."
    )
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        write_only=True,
        style={"input_type": "password"},
        help_text="The ONVIF user's password; never stored or echoed.",
    )


class RtspUrlSerializer(serializers.Serializer):
    profile = serializers.CharField(help_text="The media profile's name (or token when it has no name).")
    url = serializers.CharField(help_text="The profile's RTSP stream address.")


class DeviceCapabilitiesSerializer(serializers.Serializer):
    video = serializers.BooleanField(help_text="The device offers the media service.")
    ptz = serializers.BooleanField(help_text="The device offers the PTZ service.")
    events = serializers.BooleanField(help_text="The device offers the event service.")


class DiscoveredDeviceSerializer(serializers.Serializer):
    device_url = serializers.CharField(help_text="The device service address: a camera's `onvif_url`.")
    ip = serializers.CharField(help_text="The address the device answered from.")
    port = serializers.IntegerField(help_text="The device service port.")
    manufacturer = serializers.CharField(
        allow_null=True, help_text="From the device, else from its WS-Discovery scopes; null if neither says."
    )
    model = serializers.CharField(
        allow_null=True, help_text="From the device, else from its WS-Discovery scopes; null if neither says."
    )
    firmware_version = serializers.CharField(allow_null=True, help_text="null unless the device told it.")
    serial_number = serializers.CharField(allow_null=True, help_text="null unless the device told it.")
    hardware_id = serializers.CharField(allow_null=True, help_text="null unless the device told it.")
    rtsp_urls = RtspUrlSerializer(many=True, help_text="The device's streams; empty unless it told them.")
    capabilities = DeviceCapabilitiesSerializer(
        allow_null=True, help_text="null when the device did not answer in time (asked without credentials too)."
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
    devices = DiscoveredDeviceSerializer(many=True, help_text="The devices found, by address.")
    count = serializers.IntegerField(help_text="How many devices were found.")


# ONVIF events


class UnknownTopicSerializer(serializers.Serializer):
    topic = serializers.CharField(help_text="The event topic as the camera sent it.")
    count = serializers.IntegerField(help_text="How many messages of this topic arrived.")
    last_seen_at = serializers.DateTimeField(help_text="When the last one arrived (UTC).")


class EventStatusSerializer(serializers.Serializer):
    camera_id = serializers.CharField(help_text="The camera.")
    subscribed = serializers.BooleanField(help_text="The event process holds a PullPoint subscription now.")
    subscribed_at = serializers.DateTimeField(allow_null=True, help_text="When the current subscription was made.")
    terminates_at = serializers.DateTimeField(
        allow_null=True, help_text="When the current subscription ends unless renewed."
    )
    subscriptions_created = serializers.IntegerField(help_text="Subscriptions made since the camera was first seen.")
    renewals = serializers.IntegerField(help_text="Renewals of subscriptions so far.")
    messages = serializers.IntegerField(help_text="Event messages received so far.")
    last_message_at = serializers.DateTimeField(allow_null=True, help_text="When the last message arrived.")
    last_error = serializers.CharField(allow_null=True, help_text="The last subscription or pull error; null if none.")
    last_error_at = serializers.DateTimeField(allow_null=True, help_text="When the last error happened.")
    consecutive_failures = serializers.IntegerField(help_text="Failures since the last success (backoff grows).")
    last_motion_at = serializers.DateTimeField(allow_null=True, help_text="Last motion event the camera sent.")
    motion_active = serializers.BooleanField(help_text="The camera's last motion event said motion is going on.")
    last_tamper_at = serializers.DateTimeField(allow_null=True, help_text="Last tamper event the camera sent.")
    signal_lost = serializers.BooleanField(help_text="The camera reported that its video signal is lost.")
    unknown_topics = UnknownTopicSerializer(many=True, help_text="Topics NEM does not interpret (50 newest).")
