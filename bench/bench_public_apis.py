"""What the public-API versions of the snapshot's and the camera list's hot steps cost, each beside
the cheapest way to do the same I/O (in process, medians of interleaved rounds, PostgreSQL + Redis
when DATABASE_URL / REDIS_URL are set):

- the snapshot's rate count through django-ratelimit's ``get_usage`` (an add, then an incr: two
  Redis round trips) against one pipelined INCR + PEXPIRE round trip on a key of the same shape
  (what a hand-made counter costs);
- the snapshot's camera lookup through the ORM against the same SQL through ``connection.cursor()``
  (the ORM's query building is the difference);
- Django's per-request connection health check (``CONN_HEALTH_CHECKS``: a ``SELECT 1`` before the
  first query of a request on a kept connection), now paid by the snapshot too;
- the camera list's cache hit through ``django_redis.get_redis_connection`` against the same MGET
  on a client fetched once.

All reported, no target: they size the cost of staying on public APIs.

Run alone with ``python -m bench.bench_public_apis``.
"""

from __future__ import annotations

import time

from bench.common import Row, median, setup_django

ROUNDS = 5
PER_ROUND = 400


def _interleaved(funcs: dict[str, object]) -> dict[str, float]:
    """Median ms of each function, measured round after round so drift hits them all alike."""
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    for func in funcs.values():
        for _ in range(20):
            func()
    for _ in range(ROUNDS):
        for name, func in funcs.items():
            for _ in range(PER_ROUND):
                t0 = time.perf_counter()
                func()
                samples[name].append((time.perf_counter() - t0) * 1000)
    return {name: median(values) for name, values in samples.items()}


def run() -> list[Row]:
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import setup_test_environment
    from django_ratelimit.core import get_usage

    from cameras.api.media_views import MEDIA_RATE_GROUP
    from cameras.cache import list_lookup, list_store
    from cameras.media.snapshot import snapshot_lookup
    from cameras.models import Camera, IngestionRecord

    redis_on = bool(settings.REDIS_URL)
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        None if connection.vendor == "sqlite" else f"test_{settings.DATABASES['default']['NAME']}_publicapis"
    )
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    rows: list[Row] = []
    try:
        camera = Camera.objects.create(id="front_door", name="Front Door", folder_path="/export/foscam/front_door")
        IngestionRecord.objects.create(
            camera=camera, folder="/export/foscam/front_door", recent_images=[["a.jpg", 1, 2]] * 5
        )
        request = RequestFactory().get("/api/cameras/front_door/snapshot", REMOTE_ADDR="10.1.2.3")
        rate = "100000000/m"

        def public_count():
            get_usage(request, group=MEDIA_RATE_GROUP, key="ip", rate=rate, increment=True)

        funcs = {"get_usage": public_count}
        if redis_on:
            from django_redis import get_redis_connection

            client = get_redis_connection("default")
            key = "nem-bench:rl:" + "0" * 64

            def one_round_trip():
                pipe = client.pipeline(transaction=False)
                pipe.incr(key)
                pipe.pexpire(key, 65_000)
                pipe.execute()

            funcs["pipelined"] = one_round_trip

        sql = (
            f"SELECT c.folder_path, r.folder, r.recent_images, r.recent_videos FROM {Camera._meta.db_table} c "
            f"LEFT JOIN {IngestionRecord._meta.db_table} r ON r.camera_id = c.id "
            "WHERE c.id = %s AND c.deleted_at IS NULL"
        )

        def cursor_lookup():
            with connection.cursor() as cursor:
                cursor.execute(sql, ["front_door"])
                cursor.fetchone()

        funcs["orm"] = lambda: snapshot_lookup(camera_id="front_door")
        funcs["cursor"] = cursor_lookup
        funcs["health"] = connection.is_usable
        params = {"limit": "", "offset": "", "cursor": "", "fields": ""}
        list_store(list_lookup(status=None, params=params), b'{"items": []}' * 200)
        funcs["list_hit"] = lambda: list_lookup(status=None, params=params)
        if redis_on:
            prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
            keys = [f"{prefix}:cameras:list:generation", f"{prefix}:cameras:list:all:x"]
            funcs["mget"] = lambda: client.mget(keys)

        ms = _interleaved(funcs)
        where = "Redis" if redis_on else "the local cache"
        rows.append(
            Row(
                f"snapshot rate count: django-ratelimit get_usage (add + incr on {where})",
                ms["get_usage"],
                "ms",
                "one pipelined INCR + PEXPIRE round trip" if redis_on else "—",
                ms.get("pipelined"),
                "reported",
                None,
            )
        )
        rows.append(
            Row(
                "snapshot camera lookup through the ORM (values_list, one query)",
                ms["orm"],
                "ms",
                "the same SQL through connection.cursor()",
                ms["cursor"],
                "reported",
                None,
            )
        )
        rows.append(
            Row(
                "Django's connection health check per request (SELECT 1), no longer skipped by the snapshot",
                ms["health"],
                "ms",
                "the snapshot's lookup through connection.cursor()",
                ms["cursor"],
                "reported",
                None,
            )
        )
        rows.append(
            Row(
                "camera list cache hit via django_redis.get_redis_connection (MGET)"
                if redis_on
                else "camera list cache hit (local cache get_many)",
                ms["list_hit"],
                "ms",
                "the same MGET on a client fetched once" if redis_on else "—",
                ms.get("mget"),
                "reported",
                None,
            )
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row.value:8.3f} {row.unit:3} {row.figure} | ref {row.reference_value} {row.reference}")
