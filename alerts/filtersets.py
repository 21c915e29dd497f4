from django import forms
from django_filters import rest_framework as filters

from alerts.models import Alert, AlertKind, AlertState, Channel, Delivery, DeliveryState
from cameras.filtersets import LiveCameraFilter
from nem.filters import UtcIsoDateTimeFilter


class AlertFilterSet(filters.FilterSet):
    camera_id = LiveCameraFilter(
        field_name="camera_id", lookup_expr="exact", help_text="Only this live camera's alerts."
    )
    kind = filters.ChoiceFilter(
        field_name="kind", lookup_expr="exact", choices=AlertKind.choices, help_text="Only alerts of this kind."
    )
    state = filters.ChoiceFilter(
        field_name="state", lookup_expr="exact", choices=AlertState.choices, help_text="Only alerts in this state."
    )
    since = UtcIsoDateTimeFilter(
        field_name="opened_at", lookup_expr="gte", help_text="Only alerts opened at or after this ISO 8601 instant."
    )

    class Meta:
        model = Alert
        fields = ["camera_id", "kind", "state", "since"]


class IdFilter(filters.NumberFilter):
    # A row id: a whole number in the database's bigint range (else 422, never a 500).

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class DeliveryFilterSet(filters.FilterSet):
    alert_id = IdFilter(field_name="alert_id", lookup_expr="exact", help_text="Only deliveries of this alert.")
    endpoint_id = IdFilter(field_name="endpoint_id", lookup_expr="exact", help_text="Only deliveries to this endpoint.")
    channel = filters.ChoiceFilter(
        field_name="channel", lookup_expr="exact", choices=Channel.choices, help_text="Only this channel's."
    )
    state = filters.ChoiceFilter(
        field_name="state",
        lookup_expr="exact",
        choices=DeliveryState.choices,
        help_text="Only deliveries in this state.",
    )

    class Meta:
        model = Delivery
        fields = ["alert_id", "endpoint_id", "channel", "state"]
