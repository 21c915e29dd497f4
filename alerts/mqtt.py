"""The MQTT side of alerts: one long-lived connection, owned by ``manage.py run_alert_publisher``.

Topics (prefix ``NEM_MQTT_TOPIC_PREFIX``, default ``nem``):

- ``nem/available``: ``online`` (birth, retained) / ``offline`` (last will, and a clean stop);
- ``nem/alerts``: each outbox row's lifecycle message (``type: new|update|end``), QoS 1, not retained;
- ``nem/<camera>/status`` (online/offline/error/unknown), ``nem/<camera>/tamper`` (ON/OFF),
  ``nem/<camera>/anomaly`` (JSON ``{"state": "none"|"surge"|"absence"|..., ...}``) and
  ``nem/<camera>/snapshot_url``: retained, so a subscriber that connects later sees the state;
- Home Assistant discovery under ``NEM_MQTT_DISCOVERY_PREFIX`` (``homeassistant``): per camera a
  device with connectivity and tamper binary sensors, an anomaly sensor and an image entity.
  Configs are retained, republished when ``homeassistant/status`` says ``online``, removed (an empty
  retained config) when the camera is trashed and published again when it is restored.

1. An outbox row is marked delivered only after the broker's PUBACK: a broker restart or a killed
   publisher leaves it pending, and the next pass sends it again (at-least-once; receivers dedupe
   on ``id``). Rows go out in id order, which keeps each camera's order.
2. After each batch the affected cameras' retained states are published from the database as it
   is then (never from an old row's payload), so a retained state is never older than a message.
3. A row still pending at ``expires_at`` (broker unreachable for ``NEM_ALERT_MAX_AGE``) is dead.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from alerts.models import Channel, Delivery, DeliveryState
from alerts.services.payloads import camera_alert_states

logger = logging.getLogger(__name__)

COMPONENTS = ("binary_sensor/connectivity", "binary_sensor/tamper", "sensor/anomaly", "image/snapshot")


def parse_mqtt_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError("NEM_MQTT_URL must be mqtt://[user:password@]host[:port] or mqtts://...")
    return {
        "host": parts.hostname,
        "port": parts.port or (8883 if parts.scheme == "mqtts" else 1883),
        "tls": parts.scheme == "mqtts",
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
    }


class Topics:
    def __init__(self, prefix: str, discovery_prefix: str):
        self.prefix = prefix.strip("/")
        self.discovery = discovery_prefix.strip("/")

    @property
    def available(self) -> str:
        return f"{self.prefix}/available"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}/alerts"

    @property
    def ha_status(self) -> str:
        return f"{self.discovery}/status"

    def camera(self, camera_id: str, leaf: str) -> str:
        return f"{self.prefix}/{camera_id}/{leaf}"

    def node_id(self, camera_id: str) -> str:
        return f"{self.prefix}_{camera_id}"

    def config(self, camera_id: str, component: str) -> str:
        kind, object_id = component.split("/")
        return f"{self.discovery}/{kind}/{self.node_id(camera_id)}/{object_id}/config"


def discovery_configs(topics: Topics, camera) -> dict[str, dict]:
    """Home Assistant MQTT discovery configs for one camera, by config topic."""
    base = settings.NEM_PUBLIC_URL.rstrip("/")
    node = topics.node_id(camera.id)
    device = {
        "identifiers": [node],
        "name": camera.name,
        "manufacturer": "NEM",
        "model": f"{camera.ingestion_mode} camera",
        "configuration_url": f"{base}/admin/cameras/camera/{camera.id}/change/",
    }
    common = {
        "device": device,
        "origin": {"name": "NEM"},
        "availability_topic": topics.available,
        "payload_available": "online",
        "payload_not_available": "offline",
    }
    return {
        topics.config(camera.id, "binary_sensor/connectivity"): {
            **common,
            "name": "Connectivity",
            "unique_id": f"{node}_connectivity",
            "device_class": "connectivity",
            "state_topic": topics.camera(camera.id, "status"),
            "value_template": "{{ 'ON' if value == 'online' else 'OFF' }}",
            "payload_on": "ON",
            "payload_off": "OFF",
        },
        topics.config(camera.id, "binary_sensor/tamper"): {
            **common,
            "name": "Tamper",
            "unique_id": f"{node}_tamper",
            "device_class": "tamper",
            "state_topic": topics.camera(camera.id, "tamper"),
            "payload_on": "ON",
            "payload_off": "OFF",
        },
        topics.config(camera.id, "sensor/anomaly"): {
            **common,
            "name": "Anomaly",
            "unique_id": f"{node}_anomaly",
            "icon": "mdi:chart-bell-curve",
            "state_topic": topics.camera(camera.id, "anomaly"),
            "value_template": "{{ value_json.state }}",
            "json_attributes_topic": topics.camera(camera.id, "anomaly"),
        },
        topics.config(camera.id, "image/snapshot"): {
            **common,
            "name": "Snapshot",
            "unique_id": f"{node}_snapshot",
            "url_topic": topics.camera(camera.id, "snapshot_url"),
        },
    }


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


class Publisher:
    """Owns the connection; ``step()`` is one pass over discovery and the outbox (the command
    loops it; tests call it directly)."""

    def __init__(
        self,
        *,
        url: str | None = None,
        client_id: str | None = None,
        prefix: str | None = None,
        discovery_prefix: str | None = None,
        batch: int = 500,
        ack_timeout: float = 10.0,
    ):
        self.params = parse_mqtt_url(url or settings.NEM_MQTT_URL)
        self.topics = Topics(
            prefix or settings.NEM_MQTT_TOPIC_PREFIX, discovery_prefix or settings.NEM_MQTT_DISCOVERY_PREFIX
        )
        self.batch = batch
        self.ack_timeout = ack_timeout
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or settings.NEM_MQTT_CLIENT_ID,
            protocol=mqtt.MQTTv311,
        )
        self.client.will_set(self.topics.available, "offline", qos=1, retain=True)
        if self.params["username"]:
            self.client.username_pw_set(self.params["username"], self.params["password"])
        if self.params["tls"]:
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.max_inflight_messages_set(100)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.connected = threading.Event()
        self._full_sync = threading.Event()
        self._live: dict[str, str] = {}  # camera id -> name, as last published
        self._states: dict[str, tuple] = {}  # camera id -> last published retained state
        self._last_reconcile = 0.0

    # connection ---------------------------------------------------------------------------

    def start(self) -> None:
        self.client.connect_async(self.params["host"], self.params["port"], keepalive=30)
        self.client.loop_start()

    def wait_connected(self, timeout: float) -> bool:
        return self.connected.wait(timeout)

    def stop(self) -> None:
        """A clean stop says ``offline`` itself (the broker sends the will only on a lost connection)."""
        if self.connected.is_set():
            info = self.client.publish(self.topics.available, "offline", qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=self.ack_timeout)
            except (RuntimeError, ValueError):
                pass
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            logger.warning("mqtt connect refused: %s", reason_code)
            return
        client.publish(self.topics.available, "online", qos=1, retain=True)
        client.subscribe(self.topics.ha_status, qos=1)
        self._full_sync.set()
        self.connected.set()
        logger.info("mqtt connected to %s:%s", self.params["host"], self.params["port"])

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.connected.clear()
        logger.warning("mqtt disconnected: %s", reason_code)

    def _on_message(self, client, userdata, message):
        if message.topic == self.topics.ha_status and message.payload.strip() == b"online":
            self._full_sync.set()  # Home Assistant restarted: it forgot every discovery config

    def _publish_all(self, messages: list[tuple[str, str, bool]]) -> bool:
        """Publish at QoS 1 and wait for every PUBACK; False if the connection went away."""
        infos = [self.client.publish(topic, payload, qos=1, retain=retain) for topic, payload, retain in messages]
        return self._acked(infos) == len(infos)

    def _acked(self, infos) -> int:
        """How many of ``infos``, in order, the broker acknowledged (stops at the first that was not)."""
        deadline = time.monotonic() + self.ack_timeout
        for index, info in enumerate(infos):
            try:
                info.wait_for_publish(timeout=max(deadline - time.monotonic(), 0.01))
            except (RuntimeError, ValueError):
                return index
            if not info.is_published():
                return index
        return len(infos)

    # discovery and states -----------------------------------------------------------------

    def _camera_messages(self, camera) -> list[tuple[str, str, bool]]:
        base = settings.NEM_PUBLIC_URL.rstrip("/")
        messages = [(topic, _json(config), True) for topic, config in discovery_configs(self.topics, camera).items()]
        messages.append(
            (self.topics.camera(camera.id, "snapshot_url"), f"{base}/api/cameras/{camera.id}/snapshot", True)
        )
        return messages

    def _removal_messages(self, camera_id: str) -> list[tuple[str, str, bool]]:
        messages = [(self.topics.config(camera_id, component), "", True) for component in COMPONENTS]
        messages += [
            (self.topics.camera(camera_id, leaf), "", True) for leaf in ("status", "tamper", "anomaly", "snapshot_url")
        ]
        return messages

    def _state_messages(self, camera_ids: list[str], *, force: bool) -> list[tuple[str, str, bool]]:
        from cameras.models import Camera

        statuses = dict(Camera.objects.filter(pk__in=camera_ids).values_list("pk", "status"))
        states = camera_alert_states([camera_id for camera_id in camera_ids if camera_id in statuses])
        messages = []
        for camera_id, state in states.items():
            anomaly = _json(state["anomaly"])
            key = (statuses[camera_id], state["tamper"], anomaly)
            if not force and self._states.get(camera_id) == key:
                continue
            self._states[camera_id] = key
            messages += [
                (self.topics.camera(camera_id, "status"), statuses[camera_id], True),
                (self.topics.camera(camera_id, "tamper"), state["tamper"], True),
                (self.topics.camera(camera_id, "anomaly"), anomaly, True),
            ]
        return messages

    def sync(self, *, full: bool) -> None:
        """Discovery for cameras that appeared (all of them when ``full``), removal for cameras
        that went to the trash, and retained states that changed."""
        from cameras.models import Camera

        live = dict(Camera.objects.order_by("pk").values_list("pk", "name"))
        messages: list[tuple[str, str, bool]] = []
        if full:
            gone = set(Camera.all_objects.dead().values_list("pk", flat=True))
            added = set(live)
            self._states.clear()
        else:
            gone = set(self._live) - set(live)
            added = {cid for cid, name in live.items() if self._live.get(cid) != name}
        for camera_id in sorted(gone):
            messages += self._removal_messages(camera_id)
            self._states.pop(camera_id, None)
        if added:
            for camera in Camera.objects.filter(pk__in=added).order_by("pk"):
                messages += self._camera_messages(camera)
        messages += self._state_messages(sorted(live), force=False)
        if messages and not self._publish_all(messages):
            self._full_sync.set()  # try the whole thing again once reconnected
            return
        self._live = live
        self._last_reconcile = time.monotonic()

    # outbox -------------------------------------------------------------------------------

    def expire(self, now=None) -> int:
        now = now or timezone.now()
        return Delivery.objects.filter(channel=Channel.MQTT, state=DeliveryState.PENDING, expires_at__lt=now).update(
            state=DeliveryState.DEAD, last_error="not delivered within NEM_ALERT_MAX_AGE"
        )

    def _fetch(self, after: int) -> list[dict]:
        # The payload as stored text: published as is, never decoded and encoded again.
        return list(
            Delivery.objects.filter(channel=Channel.MQTT, state=DeliveryState.PENDING, id__gt=after)
            .order_by("id")
            .annotate(body=Cast("payload", TextField()))
            .values("id", "body", "alert__camera_id")[: self.batch]
        )

    def _confirm(self, rows: list[dict], infos: list, started: float) -> int:
        """Wait for the PUBACKs of one published batch and mark the acknowledged prefix delivered."""
        done = rows[: self._acked(infos)]
        if done:
            now = timezone.now()
            Delivery.objects.filter(pk__in=[row["id"] for row in done]).update(
                state=DeliveryState.DELIVERED,
                delivered_at=now,
                last_attempt_at=now,
                attempts=F("attempts") + 1,
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
                last_error="",
            )
        return len(done)

    def drain_batch(self) -> int:
        """Publish pending rows in id order until none is left; returns how many were confirmed.

        Pipelined: batch k+1 is read and handed to the network thread before batch k's PUBACKs
        are awaited and marked, so the database work overlaps the broker's. A row committed late
        with a lower id than one already read waits for the next call (which starts from the
        lowest pending id again); one camera's rows never do, since its events are serialised by
        the row locks of their sources. If the connection drops, the unconfirmed rows stay pending.
        """
        delivered = 0
        cameras: set[str] = set()
        previous: tuple[list[dict], list, float] | None = None
        after = 0
        while True:
            rows = self._fetch(after)
            current = None
            if rows:
                started = time.perf_counter()
                infos = [self.client.publish(self.topics.alerts, row["body"], qos=1) for row in rows]
                current = (rows, infos, started)
                after = rows[-1]["id"]
            if previous is not None:
                confirmed = self._confirm(*previous)
                delivered += confirmed
                cameras.update(row["alert__camera_id"] for row in previous[0][:confirmed] if row["alert__camera_id"])
                if confirmed < len(previous[0]):
                    break  # connection lost: the rest stays pending
            if current is None:
                break
            previous = current
        if cameras:
            self._publish_all(self._state_messages(sorted(cameras), force=False))
        return delivered

    def step(self) -> int:
        """One pass; returns the outbox rows delivered (0 when idle or disconnected)."""
        self.expire()
        if not self.connected.is_set():
            return 0
        if self._full_sync.is_set():
            self._full_sync.clear()
            self.sync(full=True)
        elif time.monotonic() - self._last_reconcile >= settings.NEM_MQTT_RECONCILE_SECONDS:
            self.sync(full=False)
        return self.drain_batch()

    def run(self, stop: threading.Event, *, poll: float | None = None) -> None:
        from django.db import DatabaseError, close_old_connections

        poll = settings.NEM_MQTT_POLL_SECONDS if poll is None else poll
        self.start()
        try:
            while not stop.is_set():
                try:
                    sent = self.step()
                except DatabaseError:
                    logger.warning("alert publisher: database unavailable, retrying")
                    close_old_connections()
                    stop.wait(1.0)
                    continue
                if not sent:
                    stop.wait(poll)
        finally:
            self.stop()
