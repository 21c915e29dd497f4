"""Thin views: read the request, call one service, render the contract's shape. The published
texts and examples are in ``baselines.api.schema``."""

from __future__ import annotations

from urllib.parse import urlencode

from rest_framework import mixins, viewsets
from rest_framework.response import Response

from baselines import services
from baselines.api import schema
from baselines.api.serializers import (
    ActivitySerializer,
    AnomalySerializer,
    BaselineConfigSerializer,
    BaselineConfigUpdateSerializer,
    BaselineResetSerializer,
    BaselineSummarySerializer,
    ClassesSerializer,
    DetectionSerializer,
    EventSerializer,
)
from baselines.filtersets import DetectionFilterSet, EventFilterSet
from baselines.models import Detection, Event
from cameras.services import camera_get_live
from nem.api import StrictQueryMixin, created
from nem.errors import InvalidInput
from nem.pagination import parse_int_param


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255 or not key.isprintable():
        raise InvalidInput({"Idempotency-Key": ["must be 1-255 printable characters"]})
    return key


def _batch_location(payload) -> str:
    """The list of the batch's camera when it names one camera, else the whole list."""
    cameras = {item.get("camera_id") for item in payload.get("detections", []) if isinstance(item, dict)}
    if len(cameras) == 1:
        return "/api/detections?" + urlencode({"camera_id": cameras.pop()})
    return "/api/detections"


@schema.DETECTIONS
class DetectionViewSet(StrictQueryMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Detections reported by external detectors."""

    queryset = Detection.objects.all()
    serializer_class = DetectionSerializer
    filterset_class = DetectionFilterSet
    ordering_fields = schema.DETECTION_ORDERING
    ordering = ["-detected_at"]

    def create(self, request, *args, **kwargs):
        result = services.detections_ingest(payload=request.data, idempotency_key=_idempotency_key(request))
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return created({"created": result.created}, _batch_location(request.data), headers=headers)


@schema.EVENTS
class EventViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Detections grouped into episodes of activity."""

    queryset = Event.objects.all()
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    ordering_fields = schema.EVENT_ORDERING
    ordering = ["-started_at"]


class CameraBaselineViewSet(StrictQueryMixin, viewsets.ViewSet):
    """The baseline operations of one camera; each answers 404 for an unknown or trashed camera."""

    def allowed_query_params(self) -> set[str]:
        names = super().allowed_query_params()
        return names | {"days"} if self.action == "anomalies" else names

    @schema.SUMMARY
    def summary(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        return Response(BaselineSummarySerializer(services.baseline_summary(camera=camera)).data)

    @schema.ACTIVITY
    def activity(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        return Response(ActivitySerializer(services.baseline_activity(camera=camera)).data)

    @schema.CLASSES
    def classes(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        return Response(ClassesSerializer(services.baseline_classes(camera=camera)).data)

    @schema.ANOMALIES
    def anomalies(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        days = parse_int_param(request, "days", 7, 1, 90)
        data = services.baseline_anomalies(camera=camera, days=days)
        data["anomalies"] = AnomalySerializer(data["anomalies"], many=True).data
        return Response(data)

    @schema.CONFIG
    def config(self, request, camera_id: str):
        return Response(BaselineConfigSerializer(services.baseline_config_get(camera_id=camera_id)).data)

    @schema.CONFIG_PUT
    def config_update(self, request, camera_id: str):
        return self._config_write(request, camera_id, partial=False)

    @schema.CONFIG_PATCH
    def config_partial_update(self, request, camera_id: str):
        return self._config_write(request, camera_id, partial=True)

    def _config_write(self, request, camera_id: str, *, partial: bool):
        camera_get_live(camera_id=camera_id)
        serializer = BaselineConfigUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = services.baseline_config_update(camera_id=camera_id, data=serializer.validated_data)
        return Response(BaselineConfigSerializer(data).data)

    @schema.RESET
    def reset(self, request, camera_id: str):
        return Response(BaselineResetSerializer(services.baseline_reset(camera_id=camera_id)).data)
