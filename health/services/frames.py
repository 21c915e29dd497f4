"""New frames: an arrival for the hysteresis, and a picture signature for ``frozen``."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction

from cameras.media.paths import inside, media_root
from cameras.models import Camera
from health.models import CameraHealth
from health.services.records import health_locked, iso, note_media
from health.signature import Signature, UnreadableImage, frame_signature, grid_change, hash_distance

logger = logging.getLogger(__name__)

MOVES_KEEP = 16


def _media_file(path: str) -> Path | None:
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):
        return None
    return resolved if inside(resolved, media_root()) and resolved.is_file() else None


def health_frame_observe(*, camera_id: str, path: str, captured_at: dt.datetime) -> str:
    """Note a new frame: an arrival for the hysteresis, and its signature for ``frozen``.

    The signature is compared with the first frame of the current still run: within
    ``NEM_HEALTH_FROZEN_HASH_DISTANCE`` bits and ``NEM_HEALTH_FROZEN_PIXEL_TOLERANCE`` grey
    levels it extends the run, otherwise it is a change and starts a new run. Frames older than
    the newest one seen (out-of-order workers) only count as arrivals. Returns the outcome:
    rejected, camera_gone, stale, unreadable, first, unchanged or changed."""
    resolved = _media_file(path)
    if resolved is None:
        logger.warning("health: frame of %s refused: %s is not a file inside NEM_MEDIA_ROOT", camera_id, path)
        return "rejected"
    try:
        signature = frame_signature(resolved, mask_fraction=settings.NEM_HEALTH_HASH_MASK_FRACTION)
    except UnreadableImage as exc:
        logger.info("health: frame of %s has no signature: %s", camera_id, exc)
        signature = None
    with transaction.atomic():
        if not Camera.objects.filter(pk=camera_id).exists():
            return "camera_gone"
        health = health_locked(camera_id)
        note_media(health, captured_at, exact=True)
        if health.last_frame_at is not None and captured_at <= health.last_frame_at:
            health.save(update_fields=["media_times"])
            return "stale"
        health.last_frame_at = captured_at
        outcome = "unreadable" if signature is None else _observe_signature(health, signature, captured_at)
        health.save()
    return outcome


def _observe_signature(health: CameraHealth, signature: Signature, at: dt.datetime) -> str:
    anchor = Signature.decode_grid(health.still_signature) if health.still_signature else None
    outcome = "first"
    if anchor is not None and health.still_hash:
        distance = hash_distance(signature.hash_hex, health.still_hash)
        change = grid_change(signature.grid, anchor)
        if (
            distance <= settings.NEM_HEALTH_FROZEN_HASH_DISTANCE
            and change <= settings.NEM_HEALTH_FROZEN_PIXEL_TOLERANCE
        ):
            health.still_frames += 1
            return "unchanged"
        health.moves = [iso(at), *health.moves][:MOVES_KEEP]
        outcome = "changed"
    health.still_hash = signature.hash_hex
    health.still_signature = signature.encoded_grid()
    health.still_since = at
    health.still_frames = 1
    return outcome
