from __future__ import annotations

from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from alerts import services
from alerts.api import schema
from alerts.api.serializers import (
    AlertEndpointCreatedSerializer,
    AlertEndpointSerializer,
    AlertEndpointWriteSerializer,
    AlertSerializer,
    DeliverySerializer,
)
from alerts.delivery import delivery_attempt
from alerts.filtersets import AlertFilterSet, DeliveryFilterSet
from alerts.models import Alert, AlertEndpoint, Delivery
from nem.api import COMMON_QUERY_PARAMS, StrictQueryMixin, created
from nem.auth import actor_of
from nem.parsers import StrictJSONParser


def list_only_query_params(view) -> set[str]:
    # Filters, paging and ordering are parameters of the list only: the viewset's other operations
    # refuse them like any unknown parameter.
    if view.action == "list":
        return StrictQueryMixin.allowed_query_params(view)
    return set(COMMON_QUERY_PARAMS) | set(view.query_params_allowed)


@schema.ALERTS
class AlertViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Alerts: one per incident."""

    # Alive only: a trashed camera's alerts are in the trash with it (camera cascade).
    queryset = Alert.objects.all()
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    allowed_query_params = list_only_query_params
    ordering_fields = schema.ALERT_ORDERING
    ordering = ["-opened_at"]

    def retrieve(self, request, *args, **kwargs):
        return Response(AlertSerializer(services.alert_get(alert_id=kwargs["pk"])).data)

    @action(detail=True, methods=["post"], url_path="acknowledge")
    def acknowledge(self, request, pk=None):
        alert = services.alert_acknowledge(alert_id=pk, actor=actor_of(request))
        return Response(AlertSerializer(alert).data)


@schema.ENDPOINTS
class AlertEndpointViewSet(
    StrictQueryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Where alerts are sent besides MQTT."""

    queryset = AlertEndpoint.objects.all()
    serializer_class = AlertEndpointSerializer
    allowed_query_params = list_only_query_params
    ordering_fields = schema.ENDPOINT_ORDERING
    ordering = ["created_at"]
    # JSON only: lists (kinds, camera_ids) have one obvious encoding, and a form could not send an empty one.
    parser_classes = [StrictJSONParser]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def retrieve(self, request, *args, **kwargs):
        return Response(AlertEndpointSerializer(services.endpoint_get(endpoint_id=kwargs["pk"])).data)

    def create(self, request, *args, **kwargs):
        serializer = AlertEndpointWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(data=serializer.validated_data)
        return created(AlertEndpointCreatedSerializer(endpoint).data, f"/api/alert-endpoints/{endpoint.pk}")

    def partial_update(self, request, *args, **kwargs):
        endpoint = services.endpoint_get(endpoint_id=kwargs["pk"])
        serializer = AlertEndpointWriteSerializer(instance=endpoint, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint_id=endpoint.pk, data=serializer.validated_data)
        return Response(AlertEndpointSerializer(endpoint).data)

    def destroy(self, request, *args, **kwargs):
        services.endpoint_delete(endpoint_id=kwargs["pk"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], url_path="test")
    def test(self, request, pk=None):
        endpoint = services.endpoint_get(endpoint_id=pk)
        delivery = services.alert_test_send(endpoint=endpoint)
        delivery = Delivery.objects.select_related("endpoint", "alert").get(pk=delivery.pk)
        delivery_attempt(delivery)
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data)


@schema.DELIVERIES
class DeliveryViewSet(StrictQueryMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The outbox and its log."""

    queryset = Delivery.objects.all()
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilterSet
    allowed_query_params = list_only_query_params
    ordering_fields = schema.DELIVERY_ORDERING
    ordering = ["-created_at"]
