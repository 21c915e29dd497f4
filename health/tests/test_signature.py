"""The picture signature behind ``frozen``, on 1080p frames: what the default tolerances separate."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from django.conf import settings

from health.signature import frame_signature, grid_change, hash_distance


def _scene() -> np.ndarray:
    yy, xx = np.mgrid[0:1080, 0:1920]
    grey = 100 + 50 * np.sin(xx / 41.0) * np.cos(yy / 29.0) + (xx / 1920) * 40
    return np.dstack([grey, grey * 0.9, grey * 1.1])


def _jpeg(tmp_path, name, image, *, quality=90, clock=None):
    frame = np.clip(image, 0, 255).astype(np.uint8)
    if clock is not None:
        cv2.putText(frame, clock, (40, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
    path = tmp_path / name
    cv2.imwrite(str(path), frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return frame_signature(path, mask_fraction=settings.NEM_HEALTH_HASH_MASK_FRACTION)


def _same(a, b) -> bool:
    return (
        hash_distance(a.hash_hex, b.hash_hex) <= settings.NEM_HEALTH_FROZEN_HASH_DISTANCE
        and grid_change(a.grid, b.grid) <= settings.NEM_HEALTH_FROZEN_PIXEL_TOLERANCE
    )


def test_a_stuck_picture_with_a_ticking_clock_is_the_same_picture(tmp_path):
    stuck = _scene() + np.random.default_rng(1).normal(0, 2.0, (1080, 1920, 3))
    first = _jpeg(tmp_path, "a.jpg", stuck, clock="08:00:00")
    later = _jpeg(tmp_path, "b.jpg", stuck, clock="08:31:17")
    assert (hash_distance(first.hash_hex, later.hash_hex), grid_change(first.grid, later.grid)) == (0, 0.0)


@pytest.mark.parametrize("noise", [0.5, 1.0, 3.0])
def test_a_motionless_live_scene_is_never_the_same_picture(tmp_path, noise):
    """Sensor noise alone, even faint, moves the block means past the tolerance."""
    rng = np.random.default_rng(2)
    frames = [_jpeg(tmp_path, f"{i}.jpg", _scene() + rng.normal(0, noise, (1080, 1920, 3))) for i in range(3)]
    assert not any(_same(frames[0], other) for other in frames[1:])


def test_the_signature_of_an_unreadable_file_is_refused(tmp_path):
    from health.signature import UnreadableImage

    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8not a jpeg")
    with pytest.raises(UnreadableImage):
        frame_signature(path, mask_fraction=0.12)


def test_a_pixel_bomb_is_refused_from_its_header_before_any_decode(tmp_path, settings):
    from PIL import Image

    from health.signature import UnreadableImage, frame_signature

    settings.NEM_MAX_IMAGE_PIXELS = 1_000_000
    bomb = tmp_path / "bomb.png"
    Image.new("L", (2000, 1000)).save(bomb, optimize=True)  # a few KB on disk, 2 MP decoded
    with pytest.raises(UnreadableImage, match=r"2000x1000 pixels is more than NEM_MAX_IMAGE_PIXELS \(1000000\)"):
        frame_signature(bomb, mask_fraction=0.12)
