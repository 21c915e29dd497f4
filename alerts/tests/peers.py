"""Real peers on loopback for the alert tests: an HTTP receiver (a webhook receiver that checks
signatures with the Standard Webhooks library, or Apprise's json:// target) and a paho MQTT
subscriber on the machine's Mosquitto."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import paho.mqtt.client as mqtt
import pytest

MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883


def mosquitto_up() -> bool:
    try:
        with socket.create_connection((MQTT_HOST, MQTT_PORT), timeout=1):
            return True
    except OSError:
        return False


needs_mosquitto = pytest.mark.skipif(not mosquitto_up(), reason="Mosquitto is not answering on 127.0.0.1:1883")


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """Answers each POST with the next status of ``statuses`` (the last one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                index = min(len(receiver.requests) - 1, len(receiver.statuses) - 1)
                code = receiver.statuses[index]
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Message:
    topic: str
    payload: bytes
    retain: bool

    def json(self):
        return json.loads(self.payload)


class MqttCollector:
    """A real subscriber: every message under the given filters, in arrival order."""

    def __init__(self, *filters: str, client_id: str | None = None):
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"test-{uuid.uuid4().hex[:8]}"
        )
        self._subscribed = threading.Event()
        self._filters = filters

        def on_connect(client, userdata, flags, reason_code, properties):
            client.subscribe([(f, 1) for f in filters])

        def on_subscribe(client, userdata, mid, reason_codes, properties):
            self._subscribed.set()

        def on_message(client, userdata, message):
            with self._lock:
                self.messages.append(Message(message.topic, message.payload, bool(message.retain)))

        self.client.on_connect = on_connect
        self.client.on_subscribe = on_subscribe
        self.client.on_message = on_message
        self.client.connect(MQTT_HOST, MQTT_PORT, keepalive=30)
        self.client.loop_start()
        assert self._subscribed.wait(10), "subscription not acknowledged"

    def on(self, topic: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m.topic == topic]

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        """Wait until ``predicate(self)`` holds (a bound on waiting for a real peer, not a timed assertion)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.02)
        return predicate(self)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def clear_retained(prefix_filters: list[str]) -> None:
    """Remove retained messages a test left under its private prefixes (the broker is shared)."""
    seen: list[str] = []
    collector = MqttCollector(*prefix_filters)
    collector.wait_for(lambda c: False, timeout=0.3)
    seen = sorted({m.topic for m in collector.messages if m.retain and m.payload})
    for topic in seen:
        collector.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    collector.close()
