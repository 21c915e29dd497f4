"""The long fault scenarios (``make faults`` -> scripts/faults.sh, which starts and always stops
the private PostgreSQL cluster and Redis this script is given).

1. postgres-restart: gunicorn serves a camera detail (uncached: every answer needs the database)
   in a loop; PostgreSQL stops for a few seconds and starts again. Expected: a 503 problem during
   the outage, 200 again afterwards without restarting the web process.
2. worker-killed: a baseline recompute (``baselines.recompute``) is held in the middle by a table
   lock, its Celery worker is killed (SIGKILL, whole process group), a new worker starts.
   Expected: the task is redelivered and the baseline equals a clean run pinned to the same time.
3. duplicate-scan: the anomaly scan (``baselines.detect_anomalies``) delivered again and
   concurrently, as a restarted beat re-sending a due entry does. Expected: no duplicate anomalies.

Each scenario prints PASS/FAIL with its evidence; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
KEY = "faults-key-long-enough-for-the-start-up-check"  # NEM_API_KEYS needs 32+ characters
CAMERA = "fault_cam"


def log(msg: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class World:
    def __init__(self, args):
        self.work = Path(args.workdir)
        self.pg_port, self.redis_port = args.pg_port, args.redis_port
        self.pgdata = args.pgdata
        self.dsn = f"postgres://postgres@127.0.0.1:{self.pg_port}/nem_faults"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "CELERY_"))}
        self.env.update(
            DJANGO_SETTINGS_MODULE="nem.settings.base",
            DEBUG="false",
            SECRET_KEY="faults-secret-key-not-for-production",
            DATABASE_URL=self.dsn,
            DB_CONNECT_TIMEOUT="2",
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/1",
            CELERY_BROKER_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            NEM_API_KEYS=KEY,
            NEM_CACHE_PREFIX="nem-faults",
            NEM_ONVIF_MULTICAST="false",
            NEM_MEDIA_ROOT=str(self.work / "media"),
            NEM_VAR_DIR=str(self.work / "var"),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            PYTHONDONTWRITEBYTECODE="1",
            # Unacked messages of a killed worker come back after this (Redis broker); read by the
            # settings (NEM_CELERY_VISIBILITY_TIMEOUT). Shorter than the wait below.
            NEM_CELERY_VISIBILITY_TIMEOUT=os.environ.get("NEM_CELERY_VISIBILITY_TIMEOUT", "20"),
        )
        (self.work / "media").mkdir(exist_ok=True)
        self.procs: list[subprocess.Popen] = []

    # -- processes --------------------------------------------------------------------------
    def spawn(self, name: str, cmd: list[str]) -> subprocess.Popen:
        out = (self.work / f"{name}.log").open("a")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        (self.work / f"{name}.pid").write_text(str(proc.pid))
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            self.kill(proc)

    def manage(self, *args: str) -> str:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True, timeout=300).stdout.strip()

    def dj(self, command: str, *args: str) -> dict:
        out = subprocess.run([sys.executable, "scripts/faults/dj.py", command, CAMERA, *args], cwd=ROOT, env=self.env,
                             check=True, capture_output=True, text=True, timeout=300).stdout
        return json.loads(out.strip().splitlines()[-1])

    def pg_ctl(self, action: str) -> None:
        cmd = f"/usr/lib/postgresql/*/bin/pg_ctl -D {self.pgdata} -w -m fast {action}"
        if action == "start":
            cmd = (f"/usr/lib/postgresql/*/bin/pg_ctl -D {self.pgdata} -w -l {self.pgdata}/log "
                   f"-o '-p {self.pg_port} -k /tmp -c listen_addresses=127.0.0.1' start")
        subprocess.run(["runuser", "-u", "postgres", "--", "bash", "-c", cmd], check=True, capture_output=True)

    def worker(self, name: str, concurrency: int = 1) -> subprocess.Popen:
        proc = self.spawn(name, [sys.executable, "-m", "celery", "-A", "nem", "worker", "-l", "info", "-Q", "celery",
                                 "--concurrency", str(concurrency), "--pool", "prefork", "-n", f"{name}@faults",
                                 "--without-gossip", "--without-mingle", "--without-heartbeat"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "ready." in (self.work / f"{name}.log").read_text():
                return proc
            if proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"worker {name} did not start: {(self.work / f'{name}.log').read_text()[-1500:]}")

    def send_task(self, name: str, args: list) -> None:
        code = ("import sys; from nem.celery import app; "
                f"app.send_task({name!r}, args={args!r}); print('sent')")
        subprocess.run([sys.executable, "-c", "import django,os; django.setup(); " + code], cwd=ROOT, env=self.env,
                       check=True, capture_output=True, text=True, timeout=60)

    # -- HTTP -------------------------------------------------------------------------------
    def http(self, base: str, method: str, path: str, body: dict | None = None) -> tuple[int, str, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"X-API-Key": KEY, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:
                return resp.status, resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Content-Type", ""), exc.read()
        except OSError as exc:
            return 0, "", repr(exc).encode()


# --- scenarios ------------------------------------------------------------------------------


def postgres_restart(w: World) -> tuple[bool, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = w.spawn("gunicorn", [sys.executable, "-m", "gunicorn", "nem.wsgi:application", "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--worker-class", "gthread", "--threads", "2", "--timeout", "60"])
    deadline = time.monotonic() + 30
    while w.http(base, "GET", "/health")[0] != 200:
        if time.monotonic() > deadline:
            return False, "gunicorn did not start"
        time.sleep(0.2)
    status, _ct, body = w.http(base, "POST", "/api/cameras", {"name": "Restart probe", "folder_path": "probe"})
    if status not in (201, 409):
        return False, f"could not create the probe camera: {status} {body[:200]!r}"
    samples: list[tuple[float, str, int, str, bytes]] = []
    phase = ["before"]
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            status, ct, body = w.http(base, "GET", "/api/cameras/probe")
            samples.append((time.monotonic(), phase[0], status, ct, body[:200]))
            time.sleep(0.05)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(2)
    phase[0] = "outage"
    log("stopping PostgreSQL")
    w.pg_ctl("stop")
    time.sleep(5)
    log("starting PostgreSQL")
    w.pg_ctl("start")
    phase[0] = "after"
    restarted_at = time.monotonic()
    time.sleep(10)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    web_pid_same = web.poll() is None

    by_phase = collections.defaultdict(collections.Counter)
    for _t, ph, status, ct, _b in samples:
        by_phase[ph][(status, ct.split(";")[0])] += 1
    outage = [s for s in samples if s[1] == "outage"]
    after = [s for s in samples if s[1] == "after"]
    first_ok = next((t for t, ph, status, *_ in after if status == 200), None)
    last_3s = [s for s in after if s[0] > restarted_at + 7]
    example = next((s[4] for s in outage if s[2] != 200), b"")
    ok = (
        all(s[2] == 200 for s in samples if s[1] == "before")
        and any(s[2] != 200 for s in outage)  # requests in flight as it stops may still succeed
        and all(s[2] == 503 and s[3].startswith("application/problem+json") for s in outage if s[2] != 200)
        and first_ok is not None
        and all(s[2] == 200 for s in last_3s)
        and web_pid_same
    )
    evidence = (
        f"before: {dict(by_phase['before'])}; outage: {dict(by_phase['outage'])}; after: {dict(by_phase['after'])}; "
        f"first 200 {first_ok - restarted_at:.1f} s after restart; " if first_ok else "no 200 after restart; "
    ) + f"web process never restarted: {web_pid_same}; outage body example: {example!r}"
    w.kill(web)
    return ok, evidence


def worker_killed(w: World) -> tuple[bool, str]:
    log("seeding 8 weeks of detections")
    seeded = w.dj("seed")
    log(f"seeded {seeded}")

    first = w.worker("worker-1")
    lock = psycopg.connect(w.dsn.replace("postgres://", "postgresql://"))
    lock.execute("LOCK TABLE baselines_activityslot IN ACCESS EXCLUSIVE MODE")  # holds the recompute mid-way
    w.send_task("baselines.recompute", [CAMERA])
    waiting = False
    deadline = time.monotonic() + 60
    with psycopg.connect(w.dsn.replace("postgres://", "postgresql://"), autocommit=True) as probe:
        while time.monotonic() < deadline and not waiting:
            row = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'nem_faults'"
            ).fetchone()
            waiting = row[0] > 0
            time.sleep(0.2)
    claim_mid = w.dj("state")
    log(f"task in the middle: {waiting}; state {claim_mid}; killing worker-1 (SIGKILL)")
    w.kill(first, signal.SIGKILL)
    lock.rollback()
    lock.close()
    second = w.worker("worker-2")
    wait = int(os.environ.get("FAULTS_REDELIVERY_WAIT", "240"))
    deadline = time.monotonic() + wait
    after = w.dj("digest")
    while time.monotonic() < deadline and after["activity_slots"] == 0:
        time.sleep(2)
        after = w.dj("digest")
    redelivered = re.search(r"Task baselines\.recompute\[[^\]]+\] received", (w.work / "worker-2.log").read_text()) is not None
    # Each scenario stops its workers: a worker left running would take the next scenario's tasks
    # with this scenario's environment.
    w.kill(second)
    claim_after = w.dj("state")
    # The clean run is pinned to the time the redelivered run used: the window moves at every hour
    # boundary, so runs at two different times may rightly differ.
    at = claim_after.get("last_recompute_at")
    clean = w.dj("recompute-at", at) if at else {"activity_slots": 0, "sha1": None}
    ok = waiting and after["activity_slots"] > 0 and after == clean
    evidence = (
        f"clean run at {at}: {clean}; after kill + new worker ({wait} s wait): {after}; "
        f"task received by worker-2: {redelivered}; claim after: {claim_after}"
    )
    return ok, evidence


def duplicate_scan(w: World) -> tuple[bool, str]:
    w.dj("wipe")
    w.manage("recompute_baselines", "--camera", CAMERA)
    w.dj("surge")
    once = w.manage("detect_anomalies", "--camera", CAMERA)
    first = w.dj("anomalies")
    worker = w.worker("worker-3", concurrency=2)
    for args in ([CAMERA], [CAMERA], [CAMERA], []):
        w.send_task("baselines.detect_anomalies", args)
    time.sleep(15)
    w.kill(worker)
    again = w.dj("anomalies")
    ok = first["count"] > 0 and again == first and again["count"] == again["distinct"]
    return ok, f"one scan: {once!r} -> {first}; after 4 more deliveries (3 direct, 1 fan-out, 2 processes): {again}"


SCENARIOS = {"postgres-restart": postgres_restart, "worker-killed": worker_killed, "duplicate-scan": duplicate_scan}

# Alerts: a private Mosquitto stopped, the publisher killed, a webhook receiver failing.
from alert_faults import SCENARIOS as ALERT_SCENARIOS  # noqa: E402 - scripts/faults is sys.path[0]

SCENARIOS.update(ALERT_SCENARIOS)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--pgdata", required=True)
    parser.add_argument("--pg-port", type=int, required=True)
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    args = parser.parse_args()
    w = World(args)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{w.pg_port}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS nem_faults")
        conn.execute("CREATE DATABASE nem_faults")
    w.manage("migrate", "--noinput", "-v0")
    results = {}
    try:
        for name in args.scenarios:
            log(f"=== {name}")
            try:
                ok, evidence = SCENARIOS[name](w)
            except Exception as exc:  # noqa: BLE001 - a broken scenario is a failed one, and the next still runs
                ok, evidence = False, f"scenario crashed: {exc!r}"
            results[name] = (ok, evidence)
            log(f"{'PASS' if ok else 'FAIL'} {name}: {evidence}")
    finally:
        w.stop_all()
    print("\nFault scenarios:")
    for name, (ok, evidence) in results.items():
        print(f"- {'PASS' if ok else 'FAIL'} {name}: {evidence}")
    print(f"{sum(ok for ok, _ in results.values())} passed, {sum(not ok for ok, _ in results.values())} failed")
    return 0 if all(ok for ok, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
