"""Demo data for ``seed_demo``: eight weeks of believable detections per camera, then a learnt
baseline and a few anomalies, so a fresh ``make run`` has something to show.

Counts per hour are Poisson draws from per-class daily rhythms (people and cars around the
commute, dogs on their walks, cats at night), quieter on weekends, scaled per camera. The last
day has a few unusual hours: a burst of cars and people in the small hours, and the evening peak
gone silent (what a blinded camera looks like). The baseline is learnt as of a day ago, that day
is scanned hour by hour (as the hourly job would have), then the baseline is recomputed as of now.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import transaction
from django.utils import timezone

from baselines.models import Detection
from baselines.services.anomalies import anomaly_detect
from baselines.services.clock import HOUR, camera_zone, hour_floor, hour_keys
from baselines.services.ingest import detections_insert
from baselines.services.ingest_validation import DetectionRow
from baselines.services.recompute import baseline_recompute
from cameras.models import Camera

BATCH = 5000

# Expected detections per hour on a weekday, hours 0..23, and the weekend factor per class.
_RHYTHM = {
    "person": (
        [0.1, 0.05, 0.05, 0.05, 0.05, 0.2, 0.8, 2.5, 3.0, 1.5, 1.0, 1.2, 1.5, 1.2, 1.0, 1.2, 2.0, 3.5, 6.0, 2.5, 1.5,
         1.0, 0.5, 0.2],
        0.8,
    ),
    "car": (
        [0.05, 0.02, 0.02, 0.02, 0.05, 0.3, 1.2, 2.5, 2.0, 0.8, 0.6, 0.6, 0.8, 0.6, 0.6, 0.8, 1.5, 3.0, 2.2, 1.0, 0.6,
         0.4, 0.2, 0.1],
        0.5,
    ),
    "dog": (
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.05, 0.3, 1.2, 0.6, 0.1, 0.1, 0.1, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 2.0, 1.0, 0.3,
         0.1, 0.05, 0.0],
        1.3,
    ),
    "cat": (
        [0.4, 0.4, 0.3, 0.3, 0.3, 0.2, 0.1, 0.05, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.05, 0.05, 0.1,
         0.2, 0.3, 0.4, 0.5, 0.5],
        1.0,
    ),
}


def _rows_for(camera: Camera, *, start: dt.datetime, end: dt.datetime, rng, scale: float) -> list[DetectionRow]:
    tz = camera_zone(camera)
    keys = hour_keys(start, end, tz)
    last_day = keys[-24:]
    burst_hour = next((k for k in last_day if k.hour == 3), None)
    silent_hour = next((k for k in last_day if k.hour == 18), None)
    rows: list[DetectionRow] = []
    for key in keys:  # a loop over hours (generating data), never over stored detections
        if key == silent_hour:
            continue
        weekend = key.weekday() >= 5
        base = key.astimezone(dt.UTC)
        for object_type, (rates, weekend_factor) in _RHYTHM.items():
            lam = rates[key.hour] * scale * (weekend_factor if weekend else 1.0)
            extra = 0
            if key == burst_hour:
                extra = {"car": 6, "person": 4}.get(object_type, 0)
            n = int(rng.poisson(lam)) + extra
            if not n:
                continue
            seconds = np.sort(rng.uniform(0, 3600, n))
            confidences = rng.uniform(0.55, 0.99, n)
            for offset, confidence in zip(seconds, confidences, strict=True):
                rows.append(
                    DetectionRow(
                        camera_id=camera.pk,
                        detected_at=base + dt.timedelta(seconds=float(offset)),
                        object_type=object_type,
                        confidence=round(float(confidence), 3),
                        bbox_x=round(float(rng.uniform(0, 1600)), 1),
                        bbox_y=round(float(rng.uniform(0, 900)), 1),
                        bbox_width=round(float(rng.uniform(40, 300)), 1),
                        bbox_height=round(float(rng.uniform(40, 400)), 1),
                    )
                )
    rows.sort(key=lambda r: r.detected_at)
    return rows


def baselines_demo_seed(
    *, camera_ids: list[str], weeks: int = 8, seed: int = 7, now: dt.datetime | None = None
) -> int:
    """Create ``weeks`` weeks of detections for each live camera named (cameras that already have
    detections are left alone, so a second seed adds nothing), learn their baselines and scan the
    last day for anomalies. Returns the number of detections created."""
    rng = np.random.default_rng(seed)
    now = now or timezone.now()
    created = 0
    for camera in Camera.objects.filter(pk__in=camera_ids).order_by("pk"):
        if Detection.all_objects.filter(camera_id=camera.pk).exists():
            continue
        tz = camera_zone(camera)
        end = hour_floor(now, tz)
        rows = _rows_for(camera, start=end - dt.timedelta(weeks=weeks), end=end, rng=rng, scale=rng.uniform(1.0, 1.5))
        for i in range(0, len(rows), BATCH):
            with transaction.atomic():
                detections_insert(rows=rows[i : i + BATCH])
        created += len(rows)
        # As the hourly jobs would have: the baseline as of a day ago scores the last day.
        baseline_recompute(camera_id=camera.pk, now=now - 24 * HOUR)
        anomaly_detect(camera_id=camera.pk, now=now, hours=24)
        baseline_recompute(camera_id=camera.pk, now=now)
    return created
