"""The picture signature ``frozen`` is judged on: a 256-bit difference hash (dHash) and a 32 x 24
grid of block means, both of the frame's grey levels with the top and bottom bands masked, where
cameras burn in their clock and name (a ticking clock must not read as a moving scene).

The hash says whether the picture changed the way a person sees it (robust to re-compression);
the block means say whether it changed at all: a live camera's sensor noise moves them by a few
hundredths of a grey level even on a motionless 1080p scene, a stuck picture re-sent does not
move them.
JPEGs are decoded at an eighth of their size (Pillow's draft mode: the DCT scales it down), which
is all both need.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from cameras.media.images import ImageRefused, image_check

HASH_SIZE = 16  # 16 x 16 gradient bits
GRID = (32, 24)  # block means, columns x rows
_FIXED = 64  # block means are stored as uint16 in 1/64 grey levels


class UnreadableImage(Exception):
    pass


@dataclass(frozen=True)
class Signature:
    hash_hex: str
    grid: np.ndarray  # uint16, GRID[1] x GRID[0], grey level * 64

    def encoded_grid(self) -> str:
        return base64.b64encode(self.grid.astype("<u2").tobytes()).decode()

    @staticmethod
    def decode_grid(text: str) -> np.ndarray | None:
        try:
            raw = base64.b64decode(text.encode(), validate=True)
        except ValueError:
            return None
        if len(raw) != GRID[0] * GRID[1] * 2:
            return None
        return np.frombuffer(raw, dtype="<u2").reshape(GRID[1], GRID[0])


def frame_signature(path: Path, *, mask_fraction: float) -> Signature:
    """The signature of an image file; ``mask_fraction`` of the height is ignored at the top and
    at the bottom."""
    try:
        data = path.read_bytes()
        image_check(data)  # the header says how big it is: never decode a pixel bomb
        with Image.open(io.BytesIO(data)) as image:
            image.draft("L", (max(image.width // 8, 64), max(image.height // 8, 48)))
            grey = np.asarray(image.convert("L"), dtype=np.float32)
    except (OSError, ValueError, Image.DecompressionBombError, ImageRefused) as exc:
        raise UnreadableImage(str(exc)) from exc
    height = grey.shape[0]
    band = int(round(height * mask_fraction))
    grey = grey[band : height - band] if height - 2 * band >= GRID[1] else grey
    if grey.shape[0] < GRID[1] or grey.shape[1] < GRID[0] + 1:
        raise UnreadableImage(f"image too small ({grey.shape[1]} x {grey.shape[0]})")
    return Signature(hash_hex=_dhash(grey), grid=_grid(grey))


def _block_means(grey: np.ndarray, columns: int, rows: int) -> np.ndarray:
    """Mean of each of rows x columns blocks (edges that do not divide evenly are dropped)."""
    by, bx = grey.shape[0] // rows, grey.shape[1] // columns
    return grey[: by * rows, : bx * columns].reshape(rows, by, columns, bx).mean(axis=(1, 3))


def _dhash(grey: np.ndarray) -> str:
    cells = _block_means(grey, HASH_SIZE + 1, HASH_SIZE)
    bits = (cells[:, 1:] > cells[:, :-1]).flatten()
    return np.packbits(bits).tobytes().hex()


def _grid(grey: np.ndarray) -> np.ndarray:
    return np.round(_block_means(grey, *GRID) * _FIXED).astype(np.uint16)


def hash_distance(a: str, b: str) -> int:
    """Bits that differ between two hashes (256 for hashes that cannot be compared)."""
    if len(a) != len(b) or not a:
        return HASH_SIZE * HASH_SIZE
    return (int(a, 16) ^ int(b, 16)).bit_count()


def grid_change(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute change of the block means, in grey levels."""
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean() / _FIXED)
