from django_filters import rest_framework as filters

from scenechanges.models import SceneChange


class SceneChangeFilterSet(filters.FilterSet):
    acknowledged = filters.BooleanFilter(
        field_name="acknowledged", lookup_expr="exact", help_text="Only acknowledged (true) or open (false) changes."
    )

    class Meta:
        model = SceneChange
        fields = ["acknowledged"]
