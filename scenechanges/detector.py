"""Tamper detection over images: pure functions, numpy and OpenCV only (no Django, no database).

A frame is decoded once, small (``cv2.IMREAD_REDUCED_COLOR_4`` for 1080p: the JPEG decoder skips
three quarters of the IDCT work), brought to a fixed working width so that every threshold means
the same at every camera resolution, and summarised in a ``Frame``: greyscale, a lighting-normalised
copy, and per-tile statistics on a grid. ``compare(reference, current)`` then answers whether the
view changed and how:

- ``view_blocked``: the view lost its information: the histogram collapsed (low entropy or
  variance over the whole frame), or most of the tiles that changed became flat.
- ``angle_changed``: the scene is still there but moved: ORB features of the reference match the
  current frame under one rotation + translation (+ scale) that is larger than a camera wobble, and
  the reference warped by it lines up with the current frame again.
- ``view_tampered``: focus or edge loss over part or all of the view (spray, smear, defocus): the
  changed tiles kept some variance but lost most of their edge energy, or the whole view lost
  fine detail relative to its own coarse detail (``focus_ratio``: a defocused or smeared lens).
- ``unknown``: the view changed in none of those ways (for example a different scene).

Benign changes are absorbed before any of that: brightness and contrast by normalising each frame
to a fixed mean and standard deviation, sensor noise and JPEG artefacts by working at reduced size
and by SSIM's stabilising constants, a small moving object by requiring a minimum fraction of the
informative tiles to change, and the day/night switch by keeping one reference per lighting mode
(``lighting_mode``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from cameras.media.images import ImageRefused, image_check

DAY = "day"  # colour image
NIGHT = "night"  # infrared: greyscale image

VIEW_BLOCKED = "view_blocked"
ANGLE_CHANGED = "angle_changed"
VIEW_TAMPERED = "view_tampered"
UNKNOWN = "unknown"

# Normalised frames have this mean and standard deviation: brightness and contrast changes
# (auto exposure, clouds, headlights) vanish before any comparison.
_NORM_MEAN = 128.0
_NORM_STD = 48.0
_SSIM_C1 = (0.01 * 255) ** 2
_SSIM_C2 = (0.03 * 255) ** 2


class UnreadableFrame(Exception):
    """The file is missing, truncated or not an image OpenCV can decode."""


@dataclass(frozen=True)
class DetectorConfig:
    """Thresholds of the detector; ``scenechanges.services`` builds one from the NEM_SCENE_* settings."""

    work_width: int = 480
    grid_cols: int = 12
    grid_rows: int = 9
    # A change needs this fraction of the reference's informative tiles to change (a person
    # walking through covers well under 10 % of the tiles) ...
    min_changed_fraction: float = 0.25
    # ... and a motion of the whole view is looked for from this fraction on (a sparse scene that
    # moved changes only its few textured tiles).
    motion_check_fraction: float = 0.12
    # Per-tile correlation of the coarse picture below which a tile shows something else.
    tile_correlation: float = 0.5
    # Raw greyscale standard deviation below which a tile (or frame) carries no picture.
    flat_std: float = 7.0
    # Shannon entropy (bits, 256 bins) below which a whole frame is a collapsed histogram.
    blocked_entropy: float = 3.0
    # A tile that kept less than this fraction of its fine detail lost focus (spray, smear, defocus).
    detail_loss_ratio: float = 0.5
    # Of the textured tiles that changed: this share must be damaged (flat or blurred) to call
    # the view blocked (flat ones) or tampered (with at least ``blurred_share`` blurred ones).
    damaged_share: float = 0.5
    blurred_share: float = 0.25
    # Motion of the view centre (fraction of the width) or rotation that is a real re-aim.
    min_shift_fraction: float = 0.03
    min_rotation_degrees: float = 3.0
    # After undoing the motion, the overlap must look like the reference again.
    aligned_ssim: float = 0.45
    min_inliers: int = 20
    # A plain tile (sky, wall) whose brightness moved this far (and this share) from what the
    # exposure change explains has something in front of it.
    plain_shift_min: float = 40.0
    plain_shift_ratio: float = 0.5
    # Mean |B-G| + |G-R| (0..510) below which a frame is greyscale, i.e. infrared night mode.
    ir_chroma_max: float = 4.0
    # Focus: the median over the reference's textured tiles of (fine detail kept / coarse detail
    # kept), each relative to the reference's own detail at that scale, below which the lens lost
    # focus. A defocus blurs the fine scales far more than the coarse ones; lighting, infrared,
    # noise, compression, rain and passers-by change both alike or only a few tiles.
    focus_ratio: float = 0.9


@dataclass
class Frame:
    """One decoded, prepared frame and its statistics at working size."""

    gray: np.ndarray  # uint8, working size
    norm: np.ndarray  # float32, lighting-normalised
    chroma: float
    std: float
    entropy: float
    tile_std: np.ndarray  # (rows, cols) raw greyscale standard deviation per tile
    tile_mean: np.ndarray  # (rows, cols) raw greyscale mean per tile
    tile_detail: np.ndarray  # (rows, cols) fine detail (band-pass energy) of the normalised frame
    tile_bands: np.ndarray  # (levels, rows, cols) band-pass energy per scale, finest first
    tile_signal: np.ndarray  # the same above the frame's noise floor (``above_noise``)
    tile_clipped: np.ndarray  # (rows, cols) share of pixels at the ends of the range (blown or crushed)
    coarse: np.ndarray  # float32, normalised frame at a quarter of the working size
    _features: tuple | None = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.gray.shape[:2]

    def informative(self, config: DetectorConfig) -> bool:
        """A frame worth keeping as a reference: it shows a picture, not a collapsed histogram."""
        return self.std >= config.flat_std * 1.5 and self.entropy >= config.blocked_entropy + 1.0

    def features(self):
        """ORB keypoints and descriptors, computed once per frame (references are cached)."""
        if self._features is None:
            orb = cv2.ORB_create(nfeatures=600, fastThreshold=10)
            keypoints, descriptors = orb.detectAndCompute(self.gray, None)
            self._features = (keypoints, descriptors)
        return self._features


@dataclass
class Comparison:
    """The verdict of ``compare``: ``change_type`` is None when the view did not change."""

    changed: bool
    change_type: str | None
    similarity: float | None  # global SSIM of the normalised frames, 0..1 (None: not computed, no change)
    signals: dict


def _reduction_flag(factor: int) -> int:
    return {
        1: cv2.IMREAD_COLOR,
        2: cv2.IMREAD_REDUCED_COLOR_2,
        4: cv2.IMREAD_REDUCED_COLOR_4,
        8: cv2.IMREAD_REDUCED_COLOR_8,
    }[factor]


def decode(path: str | Path, *, config: DetectorConfig) -> np.ndarray:
    """Read and decode an image file at (about) working width, in colour."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise UnreadableFrame(f"{path}: {exc.strerror or exc}") from None
    return decode_buffer(data, config=config, name=str(path))


def decode_buffer(data: np.ndarray, *, config: DetectorConfig, name: str = "image") -> np.ndarray:
    """Decode encoded image bytes at (about) working width, in colour.

    Tries the /4 reduced decode first (1080p and larger: the common case); a smaller image is
    decoded again at the largest reduction that still covers the working width.
    """
    if data.size == 0:
        raise UnreadableFrame(f"{name}: empty file")
    if data[:2].tobytes() == b"\xff\xd8" and b"\xff\xd9" not in data[-1024:].tobytes():
        # A JPEG still being written decodes "successfully" with a grey lower part, which
        # would look exactly like a partly covered lens.
        raise UnreadableFrame(f"{name}: truncated JPEG (no end-of-image marker)")
    try:
        image_check(data.tobytes())  # header only: never decode more than NEM_MAX_IMAGE_PIXELS
    except ImageRefused as exc:
        raise UnreadableFrame(f"{name}: {exc}") from None
    image = cv2.imdecode(data, _reduction_flag(4))
    if image is None:
        raise UnreadableFrame(f"{name}: not a decodable image")
    if image.shape[1] < config.work_width:
        full_width = image.shape[1] * 4
        factor = 2 if full_width // 2 >= config.work_width else 1
        image = cv2.imdecode(data, _reduction_flag(factor))
        if image is None:
            raise UnreadableFrame(f"{name}: not a decodable image")
    return image


def to_working_size(image: np.ndarray, *, config: DetectorConfig) -> np.ndarray:
    """Scale to ``work_width`` (area interpolation, which also averages sensor noise away)."""
    height, width = image.shape[:2]
    if width == config.work_width:
        return image
    new_height = max(1, round(height * config.work_width / width))
    interpolation = cv2.INTER_AREA if width > config.work_width else cv2.INTER_LINEAR
    return cv2.resize(image, (config.work_width, new_height), interpolation=interpolation)


def chroma_of(image: np.ndarray) -> float:
    """Mean colourfulness |B-G| + |G-R| on a sparse pixel grid; 0 for a greyscale picture."""
    if image.ndim == 2 or image.shape[2] == 1:
        return 0.0
    sample = image[::4, ::4].astype(np.int16)
    b, g, r = sample[..., 0], sample[..., 1], sample[..., 2]
    return float(np.mean(np.abs(b - g) + np.abs(g - r)))


def lighting_normalise(gray: np.ndarray) -> np.ndarray:
    """Map a frame to a fixed mean and standard deviation, so brightness and contrast do not count."""
    mean, std = cv2.meanStdDev(gray)
    scale = _NORM_STD / max(float(std[0][0]), 1.0)
    return ((gray.astype(np.float32) - float(mean[0][0])) * scale + _NORM_MEAN).astype(np.float32)


def entropy_of(gray: np.ndarray) -> float:
    hist = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
    p = hist[hist > 0] / hist.sum()
    return float(-(p * np.log2(p)).sum())


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """SSIM map (Wang et al.: 11x11 Gaussian window, sigma 1.5) of two float32 greyscale images."""

    def blur(x):
        return cv2.GaussianBlur(x, (11, 11), 1.5)

    mu_a, mu_b = blur(a), blur(b)
    mu_aa, mu_bb, mu_ab = mu_a * mu_a, mu_b * mu_b, mu_a * mu_b
    s_aa = blur(a * a) - mu_aa
    s_bb = blur(b * b) - mu_bb
    s_ab = blur(a * b) - mu_ab
    return ((2 * mu_ab + _SSIM_C1) * (2 * s_ab + _SSIM_C2)) / ((mu_aa + mu_bb + _SSIM_C1) * (s_aa + s_bb + _SSIM_C2))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two greyscale images of equal shape (uint8 or float32)."""
    return float(cv2.mean(ssim_map(a.astype(np.float32), b.astype(np.float32)))[0])


def _tile_means(values: np.ndarray, config: DetectorConfig) -> np.ndarray:
    # INTER_AREA down to the grid is the exact mean of each tile when the size divides evenly.
    return cv2.resize(values, (config.grid_cols, config.grid_rows), interpolation=cv2.INTER_AREA)


def tile_correlation(a: np.ndarray, b: np.ndarray, config: DetectorConfig, stabiliser: float = 4.0) -> np.ndarray:
    """Per-tile normalised cross-correlation of two coarse images: 1 for the same picture under
    any brightness or contrast, about 0 when a tile shows something unrelated (or nothing)."""
    ma, mb = _tile_means(a, config), _tile_means(b, config)
    va = _tile_means(a * a, config) - ma * ma
    vb = _tile_means(b * b, config) - mb * mb
    cov = _tile_means(a * b, config) - ma * mb
    return cov / np.sqrt((np.maximum(va, 0) + stabiliser) * (np.maximum(vb, 0) + stabiliser))


def detail_and_coarse(norm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fine picture detail and the coarse picture, from a two-level Gaussian pyramid.

    Detail is |level 1 of the Laplacian pyramid| (the band of 2-8 pixel structures at working
    size): a band-pass rather than a gradient or Laplacian, because its lower cut ignores
    pixel-level sensor noise and JPEG ringing (which would hide a defocused lens behind the
    noise) and its upper cut ignores the large shapes a defocused lens keeps. The coarse picture
    (a quarter of the working size) is what the tile correlation compares.
    """
    half = cv2.pyrDown(norm)
    coarse = cv2.pyrDown(half)
    detail = cv2.absdiff(half, cv2.pyrUp(coarse, dstsize=(half.shape[1], half.shape[0])))
    return detail, coarse


# Laplacian pyramid bands at working size: 2-4 px (the fine detail the tiles are judged on), 4-8
# and 8-16 px. The 1-2 px band is left out: in a soft scene it is mostly sensor noise, which the
# lens does not blur (noise and JPEG would hide a defocus there).
FOCUS_LEVELS = 3
_FINE, _COARSE = 0, 2
NOISE_PERCENTILE = 10
BLUR_SHAPE = 0.8  # fine detail kept below this share of the coarse detail kept: the shape of a blur


def band_energies(tile_detail: np.ndarray, coarse: np.ndarray, config: DetectorConfig) -> np.ndarray:
    """Mean |Laplacian pyramid band| per tile at each scale, finest first (the fine detail the
    pyramid of ``detail_and_coarse`` already gave, then the coarser bands of its coarse picture):
    the picture's detail at every scale the detector looks at, so loss of focus is judged against
    what the reference itself had at that scale (a soft scene has little fine detail to lose, but
    loses it too)."""
    levels = [tile_detail]
    current = coarse
    for _ in range(FOCUS_LEVELS - 1):
        down = cv2.pyrDown(current)
        band = cv2.absdiff(current, cv2.pyrUp(down, dstsize=(current.shape[1], current.shape[0])))
        levels.append(_tile_means(band, config))
        current = down
    return np.stack(levels)


def above_noise(bands: np.ndarray) -> np.ndarray:
    """Each band's energy per tile without the frame's own noise floor (the band energy of its
    flattest tiles), so a noisy reference (adopted at dawn) or a noisy frame (night, a cheap
    sensor) does not pass for detail that was kept or lost."""
    floors = np.percentile(bands.reshape(bands.shape[0], -1), NOISE_PERCENTILE, axis=1)[:, None, None]
    return np.sqrt(np.maximum(bands * bands - floors * floors, 0.01 * bands * bands))


def focus_ratio(reference: Frame, current: Frame, tiles: np.ndarray) -> float:
    """Median over ``tiles`` of (fine detail kept / coarse detail kept), each kept fraction taken
    against the reference's own detail at that scale; 1.0 without tiles.

    The 2-4 px band over the 8-16 px band is the lens's signature: a defocus removes the first
    and keeps the second, while an exposure change, an infrared switch or a cover change both
    alike, and a passer-by or rain touches too few tiles to move the median."""
    if not tiles.any():
        return 1.0
    kept = current.tile_signal[:, tiles] / np.maximum(reference.tile_signal[:, tiles], 1e-3)
    return float(np.median(kept[_FINE] / np.maximum(kept[_COARSE], 1e-3)))


def prepare(image: np.ndarray, *, config: DetectorConfig) -> Frame:
    """Summarise a decoded image (BGR or greyscale, any size) as a ``Frame`` at working size."""
    image = to_working_size(image, config=config)
    chroma = chroma_of(image)
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    mean, std = cv2.meanStdDev(gray)
    norm = lighting_normalise(gray)
    g32 = gray.astype(np.float32)
    tile_mean = _tile_means(g32, config)
    tile_sq = _tile_means(g32 * g32, config)
    tile_std = np.sqrt(np.maximum(tile_sq - tile_mean * tile_mean, 0.0))
    detail, coarse = detail_and_coarse(norm)
    tile_detail = _tile_means(detail, config)
    bands = band_energies(tile_detail, coarse, config)
    return Frame(
        gray=gray,
        norm=norm,
        chroma=chroma,
        std=float(std[0][0]),
        entropy=entropy_of(gray),
        tile_std=tile_std,
        tile_mean=tile_mean,
        tile_detail=tile_detail,
        tile_bands=bands,
        tile_signal=above_noise(bands),
        tile_clipped=_tile_means(((gray >= 250) | (gray <= 5)).astype(np.float32), config),
        coarse=coarse,
    )


def load_frame(path: str | Path, *, config: DetectorConfig) -> Frame:
    """Decode and prepare an image file (``UnreadableFrame`` if it cannot be read)."""
    return prepare(decode(path, config=config), config=config)


def lighting_mode(frame: Frame, *, config: DetectorConfig, fallback: str = DAY) -> str:
    """``day`` for a colour picture, ``night`` for an infrared (greyscale) one. A frame without a
    picture (covered, black) says nothing about the lighting: it keeps ``fallback``, the camera's
    last mode, so a covered lens is compared with the reference it covers rather than adopted as
    the first night reference."""
    if not frame.informative(config):
        return fallback
    return NIGHT if frame.chroma < config.ir_chroma_max else DAY


def _align(reference: Frame, current: Frame, config: DetectorConfig) -> dict | None:
    """Rotation + translation (+ scale) that maps the reference onto the current frame, from ORB
    matches and RANSAC, with the SSIM of the overlap once the motion is undone; None if the two
    frames do not share enough features."""
    ref_kp, ref_desc = reference.features()
    cur_kp, cur_desc = current.features()
    if ref_desc is None or cur_desc is None or len(ref_kp) < config.min_inliers or len(cur_kp) < config.min_inliers:
        return None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(ref_desc, cur_desc, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < config.min_inliers:
        return None
    src = np.float32([ref_kp[m.queryIdx].pt for m in good])
    dst = np.float32([cur_kp[m.trainIdx].pt for m in good])
    matrix, inlier_mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0, maxIters=2000, confidence=0.99
    )
    if matrix is None:
        return None
    inliers = int(inlier_mask.sum())
    if inliers < config.min_inliers:
        return None
    height, width = reference.shape
    scale = math.hypot(matrix[0, 0], matrix[1, 0])
    rotation = math.degrees(math.atan2(matrix[1, 0], matrix[0, 0]))
    centre = np.array([width / 2, height / 2, 1.0])
    moved = matrix @ centre
    shift = math.hypot(moved[0] - centre[0], moved[1] - centre[1]) / width
    warped = cv2.warpAffine(reference.norm, matrix, (width, height), flags=cv2.INTER_LINEAR)
    valid = cv2.warpAffine(np.ones_like(reference.norm), matrix, (width, height), flags=cv2.INTER_NEAREST)
    valid = cv2.erode(valid, np.ones((11, 11), np.uint8))
    overlap = float(valid.mean())
    aligned = None
    if overlap > 0.3:
        smap = ssim_map(warped, current.norm)
        aligned = float((smap * valid).sum() / valid.sum())
    return {
        "inliers": inliers,
        "matches": len(good),
        "shift_fraction": round(shift, 4),
        "rotation_degrees": round(rotation, 2),
        "scale": round(scale, 4),
        "overlap": round(overlap, 3),
        "aligned_ssim": None if aligned is None else round(aligned, 4),
    }


def _exposure_clipped(reference: Frame, current: Frame) -> np.ndarray:
    """Tiles that over- or under-exposure wiped out in the current frame where the reference was
    already near that end: a brightness change, not a cover. They vote neither way."""
    flat = current.tile_std < 3.0
    blown = flat & (current.tile_mean > 235) & (reference.tile_mean > 160)
    crushed = flat & (current.tile_mean < 20) & (reference.tile_mean < 60)
    return blown | crushed


def _exposure_gain(reference: Frame, current: Frame, steady: np.ndarray) -> float:
    """How much brighter the current frame is, from the tiles whose picture did not change (a
    cover over half the view must not count as "the frame got darker")."""
    if int(steady.sum()) >= 3:
        return float(np.median((current.tile_mean[steady] + 1.0) / (reference.tile_mean[steady] + 1.0)))
    return (float(current.tile_mean.mean()) + 1.0) / (float(reference.tile_mean.mean()) + 1.0)


def compare(reference: Frame, current: Frame, *, config: DetectorConfig) -> Comparison:
    """Compare a frame with a reference of the same lighting mode; see the module docstring.

    1. Global SSIM of the normalised frames (the reported similarity score).
    2. Per tile of the reference that shows a picture: correlation of the coarse pictures (did the
       tile's content change?) and the fraction of fine detail kept (did it lose focus?). Tiles
       without a picture (sky, a wall) can only tell that something dark or bright now sits in
       front of them: their brightness moved far from what the exposure change explains.
    3. No change if few tiles changed and the SSIM is high; else the type, first match wins:
       blocked (histogram collapse), angle changed (ORB + RANSAC find a real motion that lines the
       pictures up again), blocked (most changed tiles went flat), tampered (most changed tiles,
       or the whole view, lost their detail), unknown.
    """
    if current.shape != reference.shape:
        # The camera's resolution changed: compare at the reference's geometry.
        height, width = reference.shape
        current = prepare(cv2.resize(current.gray, (width, height), interpolation=cv2.INTER_AREA), config=config)

    clipped = _exposure_clipped(reference, current)
    informative = (reference.tile_std >= config.flat_std) & ~clipped
    n_informative = int(informative.sum())
    correlation = tile_correlation(reference.coarse, current.coarse, config)
    # Detail above each frame's own noise floor: a reference adopted at dawn (dim, noisy) must not
    # make every clear frame after it look as if it lost detail.
    ref_signal, cur_signal = reference.tile_signal[_FINE], current.tile_signal[_FINE]
    detail_kept = cur_signal / np.maximum(ref_signal, 1e-3)
    moved = informative & (correlation < config.tile_correlation)
    # Lost to the lens, the fine detail goes first: a tile whose coarse detail went down as much
    # (less contrast in the tile: haze, a burnt-in overlay whose fixed contrast the normalisation
    # scales, exposure) did not lose focus. Nor did detail the exposure burnt out.
    coarse_kept = current.tile_signal[_COARSE] / np.maximum(reference.tile_signal[_COARSE], 1e-3)
    blur_shaped = detail_kept < BLUR_SHAPE * np.maximum(coarse_kept, 1e-3)
    burnt = current.tile_clipped - reference.tile_clipped > 0.1
    lost_detail = informative & (detail_kept < config.detail_loss_ratio) & blur_shaped & ~burnt
    went_flat = moved & (current.tile_std < config.flat_std) & (current.tile_std < 0.35 * reference.tile_std)
    # Lost detail but kept its shapes: out of focus or behind paint, not replaced by a passer-by.
    blurred = lost_detail & ~moved

    gain = _exposure_gain(reference, current, informative & ~moved & ~lost_detail)
    expected = np.minimum(reference.tile_mean * gain, 255.0)
    plain = (reference.tile_std < config.flat_std) & ~clipped
    shaded = plain & (
        np.abs(current.tile_mean - expected) > np.maximum(config.plain_shift_min, config.plain_shift_ratio * expected)
    )

    changed = moved | lost_detail | shaded
    n_changed = int(changed.sum())
    # Relative to the informative part of the view, but never less than half of it: in a sparse
    # scene (a wall, the sky) a passer-by in front of the few textured tiles is not half the view.
    basis = max(n_informative + int(shaded.sum()), changed.size // 2)
    changed_fraction = n_changed / basis
    blurred_fraction = int(blurred.sum()) / n_informative if n_informative else 0.0
    ref_detail = float(ref_signal[informative].sum()) if n_informative else 0.0
    detail_ratio = float(cur_signal[informative].sum()) / ref_detail if ref_detail else 1.0

    focus = focus_ratio(reference, current, informative)
    defocused = n_informative >= 4 and focus < config.focus_ratio

    collapsed = reference.informative(config) and (
        current.std < config.flat_std or current.entropy < config.blocked_entropy
    )
    signals = {
        "changed_fraction": round(changed_fraction, 4),
        "blurred_fraction": round(blurred_fraction, 4),
        "informative_tiles": n_informative,
        "changed_tiles": n_changed,
        "flat_tiles": int(went_flat.sum()),
        "shaded_tiles": int(shaded.sum()),
        "blurred_tiles": int(blurred.sum()),
        "detail_ratio": round(detail_ratio, 4),
        "focus_ratio": round(focus, 4),
        "exposure_gain": round(gain, 3),
        "std": round(current.std, 2),
        "reference_std": round(reference.std, 2),
        "entropy": round(current.entropy, 3),
        "reference_entropy": round(reference.entropy, 3),
        "chroma": round(current.chroma, 2),
    }
    is_change = (
        collapsed
        or defocused
        or changed_fraction >= config.min_changed_fraction
        or blurred_fraction >= config.min_changed_fraction
    )
    if not is_change and changed_fraction < config.motion_check_fraction:
        # The common case, kept cheap: no SSIM, no features.
        return Comparison(False, None, None, signals)
    # SSIM is the reported score, not a trigger: in a sparse scene (mostly sky) normalisation
    # amplifies sensor noise and SSIM falls to 0.56 on noise alone, while the tiles stay calm.
    similarity = float(cv2.mean(ssim_map(reference.norm, current.norm))[0])
    signals["ssim"] = round(similarity, 4)
    score = min(max(similarity, 0.0), 1.0)
    if collapsed:
        return Comparison(True, VIEW_BLOCKED, score, signals)

    alignment = _align(reference, current, config)
    signals["alignment"] = alignment
    if alignment is not None and alignment["aligned_ssim"] is not None:
        motion = (
            alignment["shift_fraction"] >= config.min_shift_fraction
            or abs(alignment["rotation_degrees"]) >= config.min_rotation_degrees
            or abs(math.log(max(alignment["scale"], 1e-3))) >= math.log(1.1)
        )
        if motion and alignment["aligned_ssim"] >= config.aligned_ssim:
            return Comparison(True, ANGLE_CHANGED, score, signals)
    if not is_change:
        return Comparison(False, None, score, signals)
    # The type is voted by the textured tiles that changed: only they can tell a cover (went
    # flat) from paint or defocus (kept the shapes, lost the detail). Plain tiles only say that
    # something sits in front of them; if nothing textured changed, that something is opaque.
    voters = int((changed & informative).sum())
    if voters == 0:
        if defocused:
            return Comparison(True, VIEW_TAMPERED, score, signals)
        return Comparison(True, VIEW_BLOCKED if shaded.any() else UNKNOWN, score, signals)
    # A cover leaves no blurred tiles behind (0 % on the evaluation set); paint leaves at least
    # 40 %, and goes flat where it hits a weakly textured part of the view.
    flat_n, blurred_n = int(went_flat.sum()), int(blurred.sum())
    if blurred_n >= config.blurred_share * voters and flat_n + blurred_n >= config.damaged_share * voters:
        return Comparison(True, VIEW_TAMPERED, score, signals)
    if flat_n >= config.damaged_share * voters:
        return Comparison(True, VIEW_BLOCKED, score, signals)
    if defocused or detail_ratio < config.detail_loss_ratio:
        return Comparison(True, VIEW_TAMPERED, score, signals)
    return Comparison(True, UNKNOWN, score, signals)


@dataclass
class Assessment:
    """What to do with a frame: ``adopt`` it as the reference of ``mode``, ``compare`` it (the
    ``comparison`` is against the reference of ``reference_mode``), or ``skip`` it."""

    mode: str
    action: str
    reference_mode: str | None = None
    comparison: Comparison | None = None


def assess(frame: Frame, references: dict[str, Frame], *, last_mode: str, config: DetectorConfig) -> Assessment:
    """Route a frame to the reference of its lighting mode and compare it.

    The first good frame of a mode becomes its reference. Before a frame is adopted as the first
    reference of a new mode, it is checked against the other mode's reference: a cover or spray
    that happens to change the colourfulness (a grey cloth in front of a colour camera) must be
    reported, not adopted. A frame without a picture is never adopted.
    """
    mode = lighting_mode(frame, config=config, fallback=last_mode)
    if mode in references:
        return Assessment(mode, "compare", mode, compare(references[mode], frame, config=config))
    for other_mode, other in references.items():
        comparison = compare(other, frame, config=config)
        if comparison.change_type in (VIEW_BLOCKED, VIEW_TAMPERED):
            return Assessment(mode, "compare", other_mode, comparison)
        break
    if frame.informative(config):
        return Assessment(mode, "adopt")
    return Assessment(mode, "skip")
