"""Baseline workflows, one module per sub-domain; the public names re-exported."""

from baselines.services.anomalies import anomaly_detect, anomaly_detect_all
from baselines.services.config import (
    baseline_config_get,
    baseline_config_update,
    baseline_reset,
    baseline_state_get,
    effective_config,
)
from baselines.services.ingest import detection_batches_prune, detections_ingest, detections_insert, events_merge
from baselines.services.recompute import baseline_recompute, baseline_recompute_all
from baselines.services.reports import baseline_activity, baseline_anomalies, baseline_classes, baseline_summary

__all__ = [
    "anomaly_detect",
    "anomaly_detect_all",
    "baseline_activity",
    "baseline_anomalies",
    "baseline_classes",
    "baseline_config_get",
    "baseline_config_update",
    "baseline_recompute",
    "baseline_recompute_all",
    "baseline_reset",
    "baseline_state_get",
    "baseline_summary",
    "detection_batches_prune",
    "detections_ingest",
    "detections_insert",
    "effective_config",
    "events_merge",
]
