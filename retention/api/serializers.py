from __future__ import annotations

from rest_framework import serializers

from nem.serializers import StrictSerializer, UTCDateTimeField


class StorageCategoryUsageSerializer(serializers.Serializer):
    files = serializers.IntegerField()
    bytes = serializers.IntegerField()
    oldest = serializers.CharField(allow_null=True, help_text="Modification time of the oldest file (UTC).")


class StorageCategoriesSerializer(serializers.Serializer):
    frames = StorageCategoryUsageSerializer(help_text="NEM's own grabbed frames in the camera folder.")
    uploads = StorageCategoryUsageSerializer(help_text="Other media in the camera folder (uploaded by the camera).")
    snapshot_cache = StorageCategoryUsageSerializer(help_text="Frames extracted from videos for the snapshot.")
    references = StorageCategoryUsageSerializer(help_text="Scene references and scene-change frame copies.")


class StorageTotalSerializer(serializers.Serializer):
    files = serializers.IntegerField()
    bytes = serializers.IntegerField()


class RetentionPolicySerializer(serializers.Serializer):
    frames_max_age_hours = serializers.IntegerField()
    frames_max_count = serializers.IntegerField()
    uploads_enabled = serializers.BooleanField()
    uploads_max_age_days = serializers.IntegerField()
    uploads_max_bytes = serializers.IntegerField()
    cache_max_age_days = serializers.IntegerField()
    rows_max_age_days = serializers.IntegerField()
    alerts_max_age_days = serializers.IntegerField()


class RetentionOverridesSerializer(serializers.Serializer):
    frames_max_age_hours = serializers.IntegerField(allow_null=True)
    frames_max_count = serializers.IntegerField(allow_null=True)
    uploads_enabled = serializers.BooleanField(allow_null=True)
    uploads_max_age_days = serializers.IntegerField(allow_null=True)
    uploads_max_bytes = serializers.IntegerField(allow_null=True)
    cache_max_age_days = serializers.IntegerField(allow_null=True)
    rows_max_age_days = serializers.IntegerField(allow_null=True)
    alerts_max_age_days = serializers.IntegerField(allow_null=True)


class StorageFilesystemSerializer(serializers.Serializer):
    total_bytes = serializers.IntegerField()
    free_bytes = serializers.IntegerField()
    floor_bytes = serializers.IntegerField(help_text="max(NEM_STORAGE_FLOOR_BYTES, floor_percent of total_bytes)")
    floor_percent = serializers.FloatField()
    floor_ok = serializers.BooleanField()


class StorageSerializer(serializers.Serializer):
    camera_id = serializers.CharField()
    measured_at = UTCDateTimeField()
    categories = StorageCategoriesSerializer()
    total = StorageTotalSerializer()
    policy = RetentionPolicySerializer(help_text="The retention policy in effect for this camera.")
    filesystem = StorageFilesystemSerializer(allow_null=True, help_text="The media root's filesystem; null if unknown.")


# Built with type(): "global" is a Python keyword, so it cannot be a class attribute in a class body.
StoragePolicySerializer = type(
    "StoragePolicySerializer",
    (serializers.Serializer,),
    {
        "__module__": __name__,
        "__doc__": "A camera's retention policy: in effect, its own overrides, the global settings.",
        "camera_id": serializers.CharField(),
        "effective": RetentionPolicySerializer(help_text="What prune_storage applies to this camera."),
        "camera_overrides": RetentionOverridesSerializer(
            help_text="The camera's own values; null follows the global one."
        ),
        "global": RetentionPolicySerializer(help_text="The NEM_RETENTION_* settings."),
        "rows_min_age_days": serializers.IntegerField(
            help_text="Rows younger than this are never pruned: the baseline window plus the margin."
        ),
    },
)


_DAYS = {"min_value": 0, "max_value": 36500, "allow_null": True, "required": False}


class StoragePolicyInSerializer(StrictSerializer):
    """Null (or, with PUT, absent) means "follow the global setting"; 0 means "no limit"."""

    frames_max_age_hours = serializers.IntegerField(min_value=0, max_value=876000, allow_null=True, required=False)
    frames_max_count = serializers.IntegerField(min_value=0, max_value=100_000_000, allow_null=True, required=False)
    uploads_enabled = serializers.BooleanField(allow_null=True, required=False)
    uploads_max_age_days = serializers.IntegerField(**_DAYS)
    uploads_max_bytes = serializers.IntegerField(min_value=0, max_value=2**62, allow_null=True, required=False)
    cache_max_age_days = serializers.IntegerField(**_DAYS)
    rows_max_age_days = serializers.IntegerField(**_DAYS)
    alerts_max_age_days = serializers.IntegerField(**_DAYS)
