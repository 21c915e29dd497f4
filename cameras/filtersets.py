from django import forms
from django_filters import rest_framework as filters

from cameras.models import Camera, CameraStatus


class CameraFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(field_name="status", lookup_expr="exact", choices=CameraStatus.choices)

    class Meta:
        model = Camera
        fields = ["status"]


class LiveCameraField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value and not Camera.objects.filter(pk=value).exists():
            raise forms.ValidationError(f"no camera {value[:100]!r}; list cameras at /api/cameras")
        return value


class LiveCameraFilter(filters.CharFilter):
    """A live camera's id, for the lists of other apps: a trashed camera's rows are hidden with it,
    and naming an unknown or trashed camera is a 422 that says where cameras are listed, not a
    silently empty page."""

    field_class = LiveCameraField
