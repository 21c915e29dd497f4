"""The published OpenAPI description of the detection, event and baseline operations: texts,
parameters and examples. The views only name the schema each operation uses."""

from baselines.api.schema.baseline import (
    ACTIVITY,
    ANOMALIES,
    CLASSES,
    CONFIG,
    CONFIG_PATCH,
    CONFIG_PUT,
    RESET,
    SUMMARY,
)
from baselines.api.schema.common import DETECTION_ORDERING, EVENT_ORDERING
from baselines.api.schema.lists import DETECTIONS, EVENTS

__all__ = [
    "ACTIVITY",
    "ANOMALIES",
    "CLASSES",
    "CONFIG",
    "CONFIG_PATCH",
    "CONFIG_PUT",
    "DETECTIONS",
    "DETECTION_ORDERING",
    "EVENTS",
    "EVENT_ORDERING",
    "RESET",
    "SUMMARY",
]
