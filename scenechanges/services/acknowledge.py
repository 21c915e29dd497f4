"""Acknowledging a scene change, which by default makes the current view the camera's new
reference."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from scenechanges import detector
from scenechanges import signals as domain_signals
from scenechanges.models import SceneChange, SceneReference
from scenechanges.services.frames import detector_config, frame_cache, media_file, store_file
from scenechanges.services.lookup import scenechange_get
from scenechanges.services.references import monitor_locked, references_replace, reset_pending

logger = logging.getLogger(__name__)


def scenechange_acknowledge(
    *, camera_id: str, scene_change_id, actor: str, update_reference: bool = True
) -> SceneChange:
    """Acknowledge a scene change; idempotent: an acknowledged change is returned unchanged and
    nothing else happens. The first acknowledgement makes the current view (the newest frame
    compared, else the change's own frame) the camera's reference, unless ``update_reference``
    is false, which keeps the old reference (the change was a one-off, or will be fixed)."""
    with transaction.atomic():
        change = scenechange_get(camera_id=camera_id, scene_change_id=scene_change_id)
        change = SceneChange.objects.select_for_update().get(pk=change.pk)
        if change.acknowledged:
            return change
        change.acknowledged = True
        change.acknowledged_at = timezone.now()
        change.acknowledged_by = actor
        change.save(update_fields=["acknowledged", "acknowledged_at", "acknowledged_by"])
        if update_reference:
            _rereference_current_view(change)
        domain_signals.scene_change_acknowledged.send(
            sender=SceneChange, scene_change_id=change.pk, camera_id=camera_id
        )
    logger.info(
        "scene change %s of %s acknowledged by %s (update_reference=%s)", change.pk, camera_id, actor, update_reference
    )
    return change


def _rereference_current_view(change: SceneChange) -> None:
    monitor = monitor_locked(change.camera_id)
    config = detector_config()
    # The newest frame shows the change's view only while the camera still looks at that preset.
    same_view = monitor.preset_token == change.preset_token and not monitor.seeking and not monitor.awaiting_preset
    candidates = [
        media_file(monitor.last_frame_path) if monitor.last_frame_path and same_view else None,
        store_file(change.frame_copy),
    ]
    for source in candidates:
        if source is None:
            continue
        try:
            frame = frame_cache.load(source, config)
        except (OSError, detector.UnreadableFrame):
            continue
        if not frame.informative(config):
            # A covered lens is no reference: keep the old one until the view is back.
            logger.info("scene change %s: current view shows no picture, reference kept", change.pk)
            break
        mode = detector.lighting_mode(frame, config=config, fallback=monitor.last_mode)
        references_replace(
            camera_id=change.camera_id,
            mode=mode,
            source=source,
            reason=SceneReference.Reason.ACKNOWLEDGED,
            preset_token=change.preset_token,
        )
        monitor.last_mode = mode
        monitor.episode = None
        reset_pending(monitor)
        monitor.save(update_fields=["last_mode", "episode", "pending_count", "pending_type", "pending_since"])
        return
