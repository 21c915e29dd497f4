"""OpenAPI shapes of the media endpoints (the responses are built by services, not models)."""

from __future__ import annotations

from rest_framework import serializers

from cameras.models import CameraStatus


class CameraValidationInfoSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    folder_path = serializers.CharField()
    status = serializers.ChoiceField(choices=CameraStatus.choices)
    resolved_path = serializers.CharField(
        allow_null=True, help_text="What folder_path resolved to (symlinks followed); null for valid cameras."
    )
    issues = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text=(
            "null when valid. Possible issues: 'folder_path not under base_path (<NEM_MEDIA_ROOT>)', "
            "'directory does not exist', 'path is not a directory', 'not readable', "
            "'no image or video files found', \"nested inside camera <id>'s folder\"."
        ),
    )


class CameraPathValidationSerializer(serializers.Serializer):
    base_path = serializers.CharField(help_text="NEM_MEDIA_ROOT, resolved.")
    total_cameras = serializers.IntegerField()
    valid_count = serializers.IntegerField()
    invalid_count = serializers.IntegerField()
    valid_cameras = CameraValidationInfoSerializer(many=True)
    invalid_cameras = CameraValidationInfoSerializer(many=True)
