"""The published OpenAPI description of the detection, event and baseline operations: texts,
parameters and examples. The views only name the schema each operation uses."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view

from baselines.api.serializers import (
    ActivitySerializer,
    AnomalyListSerializer,
    BaselineConfigSerializer,
    BaselineConfigUpdateSerializer,
    BaselineResetSerializer,
    BaselineSummarySerializer,
    ClassesSerializer,
    DetectionBatchSerializer,
    DetectionCreatedSerializer,
    DetectionSerializer,
    EventSerializer,
)
from nem.errors import INVALID_QUERY, VALIDATION_ERROR, CameraNotFound, Conflict, ProblemType, problem
from nem.schema import problem_responses

DETECTIONS_TAG = "Detections"
EVENTS_TAG = "Events"
BASELINES_TAG = "Baselines"

DETECTION_ORDERING = ["detected_at", "confidence", "id"]
EVENT_ORDERING = ["started_at", "ended_at", "detection_count", "id"]

DETECTION_EXAMPLE = {
    "id": 42,
    "camera_id": "front_door",
    "detected_at": "2026-01-23T12:00:00Z",
    "object_type": "person",
    "confidence": 0.91,
    "bbox_x": 120.0,
    "bbox_y": 80.0,
    "bbox_width": 60.0,
    "bbox_height": 180.0,
    "file_path": "/export/foscam/front_door/snap_001.jpg",
    "created_at": "2026-01-23T12:00:01Z",
}
EVENT_EXAMPLE = {
    "id": 7,
    "camera_id": "front_door",
    "started_at": "2026-01-23T12:00:00Z",
    "ended_at": "2026-01-23T12:02:10Z",
    "detection_count": 5,
    "object_types": ["car", "person"],
}
ANOMALY_EXAMPLE = {
    "id": 3,
    "timestamp": "2026-01-23T03:00:00Z",
    "detection_class": "person",
    "kind": "surge",
    "anomaly_score": 0.999912,
    "expected_frequency": 0.2,
    "observed_frequency": 6,
    "reason": "person detected 6 times at Fri 03:00 when about 0.2 are expected",
    "detected_at": "2026-01-23T04:00:05Z",
    "ends_at": "2026-01-23T04:00:00Z",
    "hours": 1,
}
GLOBAL_CONFIG = {"threshold_stdev": 3.0, "min_samples": 4, "decay_factor": 0.85, "window_days": 56}
CONFIG_EXAMPLE = {
    "camera_id": "front_door",
    "threshold_stdev": 2.5,
    "min_samples": 4,
    "override_global_config": True,
    "camera_config": {"threshold_stdev": 2.5, "min_samples": None},
    "global_config": GLOBAL_CONFIG,
}
THRESHOLD_IGNORED = (
    "takes effect only while override_global_config is true; send override_global_config: true with it, "
    "or null to use the global value (3)"
)


def page(items: list[dict], next_cursor: str | None = None) -> dict:
    return {
        "items": items,
        "pagination": {
            "total": len(items),
            "limit": 1000,
            "offset": 0,
            "next_cursor": next_cursor,
            "has_more": next_cursor is not None,
        },
    }


def problem_example(name: str, kind: ProblemType, detail: str, instance: str, errors: list | None = None):
    extra = {"errors": errors} if errors is not None else {}
    return OpenApiExample(
        name,
        value=problem(kind.status, detail, instance=instance, kind=kind, **extra),
        response_only=True,
        status_codes=[str(kind.status)],
        media_type="application/problem+json",
    )


def field_problem(name: str, kind: ProblemType, field: str, message: str, instance: str) -> OpenApiExample:
    errors = [{"field": field, "message": message}]
    return problem_example(name, kind, f"Request validation failed: {field}: {message}", instance, errors)


def ok(name: str, value, status: str = "200") -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[status])


CAMERA_ID = OpenApiParameter(
    "camera_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The camera's `id` (a live camera: a trashed one is not found).",
    examples=[OpenApiExample("Front door", value="front_door")],
)
DAYS = OpenApiParameter(
    "days",
    OpenApiTypes.INT,
    description="Days to look back, 1-90 (default 7).",
    examples=[OpenApiExample("A week", value=7)],
)
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Optional, 1-255 printable characters. A retry with the same key and payload stores nothing and answers "
        "the first result again (header `Idempotent-Replayed: true`); the same key with another payload is a 409. "
        "Keys are remembered for `NEM_DETECTION_IDEMPOTENCY_HOURS` (default 24 hours)."
    ),
    examples=[OpenApiExample("A UUID", value="0b8e2a6c-5f0d-4c57-9a53-1f3c1d2e4b6a")],
)
CAMERA_NOT_FOUND = problem_example(
    "Unknown camera",
    CameraNotFound.problem_kind(),
    "No camera 'front_door'. List cameras at /api/cameras.",
    "/api/cameras/front_door/baseline",
)
UNKNOWN_CAMERA_FILTER = "no camera 'nope'; list cameras at /api/cameras"


def _ordering_problem(fields: list[str], instance: str) -> OpenApiExample:
    return field_problem(
        "Unknown ordering",
        INVALID_QUERY,
        "ordering",
        f"accepts a comma-separated list of {', '.join(fields)}, each at most once, with '-' for descending "
        f"(e.g. -{fields[0]})",
        instance,
    )


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
            _ordering_problem(DETECTION_ORDERING, "/api/detections"),
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
            _ordering_problem(EVENT_ORDERING, "/api/events"),
        ],
    ),
    retrieve=extend_schema(
        tags=[EVENTS_TAG],
        summary="Get an event",
        description="One event by its `id`. An event of a trashed camera is not found.",
        parameters=[
            OpenApiParameter(
                "id",
                OpenApiTypes.INT,
                OpenApiParameter.PATH,
                description="The event's `id`.",
                examples=[OpenApiExample("Event 7", value=7)],
            )
        ],
        responses={200: EventSerializer, **problem_responses(401, 404)},
        examples=[ok("An event", EVENT_EXAMPLE)],
    ),
)

SUMMARY = extend_schema(
    tags=[BASELINES_TAG],
    summary="Baseline summary",
    description=(
        "Hourly, daily and per-class patterns of the camera's learnt baseline (hours and weekdays on the "
        "camera's clock), and `current_deviation`: the last completed hour against its slot as a z-score "
        "object, or null while the baseline is still learning."
    ),
    parameters=[CAMERA_ID],
    responses={200: BaselineSummarySerializer, **problem_responses(401, 404)},
    examples=[
        ok(
            "Learning",
            {
                "camera_id": "front_door",
                "camera_name": "Front Door Camera",
                "timezone": "Europe/Berlin",
                "baseline_established": None,
                "learning_complete": False,
                "data_points": 30,
                "hourly_patterns": {"9": {"avg_detections": 2.5, "std_dev": 0.5, "sample_count": 2}},
                "daily_patterns": {
                    "monday": {"avg_detections": 0.2, "expected_total": 5.0, "peak_hour": 9, "total_samples": 24}
                },
                "object_baselines": {"person": {"avg_hourly": 0.1, "peak_hour": 9, "total_detections": 5}},
                "current_deviation": None,
            },
        ),
        CAMERA_NOT_FOUND,
    ],
)
ACTIVITY = extend_schema(
    tags=[BASELINES_TAG],
    summary="Activity baseline (24 x 7)",
    description=(
        "One entry per (day_of_week, hour) slot: weighted mean and std of detections per hour, hours observed. "
        "`learning_complete` once 80 % of the 168 slots have `min_samples_required` hours."
    ),
    parameters=[CAMERA_ID],
    responses={200: ActivitySerializer, **problem_responses(401, 404)},
    examples=[
        ok(
            "One slot shown",
            {
                "camera_id": "front_door",
                "entries": [
                    {"hour": 9, "day_of_week": 0, "avg_count": 2.5, "std_dev": 0.5, "sample_count": 3, "is_peak": True}
                ],
                "total_samples": 504,
                "peak_hour": 9,
                "peak_day": 0,
                "learning_complete": True,
                "min_samples_required": 3,
            },
        ),
        CAMERA_NOT_FOUND,
    ],
)
CLASSES = extend_schema(
    tags=[BASELINES_TAG],
    summary="Class baseline",
    description="One entry per (object class, hour of day): weighted mean detections of that class per hour.",
    parameters=[CAMERA_ID],
    responses={200: ClassesSerializer, **problem_responses(401, 404)},
    examples=[
        ok(
            "One class",
            {
                "camera_id": "front_door",
                "entries": [
                    {
                        "object_class": "person",
                        "hour": 9,
                        "frequency": 2.5,
                        "std_dev": 0.5,
                        "sample_count": 8,
                        "hours_observed": 21,
                    }
                ],
                "unique_classes": ["person"],
                "total_samples": 8,
                "most_common_class": "person",
            },
        ),
        CAMERA_NOT_FOUND,
    ],
)
ANOMALIES = extend_schema(
    tags=[BASELINES_TAG],
    summary="Recent anomalies",
    description=(
        "Anomalous spans found by the hourly scan that reach into the last `days` days, newest first: surges "
        "(`anomaly_score` = 1 - P(X >= observed) under Poisson(expected)) and absences (nothing in hours that "
        'are normally busy). `detection_class` is "all" for all activity.'
    ),
    parameters=[CAMERA_ID, DAYS],
    responses={200: AnomalyListSerializer, **problem_responses(401, 404, 422)},
    examples=[
        ok("One surge", {"camera_id": "front_door", "anomalies": [ANOMALY_EXAMPLE], "count": 1, "period_days": 7}),
        CAMERA_NOT_FOUND,
        field_problem(
            "Bad days", INVALID_QUERY, "days", "must be between 1 and 90", "/api/cameras/front_door/baseline/anomalies"
        ),
    ],
)
CONFIG = extend_schema(
    tags=[BASELINES_TAG],
    summary="Baseline configuration",
    description=(
        "`threshold_stdev` and `min_samples` in effect: the camera's own values while "
        "`override_global_config` is true (a null own value falls back to the global one), else the global "
        "settings; then the camera's own values and the global settings."
    ),
    parameters=[CAMERA_ID],
    responses={200: BaselineConfigSerializer, **problem_responses(401, 404)},
    examples=[ok("Overriding", CONFIG_EXAMPLE), CAMERA_NOT_FOUND],
)
_CONFIG_RULES = (
    "`threshold_stdev` 0.5-10, `min_samples` 1-10000, null for either: use the global value. The camera's own "
    "values take effect only while `override_global_config` is true: sending one while it is (or is set) false "
    "is a 422 saying so, since it would change nothing. Takes effect on the next read and scan."
)
_CONFIG_ERRORS = [
    CAMERA_NOT_FOUND,
    field_problem(
        "Own value without override",
        VALIDATION_ERROR,
        "threshold_stdev",
        THRESHOLD_IGNORED,
        "/api/cameras/front_door/baseline/config",
    ),
]
CONFIG_PUT = extend_schema(
    tags=[BASELINES_TAG],
    summary="Replace the baseline configuration",
    description="The whole configuration: every field is required (a missing one is a 422). " + _CONFIG_RULES,
    parameters=[CAMERA_ID],
    request=BaselineConfigUpdateSerializer,
    responses={200: BaselineConfigSerializer, **problem_responses(401, 404, 422)},
    examples=[
        OpenApiExample(
            "Override the threshold",
            request_only=True,
            value={"threshold_stdev": 2.5, "min_samples": None, "override_global_config": True},
        ),
        ok("Stored", CONFIG_EXAMPLE),
        *_CONFIG_ERRORS,
        field_problem(
            "Missing field",
            VALIDATION_ERROR,
            "override_global_config",
            "This field is required.",
            "/api/cameras/front_door/baseline/config",
        ),
    ],
)
CONFIG_PATCH = extend_schema(
    tags=[BASELINES_TAG],
    summary="Change the baseline configuration",
    description="The fields sent (at least one); the others keep their values. " + _CONFIG_RULES,
    parameters=[CAMERA_ID],
    request=BaselineConfigUpdateSerializer,
    responses={200: BaselineConfigSerializer, **problem_responses(401, 404, 422)},
    examples=[
        OpenApiExample(
            "Override the threshold",
            request_only=True,
            value={"threshold_stdev": 2.5, "override_global_config": True},
        ),
        ok("Stored", CONFIG_EXAMPLE),
        *_CONFIG_ERRORS,
    ],
)
RESET = extend_schema(
    tags=[BASELINES_TAG],
    summary="Reset the baseline",
    description=(
        "Forgets what was learnt (slots and hourly counts) and relearns from now on; detections, anomalies and "
        "the configuration stay. No body."
    ),
    parameters=[CAMERA_ID],
    request=None,
    responses={200: BaselineResetSerializer, **problem_responses(401, 404)},
    examples=[
        ok(
            "Reset",
            {
                "camera_id": "front_door",
                "deleted": {"activity_slots": 168, "class_slots": 48, "hourly_counts": 528},
                "learning_since": "2026-01-23T12:00:00Z",
            },
        ),
        CAMERA_NOT_FOUND,
    ],
)
