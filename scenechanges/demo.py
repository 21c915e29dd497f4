"""Demo data: one blocked-view scene change, produced by the real pipeline (reference frame,
then covered frames) so the admin and the endpoints show a genuine record."""

from __future__ import annotations

import os
import pathlib
import time

import cv2
import numpy as np
from django.conf import settings

from scenechanges.services import scenechange_compare


def _scene(rng: np.random.Generator) -> np.ndarray:
    """A 1280x720 synthetic yard: sky gradient, a house, a fence, a tree, texture and noise."""
    h, w = 720, 1280
    image = np.zeros((h, w, 3), np.uint8)
    sky = np.linspace(230, 160, h // 2, dtype=np.float32)
    image[: h // 2] = np.stack([sky, sky * 0.85, sky * 0.6], axis=1)[:, None, :].astype(np.uint8)
    image[h // 2 :] = (40, 110, 60)
    cv2.rectangle(image, (150, 200), (600, 560), (60, 80, 150), -1)
    cv2.rectangle(image, (300, 380), (400, 560), (30, 40, 60), -1)
    for x in (190, 460):
        cv2.rectangle(image, (x, 260), (x + 90, 340), (200, 220, 230), -1)
    for x in range(650, 1280, 36):
        cv2.rectangle(image, (x, 430), (x + 22, 600), (120, 160, 190), -1)
    cv2.circle(image, (950, 260), 150, (40, 120, 50), -1)
    cv2.rectangle(image, (935, 380), (965, 600), (30, 50, 80), -1)
    cv2.putText(image, "NEM DEMO", (700, 690), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (250, 250, 250), 4)
    texture = rng.normal(0, 18, (h // 8, w // 8, 1)).astype(np.float32)
    image = image.astype(np.float32) + cv2.resize(texture, (w, h), interpolation=cv2.INTER_CUBIC)[..., None]
    return np.clip(image, 0, 255).astype(np.uint8)


def _write(folder: pathlib.Path, name: str, image: np.ndarray, rng: np.random.Generator, mtime: float) -> pathlib.Path:
    noisy = np.clip(image.astype(np.float32) + rng.normal(0, 2.0, image.shape), 0, 255).astype(np.uint8)
    path = folder / name
    ok, buf = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise RuntimeError("could not encode a demo frame")
    path.write_bytes(buf.tobytes())
    os.utime(path, (mtime, mtime))
    return path


def scenechanges_demo_seed(*, camera_id: str, folder: pathlib.Path) -> int:
    """Write a reference-quality frame and then covered frames into ``folder`` (which must be
    inside NEM_MEDIA_ROOT) and run the comparison on each; returns the number of scene changes
    recorded (1: a blocked view)."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    scene = _scene(rng)
    covered = np.full_like(scene, 18)
    start = time.time() + 1
    frames = [("scene_demo_0000.jpg", scene)] + [
        (f"scene_demo_{i:04d}.jpg", covered) for i in range(1, settings.NEM_SCENE_CONFIRM_FRAMES + 1)
    ]
    changes = 0
    for index, (name, image) in enumerate(frames):
        path = _write(folder, name, image, rng, start + index)
        result = scenechange_compare(camera_id=camera_id, frame_path=str(path))
        changes += result.change is not None
    return changes
