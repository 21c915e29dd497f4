from django import forms
from django_filters import rest_framework as filters

from alerts.models import Alert, AlertKind, AlertState, Channel, Delivery, DeliveryState
from cameras.models import Camera
from nem.filters import UtcIsoDateTimeFilter


class AlertFilterSet(filters.FilterSet):
    # Live cameras only, as everywhere: naming an unknown or trashed camera is a 422.
    camera_id = filters.ModelChoiceFilter(
        field_name="camera", lookup_expr="exact", queryset=Camera.objects.all(), to_field_name="id"
    )
    kind = filters.ChoiceFilter(field_name="kind", lookup_expr="exact", choices=AlertKind.choices)
    state = filters.ChoiceFilter(field_name="state", lookup_expr="exact", choices=AlertState.choices)
    since = UtcIsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")

    class Meta:
        model = Alert
        fields = ["camera_id", "kind", "state", "since"]


class IdFilter(filters.NumberFilter):
    """A row id: a whole number in the database's bigint range (else 422, never a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class DeliveryFilterSet(filters.FilterSet):
    alert_id = IdFilter(field_name="alert_id", lookup_expr="exact")
    endpoint_id = IdFilter(field_name="endpoint_id", lookup_expr="exact")
    channel = filters.ChoiceFilter(field_name="channel", lookup_expr="exact", choices=Channel.choices)
    state = filters.ChoiceFilter(field_name="state", lookup_expr="exact", choices=DeliveryState.choices)

    class Meta:
        model = Delivery
        fields = ["alert_id", "endpoint_id", "channel", "state"]
