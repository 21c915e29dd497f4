from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from nem.serializers import ModelSerializer, StrictSerializer
from scenechanges.models import SceneChange


class SceneChangeSerializer(ModelSerializer):
    """One scene change: a lasting change of what the camera sees (blocked, re-aimed or tampered)."""

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
            "source",
            "preset_token",
        ]
        extra_kwargs = {
            "id": {"help_text": "The change's id, used to acknowledge it."},
            "detected_at": {"help_text": "When the change was confirmed (UTC)."},
            "change_type": {
                "help_text": "What changed: `view_blocked` (covered or dark lens), `angle_changed` (re-aimed), "
                "`view_tampered` (defocused, sprayed) or `unknown`."
            },
            "similarity_score": {
                "help_text": "How alike the frame and the reference were, 0 (nothing alike) to 1 (the same); "
                "0 for a change only the camera reported."
            },
            "acknowledged": {"help_text": "Whether someone acknowledged the change."},
            "acknowledged_at": {"help_text": "When it was first acknowledged (UTC); null while open."},
            "file_path": {
                "help_text": "The camera's frame that showed the change; null for a change only the camera reported."
            },
            "source": {
                "help_text": "Who saw it: `detector` (NEM's comparison), `camera` (the camera's own tamper "
                "event) or `both`."
            },
            "preset_token": {
                "help_text": "The PTZ preset whose view changed; empty for a fixed camera or a free view."
            },
        }


# The list operation answers one object (this one), not an array of them.
@extend_schema_serializer(many=False)
class SceneChangeListSerializer(serializers.Serializer):
    """A page of a camera's scene changes, newest first."""

    camera_id = serializers.CharField(help_text="The camera whose changes these are.")
    scene_changes = SceneChangeSerializer(many=True, help_text="This page of changes, newest first.")
    total_changes = serializers.IntegerField(help_text="All changes of the camera that match the filter.")
    next_cursor = serializers.CharField(
        allow_null=True, help_text="Opaque; pass as `cursor` for the next page. null on the last page."
    )
    has_more = serializers.BooleanField(help_text="Whether another page follows this one.")


class SceneChangeAcknowledgeSerializer(StrictSerializer):
    update_reference = serializers.BooleanField(
        default=True,
        help_text="Make the current view the camera's new reference (default). false keeps the old reference.",
    )


class SceneChangeAcknowledgedSerializer(ModelSerializer):
    class Meta:
        model = SceneChange
        fields = ["id", "acknowledged", "acknowledged_at"]
        extra_kwargs = {
            "id": {"help_text": "The change's id."},
            "acknowledged": {"help_text": "Always true after an acknowledgement."},
            "acknowledged_at": {"help_text": "When it was first acknowledged (UTC); a repeat does not move it."},
        }
