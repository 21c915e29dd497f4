"""Tampering the camera reports itself (an ONVIF event) joins or opens a scene-change episode."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from cameras.models import Camera
from scenechanges import signals as domain_signals
from scenechanges.models import ChangeSource, SceneChange
from scenechanges.services.references import current_references, monitor_locked

logger = logging.getLogger(__name__)


def scenechange_camera_event(
    *, camera_id: str, change_type: str, topic: str, occurred_at: dt.datetime
) -> SceneChange | None:
    """The camera itself reports tampering (an ONVIF event). It joins the open episode of the
    current view if there is one (``source`` detector -> both), else opens one with ``source``
    camera, which our detector joins when it confirms a change of the same view. Reports made
    while we move the camera (a PTZ pause or a goto not yet arrived) are ignored: a camera's own
    scene-change detector fires on a pan. Returns the episode (None for an unknown or trashed
    camera, or an ignored report)."""
    with transaction.atomic():
        if not Camera.objects.filter(pk=camera_id).exists():
            return None
        monitor = monitor_locked(camera_id)
        if monitor.awaiting_preset or (monitor.paused_until and occurred_at < monitor.paused_until):
            # We are moving the camera: its own scene-change detector sees the pan, not tampering.
            logger.info("camera %s reported %s during a PTZ move; ignored", camera_id, topic)
            return None
        evidence = {"topic": topic, "at": occurred_at.isoformat(), "change_type": change_type}
        episode = (
            SceneChange.objects.select_for_update()
            .filter(camera_id=camera_id, preset_token=monitor.preset_token, acknowledged=False)
            .order_by("-detected_at", "-id")
            .first()
        )
        if episode is not None:
            events = (episode.signals.get("camera_events") or [])[-19:]  # bounded: a chatty camera repeats
            episode.signals = {**episode.signals, "camera_events": [*events, evidence]}
            fields = ["signals"]
            if episode.source == ChangeSource.DETECTOR:
                episode.source = ChangeSource.BOTH
                fields.append("source")
            episode.save(update_fields=fields)
            if "source" in fields:
                domain_signals.scene_change_updated.send(
                    sender=SceneChange, scene_change_id=episode.pk, camera_id=camera_id
                )
            return episode
        references = {r.mode: r for r in current_references(camera_id, monitor.preset_token)}
        episode = SceneChange.objects.create(
            camera_id=camera_id,
            detected_at=occurred_at,
            change_type=change_type,
            # Nothing measured yet: the detector's score replaces it if it joins.
            similarity_score=0.0,
            file_path=None,
            mode=monitor.last_mode,
            reference=references.get(monitor.last_mode),
            signals={"camera_events": [evidence]},
            source=ChangeSource.CAMERA,
            preset_token=monitor.preset_token,
        )
        domain_signals.scene_change_recorded.send(sender=SceneChange, scene_change_id=episode.pk, camera_id=camera_id)
    logger.warning(
        "scene change reported by camera=%s id=%s type=%s topic=%s", camera_id, episode.pk, change_type, topic
    )
    return episode
