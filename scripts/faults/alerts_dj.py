"""Django-side steps of the alert fault scenarios, run with the scenario's environment:
``python scripts/faults/alerts_dj.py cameras N | raise K [PAUSE] | outbox | endpoint URL | webhooks``.
Prints one JSON line."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nem.settings.base")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from alerts import services  # noqa: E402
from alerts.models import Channel, Delivery  # noqa: E402
from cameras.models import Camera  # noqa: E402
from cameras.services import camera_status_set  # noqa: E402

PREFIX = "fault_alert_"


def cameras(n: str) -> dict:
    ids = [f"{PREFIX}{i:02d}" for i in range(int(n))]
    for camera_id in ids:
        Camera.objects.get_or_create(
            id=camera_id, defaults={"name": camera_id, "folder_path": f"/export/foscam/{camera_id}"}
        )
    return {"cameras": ids}


def raise_(k: str, pause: str = "0") -> dict:
    """K status flips, round robin over the fault cameras, each in its own transaction."""
    ids = list(Camera.objects.filter(id__startswith=PREFIX).order_by("id").values_list("id", flat=True))
    for i in range(int(k)):
        camera = Camera.objects.get(pk=ids[i % len(ids)])
        new = "offline" if camera.status == "online" else "online"
        with transaction.atomic():
            camera_status_set(camera_id=camera.id, previous=camera.status, status=new, at=timezone.now())
        time.sleep(float(pause))
    return {"raised": int(k)}


def outbox() -> dict:
    rows = list(
        Delivery.objects.filter(channel=Channel.MQTT)
        .order_by("id")
        .values_list("id", "message_id", "alert__camera_id", "state")
    )
    states: dict[str, int] = {}
    for row in rows:
        states[row[3]] = states.get(row[3], 0) + 1
    return {"rows": rows, "states": states}


def endpoint(url: str) -> dict:
    created = services.endpoint_create(
        data={"name": f"faults-{int(time.time() * 1000)}", "kind": "webhook", "url": url}
    )
    return {"id": created.pk, "secret": created.secret}


def webhooks() -> dict:
    rows = list(
        Delivery.objects.filter(channel=Channel.WEBHOOK)
        .order_by("id")
        .values("id", "message_id", "state", "attempts", "last_status_code")
    )
    return {"rows": rows}


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    handler = {"cameras": cameras, "raise": raise_, "outbox": outbox, "endpoint": endpoint, "webhooks": webhooks}[
        command
    ]
    print(json.dumps(handler(*args), default=str))
