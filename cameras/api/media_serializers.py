"""Shapes of the media endpoints' answers (built by services, not from models)."""

from __future__ import annotations

from rest_framework import serializers

from cameras.models import CameraStatus


class CameraValidationInfoSerializer(serializers.Serializer):
    """One live camera and what is wrong with its folder, if anything."""

    id = serializers.CharField(help_text="The camera's id.")
    name = serializers.CharField(help_text="The camera's name.")
    folder_path = serializers.CharField(help_text="The camera's folder as configured.")
    status = serializers.ChoiceField(choices=CameraStatus.choices, help_text="The camera's connectivity state.")
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
    """The folder check of every live camera, split into valid and invalid ones."""

    base_path = serializers.CharField(help_text="The media root (NEM_MEDIA_ROOT), resolved.")
    total_cameras = serializers.IntegerField(help_text="Live cameras checked.")
    valid_count = serializers.IntegerField(help_text="Cameras whose folder passed every check.")
    invalid_count = serializers.IntegerField(help_text="Cameras with at least one issue.")
    valid_cameras = CameraValidationInfoSerializer(many=True, help_text="Cameras whose folder passed every check.")
    invalid_cameras = CameraValidationInfoSerializer(
        many=True, help_text="Cameras with at least one issue, each with its `issues`."
    )
