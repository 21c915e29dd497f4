"""A labelled evaluation set for the tamper detector, generated deterministically from the sample
photographs scikit-image ships (a test-only dependency).

Each photograph is a "world" a little larger than the camera's view, so a camera that is turned
(translated or rotated) sees new scenery at the edge, as a real one does, not black padding.
Every frame is rendered like a camera would: mild sensor noise, then a JPEG at quality 90.

Tamper cases (expected type): covered by a uniform or dark patch over 60-100 % (view_blocked);
sprayed = blurred and occluded over 40-100 % (view_tampered); defocused (view_tampered);
translated by 10 % or more, rotated by 10 degrees or more (angle_changed).
Benign cases (no alert): brightness +-40 %, switch to infrared greyscale, sensor noise, a small
object (< 5 % of the view) moving, JPEG re-encoding at quality 50.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass

import cv2
import numpy as np
from skimage import data as skdata

FRAME_W, FRAME_H = 640, 480
WORLD_SCALE = 1.45  # the world is this much larger than the view, in each direction
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera")

NO_ALERT = "none"
TYPES = ("view_blocked", "angle_changed", "view_tampered", "unknown", NO_ALERT)


@dataclass(frozen=True)
class Case:
    photo: str
    name: str
    expected: str  # a change_type, or NO_ALERT for benign cases
    reference: bytes  # JPEG of the reference view
    frame: bytes  # JPEG of the frame to compare
    mode_switch: bool = False  # the frame is an infrared greyscale picture of a colour scene

    @property
    def benign(self) -> bool:
        return self.expected == NO_ALERT

    @property
    def label(self) -> str:
        return f"{self.photo}/{self.name}"


def _world(photo: str) -> np.ndarray:
    image = getattr(skdata, photo)()
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    else:
        image = cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2BGR)
    world_w, world_h = round(FRAME_W * WORLD_SCALE), round(FRAME_H * WORLD_SCALE)
    h, w = image.shape[:2]
    scale = max(world_w / w, world_h / h)
    resized = cv2.resize(image, (round(w * scale) + 1, round(h * scale) + 1), interpolation=cv2.INTER_CUBIC)
    y0 = (resized.shape[0] - world_h) // 2
    x0 = (resized.shape[1] - world_w) // 2
    return resized[y0 : y0 + world_h, x0 : x0 + world_w]


def _view(world: np.ndarray, *, dx: float = 0.0, dy: float = 0.0, angle: float = 0.0) -> np.ndarray:
    """The camera's view of the world: centred, shifted by (dx, dy) view widths/heights, rotated."""
    wh, ww = world.shape[:2]
    cx, cy = ww / 2 + dx * FRAME_W, wh / 2 + dy * FRAME_H
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    matrix[0, 2] += FRAME_W / 2 - cx
    matrix[1, 2] += FRAME_H / 2 - cy
    return cv2.warpAffine(world, matrix, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _camera(image: np.ndarray, rng: np.random.Generator, *, noise: float = 2.0, quality: int = 90) -> bytes:
    noisy = np.clip(image.astype(np.float32) + rng.normal(0.0, noise, image.shape), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def _reencode(jpeg: bytes, quality: int) -> bytes:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def _region(fraction: float, rng: np.random.Generator, *, shape: str) -> np.ndarray:
    """A mask covering ``fraction`` of the view: a band from one side, or a blob (an ellipse)."""
    mask = np.zeros((FRAME_H, FRAME_W), np.uint8)
    if fraction >= 0.999:
        mask[:] = 1
    elif shape == "band":
        side = rng.integers(4)
        if side in (0, 1):
            width = round(FRAME_W * fraction)
            if side == 0:
                mask[:, :width] = 1
            else:
                mask[:, FRAME_W - width :] = 1
        else:
            height = round(FRAME_H * fraction)
            if side == 2:
                mask[:height] = 1
            else:
                mask[FRAME_H - height :] = 1
    else:
        # An ellipse centred somewhere in the view, grown until it covers the fraction.
        cx = int(rng.integers(FRAME_W // 3, 2 * FRAME_W // 3))
        cy = int(rng.integers(FRAME_H // 3, 2 * FRAME_H // 3))
        ratio = float(rng.uniform(0.7, 1.4))
        for step in range(4, 2000, 4):
            mask[:] = 0
            cv2.ellipse(mask, (cx, cy), (step, max(1, round(step * ratio * FRAME_H / FRAME_W))), 0, 0, 360, 1, -1)
            if mask.mean() >= fraction:
                break
    return mask


def _cover(view: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    out = view.copy()
    out[mask.astype(bool)] = colour
    return out


def _spray(view: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int], alpha: float) -> np.ndarray:
    """Paint on the lens: the covered part is strongly blurred and tinted, with soft edges."""
    blurred = cv2.GaussianBlur(view, (0, 0), 10)
    tinted = blurred.astype(np.float32) * (1 - alpha) + np.float32(colour) * alpha
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 6)[..., None]
    return (view.astype(np.float32) * (1 - soft) + tinted * soft).astype(np.uint8)


def _infrared(view: np.ndarray) -> np.ndarray:
    """A night infrared picture: greyscale, flatter contrast and a lifted black level."""
    gray = cv2.cvtColor(view, cv2.COLOR_BGR2GRAY).astype(np.float32)
    ir = np.clip(40 + gray * 0.75, 0, 255).astype(np.uint8)
    return cv2.cvtColor(ir, cv2.COLOR_GRAY2BGR)


def _with_object(view: np.ndarray, *, x: int, y: int, rng: np.random.Generator) -> np.ndarray:
    """A person-sized dark object (about 4 % of the view) at (x, y)."""
    out = view.copy()
    w, h = 70, 175  # 12,250 px of 307,200: 4 %
    colour = tuple(int(c) for c in rng.integers(20, 90, 3))
    cv2.ellipse(out, (x + w // 2, y + 25), (22, 25), 0, 0, 360, colour, -1)
    cv2.rectangle(out, (x, y + 45), (x + w, y + h), colour, -1)
    return out


@functools.lru_cache(maxsize=1)
def build_cases() -> tuple[Case, ...]:
    cases: list[Case] = []
    for index, photo in enumerate(PHOTOS):
        rng = np.random.default_rng(1000 + index)
        world = _world(photo)
        view = _view(world)
        reference = _camera(view, rng)

        def add(
            name,
            expected,
            image,
            *,
            noise=2.0,
            quality=90,
            mode_switch=False,
            photo=photo,
            reference=reference,
            rng=rng,
        ):
            frame = _camera(image, rng, noise=noise, quality=quality)
            cases.append(Case(photo, name, expected, reference, frame, mode_switch))

        # Tampering.
        for fraction, shape, colour in (
            (0.6, "band", (70, 80, 90)),
            (0.75, "blob", (12, 12, 14)),
            (0.9, "band", (160, 170, 180)),
            (1.0, "band", (8, 8, 8)),
        ):
            add(
                f"covered_{round(fraction * 100)}",
                "view_blocked",
                _cover(view, _region(fraction, rng, shape=shape), colour),
            )
        for fraction, shape in ((0.4, "band"), (0.6, "blob"), (0.8, "blob"), (1.0, "band")):
            colour = tuple(int(c) for c in rng.integers(40, 200, 3))
            sprayed = _spray(view, _region(fraction, rng, shape=shape), colour, alpha=float(rng.uniform(0.35, 0.6)))
            add(f"sprayed_{round(fraction * 100)}", "view_tampered", sprayed)
        for sigma in (4, 7):
            add(f"defocused_s{sigma}", "view_tampered", cv2.GaussianBlur(view, (0, 0), sigma))
        for dx, dy in ((0.10, 0.0), (-0.12, 0.0), (0.0, 0.15), (0.10, -0.10)):
            add(f"translated_{dx:+.2f}_{dy:+.2f}", "angle_changed", _view(world, dx=dx, dy=dy))
        for angle in (10, -12, 15):
            add(f"rotated_{angle:+d}", "angle_changed", _view(world, angle=angle))

        # Benign changes.
        for gain in (1.4, 0.6):
            add(f"brightness_x{gain}", NO_ALERT, np.clip(view.astype(np.float32) * gain, 0, 255).astype(np.uint8))
        add("infrared_switch", NO_ALERT, _infrared(view), mode_switch=True)
        for sigma in (6.0, 10.0):
            add(f"sensor_noise_s{sigma:g}", NO_ALERT, view, noise=sigma)
        for x, y in ((60, 250), (300, 200), (520, 40)):
            add(f"object_at_{x}_{y}", NO_ALERT, _with_object(view, x=x, y=y, rng=rng))
        cases.append(Case(photo, "jpeg_q50", NO_ALERT, reference, _reencode(reference, 50)))
    return tuple(cases)


def infrared_reference(case: Case) -> bytes:
    """The night reference of a photo's scene (for the infrared cases compared within night mode)."""
    image = cv2.imdecode(np.frombuffer(case.reference, np.uint8), cv2.IMREAD_COLOR)
    ok, buf = cv2.imencode(".jpg", _infrared(image), [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


def confusion_matrix(results: list[tuple[Case, str]]) -> Counter:
    """(expected, predicted) -> count; predicted is a change_type or NO_ALERT."""
    return Counter((case.expected, predicted) for case, predicted in results)


def format_matrix(matrix: Counter) -> str:
    width = max(len(t) for t in TYPES) + 2
    lines = ["expected \\ detected".ljust(width + 6) + "".join(t.rjust(width) for t in TYPES)]
    for expected in TYPES:
        row = [matrix.get((expected, predicted), 0) for predicted in TYPES]
        if any(row):
            lines.append(expected.ljust(width + 6) + "".join(str(v).rjust(width) for v in row))
    return "\n".join(lines)
