"""Scene-change comparison cost on 1920x1080 JPEGs, against decoding the same files alone, in the
same run, interleaved file by file so machine noise hits both alike.

A comparison is what a worker does per frame: read and decode the new frame (reduced), prepare it
(greyscale, lighting normalisation, tile statistics) and compare it with the camera's reference,
which is already prepared in the worker's cache. Target: a comparison of an unchanged frame (the
common case) costs at most 1.5x a plain decode of the same file (``cv2.imread``). Also reported:
the ratio against the cheapest decode there is (``IMREAD_REDUCED_GRAYSCALE_4``), the cost of a
changed frame (SSIM and ORB alignment run then), and the whole service call with its database
work (monitor row lock and update).

Run alone with ``python -m bench.bench_scene`` (SQLite in memory unless DATABASE_URL is set).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from bench.common import Row, interleaved, setup_django

FILES = 12
ROUNDS = 8
TARGET_RATIO = 1.5


def _photos() -> list[np.ndarray]:
    """Real photographs when scikit-image (a dev dependency) is there, else the demo's yard."""
    try:
        from skimage import data

        return [
            cv2.cvtColor(getattr(data, name)()[..., :3], cv2.COLOR_RGB2BGR)
            for name in ("astronaut", "coffee", "chelsea", "rocket")
        ]
    except ImportError:
        from scenechanges.demo import _scene

        return [_scene(np.random.default_rng(seed)) for seed in range(4)]


def _write_frames(folder: Path) -> tuple[list[Path], list[Path], Path]:
    """``FILES`` views of one scene (sensor noise differs per frame), covered frames, and the
    reference, all 1920x1080 JPEGs at quality 90 (about what a camera uploads)."""
    rng = np.random.default_rng(42)
    scene = cv2.resize(_photos()[0], (1920, 1080), interpolation=cv2.INTER_CUBIC).astype(np.float32)

    def save(name: str, image: np.ndarray) -> Path:
        path = folder / name
        noisy = np.clip(image + rng.normal(0, 3.0, image.shape), 0, 255).astype(np.uint8)
        cv2.imwrite(str(path), noisy, [cv2.IMWRITE_JPEG_QUALITY, 90])
        return path

    reference = save("reference.jpg", scene)
    unchanged = [save(f"frame_{i:03d}.jpg", scene) for i in range(FILES)]
    covered = scene.copy()
    covered[:, :1300] = (30, 32, 35)  # a hand over two thirds of the lens
    changed = [save(f"covered_{i:03d}.jpg", covered) for i in range(FILES)]
    return unchanged, changed, reference


def _service_rows(unchanged: list[Path], media_root: Path, store: Path) -> list[Row]:
    """The whole service call per unchanged frame: decode, compare, monitor row lock and update."""
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment, teardown_test_environment

    from cameras.models import Camera
    from scenechanges.services import scenechange_compare

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        None if connection.vendor == "sqlite" else "test_nem_bench_scene"
    )
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    overrides = override_settings(NEM_MEDIA_ROOT=str(media_root), NEM_SCENE_REFERENCE_DIR=str(store))
    overrides.enable()
    try:
        Camera.objects.create(id="bench_cam", name="Bench camera", folder_path=str(unchanged[0].parent))
        base = time.time() - 10_000
        clock = iter(range(1, 1_000_000))

        def compare(path: Path) -> None:
            t = base + next(clock)  # every call sees a newer frame, as a camera delivers them
            os.utime(path, (t, t))
            status = scenechange_compare(camera_id="bench_cam", frame_path=str(path)).status
            assert status in ("reference_created", "unchanged"), status

        def decode(path: Path) -> None:
            cv2.imread(str(path))

        figures = interleaved(unchanged, {"service": compare, "decode": decode}, rounds=ROUNDS)
    finally:
        overrides.disable()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return [
        Row(
            figure=f"scene compare service call, unchanged 1080p frame ({connection.vendor}, row lock + update)",
            value=figures["service"],
            unit="ms",
            reference="cv2.imread of the same JPEG (full decode)",
            reference_value=figures["decode"],
            target="reported",
            ok=None,
        )
    ]


def run() -> list[Row]:
    from scenechanges import detector

    config = detector.DetectorConfig()
    tmp = Path(tempfile.mkdtemp(prefix="nem-bench-scene-"))
    media_root = tmp / "media"
    folder = media_root / "bench_cam"
    folder.mkdir(parents=True)
    try:
        unchanged, changed, reference_path = _write_frames(folder)
        reference = detector.load_frame(reference_path, config=config)
        reference.features()  # the worker's cache keeps the reference prepared, features included

        def compare(path: Path) -> None:
            detector.compare(reference, detector.load_frame(path, config=config), config=config)

        def decode_full(path: Path) -> None:
            cv2.imread(str(path))

        def decode_reduced(path: Path) -> None:
            cv2.imread(str(path), cv2.IMREAD_REDUCED_GRAYSCALE_4)

        funcs = {"compare": compare, "full": decode_full, "reduced": decode_reduced}
        same = interleaved(unchanged, funcs, rounds=ROUNDS)
        covered = interleaved(changed, funcs, rounds=ROUNDS)
        verdict = detector.compare(reference, detector.load_frame(changed[0], config=config), config=config)
        rows = [
            Row(
                figure="scene comparison, unchanged 1080p frame (decode + prepare + compare)",
                value=same["compare"],
                unit="ms",
                reference="cv2.imread of the same JPEG (full decode)",
                reference_value=same["full"],
                target=f"ratio <= {TARGET_RATIO}",
                ok=same["compare"] <= TARGET_RATIO * same["full"],
            ),
            Row(
                figure="scene comparison, unchanged 1080p frame (decode + prepare + compare)",
                value=same["compare"],
                unit="ms",
                reference="reduced greyscale decode of the same JPEG (IMREAD_REDUCED_GRAYSCALE_4)",
                reference_value=same["reduced"],
                target=f"ratio <= {TARGET_RATIO}",
                ok=same["compare"] <= TARGET_RATIO * same["reduced"],
            ),
            Row(
                figure="scene comparisons per second, unchanged 1080p frames, one core",
                value=1000.0 / same["compare"],
                unit="frames/s",
                reference="full decodes per second of the same JPEGs",
                reference_value=1000.0 / same["full"],
                target="reported",
                ok=None,
            ),
            Row(
                figure=f"scene comparison, covered 1080p frame (SSIM + ORB alignment; found {verdict.change_type})",
                value=covered["compare"],
                unit="ms",
                reference="cv2.imread of the same JPEG (full decode)",
                reference_value=covered["full"],
                target="reported",
                ok=None,
            ),
        ]
        rows += _service_rows(unchanged, media_root, tmp / "scene-references")
        return rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for row in run():
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
        print(
            f"{row.figure}: {row.value:.2f} {row.unit} vs {row.reference}: {row.reference_value:.2f} ({ratio}) "
            f"target {row.target} -> {row.ok}"
        )
