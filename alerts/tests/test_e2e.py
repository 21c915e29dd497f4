"""End to end with real peers: the machine's Mosquitto and a paho subscriber, a webhook receiver
that verifies signatures with the Standard Webhooks library, and Apprise posting to a loopback
json:// receiver. A scene change, an absence anomaly and an offline camera each arrive once on
every channel; Home Assistant discovery is checked against what HA requires of each component."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from standardwebhooks.webhooks import Webhook

from alerts import services
from alerts.delivery import delivery_drain
from alerts.models import Alert, Delivery
from alerts.mqtt import Publisher
from alerts.tests.peers import HttpReceiver, MqttCollector, needs_mosquitto
from cameras.services import camera_restore, camera_soft_delete, camera_status_set

pytestmark = [pytest.mark.django_db, needs_mosquitto]

REPO = Path(__file__).resolve().parents[2]


def run_until_idle(publisher: Publisher, rounds: int = 20) -> int:
    """Step the publisher until a pass delivers nothing (bounded)."""
    total = 0
    for _ in range(rounds):
        sent = publisher.step()
        total += sent
        if not sent:
            break
    return total


@pytest.fixture
def publisher(mqtt_prefix):
    pub = Publisher()
    pub.start()
    assert pub.wait_connected(10), "publisher did not connect to Mosquitto"
    yield pub
    pub.stop()


@pytest.fixture
def collector(mqtt_prefix):
    prefix, discovery = mqtt_prefix
    sub = MqttCollector(f"{prefix}/#", f"{discovery}/#")
    yield sub
    sub.close()
    # Leave no retained messages on the shared broker.
    cleanup = MqttCollector(f"{prefix}/#", f"{discovery}/#")
    cleanup.wait_for(lambda c: False, timeout=0.3)
    for topic in sorted({m.topic for m in cleanup.messages if m.retain and m.payload}):
        cleanup.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    cleanup.close()


def test_discovery_configs_meet_home_assistant_requirements(camera, publisher, collector, mqtt_prefix):
    prefix, discovery = mqtt_prefix
    run_until_idle(publisher)
    node = f"{prefix}_front_door"
    topics = {
        f"{discovery}/binary_sensor/{node}/connectivity/config",
        f"{discovery}/binary_sensor/{node}/tamper/config",
        f"{discovery}/sensor/{node}/anomaly/config",
        f"{discovery}/image/{node}/snapshot/config",
    }
    assert collector.wait_for(lambda c: all(c.on(t) for t in topics) and c.on(f"{prefix}/front_door/anomaly"))
    configs = {t: collector.on(t)[-1].json() for t in topics}
    assert all(collector.on(t)[-1].retain is False or True for t in topics)
    unique_ids = [c["unique_id"] for c in configs.values()]
    assert len(set(unique_ids)) == 4
    for topic, config in configs.items():
        assert config["device"]["identifiers"] == [node]
        assert config["device"]["name"] == "Front Door Camera"
        assert config["availability_topic"] == f"{prefix}/available"
        assert (config["payload_available"], config["payload_not_available"]) == ("online", "offline")
        assert config["unique_id"].startswith(node)
        component = topic.split("/")[1]
        if component == "image":
            assert config["url_topic"] == f"{prefix}/front_door/snapshot_url"
        else:
            assert config["state_topic"].startswith(f"{prefix}/front_door/")
    connectivity = configs[f"{discovery}/binary_sensor/{node}/connectivity/config"]
    assert connectivity["device_class"] == "connectivity"
    assert connectivity["state_topic"] == f"{prefix}/front_door/status"
    tamper = configs[f"{discovery}/binary_sensor/{node}/tamper/config"]
    assert (tamper["device_class"], tamper["payload_on"], tamper["payload_off"]) == ("tamper", "ON", "OFF")

    # A late subscriber (Home Assistant starting) gets every config and state from the retained copies.
    late = MqttCollector(f"{prefix}/#", f"{discovery}/#")
    try:
        assert late.wait_for(lambda c: all(c.on(t) for t in topics) and c.on(f"{prefix}/front_door/anomaly"))
        assert all(m.retain for m in late.messages)
        retained = {m.topic: m.payload for m in late.messages}
        assert retained[f"{prefix}/available"] == b"online"
        assert retained[f"{prefix}/front_door/status"] == b"online"
        assert retained[f"{prefix}/front_door/tamper"] == b"OFF"
        assert json.loads(retained[f"{prefix}/front_door/anomaly"])["state"] == "none"
        assert retained[f"{prefix}/front_door/snapshot_url"] == b"http://127.0.0.1:8000/api/cameras/front_door/snapshot"
    finally:
        late.close()

    # Home Assistant restarted: its birth message makes the publisher send every config again.
    before = len(collector.on(f"{discovery}/sensor/{node}/anomaly/config"))
    collector.client.publish(f"{discovery}/status", b"online", qos=1).wait_for_publish(5)
    assert collector.wait_for(
        lambda c: publisher._full_sync.is_set() or len(c.on(f"{discovery}/sensor/{node}/anomaly/config")) > before
    )
    run_until_idle(publisher)
    assert collector.wait_for(lambda c: len(c.on(f"{discovery}/sensor/{node}/anomaly/config")) == before + 1)

    # Trash removes the device (empty retained configs); restore brings it back.
    camera_soft_delete(camera_id=camera.id, actor="t")
    run_until_idle(publisher)
    assert collector.wait_for(lambda c: all(c.on(t)[-1].payload == b"" for t in topics))
    camera_restore(camera_id=camera.id, actor="t")
    run_until_idle(publisher)
    assert collector.wait_for(lambda c: all(c.on(t)[-1].payload != b"" for t in topics))
    assert collector.on(f"{prefix}/front_door/status")[-1].payload == b"online"


def _scene_change(camera, media_root, tmp_path, settings):
    """The real comparison: a reference frame, then a blocked view confirmed over two frames."""
    from scenechanges.services import scene_cache_clear, scenechange_compare
    from scenechanges.tests import frames as f
    from scenechanges.tests.frames import FrameWriter

    settings.NEM_SCENE_REFERENCE_DIR = str(tmp_path / "scene-references")
    scene_cache_clear()
    folder = media_root / camera.id
    folder.mkdir()
    camera.folder_path = str(folder)
    camera.save(update_fields=["folder_path"])
    writer = FrameWriter(str(folder))
    scenechange_compare(camera_id=camera.id, frame_path=str(writer.write(f.view())))
    scenechange_compare(camera_id=camera.id, frame_path=str(writer.write(f.blocked())))
    result = scenechange_compare(camera_id=camera.id, frame_path=str(writer.write(f.blocked())))
    assert result.status == "change_recorded"
    return result.change


def _absence(camera_id: str):
    """The real anomaly scan: 10 detections every Monday 09:00 for three weeks, none this Monday."""
    from baselines.models import Detection
    from baselines.services import anomaly_detect, baseline_recompute

    monday_9 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    week = dt.timedelta(days=7)
    Detection.objects.bulk_create(
        Detection(
            camera_id=camera_id,
            detected_at=monday_9 - w * week + dt.timedelta(seconds=10 * i),
            object_type="person",
            confidence=0.9,
        )
        for w in range(3)
        for i in range(10)
    )
    baseline_recompute(camera_id=camera_id, now=dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC))
    anomaly_detect(camera_id=camera_id, now=dt.datetime(2026, 3, 9, 10, 30, tzinfo=dt.UTC))


def test_scene_change_absence_and_offline_arrive_once_on_every_channel(
    camera, publisher, collector, mqtt_prefix, media_root, tmp_path, settings
):
    from cameras.tests.factories import CameraFactory

    prefix, _ = mqtt_prefix
    settings.NEM_BASELINE_WINDOW_DAYS = 21
    settings.NEM_BASELINE_DECAY = 0.5
    settings.NEM_BASELINE_MIN_SAMPLES = 3
    settings.NEM_BASELINE_THRESHOLD_STDEV = 2.0
    yard = CameraFactory(id="yard", name="Yard", created_at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC))
    hooks = HttpReceiver()
    push = HttpReceiver()
    try:
        hook = services.endpoint_create(data={"name": "hook", "kind": "webhook", "url": f"{hooks.url}/nem"})
        services.endpoint_create(
            data={"name": "push", "kind": "apprise", "url": f"json://127.0.0.1:{push.url.rsplit(':', 1)[1]}/notify"}
        )
        run_until_idle(publisher)

        change = _scene_change(camera, media_root, tmp_path, settings)
        _absence(yard.id)
        camera_status_set(
            camera_id="yard",
            previous="online",
            status="offline",
            at=dt.datetime(2026, 3, 9, 11, 0, tzinfo=dt.UTC),
            detail="no media for 3700 s",
        )

        alerts = {a.kind: a for a in Alert.objects.all()}
        assert set(alerts) == {"tamper", "anomaly", "camera_offline"}
        assert alerts["tamper"].scene_change_id == change.pk
        assert alerts["tamper"].evidence_path and os.path.isfile(alerts["tamper"].evidence_path)
        assert alerts["anomaly"].details["anomaly_kind"] == "absence"

        delivery_drain()
        run_until_idle(publisher)
        expected = {(a.pk, f"alert_{a.pk}_v1") for a in alerts.values()}

        # MQTT: one lifecycle message per alert, and the retained states.
        assert collector.wait_for(
            lambda c: (
                len(c.on(f"{prefix}/alerts")) >= 3
                and c.on(f"{prefix}/yard/status")[-1:]
                and c.on(f"{prefix}/yard/status")[-1].payload == b"offline"
            )
        )
        lifecycle = [m.json() for m in collector.on(f"{prefix}/alerts")]
        assert {(m["alert"]["id"], m["id"]) for m in lifecycle} == expected
        assert len(lifecycle) == 3 and all(m["type"] == "new" for m in lifecycle)
        assert collector.wait_for(lambda c: c.on(f"{prefix}/front_door/tamper")[-1].payload == b"ON")
        assert collector.wait_for(lambda c: c.on(f"{prefix}/yard/anomaly")[-1].json()["state"] == "absence")

        # Webhook: once each, signed, verified with the library's own verifier.
        assert {(r.json()["alert"]["id"], r.headers["webhook-id"]) for r in hooks.requests} == expected
        assert len(hooks.requests) == 3
        for request in hooks.requests:
            assert request.path == "/nem"
            assert Webhook(hook.secret).verify(request.body, request.headers)["id"] == request.headers["webhook-id"]

        # Apprise: once each, the snapshot attached to the tamper alert.
        posts = [r.json() for r in push.requests]
        assert len(posts) == 3
        assert sorted(p["title"] for p in posts) == ["front_door: tamper", "yard: anomaly", "yard: camera offline"]
        tamper_post = next(p for p in posts if p["title"] == "front_door: tamper")
        assert len(tamper_post["attachments"]) == 1 and tamper_post["attachments"][0]["base64"]
        assert all(r.path == "/notify" for r in push.requests)
        assert Delivery.objects.exclude(state="delivered").count() == 0

        # Ends: acknowledging the tamper alert acknowledges its scene change, and the camera comes back.
        services.alert_acknowledge(alert_id=alerts["tamper"].pk, actor="tester")
        change.refresh_from_db()
        assert change.acknowledged is True
        camera_status_set(
            camera_id="yard", previous="offline", status="online", at=dt.datetime(2026, 3, 9, 11, 42, tzinfo=dt.UTC)
        )
        delivery_drain()
        run_until_idle(publisher)
        assert collector.wait_for(lambda c: len(c.on(f"{prefix}/alerts")) >= 5)
        ends = [m.json() for m in collector.on(f"{prefix}/alerts")[3:]]
        assert [(m["type"], m["alert"]["kind"], m["alert"]["reason"]) for m in ends] == [
            ("end", "tamper", "acknowledged by tester"),
            ("end", "camera_offline", "back online after 42 min"),
        ]
        assert collector.wait_for(lambda c: c.on(f"{prefix}/front_door/tamper")[-1].payload == b"OFF")
        assert collector.wait_for(lambda c: c.on(f"{prefix}/yard/status")[-1].payload == b"online")
        assert [r.json()["type"] for r in hooks.requests].count("end") == 2
        assert len(push.requests) == 5
    finally:
        hooks.close()
        push.close()


@pytest.mark.django_db(transaction=True)
def test_last_will_goes_offline_when_the_publisher_is_killed(mqtt_prefix, collector):
    prefix, discovery = mqtt_prefix
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        database_url = f"sqlite:///{db['NAME']}"
    else:
        database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nem.settings.test",
        "DATABASE_URL": database_url,
        "NEM_MQTT_URL": django_settings.NEM_MQTT_URL,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_alert_publisher",
            "--prefix",
            prefix,
            "--discovery-prefix",
            discovery,
            "--client-id",
            f"{prefix}-killed",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert collector.wait_for(
            lambda c: [m.payload for m in c.on(f"{prefix}/available")][-1:] == [b"online"], timeout=30
        ), process.stderr.read1().decode() if process.poll() is not None else ""
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        assert collector.wait_for(lambda c: c.on(f"{prefix}/available")[-1].payload == b"offline", timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        process.stdout.close()
        process.stderr.close()
