"""Camera health costs, each against a reference measured in the same run, interleaved.

- The per-frame work (``health.observe_frame``: the picture signature of a new 1080p JPEG, decoded
  at an eighth of its size) against the cheapest decode there is of the same file
  (``IMREAD_REDUCED_GRAYSCALE_4``, what the scene comparison starts from). Target: about that
  decode, at most 1.25x (the entropy decoding, which no scaling avoids, dominates both). A full
  decode is reported alongside.
- The service calls with their database work: ``health_frame_observe`` (signature + row lock and
  update) and ``health_evaluate`` of one camera (the verdict from every signal, row lock, update),
  against the ingestion-only status rule it replaces (``camera_status_evaluate``: folder check and
  silence). Reported.

Run alone with ``python -m bench.bench_health`` (SQLite in memory unless DATABASE_URL is set).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np

from bench.common import Row, interleaved, setup_django

FILES = 12
ROUNDS = 8
TARGET_RATIO = 1.25


def _write_frames(folder: Path) -> list[Path]:
    """``FILES`` 1920x1080 JPEGs (quality 90) of one textured scene with sensor noise and a clock."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:1080, 0:1920]
    grey = 100 + 50 * np.sin(xx / 41.0) * np.cos(yy / 29.0) + (xx / 1920) * 40
    scene = np.dstack([grey, grey * 0.9, grey * 1.1])
    paths = []
    for i in range(FILES):
        noisy = np.clip(scene + rng.normal(0, 3.0, scene.shape), 0, 255).astype(np.uint8)
        cv2.putText(noisy, f"2026-11-20 08:{i:02d}:00", (40, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
        path = folder / f"frame_{i:03d}.jpg"
        cv2.imwrite(str(path), noisy, [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


def _service_rows(frames: list[Path], media_root: Path) -> list[Row]:
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment, teardown_test_environment

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        None if connection.vendor == "sqlite" else "test_nem_bench_health"
    )
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    overrides = override_settings(NEM_MEDIA_ROOT=str(media_root))
    overrides.enable()
    try:
        from cameras.media.status import camera_status_evaluate
        from cameras.models import Camera, IngestionRecord
        from health.services import health_evaluate, health_frame_observe

        camera = Camera.objects.create(id="bench_cam", name="Bench camera", folder_path=str(frames[0].parent))
        start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        clock = iter(range(1, 1_000_000))

        def observe(path: Path) -> None:
            at = start + dt.timedelta(seconds=next(clock))  # every frame newer than the last
            health_frame_observe(camera_id="bench_cam", path=str(path), captured_at=at)

        def decode(path: Path) -> None:
            cv2.imread(str(path))

        observed = interleaved(frames, {"observe": observe, "decode": decode}, rounds=ROUNDS)
        Camera.objects.filter(pk="bench_cam").update(last_seen_at=dt.datetime.now(dt.UTC))
        camera.refresh_from_db()

        def evaluate(_item) -> None:
            health_evaluate(camera_id="bench_cam")

        def old_rule(_item) -> None:
            fresh = Camera.objects.get(pk="bench_cam")
            camera_status_evaluate(
                camera=fresh, record=IngestionRecord.objects.filter(pk="bench_cam").first(), now=dt.datetime.now(dt.UTC)
            )

        evaluated = interleaved(list(range(FILES)), {"evaluate": evaluate, "old": old_rule}, rounds=ROUNDS)
    finally:
        overrides.disable()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return [
        Row(
            figure=f"health_frame_observe, new 1080p frame ({connection.vendor}: signature + row lock and update)",
            value=observed["observe"],
            unit="ms",
            reference="cv2.imread of the same JPEG (full decode)",
            reference_value=observed["decode"],
            target="reported",
            ok=None,
        ),
        Row(
            figure=f"health_evaluate, one camera ({connection.vendor}: every signal, row lock, update)",
            value=evaluated["evaluate"],
            unit="ms",
            reference="camera_status_evaluate, the ingestion-only rule it replaces (camera + record read)",
            reference_value=evaluated["old"],
            target="reported",
            ok=None,
        ),
    ]


def run() -> list[Row]:
    from health.signature import frame_signature

    tmp = Path(tempfile.mkdtemp(prefix="nem-bench-health-"))
    media_root = tmp / "media"
    folder = media_root / "bench_cam"
    folder.mkdir(parents=True)
    try:
        frames = _write_frames(folder)

        def signature(path: Path) -> None:
            frame_signature(path, mask_fraction=0.12)

        def reduced(path: Path) -> None:
            cv2.imread(str(path), cv2.IMREAD_REDUCED_GRAYSCALE_4)

        def decode(path: Path) -> None:
            cv2.imread(str(path))

        figures = interleaved(frames, {"signature": signature, "reduced": reduced, "decode": decode}, rounds=ROUNDS)
        rows = [
            Row(
                figure="health picture signature, 1080p JPEG (eighth-scale decode, dHash, block means)",
                value=figures["signature"],
                unit="ms",
                reference="reduced greyscale decode of the same JPEG (IMREAD_REDUCED_GRAYSCALE_4)",
                reference_value=figures["reduced"],
                target=f"ratio <= {TARGET_RATIO}",
                ok=figures["signature"] <= TARGET_RATIO * figures["reduced"],
            ),
            Row(
                figure="health picture signature, 1080p JPEG (eighth-scale decode, dHash, block means)",
                value=figures["signature"],
                unit="ms",
                reference="cv2.imread of the same JPEG (full decode)",
                reference_value=figures["decode"],
                target="reported",
                ok=None,
            ),
        ]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nem.settings.test")
        rows += _service_rows(frames, media_root)
        return rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for row in run():
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        print(f"{row.figure}: {row.value:.2f} {row.unit} vs {row.reference_value:.2f} ({ratio}x) {row.target} {row.ok}")
