"""Thin views: validate input, call one service, render the contract's shape."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from baselines import services
from baselines.api.serializers import (
    ActivitySerializer,
    AnomalyListSerializer,
    AnomalySerializer,
    BaselineConfigInSerializer,
    BaselineConfigSerializer,
    BaselineResetSerializer,
    BaselineSummarySerializer,
    ClassesSerializer,
    DetectionBatchSerializer,
    DetectionCreatedSerializer,
    DetectionSerializer,
    EventSerializer,
)
from baselines.filtersets import DetectionFilterSet, EventFilterSet
from baselines.models import Detection, Event
from cameras.services import camera_get_live
from nem.errors import UnprocessableEntity
from nem.pagination import parse_int_param
from nem.schema import problem_responses

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Optional, up to 255 characters. A retry with the same key and payload stores nothing and answers the "
        "first result again (header `Idempotent-Replayed: true`); the same key with another payload is a 409. "
        "Keys are remembered for NEM_DETECTION_IDEMPOTENCY_HOURS (24 h)."
    ),
)
CAMERA_ID = OpenApiParameter("camera_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Camera id.")


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255 or not key.isprintable():
        raise UnprocessableEntity("Idempotency-Key", "must be 1-255 printable characters")
    return key


@extend_schema_view(
    list=extend_schema(
        summary="List detections",
        description="Oldest first, ordered by (detected_at, id). `camera_id` must name a live camera (else 422).",
        responses={200: DetectionSerializer(many=True), **problem_responses(401, 422)},
    ),
    create=extend_schema(
        summary="Store detections (bulk)",
        description=(
            "Up to 1000 detections from an external detector, all or nothing: one bad item is a 422 naming its "
            "index (`detections.3.camera_id`) and nothing is stored. An unknown or trashed camera is a 422 for "
            "that item. Detections of one camera less than 90 s apart are grouped into events, in whatever "
            "order they arrive. Send an `Idempotency-Key` to make retries safe: without one, every item is a new "
            "detection (two identical detections can be real, e.g. two people in one frame)."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=DetectionBatchSerializer,
        responses={201: DetectionCreatedSerializer, **problem_responses(401, 409, 422)},
        examples=[
            OpenApiExample(
                "Two detections",
                request_only=True,
                value={
                    "detections": [
                        {
                            "camera_id": "front_door",
                            "detected_at": "2026-01-23T12:00:00Z",
                            "object_type": "person",
                            "confidence": 0.91,
                            "bbox_x": 120,
                            "bbox_y": 80,
                            "bbox_width": 60,
                            "bbox_height": 180,
                            "file_path": "/export/foscam/front_door/snap_001.jpg",
                        },
                        {
                            "camera_id": "front_door",
                            "detected_at": "2026-01-23T12:00:30Z",
                            "object_type": "car",
                            "confidence": 0.8,
                        },
                    ]
                },
            ),
            OpenApiExample("Created", response_only=True, status_codes=["201"], value={"created": 2}),
        ],
    ),
)
class DetectionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Detection.objects.order_by("detected_at", "id")
    serializer_class = DetectionSerializer
    filterset_class = DetectionFilterSet

    def create(self, request, *args, **kwargs):
        result = services.detections_ingest(payload=request.data, idempotency_key=_idempotency_key(request))
        headers = {"Idempotent-Replayed": "true"} if result.replayed else None
        return Response({"created": result.created}, status=status.HTTP_201_CREATED, headers=headers)


@extend_schema_view(
    list=extend_schema(
        summary="List events",
        description=(
            "Episodes of activity: detections of one camera less than 90 s apart. Ordered by (started_at, id). "
            "`start_date`/`end_date` select events overlapping that interval."
        ),
        responses={200: EventSerializer(many=True), **problem_responses(401, 422)},
    ),
    retrieve=extend_schema(summary="Get an event", responses={200: EventSerializer, **problem_responses(401, 404)}),
)
class EventViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Event.objects.order_by("started_at", "id")
    serializer_class = EventSerializer
    filterset_class = EventFilterSet


_NOT_FOUND = problem_responses(404, e404="Camera not found (or trashed)")


class CameraBaselineViewSet(viewsets.ViewSet):
    """The baseline endpoints of one camera. Every one answers 404 for an unknown or trashed camera."""

    @extend_schema(
        summary="Baseline summary",
        description=(
            "Hourly, daily and per-class patterns of the camera's learnt baseline (hours and weekdays on the "
            "camera's clock), and `current_deviation`: the last completed hour against its slot as a z-score "
            "object, or null while the baseline is still learning."
        ),
        parameters=[CAMERA_ID],
        responses={200: BaselineSummarySerializer, **problem_responses(401), **_NOT_FOUND},
    )
    def summary(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        return Response(BaselineSummarySerializer(services.baseline_summary(camera=camera)).data)

    @extend_schema(
        summary="Activity baseline (24 x 7)",
        description=(
            "One entry per (day_of_week, hour) slot: weighted mean and std of detections per hour, hours observed. "
            "`learning_complete` once 80 % of the 168 slots have `min_samples_required` hours."
        ),
        parameters=[CAMERA_ID],
        responses={200: ActivitySerializer, **problem_responses(401), **_NOT_FOUND},
    )
    def activity(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        return Response(ActivitySerializer(services.baseline_activity(camera=camera)).data)

    @extend_schema(
        summary="Class baseline",
        description="One entry per (object class, hour of day): weighted mean detections of that class per hour.",
        parameters=[CAMERA_ID],
        responses={200: ClassesSerializer, **problem_responses(401), **_NOT_FOUND},
    )
    def classes(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        return Response(ClassesSerializer(services.baseline_classes(camera=camera)).data)

    @extend_schema(
        summary="Recent anomalies",
        description=(
            "Anomalous hours found by the hourly scan, newest first: surges (`anomaly_score` = 1 - P(X >= observed) "
            "under Poisson(expected)) and absences (nothing in a normally busy hour). `detection_class` is "
            '"all" for all activity.'
        ),
        parameters=[
            CAMERA_ID,
            OpenApiParameter("days", OpenApiTypes.INT, description="Days to look back, 1-90 (default 7)."),
        ],
        responses={200: AnomalyListSerializer, **problem_responses(401, 422), **_NOT_FOUND},
    )
    def anomalies(self, request, camera_id: str):
        camera = camera_get_live(camera_id=camera_id)
        days = parse_int_param(request, "days", 7, 1, 90)
        data = services.baseline_anomalies(camera=camera, days=days)
        data["anomalies"] = AnomalySerializer(data["anomalies"], many=True).data
        return Response(data)

    @extend_schema(
        summary="Baseline configuration",
        description=(
            "`threshold_stdev` and `min_samples` in effect: the camera's own values while "
            "`override_global_config` is true, else the global settings."
        ),
        parameters=[CAMERA_ID],
        responses={200: BaselineConfigSerializer, **problem_responses(401), **_NOT_FOUND},
    )
    def config(self, request, camera_id: str):
        return Response(BaselineConfigSerializer(services.baseline_config_get(camera_id=camera_id)).data)

    @extend_schema(
        summary="Update the baseline configuration",
        description=(
            "Stores the keys sent (persisted). `threshold_stdev` >= 0.5 (at most 10), `min_samples` >= 1; "
            "anything else is a 422. Takes effect on the next read and scan."
        ),
        parameters=[CAMERA_ID],
        request=BaselineConfigInSerializer,
        responses={200: BaselineConfigSerializer, **problem_responses(401, 422), **_NOT_FOUND},
        examples=[
            OpenApiExample(
                "Override",
                request_only=True,
                value={"threshold_stdev": 3.0, "min_samples": 6, "override_global_config": True},
            )
        ],
    )
    def config_update(self, request, camera_id: str):
        camera_get_live(camera_id=camera_id)
        serializer = BaselineConfigInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = services.baseline_config_update(camera_id=camera_id, data=serializer.validated_data)
        return Response(BaselineConfigSerializer(data).data)

    @extend_schema(
        summary="Reset the baseline",
        description=(
            "Forgets what was learnt (slots and hourly counts) and relearns from now on; detections, "
            "anomalies and the configuration stay."
        ),
        parameters=[CAMERA_ID],
        request=None,
        responses={200: BaselineResetSerializer, **problem_responses(401), **_NOT_FOUND},
    )
    def reset(self, request, camera_id: str):
        return Response(BaselineResetSerializer(services.baseline_reset(camera_id=camera_id)).data)
