from django_filters import rest_framework as filters

from cameras.models import Camera, CameraStatus


class CameraFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(field_name="status", lookup_expr="exact", choices=CameraStatus.choices)

    class Meta:
        model = Camera
        fields = ["status"]
