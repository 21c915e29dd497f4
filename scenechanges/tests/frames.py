"""Camera frames for the service, command and API tests: a real photograph (scikit-image's
astronaut) as the scene, written as JPEGs into a camera folder with strictly increasing mtimes."""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

import cv2
import numpy as np

from scenechanges.tests import evalset


@functools.lru_cache(maxsize=4)
def world(photo: str = "astronaut") -> np.ndarray:
    return evalset._world(photo)


def view(*, dx: float = 0.0, dy: float = 0.0, angle: float = 0.0, photo: str = "astronaut") -> np.ndarray:
    return evalset._view(world(photo), dx=dx, dy=dy, angle=angle)


def blocked() -> np.ndarray:
    return np.full((evalset.FRAME_H, evalset.FRAME_W, 3), 14, np.uint8)


def infrared() -> np.ndarray:
    return evalset._infrared(view())


class FrameWriter:
    """Writes frames into a folder; each new file is one second newer than the last."""

    def __init__(self, folder: Path, seed: int = 0):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.rng = np.random.default_rng(seed)
        self.clock = time.time() - 3600
        self.count = 0

    def write(self, image: np.ndarray, name: str | None = None) -> Path:
        self.count += 1
        self.clock += 1
        path = self.folder / (name or f"frame_{self.count:05d}.jpg")
        noisy = np.clip(image.astype(np.float32) + self.rng.normal(0, 2.0, image.shape), 0, 255).astype(np.uint8)
        ok, buf = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 90])
        assert ok
        path.write_bytes(buf.tobytes())
        os.utime(path, (self.clock, self.clock))
        return path
