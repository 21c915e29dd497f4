from django_filters import rest_framework as filters

from baselines.models import Detection, Event
from cameras.filtersets import LiveCameraFilter
from nem.filters import UtcIsoDateTimeFilter


class DetectionFilterSet(filters.FilterSet):
    camera_id = LiveCameraFilter(
        field_name="camera_id", lookup_expr="exact", help_text="Only this live camera's detections."
    )
    object_type = filters.CharFilter(
        field_name="object_type", lookup_expr="iexact", help_text="Only this object class (case-insensitive)."
    )
    start_date = UtcIsoDateTimeFilter(
        field_name="detected_at", lookup_expr="gte", help_text="Only detections at or after this ISO 8601 instant."
    )
    end_date = UtcIsoDateTimeFilter(
        field_name="detected_at", lookup_expr="lte", help_text="Only detections at or before this ISO 8601 instant."
    )
    min_confidence = filters.NumberFilter(
        field_name="confidence", lookup_expr="gte", help_text="Only detections with at least this confidence (0-1)."
    )

    class Meta:
        model = Detection
        fields = ["camera_id", "object_type", "start_date", "end_date", "min_confidence"]


class EventFilterSet(filters.FilterSet):
    camera_id = LiveCameraFilter(
        field_name="camera_id", lookup_expr="exact", help_text="Only this live camera's events."
    )
    start_date = UtcIsoDateTimeFilter(
        field_name="ended_at", lookup_expr="gte", help_text="Only events still going at or after this ISO 8601 instant."
    )
    end_date = UtcIsoDateTimeFilter(
        field_name="started_at", lookup_expr="lte", help_text="Only events begun at or before this ISO 8601 instant."
    )

    class Meta:
        model = Event
        fields = ["camera_id", "start_date", "end_date"]
