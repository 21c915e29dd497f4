from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from alerts import services
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
from nem.auth import actor_of
from nem.parsers import StrictJSONParser
from nem.schema import problem_responses

ALERT_EXAMPLE = {
    "id": 7,
    "camera_id": "front_door",
    "kind": "camera_offline",
    "severity": "critical",
    "state": "resolved",
    "reason": "back online after 42 min",
    "version": 2,
    "opened_at": "2026-01-23T12:00:00Z",
    "updated_at": "2026-01-23T12:42:00Z",
    "resolved_at": "2026-01-23T12:42:00Z",
    "acknowledged_at": None,
    "acknowledged_by": "",
    "scene_change_id": None,
    "anomaly_id": None,
    "evidence_path": "",
    "hold": False,
    "details": {"previous": "online", "status": "offline"},
}


@extend_schema_view(
    list=extend_schema(
        summary="List alerts",
        description=(
            "One alert per incident (a tamper episode, an anomaly, a camera offline until it recovers), newest "
            "first by `opened_at`. Filters: `camera_id`, `kind`, `state` (open, updated, resolved), `since` "
            "(opened at or after). `cursor` pages over (opened_at, id)."
        ),
        responses={200: AlertSerializer(many=True), **problem_responses(401, 422)},
        examples=[OpenApiExample("Alert", value=ALERT_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(summary="Get an alert", responses={200: AlertSerializer, **problem_responses(401, 404)}),
)
class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    # Alive only: a trashed camera's alerts are in the trash with it (camera cascade).
    queryset = Alert.objects.for_api()
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet

    def retrieve(self, request, *args, **kwargs):
        alert = services.alert_get(alert_id=kwargs["pk"])
        return Response(AlertSerializer(alert).data)

    @extend_schema(
        summary="Acknowledge an alert",
        description=(
            "Idempotent. A tamper alert acknowledges its scene change too (and the scene change's own "
            "acknowledgement resolves the alert); an anomaly alert is resolved; an offline or error alert is "
            "marked acknowledged and resolves when the camera recovers."
        ),
        request=None,
        responses={200: AlertSerializer, **problem_responses(401, 404)},
    )
    @action(detail=True, methods=["post"], url_path="acknowledge", filterset_class=None)
    def acknowledge(self, request, pk=None):
        alert = services.alert_acknowledge(alert_id=pk, actor=actor_of(request))
        return Response(AlertSerializer(alert).data)


@extend_schema_view(
    list=extend_schema(
        summary="List alert endpoints",
        responses={200: AlertEndpointSerializer(many=True), **problem_responses(401, 422)},
    ),
    retrieve=extend_schema(
        summary="Get an alert endpoint", responses={200: AlertEndpointSerializer, **problem_responses(401, 404)}
    ),
    create=extend_schema(
        summary="Create an alert endpoint",
        description=(
            "`kind` webhook: `url` is http(s); deliveries are signed per Standard Webhooks with a per-endpoint "
            "secret returned once, in this response (`secret`). `kind` apprise: `url` is an Apprise URL "
            "(`ntfys://ntfy.sh/topic`, `tgram://...`). `url` is write-only. Filters: `kinds`, `camera_ids` (empty "
            "= all), `min_severity`; `cooldown_seconds` per camera and kind, and camera-local quiet hours, hold "
            "back new alerts."
        ),
        request=AlertEndpointWriteSerializer,
        responses={201: AlertEndpointCreatedSerializer, **problem_responses(401, 422)},
        examples=[
            OpenApiExample(
                "Webhook",
                request_only=True,
                value={
                    "name": "home-assistant",
                    "kind": "webhook",
                    "url": "https://ha.example.org/api/webhook/nem",
                    "kinds": ["tamper", "camera_offline"],
                    "min_severity": "warning",
                },
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Update an alert endpoint",
        request=AlertEndpointWriteSerializer,
        responses={200: AlertEndpointSerializer, **problem_responses(401, 404, 422)},
    ),
    destroy=extend_schema(
        summary="Delete an alert endpoint (and its delivery log)", responses={204: None, **problem_responses(401, 404)}
    ),
)
class AlertEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = AlertEndpoint.objects.order_by("created_at", "id")
    serializer_class = AlertEndpointSerializer
    # JSON only: lists (kinds, camera_ids) have one obvious encoding, and a form could not send an empty one.
    parser_classes = [StrictJSONParser]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def retrieve(self, request, *args, **kwargs):
        return Response(AlertEndpointSerializer(services.endpoint_get(endpoint_id=kwargs["pk"])).data)

    def create(self, request, *args, **kwargs):
        serializer = AlertEndpointWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(data=serializer.validated_data)
        return Response(AlertEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        endpoint = services.endpoint_get(endpoint_id=kwargs["pk"])
        serializer = AlertEndpointWriteSerializer(instance=endpoint, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint_id=endpoint.pk, data=serializer.validated_data)
        return Response(AlertEndpointSerializer(endpoint).data)

    def destroy(self, request, *args, **kwargs):
        services.endpoint_delete(endpoint_id=kwargs["pk"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Send a test alert to this endpoint",
        description=(
            "Writes a test alert to the outbox for this endpoint only and sends it at once through the real path "
            "(signature, target rules). Answers the delivery record: `state` delivered, or pending with "
            "`last_error` and a retry scheduled."
        ),
        request=None,
        responses={200: DeliverySerializer, **problem_responses(401, 404)},
    )
    @action(detail=True, methods=["post"], url_path="test")
    def test(self, request, pk=None):
        endpoint = services.endpoint_get(endpoint_id=pk)
        delivery = services.alert_test_send(endpoint=endpoint)
        delivery = Delivery.objects.select_related("endpoint", "alert").get(pk=delivery.pk)
        delivery_attempt(delivery)
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data)


@extend_schema_view(
    list=extend_schema(
        summary="List alert deliveries",
        description=(
            "The outbox and its log, newest first: one row per alert version and channel (mqtt, webhook, "
            "apprise). `state` pending, delivered or dead (dead letters: retried for NEM_ALERT_MAX_AGE). "
            "Filters: `alert_id`, `endpoint_id`, `channel`, `state`."
        ),
        responses={200: DeliverySerializer(many=True), **problem_responses(401, 422)},
    ),
)
class DeliveryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Delivery.objects.order_by("-id")
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilterSet
