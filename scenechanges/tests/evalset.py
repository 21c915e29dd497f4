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

``build_focus_cases`` adds soft scenes and defocus of several strengths (see its section);
``night_cases`` compares within night mode.
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


# ---------------------------------------------------------------- focus set: soft scenes, defocus strengths
#
# Soft scenes have little fine detail of their own (a hazy view, a soft-focus background, the moon,
# a retina photograph): a fixed "detail lost" level misses a defocused lens there, because the
# detail that is left is mostly sensor noise, which the lens does not blur. Each scene, soft or
# textured, gets defocus of several strengths and a smeared lens (tamper), and benign changes that
# a more sensitive focus signal could mistake for one: rain, an exposure jump, night infrared with
# its noise, heavy JPEG compression.

SOFT_SCENES = ("moon", "retina", "coffee_haze", "chelsea_soft")
DEFOCUS_SIGMAS = (2.0, 3.0, 4.5, 7.0)


def soft_world(scene: str) -> np.ndarray:
    """A soft scene as a world a little larger than the view (see ``_world``)."""
    if scene in ("moon", "retina"):
        return _world(scene)
    base = _world(scene.split("_")[0])
    if scene.endswith("_haze"):
        # Fog: the picture softened and half its contrast gone to a bright veil.
        soft = cv2.GaussianBlur(base, (0, 0), 2.5).astype(np.float32)
        return np.clip(soft * 0.5 + 110, 0, 255).astype(np.uint8)
    # A soft-focus scene: everything a little out of focus already.
    return cv2.GaussianBlur(base, (0, 0), 2.0)


def smear(view: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grease smeared over the lens: streaky (directional) blur and a veil of scattered light."""
    length = int(rng.integers(21, 31))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    angle = float(rng.uniform(0, 180))
    rotation = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (length, length))
    kernel /= kernel.sum()
    streaked = cv2.filter2D(cv2.GaussianBlur(view, (0, 0), 1.5), -1, kernel).astype(np.float32)
    veil = cv2.GaussianBlur(view, (0, 0), 25).astype(np.float32)
    return np.clip(streaked * 0.75 + veil * 0.25 + 12, 0, 255).astype(np.uint8)


def rain(view: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rain: thin bright streaks over a slightly darker, lower-contrast scene."""
    out = view.astype(np.float32) * 0.8 + 20
    streaks = np.zeros(view.shape[:2], np.float32)
    for _ in range(350):
        x, y = int(rng.integers(0, FRAME_W)), int(rng.integers(0, FRAME_H))
        length = int(rng.integers(8, 22))
        cv2.line(streaks, (x, y), (x + length // 5, y + length), float(rng.uniform(25, 60)), 1)
    return np.clip(out + streaks[..., None], 0, 255).astype(np.uint8)


def exposure_jump(view: np.ndarray, gain: float) -> np.ndarray:
    """Auto exposure overshooting: everything ``gain`` times brighter, highlights clipped."""
    return np.clip(view.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def night(view: np.ndarray) -> np.ndarray:
    """Infrared at night: greyscale, dim and flat."""
    gray = cv2.cvtColor(view, cv2.COLOR_BGR2GRAY).astype(np.float32)
    ir = np.clip(25 + gray * 0.45, 0, 255).astype(np.uint8)
    return cv2.cvtColor(ir, cv2.COLOR_GRAY2BGR)


@functools.lru_cache(maxsize=1)
def build_focus_cases() -> tuple[Case, ...]:
    cases: list[Case] = []
    scenes = [(name, soft_world(name), True) for name in SOFT_SCENES]
    scenes += [(name, _world(name), False) for name in PHOTOS]
    for index, (scene, world, soft) in enumerate(scenes):
        rng = np.random.default_rng(2000 + index)
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
            scene=scene,
            reference=reference,
            rng=rng,
        ):
            cases.append(
                Case(scene, name, expected, reference, _camera(image, rng, noise=noise, quality=quality), mode_switch)
            )

        for sigma in DEFOCUS_SIGMAS:
            if soft or sigma not in (4.0, 7.0):
                add(f"defocused_s{sigma:g}", "view_tampered", cv2.GaussianBlur(view, (0, 0), sigma))
        add("smeared", "view_tampered", smear(view, rng))
        # A weak defocus in a noisy night picture is still the lens.
        if not soft:
            add("defocused_s3_noisy", "view_tampered", cv2.GaussianBlur(view, (0, 0), 3.0), noise=6.0)

        add("rain", NO_ALERT, rain(view, rng))
        add("exposure_jump_x1.6", NO_ALERT, exposure_jump(view, 1.6))
        add("jpeg_q30", NO_ALERT, view, quality=30)
        add("jpeg_q60_noisy", NO_ALERT, view, noise=5.0, quality=60)
        if soft:
            for gain in (1.4, 0.6):
                add(f"brightness_x{gain}", NO_ALERT, exposure_jump(view, gain))
            add("infrared_switch", NO_ALERT, _infrared(view), mode_switch=True)
            add("sensor_noise_s8", NO_ALERT, view, noise=8.0)
            add("object_at_300_200", NO_ALERT, _with_object(view, x=300, y=200, rng=rng))
    return tuple(cases)


def night_cases() -> list[tuple[str, bytes, bytes, str]]:
    """(label, night reference, frame, expected) per scene: a dim infrared night compared within
    night mode, with a noisier, darker frame (benign) and the same night defocused (tamper)."""
    out = []
    scenes = [(name, soft_world(name)) for name in SOFT_SCENES] + [(name, _world(name)) for name in PHOTOS]
    for index, (scene, world) in enumerate(scenes):
        rng = np.random.default_rng(3000 + index)
        view = night(_view(world))
        reference = _camera(view, rng, noise=4.0, quality=80)
        darker = exposure_jump(view, 0.7)
        out.append((f"{scene}/night_noise", reference, _camera(darker, rng, noise=9.0, quality=70), NO_ALERT))
        out.append((f"{scene}/night_rain", reference, _camera(rain(view, rng), rng, noise=6.0, quality=75), NO_ALERT))
        blurred = cv2.GaussianBlur(view, (0, 0), 4.5)
        out.append(
            (f"{scene}/night_defocused", reference, _camera(blurred, rng, noise=4.0, quality=80), "view_tampered")
        )
    return out
