"""Snapshot latency against the number of files in the camera folder, and against a bare Django
view returning the same bytes, in the same run, interleaved.

Measured two ways, both through the full middleware stack: over HTTP from a live Django server
on 127.0.0.1 (what a client sees; the targets are on these figures), and in process with
Django's test Client (no HTTP, so the endpoint's own work shows undiluted; reported). Targets:
the 100,000-file median within 1.5x of the 1,000-file median, and within 1.5x of the bare view
plus the two round trips the endpoint cannot skip (the rate count in the ratelimit cache, the
camera lookup in the database). The bare view is served by the same server, middleware and
settings, and mounted like the endpoint (under ``api/``, with a camera id), so URL resolution
costs both the same.

Also reported: the snapshot and the bare view with and without those round trips against the
bare view alone, which shows how much of the gap is I/O and how much is the endpoint's own work;
the video-fallback path (cached frame); a first and an incremental scan of the 100,000-file folder.

Run alone with ``python -m bench.bench_snapshot``: on PostgreSQL + Redis when DATABASE_URL and
REDIS_URL are set (as ``bench.run`` sets them), else SQLite and the local caches. On PostgreSQL
the test database is ``test_<DATABASE_URL's name>_snapshot``.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from bench.common import Row, median, setup_django, timed

SIZES = (1_000, 10_000, 100_000)
ROUNDS = 5  # targets are measured interleaved, round after round, so drift hits them all alike
PER_ROUND = 60
TARGET_RATIO = 1.5

_bare_path: Path | None = None


def bare_view(request, camera_id: str):
    """The reference: the same file's bytes, no lookup, no checks."""
    from django.http import HttpResponse

    with open(_bare_path, "rb") as fh:
        return HttpResponse(fh.read(), content_type="image/jpeg")


def io_floor_view(request, camera_id: str):
    """The bare view plus the two round trips the snapshot cannot skip: its rate count (Redis,
    or the configured ratelimit cache) and its camera lookup (the database). Reported, so that
    the report shows how much of the gap to the bare view is I/O and how much is the endpoint's
    own work."""
    from cameras.api.media_views import media_rate_limited
    from cameras.media.snapshot import snapshot_lookup

    media_rate_limited(request)
    snapshot_lookup(camera_id=camera_id)
    return bare_view(request, camera_id)


def _urlpatterns():
    """The project's URLs, with the references mounted like the snapshot (under ``api/``, with a
    camera id converter, before the project's ``api/`` include): URL resolution costs them what
    it costs the endpoint, give or take one failed include."""
    from django.urls import include, path

    from nem.urls import urlpatterns

    bench = path(
        "api/",
        include(
            [
                path("bench/cameras/<str:camera_id>/bare", bare_view),
                path("bench/cameras/<str:camera_id>/io-floor", io_floor_view),
            ]
        ),
    )
    first_api = next(i for i, p in enumerate(urlpatterns) if str(p.pattern) == "api/")
    return [*urlpatterns[:first_api], bench, *urlpatterns[first_api:]]


urlpatterns: list = []  # filled in run(); this module is the ROOT_URLCONF while it runs


def _fill(folder: Path, count: int, old: bytes, jpeg: bytes, newest_at: dt.datetime) -> Path:
    """``count`` files: old uploads spread over the past week, and the newest image."""
    folder.mkdir(parents=True)
    base = newest_at.timestamp() - 86400 * 7
    for i in range(count - 1):
        path = folder / f"old_{i:06d}.jpg"  # flat: the worst case for anything that walks the folder
        path.write_bytes(old)
        t = base + i
        os.utime(path, (t, t))
    newest = folder / "newest.jpg"
    newest.write_bytes(jpeg)
    os.utime(newest, (newest_at.timestamp(),) * 2)
    return newest


class _LiveServer:
    """Django's (non-threaded) WSGI server on 127.0.0.1 in a background thread, sharing this
    thread's database connection (an in-memory SQLite test database exists only there)."""

    def __init__(self):
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
        from django.db import connections

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        self.httpd = WSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
        self.httpd.set_app(WSGIHandler())
        self.port = self.httpd.server_address[1]
        conn = connections["default"]
        conn.inc_thread_sharing()

        def serve():
            connections["default"] = conn
            self.httpd.serve_forever(poll_interval=0.05)

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        self._conn = conn

    def get(self, url: str) -> tuple[int, bytes]:
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            client.request("GET", url)
            response = client.getresponse()
            return response.status, response.read()
        finally:
            client.close()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
        self._conn.dec_thread_sharing()


def run() -> list[Row]:
    global _bare_path
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment, teardown_test_environment

    from cameras.media.demo import demo_jpeg, demo_video_write
    from cameras.media.scanner import media_scan
    from cameras.models import Camera

    urlpatterns[:] = _urlpatterns()
    tmp = Path(tempfile.mkdtemp(prefix="nem-bench-snapshot-"))
    media_root = tmp / "media"
    media_root.mkdir()
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        None if connection.vendor == "sqlite" else f"test_{settings.DATABASES['default']['NAME']}_snapshot"
    )
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    overrides = override_settings(
        ROOT_URLCONF=__name__,
        NEM_MEDIA_ROOT=str(media_root),
        NEM_SNAPSHOT_CACHE_DIR=str(tmp / "snapshot-cache"),
        NEM_RATE_LIMIT_MEDIA="100000000/m",  # still counted per request, never limiting
    )
    overrides.enable()
    try:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        jpeg = demo_jpeg(when=now, size=(640, 360))
        old = demo_jpeg(when=now, size=(64, 36))  # small: a 100,000-file folder, not 2 GB of it
        scan_times = {}
        for count in SIZES:
            folder = media_root / f"cam_{count}"
            newest = _fill(folder, count, old, jpeg, now - dt.timedelta(minutes=1))
            Camera.objects.create(id=f"cam_{count}", name=f"Cam {count}", folder_path=str(folder))
            t0 = time.perf_counter()
            media_scan(camera_ids=[f"cam_{count}"])
            first = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            media_scan(camera_ids=[f"cam_{count}"])
            scan_times[count] = (first, (time.perf_counter() - t0) * 1000)
        _bare_path = newest  # the same bytes every snapshot serves
        video_folder = media_root / "cam_video"
        video_folder.mkdir()
        clip = video_folder / "clip.mp4"
        demo_video_write(clip, frames=20, size=(640, 360))
        os.utime(clip, ((now - dt.timedelta(minutes=10)).timestamp(),) * 2)  # complete: settled long ago
        Camera.objects.create(id="cam_video", name="Cam video", folder_path=str(video_folder))

        client = Client()
        server = _LiveServer()

        def in_process(url):
            def call():
                response = client.get(url)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                assert response.status_code == 200 and body, (url, response.status_code)

            return call

        def over_http(url):
            def call():
                status, body = server.get(url)
                assert status == 200 and body, (url, status)

            return call

        urls = {count: f"/api/cameras/cam_{count}/snapshot" for count in SIZES}
        urls["bare"] = "/api/bench/cameras/cam_1000/bare"
        urls["floor"] = "/api/bench/cameras/cam_1000/io-floor"
        urls["video"] = "/api/cameras/cam_video/snapshot"
        targets = {("http", key): over_http(url) for key, url in urls.items()}
        targets.update({("local", key): in_process(url) for key, url in urls.items()})
        samples: dict = {key: [] for key in targets}
        try:
            for _ in range(ROUNDS):
                for key, call in targets.items():
                    samples[key].extend(timed(call, repeat=PER_ROUND, warmup=3))
        finally:
            server.stop()
        med = {key: median(values) for key, values in samples.items()}
    finally:
        overrides.disable()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        shutil.rmtree(tmp, ignore_errors=True)

    rows = []
    for mode, label in (("http", "over HTTP"), ("local", "in process")):
        small, mid, large = med[(mode, SIZES[0])], med[(mode, SIZES[1])], med[(mode, SIZES[2])]
        bare, video, floor = med[(mode, "bare")], med[(mode, "video")], med[(mode, "floor")]
        judged = mode == "http"  # the targets are on what a client sees
        target = f"ratio <= {TARGET_RATIO}" if judged else "reported"
        rows += [
            Row(
                f"snapshot median {label}, 1,000 files",
                small,
                "ms",
                f"bare Django view {label}, same bytes",
                bare,
                "reported",
                None,
            ),
            Row(
                f"snapshot median {label}, 10,000 files",
                mid,
                "ms",
                f"snapshot median {label}, 1,000 files",
                small,
                target,
                mid / small <= TARGET_RATIO if judged else None,
            ),
            Row(
                f"snapshot median {label}, 100,000 files",
                large,
                "ms",
                f"snapshot median {label}, 1,000 files",
                small,
                target,
                large / small <= TARGET_RATIO if judged else None,
            ),
            Row(
                f"snapshot median {label}, 100,000 files",
                large,
                "ms",
                f"bare Django view {label}, same bytes",
                bare,
                "reported",
                None,
            ),
            Row(
                f"bare view + the snapshot's rate count and camera lookup {label}",
                floor,
                "ms",
                f"bare Django view {label}, same bytes",
                bare,
                "reported",
                None,
            ),
            # The target: the snapshot beside a bare view that also makes the two round trips the
            # endpoint cannot skip (its rate count and its camera lookup).
            Row(
                f"snapshot median {label}, 100,000 files",
                large,
                "ms",
                f"bare view + the snapshot's rate count and camera lookup {label}",
                floor,
                target,
                large / floor <= TARGET_RATIO if judged else None,
            ),
            Row(
                f"snapshot median {label}, video fallback (cached frame)",
                video,
                "ms",
                f"bare Django view {label}, same bytes",
                bare,
                "reported",
                None,
            ),
        ]
    first, again = scan_times[SIZES[-1]]
    rows.append(
        Row(
            "incremental scan, 100,000 files, nothing new",
            again,
            "ms",
            "first scan of the same folder",
            first,
            "reported",
            None,
        )
    )
    return rows


if __name__ == "__main__":
    for row in run():
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
        ref = f"{row.reference_value:.3f}" if row.reference_value is not None else "-"
        verdict = {True: "OK", False: "MISSED", None: ""}[row.ok]
        print(f"{row.figure}: {row.value:.3f} {row.unit} | {row.reference}: {ref} | {ratio} {row.target} {verdict}")
