"""Synthetic camera frames: a textured scene, a person who can walk through it, sensor noise and
a burnt-in clock in the top band, written as JPEGs with a chosen capture time (mtime)."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

W, H = 320, 240


def scene_jpeg(*, person_x: int | None = None, noise: float = 0.0, seed: int = 0, clock: str = "", quality=85) -> bytes:
    yy, xx = np.mgrid[0:H, 0:W]
    grey = 90 + 40 * np.sin(xx / 19.0) + 30 * np.cos(yy / 11.0) + (xx / W) * 30
    if person_x is not None:
        grey[100:200, person_x : person_x + 30] = 30
    if noise:
        grey = grey + np.random.default_rng(seed).normal(0, noise, grey.shape)
    image = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)).convert("RGB")
    if clock:
        draw = ImageDraw.Draw(image)
        draw.rectangle([0, 0, 110, 16], fill=(0, 0, 0))
        draw.text((4, 3), clock, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def write_frame(folder: Path, at: dt.datetime, data: bytes) -> Path:
    path = folder / f"{at:%Y%m%d_%H%M%S}.jpg"
    path.write_bytes(data)
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path
