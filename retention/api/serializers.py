from __future__ import annotations

from rest_framework import serializers

from nem.serializers import StrictSerializer, UTCDateTimeField

# What each policy field limits; 0 means no limit of that kind.
POLICY_HELP = {
    "frames_max_age_hours": "Grabbed frames older than this many hours are deleted; 0: no age limit.",
    "frames_max_count": "At most this many grabbed frames are kept (the oldest go first); 0: no count limit.",
    "uploads_enabled": "Whether the camera's own uploads are pruned at all (by age, by bytes, and for the floor).",
    "uploads_max_age_days": "Uploads older than this many days are deleted (when uploads_enabled); 0: no limit.",
    "uploads_max_bytes": "Uploads beyond this many bytes are deleted, oldest first (when uploads_enabled); 0: no limit.",
    "cache_max_age_days": "Snapshot cache files and retired references older than this many days go; 0: no limit.",
    "rows_max_age_days": "Detections, events and anomalies older than this many days are deleted; 0: kept forever.",
    "alerts_max_age_days": "Resolved alerts and finished deliveries older than this many days go; 0: kept forever.",
}


class StorageCategoryUsageSerializer(serializers.Serializer):
    """The files of one category."""

    files = serializers.IntegerField(help_text="How many files.")
    bytes = serializers.IntegerField(help_text="Their total size in bytes.")
    oldest = serializers.CharField(
        allow_null=True, help_text="Modification time of the oldest file (UTC); null without files."
    )


class StorageCategoriesSerializer(serializers.Serializer):
    """Usage per category of file."""

    frames = StorageCategoryUsageSerializer(help_text="NEM's own grabbed frames in the camera folder.")
    uploads = StorageCategoryUsageSerializer(help_text="Other media in the camera folder (uploaded by the camera).")
    snapshot_cache = StorageCategoryUsageSerializer(help_text="Frames extracted from videos for the snapshot.")
    references = StorageCategoryUsageSerializer(help_text="Scene references and scene-change frame copies.")


class StorageTotalSerializer(serializers.Serializer):
    """All categories together."""

    files = serializers.IntegerField(help_text="How many files in all categories.")
    bytes = serializers.IntegerField(help_text="Their total size in bytes.")


class RetentionPolicySerializer(serializers.Serializer):
    """A complete retention policy."""

    frames_max_age_hours = serializers.IntegerField(help_text=POLICY_HELP["frames_max_age_hours"])
    frames_max_count = serializers.IntegerField(help_text=POLICY_HELP["frames_max_count"])
    uploads_enabled = serializers.BooleanField(help_text=POLICY_HELP["uploads_enabled"])
    uploads_max_age_days = serializers.IntegerField(help_text=POLICY_HELP["uploads_max_age_days"])
    uploads_max_bytes = serializers.IntegerField(help_text=POLICY_HELP["uploads_max_bytes"])
    cache_max_age_days = serializers.IntegerField(help_text=POLICY_HELP["cache_max_age_days"])
    rows_max_age_days = serializers.IntegerField(help_text=POLICY_HELP["rows_max_age_days"])
    alerts_max_age_days = serializers.IntegerField(help_text=POLICY_HELP["alerts_max_age_days"])


_FOLLOWS = " Null: the global setting applies."


class RetentionOverridesSerializer(serializers.Serializer):
    """A camera's own policy values; null where it follows the global setting."""

    frames_max_age_hours = serializers.IntegerField(
        allow_null=True, help_text=POLICY_HELP["frames_max_age_hours"] + _FOLLOWS
    )
    frames_max_count = serializers.IntegerField(allow_null=True, help_text=POLICY_HELP["frames_max_count"] + _FOLLOWS)
    uploads_enabled = serializers.BooleanField(allow_null=True, help_text=POLICY_HELP["uploads_enabled"] + _FOLLOWS)
    uploads_max_age_days = serializers.IntegerField(
        allow_null=True, help_text=POLICY_HELP["uploads_max_age_days"] + _FOLLOWS
    )
    uploads_max_bytes = serializers.IntegerField(allow_null=True, help_text=POLICY_HELP["uploads_max_bytes"] + _FOLLOWS)
    cache_max_age_days = serializers.IntegerField(
        allow_null=True, help_text=POLICY_HELP["cache_max_age_days"] + _FOLLOWS
    )
    rows_max_age_days = serializers.IntegerField(allow_null=True, help_text=POLICY_HELP["rows_max_age_days"] + _FOLLOWS)
    alerts_max_age_days = serializers.IntegerField(
        allow_null=True, help_text=POLICY_HELP["alerts_max_age_days"] + _FOLLOWS
    )


class StorageFilesystemSerializer(serializers.Serializer):
    """The media root's filesystem against the free-space floor."""

    total_bytes = serializers.IntegerField(help_text="Size of the filesystem holding the media root.")
    free_bytes = serializers.IntegerField(help_text="Free bytes, as an unprivileged writer sees them.")
    floor_bytes = serializers.IntegerField(help_text="max(NEM_STORAGE_FLOOR_BYTES, floor_percent of total_bytes)")
    floor_percent = serializers.FloatField(help_text="NEM_STORAGE_FLOOR_PERCENT.")
    floor_ok = serializers.BooleanField(help_text="Whether free_bytes is at least floor_bytes.")


class StorageSerializer(serializers.Serializer):
    """A camera's storage use, its policy and the filesystem."""

    camera_id = serializers.CharField(help_text="The camera's id.")
    measured_at = UTCDateTimeField(help_text="When the files were last walked (UTC).")
    categories = StorageCategoriesSerializer(help_text="Usage per category of file.")
    total = StorageTotalSerializer(help_text="All categories together.")
    policy = RetentionPolicySerializer(help_text="The retention policy in effect for this camera.")
    filesystem = StorageFilesystemSerializer(allow_null=True, help_text="The media root's filesystem; null if unknown.")


# Built with type(): "global" is a Python keyword, so it cannot be a class attribute in a class body.
StoragePolicySerializer = type(
    "StoragePolicySerializer",
    (serializers.Serializer,),
    {
        "__module__": __name__,
        "__doc__": "A camera's retention policy: in effect, its own overrides, the global settings.",
        "camera_id": serializers.CharField(help_text="The camera's id."),
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


def _override(field_class, **kwargs):
    return field_class(allow_null=True, required=False, **kwargs)


_DAYS = {"min_value": 0, "max_value": 36500}


class StoragePolicyChangeSerializer(StrictSerializer):
    """A camera's retention overrides. Null (or, with PUT, absent) follows the global setting; 0 means no limit."""

    frames_max_age_hours = _override(
        serializers.IntegerField, min_value=0, max_value=876000, help_text=POLICY_HELP["frames_max_age_hours"]
    )
    frames_max_count = _override(
        serializers.IntegerField, min_value=0, max_value=100_000_000, help_text=POLICY_HELP["frames_max_count"]
    )
    uploads_enabled = _override(serializers.BooleanField, help_text=POLICY_HELP["uploads_enabled"])
    uploads_max_age_days = _override(serializers.IntegerField, **_DAYS, help_text=POLICY_HELP["uploads_max_age_days"])
    uploads_max_bytes = _override(
        serializers.IntegerField, min_value=0, max_value=2**62, help_text=POLICY_HELP["uploads_max_bytes"]
    )
    cache_max_age_days = _override(serializers.IntegerField, **_DAYS, help_text=POLICY_HELP["cache_max_age_days"])
    rows_max_age_days = _override(serializers.IntegerField, **_DAYS, help_text=POLICY_HELP["rows_max_age_days"])
    alerts_max_age_days = _override(serializers.IntegerField, **_DAYS, help_text=POLICY_HELP["alerts_max_age_days"])
