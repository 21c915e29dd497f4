"""The media endpoints' answers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cameras.models import CameraStatus


class CameraValidationInfoSerializer(serializers.Serializer):
    """One live camera and what is wrong with its folder, if anything."""

    id = serializers.CharField(source="camera.id", help_text="The camera's id.")
    name = serializers.CharField(source="camera.name", help_text="The camera's name.")
    folder_path = serializers.CharField(source="camera.folder_path", help_text="The camera's folder as configured.")
    status = serializers.ChoiceField(
        source="camera.status", choices=CameraStatus.choices, help_text="The camera's connectivity state."
    )
    resolved_path = serializers.SerializerMethodField(
        help_text="What folder_path resolved to (symlinks followed); null for valid cameras."
    )
    issues = serializers.SerializerMethodField(
        help_text=(
            "null when valid. Possible issues: 'folder_path not under base_path (<NEM_MEDIA_ROOT>)', "
            "'directory does not exist', 'path is not a directory', 'not readable', "
            "'no image or video files found', \"nested inside camera <id>'s folder\"."
        ),
    )

    @extend_schema_field({"type": "string", "nullable": True})
    def get_resolved_path(self, check) -> str | None:
        # Shown where it helps: for a folder with issues, to see what the path resolved to.
        return None if check.valid else str(check.resolved_path)

    @extend_schema_field({"type": "array", "items": {"type": "string"}, "nullable": True})
    def get_issues(self, check) -> list[str] | None:
        return check.issues or None


class CameraPathValidationSerializer(serializers.Serializer):
    """The folder check of every live camera, split into valid and invalid ones."""

    base_path = serializers.CharField(help_text="The media root (NEM_MEDIA_ROOT), resolved.")
    total_cameras = serializers.SerializerMethodField(help_text="Live cameras checked.")
    valid_count = serializers.SerializerMethodField(help_text="Cameras whose folder passed every check.")
    invalid_count = serializers.SerializerMethodField(help_text="Cameras with at least one issue.")
    valid_cameras = CameraValidationInfoSerializer(
        source="valid", many=True, help_text="Cameras whose folder passed every check."
    )
    invalid_cameras = CameraValidationInfoSerializer(
        source="invalid", many=True, help_text="Cameras with at least one issue, each with its `issues`."
    )

    def get_total_cameras(self, validation) -> int:
        return len(validation.checks)

    def get_valid_count(self, validation) -> int:
        return len(validation.valid)

    def get_invalid_count(self, validation) -> int:
        return len(validation.invalid)
