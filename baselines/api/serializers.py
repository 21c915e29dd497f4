"""Output serializers (explicit fields, each with its published description) and the input
serializers of the baseline operations. The report shapes are documented here and built by the
services."""

from __future__ import annotations

from rest_framework import serializers

from baselines.models import Anomaly, Detection, Event
from baselines.services.ingest_validation import ITEM_TABLE, MAX_ITEMS, ItemField
from nem.serializers import FiniteFloatField, ModelSerializer, StrictSerializer, UTCDateTimeField


class DetectionSerializer(ModelSerializer):
    """A stored detection."""

    id = serializers.IntegerField(read_only=True, help_text="The detection's id.")
    camera_id = serializers.CharField(read_only=True, help_text="The camera it was seen by.")
    detected_at = UTCDateTimeField(help_text="When the object was seen (UTC).")
    object_type = serializers.CharField(help_text="Object class, lower-cased.")
    confidence = serializers.FloatField(help_text="The detector's confidence, 0 to 1.")
    bbox_x = serializers.FloatField(allow_null=True, help_text="Left edge of the bounding box, in pixels.")
    bbox_y = serializers.FloatField(allow_null=True, help_text="Top edge of the bounding box, in pixels.")
    bbox_width = serializers.FloatField(allow_null=True, help_text="Width of the bounding box, in pixels.")
    bbox_height = serializers.FloatField(allow_null=True, help_text="Height of the bounding box, in pixels.")
    file_path = serializers.CharField(help_text="The image or video the detection was made on; empty if not sent.")
    created_at = UTCDateTimeField(read_only=True, help_text="When it was stored.")

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
    """What a batch stored."""

    created = serializers.IntegerField(help_text="Detections stored (on a replay: stored by the first request).")


class EventSerializer(ModelSerializer):
    """Detections of one camera less than the event gap apart, as one episode of activity."""

    id = serializers.IntegerField(read_only=True, help_text="The event's id.")
    camera_id = serializers.CharField(read_only=True, help_text="The camera the detections were seen by.")
    started_at = UTCDateTimeField(help_text="Its first detection (UTC).")
    ended_at = UTCDateTimeField(help_text="Its last detection (UTC).")
    detection_count = serializers.IntegerField(help_text="Detections it groups.")
    object_types = serializers.ListField(child=serializers.CharField(), help_text="Object classes seen, sorted.")

    class Meta:
        model = Event
        fields = ["id", "camera_id", "started_at", "ended_at", "detection_count", "object_types"]


class AnomalySerializer(ModelSerializer):
    """An anomalous span of a camera's activity."""

    id = serializers.IntegerField(read_only=True, help_text="The anomaly's id.")
    timestamp = UTCDateTimeField(source="hour_start", help_text="Start of the anomalous hour (of an absence's first hour).")
    detection_class = serializers.CharField(help_text='The object class, or "all" for all activity.')
    kind = serializers.ChoiceField(
        choices=Anomaly.Kind.choices,
        help_text="surge: more detections than the baseline makes plausible; absence: none in hours that are "
        "normally busy.",
    )
    anomaly_score = serializers.SerializerMethodField(help_text="1 - the probability of the observation, 0 to 1.")
    expected_frequency = serializers.SerializerMethodField(help_text="Detections expected in the span.")
    observed_frequency = serializers.IntegerField(source="observed_count", help_text="Detections observed.")
    reason = serializers.CharField(help_text="The anomaly in words.")
    detected_at = UTCDateTimeField(help_text="When the scan found it.")
    ends_at = UTCDateTimeField(help_text="End of the anomalous span: one hour, or an absence's run of empty hours.")
    hours = serializers.IntegerField(help_text="Hours spanned: 1 for a surge; an absence's consecutive empty hours.")

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
    """A camera's recent anomalies, newest first."""

    camera_id = serializers.CharField(help_text="The camera.")
    anomalies = AnomalySerializer(many=True, help_text="Newest first.")
    count = serializers.IntegerField(help_text="Anomalies listed.")
    period_days = serializers.IntegerField(help_text="Days looked back (`days`).")


class DeviationSerializer(serializers.Serializer):
    """The last completed hour against its slot."""

    score = serializers.FloatField(help_text="z = (observed - slot mean) / max(slot std, 1), last completed hour.")
    interpretation = serializers.ChoiceField(
        choices=[
            "far_below_normal",
            "below_normal",
            "normal",
            "slightly_above_normal",
            "above_normal",
            "far_above_normal",
        ],
        help_text="The score in words.",
    )
    contributing_factors = serializers.ListField(
        child=serializers.CharField(), help_text="Classes that moved the score most, in words."
    )
    hour_start = UTCDateTimeField(help_text="Start of the hour judged.")
    observed_count = serializers.IntegerField(help_text="Detections in that hour.")
    expected_count = serializers.FloatField(help_text="The slot's mean detections per hour.")


class HourlyPatternSerializer(serializers.Serializer):
    """One hour of the day, over every weekday."""

    avg_detections = serializers.FloatField(help_text="Mean detections per hour at this hour of day.")
    std_dev = serializers.FloatField(help_text="Their standard deviation.")
    sample_count = serializers.IntegerField(help_text="Hours observed.")


class DailyPatternSerializer(serializers.Serializer):
    """One weekday."""

    avg_detections = serializers.FloatField(help_text="Mean detections per hour that weekday.")
    expected_total = serializers.FloatField(help_text="Expected detections over the whole day.")
    peak_hour = serializers.IntegerField(help_text="The busiest hour of that day (0-23).")
    total_samples = serializers.IntegerField(help_text="Hours observed that weekday.")


class ObjectBaselineSerializer(serializers.Serializer):
    """One object class."""

    avg_hourly = serializers.FloatField(help_text="Mean detections of this class per hour.")
    peak_hour = serializers.IntegerField(help_text="The hour of day it is seen most (0-23).")
    total_detections = serializers.IntegerField(help_text="Its detections in the window.")


class BaselineSummarySerializer(serializers.Serializer):
    """The camera's learnt activity patterns and how the last hour compares."""

    camera_id = serializers.CharField(help_text="The camera.")
    camera_name = serializers.CharField(help_text="Its name.")
    timezone = serializers.CharField(help_text="Its clock: hours and weekdays are local to it.")
    baseline_established = UTCDateTimeField(allow_null=True, help_text="When learning first completed; null before.")
    learning_complete = serializers.BooleanField(help_text="True once 80 % of the 168 slots have enough samples.")
    data_points = serializers.IntegerField(help_text="Observed hours in the window.")
    hourly_patterns = serializers.DictField(child=HourlyPatternSerializer(), help_text='Keyed by hour, "0".."23".')
    daily_patterns = serializers.DictField(child=DailyPatternSerializer(), help_text='Keyed by "monday".."sunday".')
    object_baselines = serializers.DictField(child=ObjectBaselineSerializer(), help_text="Keyed by object class.")
    current_deviation = DeviationSerializer(
        allow_null=True, help_text="The last completed hour against its slot; null while learning."
    )


class ActivityEntrySerializer(serializers.Serializer):
    """One (weekday, hour) slot."""

    hour = serializers.IntegerField(help_text="Hour of day, 0-23, on the camera's clock.")
    day_of_week = serializers.IntegerField(help_text="0 = Monday, on the camera's clock.")
    avg_count = serializers.FloatField(help_text="Weighted mean detections per hour.")
    std_dev = serializers.FloatField(help_text="Weighted standard deviation.")
    sample_count = serializers.IntegerField(help_text="Hours observed in this slot.")
    is_peak = serializers.BooleanField(help_text="True for the busiest slot.")


class ActivitySerializer(serializers.Serializer):
    """The 168 activity slots of a camera."""

    camera_id = serializers.CharField(help_text="The camera.")
    entries = ActivityEntrySerializer(many=True, help_text="One per (day_of_week, hour).")
    total_samples = serializers.IntegerField(help_text="Observed hours over all slots.")
    peak_hour = serializers.IntegerField(allow_null=True, help_text="Hour of the busiest slot; null before any data.")
    peak_day = serializers.IntegerField(allow_null=True, help_text="Weekday of the busiest slot; null before any data.")
    learning_complete = serializers.BooleanField(help_text="True once 80 % of the slots have `min_samples_required`.")
    min_samples_required = serializers.IntegerField(help_text="Observed hours a slot needs to be used.")


class ClassEntrySerializer(serializers.Serializer):
    """One (object class, hour of day) slot."""

    object_class = serializers.CharField(help_text="The object class.")
    hour = serializers.IntegerField(help_text="Hour of day, 0-23, on the camera's clock.")
    frequency = serializers.FloatField(help_text="Weighted mean detections of this class per hour.")
    std_dev = serializers.FloatField(help_text="Weighted standard deviation.")
    sample_count = serializers.IntegerField(help_text="Detections of this class at this hour in the window.")
    hours_observed = serializers.IntegerField(help_text="Hours observed at this hour of day.")


class ClassesSerializer(serializers.Serializer):
    """The per-class slots of a camera."""

    camera_id = serializers.CharField(help_text="The camera.")
    entries = ClassEntrySerializer(many=True, help_text="24 per class seen.")
    unique_classes = serializers.ListField(child=serializers.CharField(), help_text="Classes seen, sorted.")
    total_samples = serializers.IntegerField(help_text="Detections over all classes in the window.")
    most_common_class = serializers.CharField(allow_null=True, help_text="The class seen most; null before any data.")


class GlobalConfigSerializer(serializers.Serializer):
    """The global settings."""

    threshold_stdev = serializers.FloatField(help_text="Anomaly threshold, in standard deviations.")
    min_samples = serializers.IntegerField(help_text="Observed hours a slot needs to be used.")
    decay_factor = serializers.FloatField(help_text="Weight of an hour per week of age.")
    window_days = serializers.IntegerField(help_text="Days of history learnt from.")


class CameraConfigSerializer(serializers.Serializer):
    """The camera's own values; null: none (the global value applies)."""

    threshold_stdev = serializers.FloatField(allow_null=True, help_text="The camera's own threshold, or null.")
    min_samples = serializers.IntegerField(allow_null=True, help_text="The camera's own minimum, or null.")


class BaselineConfigSerializer(serializers.Serializer):
    """The baseline configuration of a camera: what is in effect, its own values, the global ones."""

    camera_id = serializers.CharField(help_text="The camera.")
    threshold_stdev = serializers.FloatField(help_text="In effect (the camera's own while it overrides).")
    min_samples = serializers.IntegerField(help_text="In effect.")
    override_global_config = serializers.BooleanField(help_text="True: the camera's own values are in effect.")
    camera_config = CameraConfigSerializer(help_text="The camera's own values.")
    global_config = GlobalConfigSerializer(help_text="The global settings.")


class BaselineConfigUpdateSerializer(StrictSerializer):
    """The camera's baseline configuration: with PUT every field, with PATCH any of them."""

    threshold_stdev = FiniteFloatField(
        min_value=0.5,
        max_value=10.0,
        allow_null=True,
        help_text="The camera's own anomaly threshold, 0.5-10 standard deviations; null: use the global value. "
        "Only while `override_global_config` is true.",
    )
    min_samples = serializers.IntegerField(
        min_value=1,
        max_value=10000,
        allow_null=True,
        help_text="The camera's own minimum of observed hours per slot, 1-10000; null: use the global value. "
        "Only while `override_global_config` is true.",
    )
    override_global_config = serializers.BooleanField(
        help_text="True: the camera's own values are in effect; false: the global settings."
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                "send at least one of threshold_stdev, min_samples, override_global_config"
            )
        return attrs


class ResetCountsSerializer(serializers.Serializer):
    """Rows deleted by a reset."""

    activity_slots = serializers.IntegerField(help_text="Activity slots deleted.")
    class_slots = serializers.IntegerField(help_text="Class slots deleted.")
    hourly_counts = serializers.IntegerField(help_text="Hourly counts deleted (totals and per class).")


class BaselineResetSerializer(serializers.Serializer):
    """What a reset forgot."""

    camera_id = serializers.CharField(help_text="The camera.")
    deleted = ResetCountsSerializer(help_text="Rows deleted.")
    learning_since = UTCDateTimeField(help_text="The camera learns from this instant on.")
