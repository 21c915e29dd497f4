"""Baselines on PostgreSQL: the hourly recompute and bulk detection ingest.

(a) Recompute of every camera's baseline (hourly rollup by local hour and class, 168 activity
    slots and 24 slots per class, from raw detections) for NEM_BENCH_DETECTIONS detections
    (default 1,000,000) over 20 cameras and eight weeks, against one raw SQL GROUP BY
    (camera, hour, class) over the same rows in the same run. Target: within 2x. Measured as the
    hourly job runs (an hour of new detections arrived, the window moved on by an hour: only the
    hours marked by the triggers or new to the window are re-read), with ``--full`` (every hour
    re-read, nothing changed) and cold (empty derived tables: every hourly row is written).
(b) Bulk ingest through the API (the Django test client, in-process: validation, camera locks,
    insert, event merge, dirty-hour marks) in batches of 1,000, against psycopg COPY of the same
    rows (no validation, no events, triggers off). NEM_BENCH_INGEST rows (default 100,000). Reported as a throughput
    ratio API / COPY; target 0.2 or better.

Runs in its own database (``<DATABASE_URL name>_baselines``), created, migrated and dropped here,
so it never disturbs the shared benchmark database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from bench.common import Row, median, setup_django

N_DETECTIONS = int(os.environ.get("NEM_BENCH_DETECTIONS", "1000000"))
N_INGEST = int(os.environ.get("NEM_BENCH_INGEST", "100000"))
N_CAMERAS = 20
WEEKS = 8
BATCH = 1000
REPEAT = 3
NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
CLASSES = np.array(["person", "car", "dog", "cat", "bicycle"])
CLASS_P = [0.45, 0.3, 0.1, 0.1, 0.05]
COLUMNS = (
    "camera_id",
    "detected_at",
    "object_type",
    "confidence",
    "bbox_x",
    "bbox_y",
    "bbox_width",
    "bbox_height",
    "file_path",
    "created_at",
    "deleted_by",
)


def _database_urls() -> tuple[str, str, str]:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nem_bench")
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("bench_baselines needs PostgreSQL (DATABASE_URL=postgres://...)")
    name = (parts.path.lstrip("/") or "nem_bench") + "_baselines"
    return (
        urlunsplit(parts._replace(path=f"/{name}")),
        urlunsplit(parts._replace(path="/postgres")),
        name,
    )


def _generate(n: int, seed: int) -> list[tuple]:
    """n detections, 20 cameras, eight weeks before NOW, busier by day than by night, sorted by time."""
    rng = np.random.default_rng(seed)
    span = WEEKS * 7 * 24 * 3600
    # Diurnal rhythm: accept a uniform second of the span with probability by its hour of day.
    hour_weight = np.array([0.1] * 6 + [0.6, 1.0, 1.0, 0.7] + [0.6] * 6 + [0.9, 1.0, 1.0, 0.8, 0.5, 0.3, 0.2, 0.1])
    seconds = rng.uniform(0, span, int(n * 2.2))
    keep = rng.uniform(0, 1, seconds.size) < hour_weight[((seconds // 3600) % 24).astype(int)]
    seconds = np.sort(seconds[keep][:n])
    if seconds.size < n:
        raise RuntimeError("rhythm sampling produced too few rows")
    start = NOW - dt.timedelta(weeks=WEEKS)
    cameras = rng.integers(0, N_CAMERAS, n)
    classes = rng.choice(CLASSES, n, p=CLASS_P)
    conf = np.round(rng.uniform(0.5, 0.99, n), 3)
    box = np.round(rng.uniform(0, 800, (n, 4)), 1)
    return [
        (
            f"cam_{int(cameras[i]):02d}",
            start + dt.timedelta(seconds=float(seconds[i])),
            str(classes[i]),
            float(conf[i]),
            float(box[i, 0]),
            float(box[i, 1]),
            float(box[i, 2]),
            float(box[i, 3]),
            "",
            NOW,
            "",
        )
        for i in range(n)
    ]


def _copy(rows: list[tuple], *, triggers: bool = True) -> float:
    """COPY the rows into baselines_detection; returns seconds. ``triggers=False``: the bare COPY
    (the ingest reference), without the dirty-hour triggers the API's inserts pay."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if not triggers:
            cursor.execute("SET LOCAL session_replication_role = replica")
        with cursor.cursor.copy(f"COPY baselines_detection ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return time.perf_counter() - started


def _truncate(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
        cursor.execute("ANALYZE")


DERIVED = ("baselines_hourlycount", "baselines_hourlyclasscount", "baselines_activityslot", "baselines_classslot")


def _reference_group_by() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT camera_id, date_trunc('hour', detected_at AT TIME ZONE 'UTC') AS hour, object_type, count(*)
            FROM baselines_detection
            WHERE deleted_at IS NULL AND detected_at >= %s AND detected_at < %s
            GROUP BY 1, 2, 3
            """,
            [NOW - dt.timedelta(days=56, hours=1), NOW],
        )
        cursor.fetchall()
    return time.perf_counter() - started


def _recompute_all(*, now: dt.datetime = NOW, full: bool = False) -> tuple[float, int]:
    """Seconds, and hours re-read from the detections."""
    from baselines.services import baseline_recompute_all

    started = time.perf_counter()
    results = baseline_recompute_all(now=now, full=full)
    elapsed = time.perf_counter() - started
    assert all(not r.skipped for r in results), results
    return elapsed, sum(r.rolled_up_hours for r in results)


def _next_hour(rows: list[tuple], hour_start: dt.datetime) -> list[tuple]:
    """The detections of one more hour: those of the same hour a week earlier, a week later."""
    week = dt.timedelta(weeks=1)
    lo, hi = hour_start - week, hour_start - week + dt.timedelta(hours=1)
    return [(r[0], r[1] + week, *r[2:]) for r in rows if lo <= r[1] < hi]


def _bench_ingest(rows: list[tuple]) -> list[Row]:
    from django.test import Client

    from baselines.models import Detection, Event

    payloads = []
    for i in range(0, len(rows), BATCH):
        items = [
            {
                "camera_id": r[0],
                "detected_at": r[1].isoformat().replace("+00:00", "Z"),
                "object_type": r[2],
                "confidence": r[3],
                "bbox_x": r[4],
                "bbox_y": r[5],
                "bbox_width": r[6],
                "bbox_height": r[7],
            }
            for r in rows[i : i + BATCH]
        ]
        payloads.append(json.dumps({"detections": items}).encode())
    client = Client(HTTP_X_API_KEY="test-api-key-for-the-test-suite-only-0001", SERVER_NAME="localhost")
    # warm-up: one batch, then start from an empty table
    assert client.post("/api/detections", payloads[0], content_type="application/json").status_code == 201
    _truncate("baselines_detection", "baselines_event")

    started = time.perf_counter()
    for body in payloads:
        response = client.post("/api/detections", body, content_type="application/json")
        if response.status_code != 201:
            raise RuntimeError(f"ingest failed: {response.status_code} {response.content[:300]!r}")
    api_seconds = time.perf_counter() - started
    stored = Detection.objects.count()
    events = Event.objects.count()
    assert stored == len(rows), (stored, len(rows))

    _truncate("baselines_detection", "baselines_event")
    copy_seconds = median([(_copy(rows, triggers=False), _truncate("baselines_detection"))[0] for _ in range(REPEAT)])
    api_rate = len(rows) / api_seconds
    copy_rate = len(rows) / copy_seconds
    return [
        Row(
            f"ingest via API, batches of {BATCH}, {len(rows):,} rows ({events:,} events built)",
            round(api_rate),
            "rows/s",
            "psycopg COPY of the same rows (triggers off)",
            round(copy_rate),
            "API/COPY >= 0.2",
            api_rate / copy_rate >= 0.2,
        ),
        Row(
            "ingest via API: ms per batch of 1,000",
            round(api_seconds * 1000 / len(payloads), 1),
            "ms",
            "COPY: ms per 1,000 rows",
            round(copy_seconds * 1000 * BATCH / len(rows), 1),
            "reported",
            None,
        ),
    ]


def _bench_recompute(rows: list[tuple]) -> list[Row]:
    from baselines.models import HourlyClassCount, HourlyCount

    _truncate("baselines_detection", "baselines_event", *DERIVED)
    _copy(rows)
    _truncate("baselines_event")  # ANALYZE after the load
    _reference_group_by()  # warm the buffer cache for both sides alike
    reference = median([_reference_group_by() for _ in range(REPEAT)])
    cold = []
    for _ in range(REPEAT):
        _truncate(*DERIVED)
        cold.append(_recompute_all()[0])
    cold_s = median(cold)
    hourly = HourlyCount.objects.count()
    class_rows = HourlyClassCount.objects.count()
    # Every hour re-read although the rows exist and nothing changed (`recompute_baselines --full`).
    full_s = median([_recompute_all(full=True)[0] for _ in range(REPEAT)])
    # The hourly job's steady state: an hour of new detections, the window one hour further on.
    hourly_runs, new_rows, reread = [], 0, 0
    for i in range(1, REPEAT + 1):
        window_end = NOW.replace(minute=0) + dt.timedelta(hours=i)
        fresh = _next_hour(rows, window_end - dt.timedelta(hours=1))
        _copy(fresh)
        seconds, reread = _recompute_all(now=NOW + dt.timedelta(hours=i))
        hourly_runs.append(seconds)
        new_rows = len(fresh)
    hourly_s = median(hourly_runs)
    label = f"{len(rows):,} detections, {N_CAMERAS} cameras, {WEEKS} weeks"
    ref_label = "one raw SQL GROUP BY (camera, hour, class) over the same rows"
    return [
        Row(
            f"recompute all cameras, hourly job (+{new_rows:,} new detections, window 1 h on, "
            f"{reread} hours re-read), {label}",
            round(hourly_s * 1000),
            "ms",
            ref_label,
            round(reference * 1000),
            "ratio <= 2",
            hourly_s <= 2 * reference,
        ),
        Row(
            f"recompute all cameras, --full (every hour re-read, rows unchanged), {label}",
            round(full_s * 1000),
            "ms",
            ref_label,
            round(reference * 1000),
            "reported",
            None,
        ),
        Row(
            f"recompute all cameras, cold (writes {hourly:,} hourly + {class_rows:,} class-hour rows), {label}",
            round(cold_s * 1000),
            "ms",
            ref_label,
            round(reference * 1000),
            "ratio <= 2",
            cold_s <= 2 * reference,
        ),
    ]


def run() -> list[Row]:
    import psycopg

    url, admin_url, name = _database_urls()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    try:
        setup_django()
        from django.core.management import call_command
        from django.db import connection

        from cameras.models import Camera

        call_command("migrate", "--noinput", verbosity=0)
        Camera.objects.bulk_create(
            Camera(id=f"cam_{i:02d}", name=f"Camera {i:02d}", folder_path=f"/export/foscam/cam_{i:02d}",
                   created_at=NOW - dt.timedelta(weeks=WEEKS + 1))
            for i in range(N_CAMERAS)
        )
        rows = []
        rows += _bench_ingest(_generate(N_INGEST, seed=11))
        rows += _bench_recompute(_generate(N_DETECTIONS, seed=7))
        connection.close()
        return rows
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    for row in run():
        print(row)
