"""The published OpenAPI description of the detection and event operations."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from baselines.api.schema.common import (
    DETECTION_EXAMPLE,
    DETECTION_ORDERING,
    DETECTIONS_TAG,
    EVENT_EXAMPLE,
    EVENT_ORDERING,
    EVENTS_TAG,
    IDEMPOTENCY_HEADER,
    UNKNOWN_CAMERA_FILTER,
    ordering_problem,
)
from baselines.api.serializers import (
    DetectionBatchSerializer,
    DetectionCreatedSerializer,
    DetectionSerializer,
    EventSerializer,
)
from nem.errors import INVALID_QUERY, VALIDATION_ERROR, Conflict
from nem.schema import problem_responses
from nem.schema_examples import field_problem, ok, page, path_param, problem_example

DETECTIONS = extend_schema_view(
    list=extend_schema(
        tags=[DETECTIONS_TAG],
        summary="List detections",
        description=(
            "Detections of live cameras, newest first (`-detected_at`, then `-id`) unless `ordering` says "
            "otherwise: `detected_at`, `confidence` or `id`, `-` for descending. Filters: `camera_id` (a live "
            "camera; an unknown or trashed one is a 422 saying where cameras are listed), `object_type` "
            "(case-insensitive), `start_date` and `end_date` (ISO 8601, inclusive), `min_confidence`. Page with "
            "`limit` and `offset`, or with `cursor` (the previous page's `pagination.next_cursor`, valid for the "
            "same `ordering`). An unknown query parameter is a 422."
        ),
        responses={200: DetectionSerializer(many=True), **problem_responses(401, 422)},
        examples=[
            ok("A page", page([DETECTION_EXAMPLE])),
            field_problem("Unknown camera", INVALID_QUERY, "camera_id", UNKNOWN_CAMERA_FILTER, "/api/detections"),
            ordering_problem(DETECTION_ORDERING, "/api/detections"),
        ],
    ),
    create=extend_schema(
        tags=[DETECTIONS_TAG],
        summary="Store detections (bulk)",
        description=(
            "Up to 1000 detections from an external detector, all or nothing: one bad item is a 422 naming its "
            "index and field (`detections.3.camera_id`) and nothing is stored. An unknown or trashed camera is a "
            "422 for that item. Detections of one camera less than `NEM_EVENT_GAP_SECONDS` (default 90 s) apart "
            "are grouped into events, in whatever order they arrive. Send an `Idempotency-Key` to make retries "
            "safe: without one, every item is a new detection (two identical detections can be real, e.g. two "
            "people in one frame).\n\n"
            "201 `Location`: the list of the stored detections' camera, `/api/detections?camera_id=<camera>`, "
            "when the batch names one camera; `/api/detections` when it names several."
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
            ok("Created", {"created": 2}, "201"),
            field_problem(
                "Bad item", VALIDATION_ERROR, "detections.1.confidence", "must be between 0 and 1", "/api/detections"
            ),
            problem_example(
                "Key reused",
                Conflict.problem_kind(),
                "Idempotency-Key 'batch-17' was already used for a different payload; send a new key for new "
                "detections.",
                "/api/detections",
            ),
        ],
    ),
)

EVENTS = extend_schema_view(
    list=extend_schema(
        tags=[EVENTS_TAG],
        summary="List events",
        description=(
            "Episodes of activity: detections of one camera less than `NEM_EVENT_GAP_SECONDS` (default 90 s) "
            "apart. Newest first (`-started_at`, then `-id`) unless `ordering` says otherwise: `started_at`, "
            "`ended_at`, `detection_count` or `id`. Filters: `camera_id` (a live camera, else a 422), "
            "`start_date`/`end_date` (events overlapping that interval). Page with `limit` and `offset`, or with "
            "`cursor` (valid for the same `ordering`)."
        ),
        responses={200: EventSerializer(many=True), **problem_responses(401, 422)},
        examples=[
            ok("A page", page([EVENT_EXAMPLE])),
            field_problem("Unknown camera", INVALID_QUERY, "camera_id", UNKNOWN_CAMERA_FILTER, "/api/events"),
            ordering_problem(EVENT_ORDERING, "/api/events"),
        ],
    ),
    retrieve=extend_schema(
        tags=[EVENTS_TAG],
        summary="Get an event",
        description="One event by its `id`. An event of a trashed camera is not found.",
        parameters=[
            path_param(
                "id",
                OpenApiTypes.INT,
                "The event's `id`.",
                "Event 7",
                7,
            )
        ],
        responses={200: EventSerializer, **problem_responses(401, 404)},
        examples=[ok("An event", EVENT_EXAMPLE)],
    ),
)
