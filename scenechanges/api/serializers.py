from rest_framework import serializers

from nem.serializers import ModelSerializer, StrictSerializer
from scenechanges.models import SceneChange


class SceneChangeSerializer(ModelSerializer):
    class Meta:
        model = SceneChange
        fields = [
            "id",
            "detected_at",
            "change_type",
            "similarity_score",
            "acknowledged",
            "acknowledged_at",
            "file_path",
            # Issue 17: who saw it (our detector, the camera's own event, both) and the PTZ preset
            # whose reference it was measured against ("" for a fixed camera or a free view).
            "source",
            "preset_token",
        ]


class SceneChangeListSerializer(serializers.Serializer):
    camera_id = serializers.CharField()
    scene_changes = SceneChangeSerializer(many=True)
    total_changes = serializers.IntegerField(help_text="All changes of the camera that match the filter.")
    next_cursor = serializers.CharField(allow_null=True, help_text="Opaque; pass as `cursor` for the next page.")
    has_more = serializers.BooleanField()


class AcknowledgeRequestSerializer(StrictSerializer):
    update_reference = serializers.BooleanField(
        default=True,
        help_text="Make the current view the camera's new reference (default). false keeps the old reference.",
    )


class AcknowledgeResponseSerializer(ModelSerializer):
    class Meta:
        model = SceneChange
        fields = ["id", "acknowledged", "acknowledged_at"]
