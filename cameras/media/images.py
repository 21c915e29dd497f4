"""Bounded image decoding: the dimensions are read from the header (Pillow reads a few bytes,
decodes nothing) and an image with more than NEM_MAX_IMAGE_PIXELS pixels is never decoded.

An 8000 x 8000 PNG of 62 KB costs about 200 MB once decoded (OpenCV decodes PNG at full size
even when asked for a reduced one; 32768 x 32768 would be about 3 GB). Every decode site (the
scene detector in the worker, admin thumbnails, acknowledge) asks here first.
"""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from PIL import Image, UnidentifiedImageError


class ImageRefused(Exception):
    """Not decoded: too many pixels, or no image header Pillow knows. ``str()`` says which."""


def image_dimensions(data: bytes) -> tuple[int, int]:
    """(width, height) from the header only, or ImageRefused."""
    with warnings.catch_warnings():
        # Pillow's own bomb check warns (or raises) on open; ours below decides.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                return image.size
        except Image.DecompressionBombError:
            raise ImageRefused("image dimensions are far beyond the decoding limit") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise ImageRefused("no image header could be read") from None


def image_check(data: bytes) -> tuple[int, int]:
    """The image's (width, height) if it may be decoded, else ImageRefused naming the limit."""
    width, height = image_dimensions(data)
    limit = settings.NEM_MAX_IMAGE_PIXELS
    if width * height > limit:
        raise ImageRefused(f"{width}x{height} pixels is more than NEM_MAX_IMAGE_PIXELS ({limit})")
    return width, height
