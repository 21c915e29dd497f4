"""Generated demo media (a synthetic garden scene with a timestamp), so a fresh clone's demo
cameras have a working snapshot and a video fallback without any real camera."""

from __future__ import annotations

import datetime as dt
import os
import pathlib

import numpy as np

DEMO_SIZE = (640, 360)  # width, height


def demo_frame(*, when: dt.datetime, seed: int = 0, size: tuple[int, int] = DEMO_SIZE, shift: int = 0) -> np.ndarray:
    """A BGR frame: sky, lawn, a house and a tree, a moving 'visitor', and the time."""
    import cv2

    width, height = size
    rng = np.random.default_rng(seed)
    frame = np.zeros((height, width, 3), np.uint8)
    horizon = int(height * 0.55)
    frame[:horizon] = (235, 200, 150)  # sky (BGR)
    frame[horizon:] = (60, 150, 70)  # lawn
    noise = rng.integers(0, 12, size=(height, width, 1), dtype=np.uint8)
    frame = cv2.add(frame, np.repeat(noise, 3, axis=2))
    x0 = width // 6 + shift
    cv2.rectangle(frame, (x0, horizon - height // 4), (x0 + width // 4, horizon + height // 10), (80, 90, 170), -1)
    roof = np.array(
        [
            [x0 - 10, horizon - height // 4],
            [x0 + width // 8, horizon - height // 2 + 20],
            [x0 + width // 4 + 10, horizon - height // 4],
        ],
        np.int32,
    )
    cv2.fillPoly(frame, [roof], (40, 40, 110))
    cv2.rectangle(
        frame, (x0 + width // 10, horizon - height // 12), (x0 + width // 7, horizon + height // 10), (30, 60, 90), -1
    )
    tx = int(width * 0.78) + shift
    cv2.rectangle(frame, (tx - 6, horizon - height // 8), (tx + 6, horizon + height // 12), (30, 60, 90), -1)
    cv2.circle(frame, (tx, horizon - height // 5), height // 8, (40, 120, 40), -1)
    vx = int(width * (0.3 + 0.4 * ((seed * 37) % 100) / 100))
    cv2.circle(frame, (vx, horizon + height // 5), height // 25, (200, 200, 240), -1)
    label = when.strftime("%Y-%m-%d %H:%M:%S UTC")
    cv2.rectangle(frame, (0, height - 28), (width, height), (0, 0, 0), -1)
    cv2.putText(frame, label, (8, height - 9), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
    return frame


def demo_jpeg(*, when: dt.datetime, seed: int = 0, size: tuple[int, int] = DEMO_SIZE) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".jpg", demo_frame(when=when, seed=seed, size=size), [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


_FOURCC = {".mp4": "mp4v", ".avi": "MJPG", ".mkv": "XVID", ".mov": "mp4v"}


def demo_video_write(
    path: pathlib.Path,
    *,
    frames: int = 20,
    fps: float = 10.0,
    start: dt.datetime | None = None,
    size: tuple[int, int] = (320, 180),
) -> None:
    """A short clip (mp4v in .mp4/.mov, MJPG in .avi, XVID in .mkv: the encoders this OpenCV
    wheel has). ``frames`` below ``fps`` gives a clip shorter than a second."""
    import cv2

    start = start or dt.datetime.now(dt.UTC)
    fourcc = cv2.VideoWriter_fourcc(*_FOURCC.get(path.suffix.lower(), "mp4v"))
    writer = cv2.VideoWriter(str(path), fourcc, fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path.suffix} here")
    try:
        for i in range(frames):
            when = start + dt.timedelta(seconds=i / fps)
            writer.write(demo_frame(when=when, seed=i, size=size, shift=i * 2))
    finally:
        writer.release()


def demo_media_write(folder: pathlib.Path) -> None:
    """Three images a minute apart (newest now) and a two-second mp4 from before them."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    clip_at = now - dt.timedelta(minutes=5)
    clip = folder / f"clip_{clip_at:%Y%m%d_%H%M%S}.mp4"
    demo_video_write(clip, frames=20, fps=10.0, start=clip_at)
    os.utime(clip, (clip_at.timestamp(), clip_at.timestamp()))
    for minutes_ago in (2, 1, 0):
        when = now - dt.timedelta(minutes=minutes_ago)
        path = folder / f"snap_{when:%Y%m%d_%H%M%S}.jpg"
        path.write_bytes(demo_jpeg(when=when, seed=minutes_ago))
        os.utime(path, (when.timestamp(), when.timestamp()))
