"""A camera's references (one per view and lighting mode) and its monitor row, the state every
comparison of the camera reads and writes under a row lock."""

from __future__ import annotations

import logging
from pathlib import Path

from django.utils import timezone

from scenechanges import detector
from scenechanges.models import SceneMonitor, SceneReference
from scenechanges.services.frames import frame_cache, store_copy, store_file

logger = logging.getLogger(__name__)


def current_references(camera_id: str, preset_token: str = "") -> list[SceneReference]:
    """The current references of one view of the camera (a PTZ preset, or "" for a fixed camera
    or a free view), one per lighting mode."""
    return list(
        SceneReference.objects.filter(camera_id=camera_id, preset_token=preset_token, retired_at__isnull=True).order_by(
            "mode"
        )
    )


def reference_frames(references: list[SceneReference], config) -> tuple[dict[str, detector.Frame], dict]:
    """Prepared frames of the current references, by mode. A reference whose image vanished from
    the store is retired (with a log line), so the next good frame replaces it."""
    frames, rows = {}, {}
    for reference in references:
        path = store_file(reference.image)
        try:
            if path is None:
                raise detector.UnreadableFrame(reference.image)
            frames[reference.mode] = frame_cache.load(path, config)
            rows[reference.mode] = reference
        except (OSError, detector.UnreadableFrame):
            logger.warning("scene reference #%s of %s is unreadable; retiring it", reference.pk, reference.camera_id)
            SceneReference.objects.filter(pk=reference.pk).update(retired_at=timezone.now())
    return frames, rows


def reference_create(*, camera_id: str, mode: str, source: Path, reason: str, preset_token: str = "") -> SceneReference:
    return SceneReference.objects.create(
        camera_id=camera_id,
        mode=mode,
        image=store_copy(source, camera_id=camera_id, prefix=f"ref-{mode}"),
        source_path=str(source),
        reason=reason,
        preset_token=preset_token,
    )


def references_replace(
    *, camera_id: str, mode: str, source: Path, reason: str, preset_token: str = ""
) -> SceneReference:
    """The view changed for good: retire every current reference of this view (the other
    lighting mode's too, it shows the old view; other presets keep theirs) and make ``source``
    the reference of ``mode``."""
    SceneReference.objects.filter(camera_id=camera_id, preset_token=preset_token, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    return reference_create(camera_id=camera_id, mode=mode, source=source, reason=reason, preset_token=preset_token)


def monitor_locked(camera_id: str) -> SceneMonitor:
    """The camera's monitor row, locked until the transaction ends: one comparison per camera at
    a time, whichever worker runs it."""
    SceneMonitor.all_objects.get_or_create(camera_id=camera_id)
    return SceneMonitor.all_objects.select_for_update().get(camera_id=camera_id)


def reset_pending(monitor: SceneMonitor) -> None:
    monitor.pending_count = 0
    monitor.pending_type = ""
    monitor.pending_since = None


def seek_start(monitor: SceneMonitor) -> None:
    """The view is unknown from now on: compare with nothing until it settles (see ``compare``)."""
    monitor.seeking = True
    monitor.seeking_frame = ""
    monitor.seeking_since = None
    monitor.episode = None
    reset_pending(monitor)
