"""Examples, parameters and example builders shared by the detection, event and baseline operations."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from nem.errors import INVALID_QUERY
from nem.schema_examples import camera_id_param, camera_not_found, field_problem, query_param

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


CAMERA_ID = camera_id_param("The camera's `id` (a live camera: a trashed one is not found).")
DAYS = query_param(
    "days",
    OpenApiTypes.INT,
    "Days to look back, 1-90 (default 7).",
    "A week",
    7,
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
CAMERA_NOT_FOUND = camera_not_found("/api/cameras/front_door/baseline", camera_id="front_door")
UNKNOWN_CAMERA_FILTER = "no camera 'nope'; list cameras at /api/cameras"


def ordering_problem(fields: list[str], instance: str) -> OpenApiExample:
    return field_problem(
        "Unknown ordering",
        INVALID_QUERY,
        "ordering",
        f"accepts a comma-separated list of {', '.join(fields)}, each at most once, with '-' for descending "
        f"(e.g. -{fields[0]})",
        instance,
    )
