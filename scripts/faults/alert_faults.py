"""Alert fault scenarios, run by scripts/faults/scenarios.py with its World (private
PostgreSQL and Redis). MQTT goes to a private Mosquitto on a free port with persistence on, so the
machine's own broker is never stopped and a subscriber's session survives a broker restart.

4. mqtt-broker-down: Mosquitto stopped for NEM_FAULTS_MQTT_OUTAGE seconds (default 60) while
   alerts are raised. Expected: every alert delivered after it returns, in order per camera.
5. publisher-killed: the publisher SIGKILLed in the middle of draining a backlog, a new one started.
   Expected: nothing lost (duplicates allowed: at-least-once), order per camera kept.
6. webhook-500-then-200: a webhook receiver answers 500 three times, then 200; the Celery worker
   sends on commit and ``drain_alerts`` retries as cron would. Expected: delivered, every attempt
   with the same ``webhook-id`` and a signature the Standard Webhooks verifier accepts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "nemfaults"


def _log(msg: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _dj(w, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "scripts/faults/alerts_dj.py", *args],
        cwd=ROOT,
        env=w.env,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    @staticmethod
    def start(w, port: int):
        conf = w.work / "mosquitto.conf"
        (w.work / "mosquitto-data").mkdir(exist_ok=True)
        conf.write_text(
            # user root: started as root, mosquitto would drop to its own user, which cannot write here
            f"user root\nlistener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {w.work / 'mosquitto-data'}/\n"
        )
        proc = w.spawn("mosquitto", ["mosquitto", "-c", str(conf)])
        import socket

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return proc
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("private mosquitto did not start")


class Subscriber:
    """A persistent-session QoS 1 subscriber: what the broker queued while it was away arrives too."""

    def __init__(self, port: int, client_id: str):
        import paho.mqtt.client as mqtt

        self.received: list[tuple[str, str]] = []  # (message id, camera) in arrival order
        self._subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(f"{PREFIX}/alerts", qos=1)
        self.client.on_subscribe = lambda *a: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port, keepalive=10)
        self.client.loop_start()
        if not self._subscribed.wait(10):
            raise RuntimeError("subscriber did not subscribe")

    def _on_message(self, client, userdata, message):
        body = json.loads(message.payload)
        self.received.append((body["id"], body["alert"]["camera_id"]))

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def _mqtt_env(w, port: int) -> None:
    w.env.update(
        NEM_MQTT_URL=f"mqtt://127.0.0.1:{port}",
        NEM_MQTT_TOPIC_PREFIX=PREFIX,
        NEM_MQTT_DISCOVERY_PREFIX=f"{PREFIX}-ha",
        NEM_MQTT_CLIENT_ID="nem-faults-pub",
    )


def _publisher(w, name: str):
    return w.spawn(name, [sys.executable, "manage.py", "run_alert_publisher"])


def _wait_drained(w, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        box = _dj(w, "outbox")
        if not box["states"].get("pending") or time.monotonic() > deadline:
            return box
        time.sleep(1)


def _check(box: dict, sub: Subscriber, after_id: int = 0) -> tuple[bool, str]:
    """Every outbox row of this scenario (id > ``after_id``) received at least once; per camera,
    first arrivals in id order."""
    expected = {message_id: (row_id, camera) for row_id, message_id, camera, _ in box["rows"] if row_id > after_id}
    first: dict[str, int] = {}
    order: dict[str, list[int]] = {}
    for message_id, camera in sub.received:
        if message_id in expected and message_id not in first:
            first[message_id] = 1
            order.setdefault(camera, []).append(expected[message_id][0])
    missing = set(expected) - set(first)
    out_of_order = [camera for camera, ids in order.items() if ids != sorted(ids)]
    duplicates = len(sub.received) - len(set(m for m, _ in sub.received))
    ok = not missing and not out_of_order and not box["states"].get("pending") and not box["states"].get("dead")
    return ok, (
        f"{len(expected)} alerts, {len(missing)} missing, {len(out_of_order)} camera(s) out of order, "
        f"{duplicates} duplicate(s), outbox {box['states']}"
    )


def mqtt_broker_down(w) -> tuple[bool, str]:
    port = free_port()
    _mqtt_env(w, port)
    outage = float(os.environ.get("NEM_FAULTS_MQTT_OUTAGE", "60"))
    broker = Broker.start(w, port)
    _dj(w, "cameras", "5")
    publisher = _publisher(w, "alert-publisher-1")
    sub = Subscriber(port, "faults-sub-outage")
    try:
        _dj(w, "raise", "10")
        _wait_drained(w, 30)
        _log(f"broker stopped for {outage:.0f} s; raising alerts meanwhile")
        w.kill(broker)
        stopped = time.monotonic()
        _dj(w, "raise", "40", str(max(outage - 5, 0) / 40))
        time.sleep(max(0.0, outage - (time.monotonic() - stopped)))
        broker = Broker.start(w, port)
        _log("broker back")
        box = _wait_drained(w, 120)
        time.sleep(2)  # the last PUBLISHes reach the subscriber
        return _check(box, sub)
    finally:
        sub.close()
        w.kill(publisher)
        w.kill(broker)


def publisher_killed(w) -> tuple[bool, str]:
    import signal

    port = free_port()
    _mqtt_env(w, port)
    broker = Broker.start(w, port)
    _dj(w, "cameras", "5")
    sub = Subscriber(port, "faults-sub-killed")
    publisher = None
    try:
        rows = _dj(w, "outbox")["rows"]
        after_id = rows[-1][0] if rows else 0
        _dj(w, "raise", "1000")
        before = len(sub.received)
        publisher = _publisher(w, "alert-publisher-2")
        deadline = time.monotonic() + 60
        while len(sub.received) == before and time.monotonic() < deadline:
            time.sleep(0.005)
        w.kill(publisher, signal.SIGKILL)
        mid = _dj(w, "outbox")["states"]
        _log(f"publisher killed after {len(sub.received) - before} message(s) arrived; outbox then {mid}")
        publisher = _publisher(w, "alert-publisher-3")
        box = _wait_drained(w, 120)
        time.sleep(2)
        ok, evidence = _check(box, sub, after_id)
        return ok and mid.get("pending", 0) > 0, f"killed mid-drain (outbox {mid}); {evidence}"
    finally:
        sub.close()
        if publisher is not None:
            w.kill(publisher)
        w.kill(broker)


def webhook_500_then_200(w) -> tuple[bool, str]:
    from standardwebhooks.webhooks import Webhook

    requests: list[tuple[dict, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(500 if len(requests) <= 3 else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    w.env.update(
        NEM_ALERT_ALLOW_LOOPBACK_TARGETS="true",
        NEM_ALERT_RETRY_BASE_SECONDS="1",
        NEM_ALERT_RETRY_MAX_SECONDS="2",
        NEM_MQTT_URL="",
    )
    worker = w.worker("alerts-worker")
    try:
        created = _dj(w, "endpoint", f"http://127.0.0.1:{server.server_address[1]}/hook")
        _dj(w, "cameras", "1")
        _dj(w, "raise", "1")
        deadline = time.monotonic() + 60
        state = {}
        while time.monotonic() < deadline:
            subprocess.run(
                [sys.executable, "manage.py", "drain_alerts", "-v", "0"],
                cwd=ROOT,
                env=w.env,
                capture_output=True,
                timeout=60,
            )  # cron's retry; exit 1 only on dead letters
            rows = _dj(w, "webhooks")["rows"]
            state = rows[-1] if rows else {}
            if state.get("state") == "delivered":
                break
            time.sleep(1)
        ids = {headers["webhook-id"] for headers, _ in requests}
        verified = 0
        for headers, body in requests:
            Webhook(created["secret"]).verify(body, headers)
            verified += 1
        ok = state.get("state") == "delivered" and len(requests) == 4 and len(ids) == 1 and verified == 4
        return ok, (
            f"{len(requests)} request(s), webhook-id(s) {sorted(ids)}, {verified} signature(s) verified, "
            f"delivery {state}"
        )
    finally:
        w.kill(worker)
        server.shutdown()
        server.server_close()


SCENARIOS = {
    "mqtt-broker-down": mqtt_broker_down,
    "publisher-killed": publisher_killed,
    "webhook-500-then-200": webhook_500_then_200,
}
