"""Fault scenarios that take seconds: the cache's Redis hung, then killed, under load.

The API must keep answering 200 with correct bodies (the cache is an accelerator only), a write
during the outage must be visible to the next read, /ready must say the cache is unavailable,
and the cache must come back into use when Redis does. The Redis here is our own
``redis-server --port N --save ''`` on 127.0.0.1, never the machine's.
The longer scenarios (PostgreSQL restart, a Celery worker killed mid-task, beat restarted) are in
``scripts/faults.sh`` (``make faults``).
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import TEST_API_KEY

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")

CAMERA_IDS = [f"fault_{i}" for i in range(5)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A throwaway redis-server on a free loopback port; this test owns its pid."""

    def __init__(self):
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def send(self, sig: int) -> None:
        self.proc.send_signal(sig)
        if sig == signal.SIGKILL:
            self.proc.wait(timeout=5)

    def dbsize(self) -> int:
        import redis

        return redis.Redis(port=self.port, socket_timeout=2).dbsize()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(timeout=5)


@pytest.fixture
def own_redis():
    server = OwnRedis()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(own_redis, settings):
    """The default cache on our Redis, configured as nem.settings.base configures production's."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{own_redis.port}/0",
            "KEY_PREFIX": "nem-faults",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    settings.RATELIMIT_USE_CACHE = "default"
    return own_redis


def _get(url: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"X-API-Key": TEST_API_KEY})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _post(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"X-API-Key": TEST_API_KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


class Load:
    """N threads reading the camera list and a detail in a loop until stopped; every answer kept."""

    def __init__(self, base: str, threads: int = 4):
        self.base = base
        self.results: list[tuple[str, int, dict]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(threads)]
        for t in self._threads:
            t.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            for path in ("/api/cameras", "/api/cameras/fault_2"):
                status, body = _get(self.base + path)
                with self._lock:
                    self.results.append((path, status, body))

    def count(self) -> int:
        with self._lock:
            return len(self.results)

    def wait_for(self, more: int, timeout: float = 60) -> None:
        target = self.count() + more
        deadline = time.monotonic() + timeout
        while self.count() < target and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> list[tuple[str, int, dict]]:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)
        return self.results


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_api_keeps_answering_when_the_cache_redis_hangs_then_dies(live_server, redis_cache, media_root):
    from cameras.tests.factories import CameraFactory

    for camera_id in CAMERA_IDS:
        CameraFactory(id=camera_id)
    base = live_server.url

    status, body = _get(base + "/api/cameras")
    assert status == 200
    assert redis_cache.dbsize() >= 2  # the generation key and the list entry: the cache is in use

    load = Load(base)
    try:
        load.wait_for(40)  # healthy
        redis_cache.send(signal.SIGSTOP)  # hung: every cache call runs into its socket timeout
        load.wait_for(8)
        redis_cache.send(signal.SIGCONT)
        load.wait_for(20)
        redis_cache.send(signal.SIGKILL)  # gone: connection refused
        load.wait_for(40)

        ready_status, ready = _get(base + "/ready")
        created_status, created = _post(base + "/api/cameras", {"name": "During outage", "folder_path": str(media_root / "outage")})
        after_write_status, after_write = _get(base + "/api/cameras")
        load.wait_for(20)
    finally:
        results = load.stop()

    assert len(results) >= 128
    bad = [(path, status) for path, status, _ in results if status != 200]
    assert not bad, f"{len(bad)} of {len(results)} answers were not 200: {bad[:5]}"
    for path, _status, body in results:
        if path == "/api/cameras":
            assert [item["id"] for item in body["items"]][:5] == CAMERA_IDS
        else:
            assert body["id"] == "fault_2"

    assert ready_status == 503
    assert ready["status"] == 503  # a problem document naming what is down
    assert ready["checks"] == {"database": "ok", "cache": "unavailable", "broker": "ok", "media_root": "ok"}
    assert ready["detail"] == "Not ready: cache unavailable."
    assert created_status == 201
    assert after_write_status == 200
    assert "outage" in [item["id"] for item in after_write["items"]]

    # Redis back (empty, on the same port): the API uses the cache again without a restart.
    redis_cache.start()
    for _ in range(3):
        status, body = _get(base + "/api/cameras")
        assert status == 200
        assert len(body["items"]) == 6
    assert redis_cache.dbsize() >= 2
    assert _get(base + "/ready")[0] == 200


@pytest.mark.django_db
def test_the_snapshot_keeps_answering_when_the_cache_redis_is_down(redis_cache, media_root, anon_client):
    """The rate limiter counts in the cache; with the cache down, an <img> must still load."""
    from PIL import Image

    from cameras.tests.factories import CameraFactory

    folder = media_root / "porch"
    folder.mkdir()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(folder / "a.jpg")
    CameraFactory(id="porch", folder_path=str(folder))
    assert anon_client.get("/api/cameras/porch/snapshot").status_code == 200

    redis_cache.send(signal.SIGKILL)
    statuses = [anon_client.get("/api/cameras/porch/snapshot").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]  # the limiter fails open (RATELIMIT_FAIL_OPEN), never a 429 wall
