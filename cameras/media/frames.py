"""Frames from video files, with OpenCV only (no ffmpeg binary needed).

Extraction is bounded: a time budget (checked between frame reads, on a clock the caller may
pass), and frames larger than NEM_MAX_IMAGE_PIXELS are never decoded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

# A video whose frame count is unknown or wrong (an mkv still growing) is read sequentially up
# to this many frames, keeping the last good one.
SEQUENTIAL_FRAME_LIMIT = 3000


def video_frame_extract(
    path: Path, *, budget_seconds: float | None = None, clock: Callable[[], float] = time.monotonic
) -> bytes | None:
    """A JPEG of the last decodable frame of a video, or None if it cannot be decoded (an mp4
    still being written has no index yet and does not open at all), its frames are larger than
    NEM_MAX_IMAGE_PIXELS, or finding the frame takes longer than ``budget_seconds``."""
    import cv2

    deadline = clock() + budget_seconds if budget_seconds is not None else None
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    frame = None
    try:
        if not cap.isOpened():
            return None
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        if width * height > settings.NEM_MAX_IMAGE_PIXELS:
            return None
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        # Seek near the end first; clips shorter than a second have only a handful of frames,
        # so the targets are clamped to the first frame rather than "one second in".
        for target in dict.fromkeys((count - 1, count - 2, count // 2, 0)):
            if count <= 0:
                break
            cap.set(cv2.CAP_PROP_POS_FRAMES, max(0, target))
            ok, image = cap.read()
            if ok and image is not None:
                frame = image
                break
        if frame is None:
            cap.release()
            cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
            for _ in range(SEQUENTIAL_FRAME_LIMIT):
                if deadline is not None and clock() > deadline:
                    return None  # over budget: no frame rather than a request held for seconds
                ok, image = cap.read()
                if not ok or image is None:
                    break
                frame = image
    finally:
        cap.release()
    if frame is None:
        return None
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return buf.tobytes() if ok else None
