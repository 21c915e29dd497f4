"""Django-side steps of the fault scenarios, run in their own process with the scenario's
environment: ``python scripts/faults/dj.py seed|wipe|digest|surge|anomalies|state CAMERA`` or
``recompute-at CAMERA ISO-TIME``.
Prints one JSON line."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nem.settings.base")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from baselines.models import (  # noqa: E402
    ActivitySlot,
    Anomaly,
    BaselineState,
    ClassSlot,
    Detection,
    HourlyClassCount,
    HourlyCount,
)
from cameras.models import Camera  # noqa: E402

CLASSES = ["person", "car", "dog"]


def seed(camera_id: str) -> dict:
    """A camera created 8 weeks ago with a deterministic weekly pattern of detections."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = now - dt.timedelta(weeks=8)
    camera, _ = Camera.all_objects.get_or_create(
        pk=camera_id, defaults={"name": f"Faults {camera_id}", "folder_path": f"/export/foscam/{camera_id}"}
    )
    Camera.all_objects.filter(pk=camera_id).update(created_at=start)
    Detection.all_objects.filter(camera_id=camera_id).delete()
    rows = []
    hour = start
    while hour < now - dt.timedelta(hours=1):
        n = (hour.hour * 7 + hour.weekday() * 3) % 5
        for i in range(n):
            rows.append(Detection(camera_id=camera_id, detected_at=hour + dt.timedelta(minutes=7 * i + 1),
                                  object_type=CLASSES[(i + hour.hour) % 3], confidence=0.9))
        hour += dt.timedelta(hours=1)
    Detection.objects.bulk_create(rows, batch_size=2000)
    return {"detections": len(rows)}


def surge(camera_id: str) -> dict:
    """Forty cars in the last completed hour: a surge any baseline above calls anomalous."""
    last = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    Detection.objects.bulk_create(
        Detection(camera_id=camera_id, detected_at=last + dt.timedelta(seconds=60 * i + 5), object_type="car",
                  confidence=0.95)
        for i in range(40)
    )
    return {"hour": last.isoformat()}


def wipe(camera_id: str) -> dict:
    """Forget what recompute derives, so only a recompute that really ran brings it back."""
    counts = {}
    for model in (ActivitySlot, ClassSlot, HourlyCount, HourlyClassCount):
        manager = getattr(model, "all_objects", model.objects)
        counts[model.__name__] = manager.filter(camera_id=camera_id).delete()[0]
    BaselineState.all_objects.filter(camera_id=camera_id).update(recompute_claimed_at=None, scan_claimed_at=None)
    return counts


def digest(camera_id: str) -> dict:
    activity = sorted(
        (s.day_of_week, s.hour, round(s.avg_count, 9), round(s.std_dev, 9), s.sample_count)
        for s in ActivitySlot.objects.filter(camera_id=camera_id)
    )
    classes = sorted(
        (s.object_type, s.hour, round(s.frequency, 9), round(s.std_dev, 9), s.sample_count)
        for s in ClassSlot.objects.filter(camera_id=camera_id)
    )
    text = json.dumps([activity, classes])
    return {"activity_slots": len(activity), "class_slots": len(classes),
            "sha1": hashlib.sha1(text.encode()).hexdigest()[:16]}


def anomalies(camera_id: str) -> dict:
    rows = Anomaly.all_objects.filter(camera_id=camera_id)
    keys = [(a.hour_start.isoformat(), a.object_type) for a in rows]
    return {"count": len(keys), "distinct": len(set(keys))}


def state(camera_id: str) -> dict:
    s = BaselineState.all_objects.filter(camera_id=camera_id).first()
    if s is None:
        return {"state": None}
    return {"recompute_claimed_at": s.recompute_claimed_at and s.recompute_claimed_at.isoformat(),
            "scan_claimed_at": s.scan_claimed_at and s.scan_claimed_at.isoformat(),
            "last_recompute_at": s.last_recompute_at and s.last_recompute_at.isoformat()}


def recompute_at(camera_id: str, at: str) -> dict:
    """A clean recompute pinned to ``at`` (ISO 8601), then its digest: a run compared with another
    must see the same window, which moves at every hour boundary."""
    from baselines.services import baseline_recompute

    wipe(camera_id)
    baseline_recompute(camera_id=camera_id, now=dt.datetime.fromisoformat(at))
    return digest(camera_id)


if __name__ == "__main__":
    command, camera, *rest = sys.argv[1:]
    print(json.dumps({"seed": seed, "wipe": wipe, "digest": digest, "surge": surge, "anomalies": anomalies,
                      "state": state, "recompute-at": recompute_at}[command](camera, *rest)))
