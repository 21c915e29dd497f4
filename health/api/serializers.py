from rest_framework import serializers

from health.models import HealthState, HealthTransition


class HealthReasonSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=HealthState.choices)
    code = serializers.CharField(
        help_text="folder_broken, stream_broken, signal_lost, onvif_refused, no_media, recovering, view_blocked, "
        "view_tampered, picture_unchanged, no_activity or media_arriving."
    )
    message = serializers.CharField()
    evidence = serializers.DictField(help_text="The measurements behind the reason (times are ISO 8601 UTC).")


class HealthTransitionSerializer(serializers.ModelSerializer):
    reasons = HealthReasonSerializer(many=True)

    class Meta:
        model = HealthTransition
        fields = ["id", "at", "previous", "state", "reasons"]


class HealthHistorySerializer(serializers.Serializer):
    results = HealthTransitionSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    has_more = serializers.BooleanField()


class CameraHealthSerializer(serializers.Serializer):
    camera_id = serializers.CharField()
    state = serializers.ChoiceField(choices=HealthState.choices)
    since = serializers.DateTimeField(allow_null=True)
    evaluated_at = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField(help_text="The camera's status, derived from the state.")
    reasons = HealthReasonSerializer(many=True)
    history = HealthHistorySerializer()
