"""ONVIF events: the event process (``onvifctl.events.EventSubscriptions``: one asyncio loop, a
PullPoint subscription per camera) against 100 device simulators on 127.0.0.1, on the benchmark
database.

- Throughput: every camera publishes a burst of motion messages at once; events per second from
  the first publish until the last one is committed. Reference: the same messages written by
  ``onvif_events_record`` directly, one message per transaction, on one thread (the database floor
  without the network and without batching by pull).
- Latency: a tamper event published by each camera in turn (one every 200 ms, three rounds,
  episodes acknowledged between rounds), from the device publishing it to the commit of the
  transaction that wrote the scene-change row (a ``scene_change_recorded`` receiver stamps the
  on-commit). Reference: the same write without the network (``onvif_events_record`` of one tamper
  message, publish -> commit).
"""

from __future__ import annotations

import os
import statistics
import threading
import time

from bench.common import Row, setup_django

CAMERAS = int(os.environ.get("BENCH_ONVIF_EVENTS_CAMERAS", "100"))
BURST = int(os.environ.get("BENCH_ONVIF_EVENTS_BURST", "50"))
ROUNDS = 3
# One tamper event every 200 ms across the cameras (5/s): latency at a steady load, not the drain
# time of a burst (the throughput figure covers bursts).
SPACING = float(os.environ.get("BENCH_ONVIF_EVENTS_SPACING", "0.2"))
TAMPER = "tns1:RuleEngine/TamperDetector/Tamper"
MOTION = "tns1:VideoSource/MotionAlarm"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


def run() -> list[Row]:
    os.environ.setdefault("NEM_ONVIF_MULTICAST", "false")
    setup_django()

    from django.db import transaction
    from django.utils import timezone
    from lxml import etree

    from cameras.models import Camera
    from onvifctl import topics
    from onvifctl.event_services import onvif_events_record
    from onvifctl.events import EventsConfig, EventSubscriptions
    from onvifctl.models import OnvifEventState
    from onvifctl.tests.simulator import DeviceSimulator
    from scenechanges import services as scene_services
    from scenechanges import signals
    from scenechanges.models import SceneChange

    committed: dict[str, float] = {}
    lock = threading.Lock()

    def on_recorded(sender, *, camera_id, **kwargs):
        transaction.on_commit(lambda: _stamp(camera_id))

    def _stamp(camera_id):
        with lock:
            committed.setdefault(camera_id, time.perf_counter())

    signals.scene_change_recorded.connect(on_recorded, dispatch_uid="bench.onvif_events")
    devices = [DeviceSimulator().start() for _ in range(CAMERAS)]
    ids = [f"bench_ev_{i:03d}" for i in range(CAMERAS)]
    Camera.all_objects.filter(pk__startswith="bench_ev_").delete()
    for camera_id, device in zip(ids, devices, strict=True):
        camera = Camera(
            id=camera_id,
            name=camera_id,
            folder_path=f"/export/foscam/{camera_id}",
            ingestion_mode="onvif",
            rtsp_url="rtsp://127.0.0.1:8554/live",
            rtsp_username="admin",
            onvif_url=device.url,
        )
        camera.rtsp_password = "secret"
        camera.save()
    process = EventSubscriptions(
        EventsConfig(
            pull_seconds=5.0,
            subscription_seconds=120.0,
            renew_before_seconds=30.0,
            message_limit=100,
            backoff_initial_seconds=0.5,
            backoff_max_seconds=5.0,
            refresh_seconds=600.0,
            db_workers=4,
            connect_timeout=2.0,
            timeout=5.0,
        )
    ).start()
    try:
        assert _wait(lambda: process.stats["subscriptions"] >= CAMERAS, 120), process.stats

        # throughput
        total = CAMERAS * BURST
        before = process.stats["recorded"]
        started = time.perf_counter()
        for n in range(BURST):
            for device in devices:
                device.publish(MOTION, data={"State": "true" if n % 2 == 0 else "false"})
        assert _wait(lambda: process.stats["recorded"] - before >= total, 300), process.stats
        pipeline_rate = total / (time.perf_counter() - started)

        message = devices[0].published[-1]
        wrapped = (
            '<r xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tt="http://www.onvif.org/ver10/schema"'
            f' xmlns:tns1="http://www.onvif.org/ver10/topics">{message}</r>'
        )
        note = topics.parse_notification(etree.fromstring(wrapped)[0])
        reference_count = min(total, 2000)
        started = time.perf_counter()
        for n in range(reference_count):
            onvif_events_record(camera_id=ids[n % CAMERAS], notifications=[note])
        direct_rate = reference_count / (time.perf_counter() - started)

        # latency
        latencies: list[float] = []
        for _round in range(ROUNDS):
            committed.clear()
            published: dict[str, float] = {}
            for camera_id, device in zip(ids, devices, strict=True):
                published[camera_id] = time.perf_counter()
                device.set_property(TAMPER, True, name="IsTamper")
                time.sleep(SPACING)
            assert _wait(lambda: len(committed) >= CAMERAS, 120), len(committed)
            latencies += [(committed[c] - published[c]) * 1000 for c in ids]
            for change in SceneChange.objects.filter(camera_id__in=ids, acknowledged=False):
                scene_services.scenechange_acknowledge(
                    camera_id=change.camera_id, scene_change_id=change.pk, actor="bench", update_reference=False
                )
            for device in devices:
                device.set_property(TAMPER, False, name="IsTamper")
            goal = process.stats["recorded"] + CAMERAS
            _wait(lambda goal=goal: process.stats["recorded"] >= goal, 60)

        tamper = topics.parse_notification(
            etree.fromstring(
                '<wsnt:NotificationMessage xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"'
                ' xmlns:tt="http://www.onvif.org/ver10/schema"><wsnt:Topic>tns1:RuleEngine/TamperDetector/Tamper'
                '</wsnt:Topic><wsnt:Message><tt:Message><tt:Data><tt:SimpleItem Name="IsTamper" Value="true"/>'
                "</tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>"
            )
        )
        direct: list[float] = []
        for camera_id in ids:
            for change in SceneChange.objects.filter(camera_id=camera_id, acknowledged=False):
                scene_services.scenechange_acknowledge(
                    camera_id=camera_id, scene_change_id=change.pk, actor="bench", update_reference=False
                )
            OnvifEventState.all_objects.filter(camera_id=camera_id).update(tamper_topics={})
            committed.pop(camera_id, None)
            t0 = time.perf_counter()
            onvif_events_record(camera_id=camera_id, notifications=[tamper], received_at=timezone.now())
            direct.append((committed[camera_id] - t0) * 1000)
    finally:
        process.stop()
        for device in devices:
            device.stop()
        signals.scene_change_recorded.disconnect(dispatch_uid="bench.onvif_events")
        Camera.all_objects.filter(pk__startswith="bench_ev_").delete()

    p50, p99 = statistics.median(latencies), _percentile(latencies, 99)
    direct_p50 = statistics.median(direct)
    return [
        Row(
            figure=f"events recorded per second, {CAMERAS} cameras x {BURST} messages (PullPoint -> database)",
            value=round(pipeline_rate, 1),
            unit="events/s",
            reference="onvif_events_record directly, one message per transaction, one thread",
            reference_value=round(direct_rate, 1),
            target="reported",
            ok=None,
        ),
        Row(
            figure=f"tamper event published -> episode row committed, p50 ({len(latencies)} events, {CAMERAS} cameras)",
            value=round(p50, 2),
            unit="ms",
            reference="the same write without the network (onvif_events_record -> commit), p50",
            reference_value=round(direct_p50, 2),
            target="reported",
            ok=None,
        ),
        Row(
            figure="tamper event published -> episode row committed, p99",
            value=round(p99, 2),
            unit="ms",
            reference="the same write without the network, p99",
            reference_value=round(_percentile(direct, 99), 2),
            target="p99 <= 1000 ms",
            ok=p99 <= 1000,
        ),
    ]
