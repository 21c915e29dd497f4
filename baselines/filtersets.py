from django_filters import rest_framework as filters

from baselines.models import Detection, Event
from cameras.models import Camera
from nem.filters import UtcIsoDateTimeFilter


class DetectionFilterSet(filters.FilterSet):
    # Live cameras only: a trashed camera's detections are hidden with it, and naming an
    # unknown or trashed camera is a 422, not a silently empty page.
    camera_id = filters.ModelChoiceFilter(
        field_name="camera", lookup_expr="exact", queryset=Camera.objects.all(), to_field_name="id"
    )
    object_type = filters.CharFilter(field_name="object_type", lookup_expr="iexact")
    start_date = UtcIsoDateTimeFilter(field_name="detected_at", lookup_expr="gte")
    end_date = UtcIsoDateTimeFilter(field_name="detected_at", lookup_expr="lte")
    min_confidence = filters.NumberFilter(field_name="confidence", lookup_expr="gte")

    class Meta:
        model = Detection
        fields = ["camera_id", "object_type", "start_date", "end_date", "min_confidence"]


class EventFilterSet(filters.FilterSet):
    camera_id = filters.ModelChoiceFilter(
        field_name="camera", lookup_expr="exact", queryset=Camera.objects.all(), to_field_name="id"
    )
    start_date = UtcIsoDateTimeFilter(field_name="ended_at", lookup_expr="gte")
    end_date = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="lte")

    class Meta:
        model = Event
        fields = ["camera_id", "start_date", "end_date"]
