"""The published OpenAPI description of a camera's baseline operations."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema

from baselines.api.schema.common import (
    ANOMALY_EXAMPLE,
    BASELINES_TAG,
    CAMERA_ID,
    CAMERA_NOT_FOUND,
    CONFIG_EXAMPLE,
    DAYS,
    THRESHOLD_IGNORED,
)
from baselines.api.serializers import (
    ActivitySerializer,
    AnomalyListSerializer,
    BaselineConfigSerializer,
    BaselineConfigUpdateSerializer,
    BaselineResetSerializer,
    BaselineSummarySerializer,
    ClassesSerializer,
)
from nem.errors import INVALID_QUERY, VALIDATION_ERROR
from nem.schema import problem_responses
from nem.schema_examples import field_problem, ok

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
