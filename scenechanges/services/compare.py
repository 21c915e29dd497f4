"""Comparing one new frame of a camera with its reference: the per-frame step of detection,
with the episode rule (a change counts once) and the free-view search after a PTZ move."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cameras.models import Camera
from scenechanges import detector
from scenechanges import signals as domain_signals
from scenechanges.models import ChangeSource, SceneChange, SceneMonitor, SceneReference
from scenechanges.services.frames import detector_config, frame_cache, media_file, store_copy, store_file
from scenechanges.services.references import (
    current_references,
    monitor_locked,
    reference_create,
    reference_frames,
    references_replace,
    reset_pending,
    seek_start,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompareResult:
    """``status``: reference_created, unchanged, pending, change_recorded, episode_joined,
    episode_continues, paused, seeking, stale, no_reference, unreadable, rejected, camera_gone."""

    status: str
    change: SceneChange | None = None
    comparison: detector.Comparison | None = None


def _matches_episode(episode: SceneChange, frame: detector.Frame, config) -> bool:
    """Does the frame still show the episode's changed view (so it adds nothing)?"""
    path = store_file(episode.frame_copy)
    if path is None:
        return False
    try:
        changed_view = frame_cache.load(path, config)
    except (OSError, detector.UnreadableFrame):
        return False
    return not detector.compare(changed_view, frame, config=config).changed


def scenechange_compare(*, camera_id: str, frame_path: str) -> CompareResult:
    """Compare one new frame of a camera with the reference of its lighting mode.

    1. Refuse paths outside NEM_MEDIA_ROOT; decode (outside the lock: the slow part).
    2. Lock the camera's monitor row. Skip frames older than the last one compared (workers may
       run out of order) and frames taken while comparisons are paused after a PTZ move. After a
       preset goto the pause ends when the device reports it arrived (``scenechange_view_settled``);
       frames are then compared with that preset's references. After a continuous move (or a goto
       whose arrival never came) the view is unknown: it is compared with nothing until it matches
       a known preset's reference, or stays still for NEM_SCENE_FREE_VIEW_QUIET_SECONDS and becomes
       the free view's reference.
    3. Route the frame to the reference of its mode (``detector.assess``): the first good frame
       of a mode becomes its reference.
    4. A change counts once it persisted over NEM_SCENE_CONFIRM_FRAMES consecutive frames, and
       once per episode: while the episode's change stands (unacknowledged, or acknowledged
       without a new reference and the view not back yet), frames that still show the changed
       view add nothing. A frame that matches the reference again ends an acknowledged episode.
    """
    path = media_file(frame_path)
    if path is None:
        logger.warning("scene compare of %s refused: %s is not a file inside NEM_MEDIA_ROOT", camera_id, frame_path)
        return CompareResult("rejected")
    config = detector_config()
    try:
        mtime = path.stat().st_mtime
        frame = frame_cache.load(path, config)
    except (OSError, detector.UnreadableFrame) as exc:
        logger.info("scene compare of %s skipped an unreadable frame: %s", camera_id, exc)
        return CompareResult("unreadable")

    with transaction.atomic():
        if not Camera.objects.filter(pk=camera_id).exists():
            return CompareResult("camera_gone")
        monitor = monitor_locked(camera_id)
        if monitor.last_frame_mtime is not None and (
            mtime < monitor.last_frame_mtime
            or (mtime == monitor.last_frame_mtime and str(path) == monitor.last_frame_path)
        ):
            return CompareResult("stale")
        now = timezone.now()
        if monitor.paused_until and (now < monitor.paused_until or mtime < monitor.paused_until.timestamp()):
            return CompareResult("paused")
        if monitor.awaiting_preset:
            # The goto's arrival was never reported within the pause: where the camera looks is unknown.
            logger.info("scene: %s never reported arriving at preset %s", camera_id, monitor.awaiting_preset)
            monitor.awaiting_preset = ""
            seek_start(monitor)
        if monitor.seeking:
            result = _seek_locked(monitor, camera_id=camera_id, path=path, frame=frame, mtime=mtime, config=config)
        else:
            result = _compare_locked(monitor, camera_id=camera_id, path=path, frame=frame, config=config)
        monitor.last_frame_path = str(path)
        monitor.last_frame_mtime = mtime
        monitor.last_result = result.status
        monitor.last_compared_at = now
        monitor.save()
    if result.change is not None:
        logger.warning(
            "scene change recorded camera=%s id=%s type=%s score=%.3f",
            camera_id,
            result.change.pk,
            result.change.change_type,
            result.change.similarity_score,
        )
    return result


def _seek_locked(monitor: SceneMonitor, *, camera_id: str, path: Path, frame, mtime: float, config) -> CompareResult:
    """The view moved freely. A frame that matches the current reference of a known view (a
    preset, or the free view) puts the camera back on it. Otherwise the view counts as settled once
    consecutive frames have looked alike for NEM_SCENE_FREE_VIEW_QUIET_SECONDS (capture times), and
    the first of them becomes the free view's reference."""
    tokens = (
        SceneReference.objects.filter(camera_id=camera_id, retired_at__isnull=True)
        .order_by("preset_token")
        .values_list("preset_token", flat=True)
        .distinct()
    )
    for token in tokens:
        frames, _rows = reference_frames(current_references(camera_id, token), config)
        if not frames:
            continue
        assessment = detector.assess(frame, frames, last_mode=monitor.last_mode, config=config)
        if assessment.action == "compare" and not assessment.comparison.changed:
            monitor.seeking = False
            monitor.preset_token = token
            monitor.last_mode = assessment.mode
            logger.info("scene: %s settled on the known view %r", camera_id, token)
            return CompareResult("unchanged", comparison=assessment.comparison)
    if not frame.informative(config):
        return CompareResult("seeking")
    still = False
    first = media_file(monitor.seeking_frame) if monitor.seeking_frame else None
    if first is not None:
        try:
            still = not detector.compare(frame_cache.load(first, config), frame, config=config).changed
        except (OSError, detector.UnreadableFrame):
            still = False
    if not still:
        monitor.seeking_frame, monitor.seeking_since = str(path), mtime
        return CompareResult("seeking")
    if mtime - (monitor.seeking_since or mtime) < settings.NEM_SCENE_FREE_VIEW_QUIET_SECONDS:
        return CompareResult("seeking")
    mode = detector.lighting_mode(frame, config=config, fallback=monitor.last_mode)
    references_replace(
        camera_id=camera_id, mode=mode, source=first, reason=SceneReference.Reason.VIEW_MOVED, preset_token=""
    )
    monitor.seeking, monitor.seeking_frame, monitor.seeking_since = False, "", None
    monitor.preset_token = ""
    monitor.last_mode = mode
    return CompareResult("reference_created")


def _compare_locked(monitor: SceneMonitor, *, camera_id: str, path: Path, frame, config) -> CompareResult:
    preset = monitor.preset_token
    frames, rows = reference_frames(current_references(camera_id, preset), config)
    assessment = detector.assess(frame, frames, last_mode=monitor.last_mode, config=config)
    monitor.last_mode = assessment.mode
    if assessment.action == "skip":
        return CompareResult("no_reference")
    if assessment.action == "adopt":
        reference_create(
            camera_id=camera_id,
            mode=assessment.mode,
            source=path,
            reason=SceneReference.Reason.FIRST_FRAME,
            preset_token=preset,
        )
        reset_pending(monitor)
        return CompareResult("reference_created")

    comparison = assessment.comparison
    if not comparison.changed:
        reset_pending(monitor)
        if monitor.episode is not None and monitor.episode.acknowledged:
            monitor.episode = None  # the view is back: the next change is a new episode
        return CompareResult("unchanged", comparison=comparison)

    open_changes = SceneChange.objects.filter(camera_id=camera_id, preset_token=preset, acknowledged=False).order_by(
        "-detected_at", "-id"
    )
    episodes = [monitor.episode] if monitor.episode is not None and not monitor.episode.is_deleted else []
    episodes += [change for change in open_changes[:3] if change not in episodes]
    if any(_matches_episode(episode, frame, config) for episode in episodes):
        reset_pending(monitor)
        return CompareResult("episode_continues", comparison=comparison)

    monitor.pending_count += 1
    monitor.pending_type = comparison.change_type
    monitor.pending_since = monitor.pending_since or timezone.now()
    if monitor.pending_count < settings.NEM_SCENE_CONFIRM_FRAMES:
        return CompareResult("pending", comparison=comparison)

    signals = dict(
        comparison.signals, confirmations=monitor.pending_count, pending_since=monitor.pending_since.isoformat()
    )
    camera_episode = open_changes.filter(source=ChangeSource.CAMERA).first()
    if camera_episode is not None:
        # The camera reported this first: one incident, seen by both.
        camera_episode.source = ChangeSource.BOTH
        camera_episode.similarity_score = comparison.similarity if comparison.similarity is not None else 0.0
        camera_episode.file_path = str(path)
        camera_episode.frame_copy = store_copy(path, camera_id=camera_id, prefix="change")
        camera_episode.mode = assessment.reference_mode or assessment.mode
        camera_episode.reference = rows.get(assessment.reference_mode)
        camera_episode.signals = {**camera_episode.signals, **signals, "detector_change_type": comparison.change_type}
        camera_episode.save(
            update_fields=["source", "similarity_score", "file_path", "frame_copy", "mode", "reference", "signals"]
        )
        monitor.episode = camera_episode
        reset_pending(monitor)
        domain_signals.scene_change_updated.send(
            sender=SceneChange, scene_change_id=camera_episode.pk, camera_id=camera_id
        )
        return CompareResult("episode_joined", change=camera_episode, comparison=comparison)
    change = SceneChange.objects.create(
        camera_id=camera_id,
        change_type=comparison.change_type,
        similarity_score=comparison.similarity if comparison.similarity is not None else 0.0,
        file_path=str(path),
        frame_copy=store_copy(path, camera_id=camera_id, prefix="change"),
        mode=assessment.reference_mode or assessment.mode,
        reference=rows.get(assessment.reference_mode),
        signals=signals,
        source=ChangeSource.DETECTOR,
        preset_token=preset,
    )
    monitor.episode = change
    reset_pending(monitor)
    domain_signals.scene_change_recorded.send(sender=SceneChange, scene_change_id=change.pk, camera_id=camera_id)
    return CompareResult("change_recorded", change=change, comparison=comparison)
