from rest_framework import serializers

from health.models import HealthState, HealthTransition


class HealthReasonSerializer(serializers.Serializer):
    """One condition that holds for the camera, with the measurements behind it."""

    state = serializers.ChoiceField(
        choices=HealthState.choices, help_text="The state this condition puts the camera in."
    )
    code = serializers.CharField(
        help_text="folder_broken, stream_broken, signal_lost, onvif_refused, no_media, recovering, view_blocked, "
        "view_tampered, picture_unchanged, no_activity or media_arriving."
    )
    message = serializers.CharField(help_text="The condition in words, for a person.")
    evidence = serializers.DictField(help_text="The measurements behind the reason (times are ISO 8601 UTC).")


class HealthTransitionSerializer(serializers.ModelSerializer):
    """One change of the verdict."""

    id = serializers.IntegerField(read_only=True, help_text="The transition's id.")
    at = serializers.DateTimeField(read_only=True, help_text="When the verdict changed (UTC).")
    previous = serializers.ChoiceField(
        choices=HealthState.choices, read_only=True, help_text="The state before the change."
    )
    state = serializers.ChoiceField(choices=HealthState.choices, read_only=True, help_text="The state after it.")
    reasons = HealthReasonSerializer(many=True, read_only=True, help_text="Every condition that held at the change.")

    class Meta:
        model = HealthTransition
        fields = ["id", "at", "previous", "state", "reasons"]


class HealthHistorySerializer(serializers.Serializer):
    """A page of the camera's transitions, newest first."""

    results = HealthTransitionSerializer(many=True, help_text="The transitions of this page, newest first.")
    next_cursor = serializers.CharField(
        allow_null=True, help_text="Send as `cursor` for the next page; null on the last page."
    )
    has_more = serializers.BooleanField(help_text="Whether older transitions follow this page.")


class CameraHealthSerializer(serializers.Serializer):
    """A camera's health verdict."""

    camera_id = serializers.CharField(help_text="The camera's id.")
    state = serializers.ChoiceField(
        choices=HealthState.choices, help_text="The worst condition that holds; `unknown` before the first evaluation."
    )
    since = serializers.DateTimeField(allow_null=True, help_text="When the camera entered this state (UTC).")
    evaluated_at = serializers.DateTimeField(allow_null=True, help_text="When the verdict was last computed (UTC).")
    status = serializers.CharField(help_text="The camera's status, derived from the state.")
    reasons = HealthReasonSerializer(many=True, help_text="Every condition that holds now, worst first.")
    history = HealthHistorySerializer(help_text="The verdict's transitions, a page at a time.")
