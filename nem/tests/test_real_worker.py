"""The production task path: a real Celery worker process over a real broker, against the test
database. Everywhere else tasks run eagerly on the memory broker, which proves the task bodies but
not routing, serialisation, the worker's settings and its own database connection."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from baselines.models import ActivitySlot, BaselineState, Detection
from cameras.tests.factories import CameraFactory
from nem.celery import app

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),  # committed rows: the worker reads them on its own connection
    # The test settings make this process eager; send_task puts a message on the broker regardless.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

# A Redis database of this test's own, emptied before and after, so no other user's queue is touched.
BROKER_URL = os.environ.get("NEM_TEST_WORKER_BROKER_URL", "redis://127.0.0.1:6379/13")
QUEUE = f"nem-real-worker-{uuid.uuid4().hex[:8]}"


def _database_url() -> str:
    """The test database as the worker must reach it (the SQLite test database is a file)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"].endswith("postgresql"):
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    pytest.skip(f"no URL form for the {db['ENGINE']} backend in this test")


@pytest.fixture
def broker():
    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"the real-worker test needs Redis at {BROKER_URL}: {exc}")
    client.flushdb()
    yield BROKER_URL
    client.flushdb()
    client.close()


@pytest.fixture
def worker(broker):
    var = Path(tempfile.mkdtemp(prefix="nem-real-worker-"))
    log = var / "worker.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="nem.settings.base",
        DEBUG="true",
        SECRET_KEY="real-worker-test-secret-key-not-for-production",
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=broker,
        CELERY_TASK_ALWAYS_EAGER="false",
        NEM_VAR_DIR=str(var),
        NEM_ONVIF_MULTICAST="false",
        PYTHONDONTWRITEBYTECODE="1",
    )
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "nem",
                "worker",
                "-l",
                "info",
                "-Q",
                QUEUE,
                "--pool",
                "solo",
                "-n",
                f"{QUEUE}@test",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield proc, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        for path in var.rglob("*"):
            if path.is_file():
                path.unlink()
        for path in sorted(var.rglob("*"), reverse=True):
            path.rmdir()
        var.rmdir()


def _wait_for(predicate, log: Path, what: str, timeout: float = 60):
    """Waits for the worker's effect (not a timing assertion: the bound only ends a hung test)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen; worker log:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def test_a_worker_runs_a_recompute_sent_over_the_broker(worker):
    proc, log = worker
    now = timezone.now()
    camera = CameraFactory(id="front_door", created_at=now - dt.timedelta(days=30))
    last = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    Detection.objects.bulk_create(
        Detection(camera=camera, detected_at=last + dt.timedelta(minutes=i), object_type="person", confidence=0.9)
        for i in range(3)
    )
    assert not BaselineState.objects.filter(camera=camera, last_recompute_at__isnull=False).exists()

    # Sent as the beat and the views send: a message on the broker, not an eager call.
    with app.connection_for_write(BROKER_URL) as conn:
        app.send_task("baselines.recompute", args=["front_door"], queue=QUEUE, connection=conn)

    def recomputed():
        return BaselineState.objects.filter(camera=camera, last_recompute_at__isnull=False).exists()

    _wait_for(recomputed, log, "the recompute")
    state = BaselineState.objects.get(camera=camera)
    assert state.recompute_claimed_at is None  # the worker released its claim
    slot = ActivitySlot.objects.get(camera=camera, day_of_week=last.weekday(), hour=last.hour)
    assert slot.sample_count >= 1 and slot.avg_count > 0
    text = log.read_text()
    assert "Task baselines.recompute[" in text and "succeeded" in text
    assert proc.poll() is None  # still serving
