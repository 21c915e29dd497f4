"""Output serializers (ModelSerializers with explicit fields) and the small input serializers of
the baseline workflows. The report shapes are documented here and built by the services."""

from __future__ import annotations

from rest_framework import serializers

from baselines.models import Anomaly, Detection, Event
from baselines.services.ingest_validation import ITEM_TABLE, MAX_ITEMS, ItemField
from nem.serializers import FiniteFloatField, ModelSerializer, StrictSerializer, UTCDateTimeField


class DetectionSerializer(ModelSerializer):
    camera_id = serializers.CharField(read_only=True)

    class Meta:
        model = Detection
        fields = [
            "id",
            "camera_id",
            "detected_at",
            "object_type",
            "confidence",
            "bbox_x",
            "bbox_y",
            "bbox_width",
            "bbox_height",
            "file_path",
            "created_at",
        ]


def _item_field(field: ItemField) -> serializers.Field:
    """The serializer field that documents one row of the ingest validation table."""
    common = {"required": field.required, "allow_null": not field.required, "help_text": field.help_text}
    if field.kind == "number":
        return serializers.FloatField(min_value=field.minimum, max_value=field.maximum, **common)
    if field.kind == "datetime":
        return UTCDateTimeField(**common)
    return serializers.CharField(max_length=field.max_length, allow_blank=not field.non_empty, **common)


# Generated from ITEM_TABLE, the table the service checks items with: the published schema is
# the rule the service applies. Documentation only: the service checks a batch itself.
DetectionItemSerializer = type(
    "DetectionItemSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "One detection reported by an external detector.",
        "__module__": __name__,
        **{field.name: _item_field(field) for field in ITEM_TABLE},
    },
)


class DetectionBatchSerializer(serializers.Serializer):
    """Detections to store, all or nothing."""

    detections = serializers.ListField(
        child=DetectionItemSerializer(), min_length=1, max_length=MAX_ITEMS, help_text=f"1 to {MAX_ITEMS} detections."
    )


class DetectionCreatedSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class EventSerializer(ModelSerializer):
    camera_id = serializers.CharField(read_only=True)
    object_types = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Event
        fields = ["id", "camera_id", "started_at", "ended_at", "detection_count", "object_types"]


class AnomalySerializer(ModelSerializer):
    timestamp = UTCDateTimeField(source="hour_start", help_text="Start of the anomalous hour (of an absence's first hour).")
    ends_at = UTCDateTimeField(help_text="End of the anomalous span: one hour, or an absence's run of empty hours.")
    hours = serializers.IntegerField(help_text="Hours spanned: 1 for a surge; an absence's consecutive empty hours.")
    detection_class = serializers.CharField(help_text='The object class, or "all" for all activity.')
    expected_frequency = serializers.SerializerMethodField()
    observed_frequency = serializers.IntegerField(source="observed_count")
    anomaly_score = serializers.SerializerMethodField()

    class Meta:
        model = Anomaly
        fields = [
            "id",
            "timestamp",
            "detection_class",
            "kind",
            "anomaly_score",
            "expected_frequency",
            "observed_frequency",
            "reason",
            "detected_at",
            "ends_at",
            "hours",
        ]

    def get_expected_frequency(self, obj) -> float:
        return round(obj.expected_count, 4)

    def get_anomaly_score(self, obj) -> float:
        return round(obj.anomaly_score, 6)


class AnomalyListSerializer(serializers.Serializer):
    camera_id = serializers.CharField()
    anomalies = AnomalySerializer(many=True)
    count = serializers.IntegerField()
    period_days = serializers.IntegerField()


class DeviationSerializer(serializers.Serializer):
    score = serializers.FloatField(help_text="z = (observed - slot mean) / max(slot std, 1), last completed hour.")
    interpretation = serializers.ChoiceField(
        choices=[
            "far_below_normal",
            "below_normal",
            "normal",
            "slightly_above_normal",
            "above_normal",
            "far_above_normal",
        ]
    )
    contributing_factors = serializers.ListField(child=serializers.CharField())
    hour_start = UTCDateTimeField()
    observed_count = serializers.IntegerField()
    expected_count = serializers.FloatField()


class HourlyPatternSerializer(serializers.Serializer):
    avg_detections = serializers.FloatField()
    std_dev = serializers.FloatField()
    sample_count = serializers.IntegerField()


class DailyPatternSerializer(serializers.Serializer):
    avg_detections = serializers.FloatField(help_text="Mean detections per hour that weekday.")
    expected_total = serializers.FloatField(help_text="Expected detections over the whole day.")
    peak_hour = serializers.IntegerField()
    total_samples = serializers.IntegerField()


class ObjectBaselineSerializer(serializers.Serializer):
    avg_hourly = serializers.FloatField()
    peak_hour = serializers.IntegerField()
    total_detections = serializers.IntegerField()


class BaselineSummarySerializer(serializers.Serializer):
    camera_id = serializers.CharField()
    camera_name = serializers.CharField()
    timezone = serializers.CharField()
    baseline_established = UTCDateTimeField(allow_null=True)
    learning_complete = serializers.BooleanField()
    data_points = serializers.IntegerField()
    hourly_patterns = serializers.DictField(child=HourlyPatternSerializer(), help_text='Keyed by hour, "0".."23".')
    daily_patterns = serializers.DictField(child=DailyPatternSerializer(), help_text='Keyed by "monday".."sunday".')
    object_baselines = serializers.DictField(child=ObjectBaselineSerializer(), help_text="Keyed by object class.")
    current_deviation = DeviationSerializer(allow_null=True)


class ActivityEntrySerializer(serializers.Serializer):
    hour = serializers.IntegerField()
    day_of_week = serializers.IntegerField(help_text="0 = Monday, on the camera's clock.")
    avg_count = serializers.FloatField()
    std_dev = serializers.FloatField()
    sample_count = serializers.IntegerField(help_text="Hours observed in this slot.")
    is_peak = serializers.BooleanField()


class ActivitySerializer(serializers.Serializer):
    camera_id = serializers.CharField()
    entries = ActivityEntrySerializer(many=True)
    total_samples = serializers.IntegerField()
    peak_hour = serializers.IntegerField(allow_null=True)
    peak_day = serializers.IntegerField(allow_null=True)
    learning_complete = serializers.BooleanField()
    min_samples_required = serializers.IntegerField()


class ClassEntrySerializer(serializers.Serializer):
    object_class = serializers.CharField()
    hour = serializers.IntegerField()
    frequency = serializers.FloatField(help_text="Weighted mean detections of this class per hour.")
    std_dev = serializers.FloatField()
    sample_count = serializers.IntegerField(help_text="Detections of this class at this hour in the window.")
    hours_observed = serializers.IntegerField()


class ClassesSerializer(serializers.Serializer):
    camera_id = serializers.CharField()
    entries = ClassEntrySerializer(many=True)
    unique_classes = serializers.ListField(child=serializers.CharField())
    total_samples = serializers.IntegerField()
    most_common_class = serializers.CharField(allow_null=True)


class GlobalConfigSerializer(serializers.Serializer):
    threshold_stdev = serializers.FloatField()
    min_samples = serializers.IntegerField()
    decay_factor = serializers.FloatField()
    window_days = serializers.IntegerField()


class CameraConfigSerializer(serializers.Serializer):
    threshold_stdev = serializers.FloatField(allow_null=True)
    min_samples = serializers.IntegerField(allow_null=True)


class BaselineConfigSerializer(serializers.Serializer):
    camera_id = serializers.CharField()
    threshold_stdev = serializers.FloatField(help_text="In effect (the camera's own while it overrides).")
    min_samples = serializers.IntegerField(help_text="In effect.")
    override_global_config = serializers.BooleanField()
    camera_config = CameraConfigSerializer()
    global_config = GlobalConfigSerializer()


class BaselineConfigInSerializer(StrictSerializer):
    """Any subset; values must be sane (the earlier system answered 500 here)."""

    threshold_stdev = FiniteFloatField(required=False, min_value=0.5, max_value=10.0)
    min_samples = serializers.IntegerField(required=False, min_value=1, max_value=10000)
    override_global_config = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                "send at least one of threshold_stdev, min_samples, override_global_config"
            )
        return attrs


class ResetCountsSerializer(serializers.Serializer):
    activity_slots = serializers.IntegerField()
    class_slots = serializers.IntegerField()
    hourly_counts = serializers.IntegerField()


class BaselineResetSerializer(serializers.Serializer):
    camera_id = serializers.CharField()
    deleted = ResetCountsSerializer()
    learning_since = UTCDateTimeField()
