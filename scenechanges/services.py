"""Scene-change workflows: compare a frame, pause after a PTZ move, acknowledge, list, and the
synchronous sweep of ``detect_scene_changes``. Image work is in ``scenechanges.detector``."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound

from cameras.folders import camera_folder_usable
from cameras.media.paths import folder_check
from cameras.models import Camera
from cameras.services import camera_get_live
from nem.errors import UnprocessableEntity
from nem.pagination import decode_cursor, encode_cursor
from scenechanges import detector
from scenechanges import signals as domain_signals
from scenechanges.models import ChangeSource, SceneChange, SceneMonitor, SceneReference

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png"})


# ---------------------------------------------------------------- configuration, files, cache


def detector_config() -> detector.DetectorConfig:
    return detector.DetectorConfig(
        min_changed_fraction=settings.NEM_SCENE_MIN_CHANGED_FRACTION,
        tile_correlation=settings.NEM_SCENE_TILE_CORRELATION,
        flat_std=settings.NEM_SCENE_FLAT_STD,
        blocked_entropy=settings.NEM_SCENE_BLOCKED_ENTROPY,
        detail_loss_ratio=settings.NEM_SCENE_DETAIL_LOSS_RATIO,
        min_shift_fraction=settings.NEM_SCENE_MIN_SHIFT_FRACTION,
        min_rotation_degrees=settings.NEM_SCENE_MIN_ROTATION_DEGREES,
        ir_chroma_max=settings.NEM_SCENE_IR_CHROMA_MAX,
    )


def reference_store() -> Path:
    return Path(settings.NEM_SCENE_REFERENCE_DIR).resolve()


def media_root() -> Path:
    return Path(settings.NEM_MEDIA_ROOT).resolve()


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def media_file(path: str | os.PathLike) -> Path | None:
    """The real path of a file inside NEM_MEDIA_ROOT (symlinks resolved), or None."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):
        return None
    return resolved if _inside(resolved, media_root()) and resolved.is_file() else None


def store_file(relative: str) -> Path | None:
    """The real path of a file inside the reference store, or None (never a file outside it)."""
    if not relative:
        return None
    store = reference_store()
    try:
        resolved = (store / relative).resolve()
    except (OSError, RuntimeError):
        return None
    return resolved if _inside(resolved, store) and resolved.is_file() else None


def _store_copy(source: Path, *, camera_id: str, prefix: str) -> str:
    """Copy a frame into the reference store (write to a temporary name, then rename, so a reader
    never sees half a file); returns its path relative to the store."""
    relative = f"{camera_id}/{prefix}-{uuid.uuid4().hex}{source.suffix.lower() or '.jpg'}"
    target = reference_store() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)
    return relative


class _FrameCache:
    """Prepared frames by (path, mtime, size): references are decoded once per process, not once
    per comparison. Only an accelerator: every entry can be rebuilt from its file."""

    def __init__(self, size: int = 64):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def load(self, path: Path, config: detector.DetectorConfig) -> detector.Frame:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size, config)
        with self._lock:
            frame = self._items.get(key)
            if frame is not None:
                self._items.move_to_end(key)
                return frame
        frame = detector.load_frame(path, config=config)
        with self._lock:
            self._items[key] = frame
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return frame

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_frames = _FrameCache()


def scene_cache_clear() -> None:
    """Forget every prepared frame (what a process restart does)."""
    _frames.clear()


# ---------------------------------------------------------------- references


def _current_references(camera_id: str, preset_token: str = "") -> list[SceneReference]:
    """The current references of one view of the camera (a PTZ preset, or "" for a fixed camera
    or a free view), one per lighting mode."""
    return list(
        SceneReference.objects.filter(camera_id=camera_id, preset_token=preset_token, retired_at__isnull=True).order_by(
            "mode"
        )
    )


def _reference_frames(references: list[SceneReference], config) -> tuple[dict[str, detector.Frame], dict]:
    """Prepared frames of the current references, by mode. A reference whose image vanished from
    the store is retired (with a log line), so the next good frame replaces it."""
    frames, rows = {}, {}
    for reference in references:
        path = store_file(reference.image)
        try:
            if path is None:
                raise detector.UnreadableFrame(reference.image)
            frames[reference.mode] = _frames.load(path, config)
            rows[reference.mode] = reference
        except (OSError, detector.UnreadableFrame):
            logger.warning("scene reference #%s of %s is unreadable; retiring it", reference.pk, reference.camera_id)
            SceneReference.objects.filter(pk=reference.pk).update(retired_at=timezone.now())
    return frames, rows


def _reference_create(
    *, camera_id: str, mode: str, source: Path, reason: str, preset_token: str = ""
) -> SceneReference:
    return SceneReference.objects.create(
        camera_id=camera_id,
        mode=mode,
        image=_store_copy(source, camera_id=camera_id, prefix=f"ref-{mode}"),
        source_path=str(source),
        reason=reason,
        preset_token=preset_token,
    )


def _references_replace(
    *, camera_id: str, mode: str, source: Path, reason: str, preset_token: str = ""
) -> SceneReference:
    """The view changed for good: retire every current reference of this view (the other
    lighting mode's too, it shows the old view; other presets keep theirs) and make ``source``
    the reference of ``mode``."""
    SceneReference.objects.filter(camera_id=camera_id, preset_token=preset_token, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    return _reference_create(camera_id=camera_id, mode=mode, source=source, reason=reason, preset_token=preset_token)


def _monitor_locked(camera_id: str) -> SceneMonitor:
    """The camera's monitor row, locked until the transaction ends: one comparison per camera at
    a time, whichever worker runs it."""
    SceneMonitor.all_objects.get_or_create(camera_id=camera_id)
    return SceneMonitor.all_objects.select_for_update().get(camera_id=camera_id)


def _reset_pending(monitor: SceneMonitor) -> None:
    monitor.pending_count = 0
    monitor.pending_type = ""
    monitor.pending_since = None


# ---------------------------------------------------------------- compare


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
        changed_view = _frames.load(path, config)
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
        frame = _frames.load(path, config)
    except (OSError, detector.UnreadableFrame) as exc:
        logger.info("scene compare of %s skipped an unreadable frame: %s", camera_id, exc)
        return CompareResult("unreadable")

    with transaction.atomic():
        if not Camera.objects.filter(pk=camera_id).exists():
            return CompareResult("camera_gone")
        monitor = _monitor_locked(camera_id)
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
            _seek_start(monitor)
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


def _seek_start(monitor: SceneMonitor) -> None:
    monitor.seeking = True
    monitor.seeking_frame = ""
    monitor.seeking_since = None
    monitor.episode = None
    _reset_pending(monitor)


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
        frames, _rows = _reference_frames(_current_references(camera_id, token), config)
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
            still = not detector.compare(_frames.load(first, config), frame, config=config).changed
        except (OSError, detector.UnreadableFrame):
            still = False
    if not still:
        monitor.seeking_frame, monitor.seeking_since = str(path), mtime
        return CompareResult("seeking")
    if mtime - (monitor.seeking_since or mtime) < settings.NEM_SCENE_FREE_VIEW_QUIET_SECONDS:
        return CompareResult("seeking")
    mode = detector.lighting_mode(frame, config=config, fallback=monitor.last_mode)
    _references_replace(
        camera_id=camera_id, mode=mode, source=first, reason=SceneReference.Reason.VIEW_MOVED, preset_token=""
    )
    monitor.seeking, monitor.seeking_frame, monitor.seeking_since = False, "", None
    monitor.preset_token = ""
    monitor.last_mode = mode
    return CompareResult("reference_created")


def _compare_locked(monitor: SceneMonitor, *, camera_id: str, path: Path, frame, config) -> CompareResult:
    preset = monitor.preset_token
    frames, rows = _reference_frames(_current_references(camera_id, preset), config)
    assessment = detector.assess(frame, frames, last_mode=monitor.last_mode, config=config)
    monitor.last_mode = assessment.mode
    if assessment.action == "skip":
        return CompareResult("no_reference")
    if assessment.action == "adopt":
        _reference_create(
            camera_id=camera_id,
            mode=assessment.mode,
            source=path,
            reason=SceneReference.Reason.FIRST_FRAME,
            preset_token=preset,
        )
        _reset_pending(monitor)
        return CompareResult("reference_created")

    comparison = assessment.comparison
    if not comparison.changed:
        _reset_pending(monitor)
        if monitor.episode is not None and monitor.episode.acknowledged:
            monitor.episode = None  # the view is back: the next change is a new episode
        return CompareResult("unchanged", comparison=comparison)

    open_changes = SceneChange.objects.filter(camera_id=camera_id, preset_token=preset, acknowledged=False).order_by(
        "-detected_at", "-id"
    )
    episodes = [monitor.episode] if monitor.episode is not None and not monitor.episode.is_deleted else []
    episodes += [change for change in open_changes[:3] if change not in episodes]
    if any(_matches_episode(episode, frame, config) for episode in episodes):
        _reset_pending(monitor)
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
        camera_episode.frame_copy = _store_copy(path, camera_id=camera_id, prefix="change")
        camera_episode.mode = assessment.reference_mode or assessment.mode
        camera_episode.reference = rows.get(assessment.reference_mode)
        camera_episode.signals = {**camera_episode.signals, **signals, "detector_change_type": comparison.change_type}
        camera_episode.save(
            update_fields=["source", "similarity_score", "file_path", "frame_copy", "mode", "reference", "signals"]
        )
        monitor.episode = camera_episode
        _reset_pending(monitor)
        domain_signals.scene_change_updated.send(
            sender=SceneChange, scene_change_id=camera_episode.pk, camera_id=camera_id
        )
        return CompareResult("episode_joined", change=camera_episode, comparison=comparison)
    change = SceneChange.objects.create(
        camera_id=camera_id,
        change_type=comparison.change_type,
        similarity_score=comparison.similarity if comparison.similarity is not None else 0.0,
        file_path=str(path),
        frame_copy=_store_copy(path, camera_id=camera_id, prefix="change"),
        mode=assessment.reference_mode or assessment.mode,
        reference=rows.get(assessment.reference_mode),
        signals=signals,
        source=ChangeSource.DETECTOR,
        preset_token=preset,
    )
    monitor.episode = change
    _reset_pending(monitor)
    domain_signals.scene_change_recorded.send(sender=SceneChange, scene_change_id=change.pk, camera_id=camera_id)
    return CompareResult("change_recorded", change=change, comparison=comparison)


# ---------------------------------------------------------------- PTZ pause


def scenechange_pause(
    *, camera_id: str, seconds: float | None = None, preset_token: str | None = None
) -> dt.datetime | None:
    """A PTZ move or preset goto is about to change the view on purpose: skip comparisons for
    ``seconds`` (at least NEM_SCENE_PTZ_PAUSE_SECONDS). A goto of ``preset_token`` resumes early,
    on ``scenechange_view_settled``, with that preset's references; a continuous move (or a goto
    that never reports its arrival) leaves the camera in a free view that is compared with
    nothing until it settles (see ``scenechange_compare``). Returns the end of the pause (None for
    an unknown or trashed camera)."""
    seconds = max(float(seconds or 0.0), settings.NEM_SCENE_PTZ_PAUSE_SECONDS)
    with transaction.atomic():
        if not Camera.objects.filter(pk=camera_id).exists():
            return None
        monitor = _monitor_locked(camera_id)
        until = timezone.now() + dt.timedelta(seconds=seconds)
        monitor.paused_until = max(until, monitor.paused_until) if monitor.paused_until else until
        monitor.rereference_after_pause = False
        if preset_token:
            monitor.awaiting_preset = preset_token
            monitor.seeking = False
            monitor.episode = None
            _reset_pending(monitor)
        else:
            monitor.awaiting_preset = ""
            _seek_start(monitor)
        monitor.save()
    logger.info(
        "scene comparison of %s paused until %s (view moving%s)",
        camera_id,
        monitor.paused_until.isoformat(),
        f" to preset {preset_token}" if preset_token else "",
    )
    return monitor.paused_until


def scenechange_view_settled(*, camera_id: str, preset_token: str) -> bool:
    """The device reported that a goto of ``preset_token`` finished: comparisons resume now, with
    that preset's references (its first good frame becomes one when it has none). A report for a
    preset other than the one awaited (an older goto) is ignored. Returns whether it resumed."""
    with transaction.atomic():
        if not Camera.objects.filter(pk=camera_id).exists():
            return False
        monitor = _monitor_locked(camera_id)
        if monitor.awaiting_preset != preset_token:
            return False
        monitor.awaiting_preset = ""
        monitor.preset_token = preset_token
        monitor.seeking, monitor.seeking_frame, monitor.seeking_since = False, "", None
        monitor.paused_until = timezone.now()
        monitor.episode = None
        _reset_pending(monitor)
        monitor.save()
    logger.info("scene comparison of %s resumed at preset %s", camera_id, preset_token)
    return True


# ---------------------------------------------------------------- camera-side events


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
        monitor = _monitor_locked(camera_id)
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
        references = {r.mode: r for r in _current_references(camera_id, monitor.preset_token)}
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


# ---------------------------------------------------------------- acknowledge


def scene_change_not_found(camera_id: str, scene_change_id) -> NotFound:
    return NotFound(f"Scene change with id {scene_change_id} not found for camera {camera_id}")


def scenechange_get(*, camera_id: str, scene_change_id) -> SceneChange:
    """A live camera's scene change, or the contract's 404 (camera first, then the change)."""
    camera_get_live(camera_id=camera_id)
    try:
        pk = int(scene_change_id)
    except (TypeError, ValueError):
        raise scene_change_not_found(camera_id, scene_change_id) from None
    change = SceneChange.objects.filter(pk=pk, camera_id=camera_id).first()
    if change is None:
        raise scene_change_not_found(camera_id, scene_change_id)
    return change


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
    monitor = _monitor_locked(change.camera_id)
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
            frame = _frames.load(source, config)
        except (OSError, detector.UnreadableFrame):
            continue
        if not frame.informative(config):
            # A covered lens is no reference: keep the old one until the view is back.
            logger.info("scene change %s: current view shows no picture, reference kept", change.pk)
            break
        mode = detector.lighting_mode(frame, config=config, fallback=monitor.last_mode)
        _references_replace(
            camera_id=change.camera_id,
            mode=mode,
            source=source,
            reason=SceneReference.Reason.ACKNOWLEDGED,
            preset_token=change.preset_token,
        )
        monitor.last_mode = mode
        monitor.episode = None
        _reset_pending(monitor)
        monitor.save(update_fields=["last_mode", "episode", "pending_count", "pending_type", "pending_since"])
        return


# ---------------------------------------------------------------- list


def _parse_timestamp(value: str) -> dt.datetime | None:
    try:
        return parse_datetime(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class SceneChangePage:
    items: list[SceneChange]
    total: int
    next_cursor: str | None
    has_more: bool


def scenechange_page(*, camera_id: str, acknowledged: bool | None, limit: int, cursor: str | None) -> SceneChangePage:
    """One page of a camera's scene changes, newest first. The cursor is a keyset over
    (detected_at, id), so rows with the same detected_at are neither skipped nor repeated, and
    ``total`` counts every change that matches the filter, not just this page. A bare ISO 8601
    timestamp (the earlier system's cursor) is still accepted: changes detected before it."""
    queryset = SceneChange.objects.filter(camera_id=camera_id).for_api()
    if acknowledged is not None:
        queryset = queryset.filter(acknowledged=acknowledged)
    total = queryset.count()
    legacy = _parse_timestamp(cursor.replace(" ", "+")) if cursor else None  # "+" arrives as " " when unencoded
    if legacy is not None and timezone.is_aware(legacy):
        # The earlier system's cursor: a bare detected_at ("changes before this instant").
        queryset = queryset.filter(detected_at__lt=legacy)
    elif cursor:
        detected_raw, last_id = decode_cursor(cursor, 2)
        detected_at = parse_datetime(detected_raw) if isinstance(detected_raw, str) else None
        if detected_at is None or not isinstance(last_id, int) or timezone.is_naive(detected_at):
            raise UnprocessableEntity("cursor", "is not a cursor this API issued")
        queryset = queryset.filter(Q(detected_at__lt=detected_at) | Q(detected_at=detected_at, id__lt=last_id))
    rows = list(queryset[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([rows[-1].detected_at, rows[-1].pk]) if has_more else None
    return SceneChangePage(items=rows, total=total, next_cursor=next_cursor, has_more=has_more)


# ---------------------------------------------------------------- synchronous sweep


def camera_media_folder(camera: Camera) -> Path | None:
    """The camera's folder by the cameras folder rule (inside NEM_MEDIA_ROOT, not the root, not
    inside another camera's folder), or None: never another folder that happens to share its name."""
    check = folder_check(camera.folder_path)
    if not check.usable or camera_folder_usable(camera_id=camera.id, folder=check.path) is not None:
        return None
    return check.path


def newest_image(folder: Path) -> tuple[Path, float] | None:
    """The newest image (by mtime) under ``folder``, ignoring hidden files and directories."""
    best: tuple[Path, float] | None = None
    stack = [folder]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False) and Path(entry.name).suffix.lower() in IMAGE_EXTENSIONS:
                    mtime = entry.stat(follow_symlinks=False).st_mtime
                    if best is None or mtime > best[1]:
                        best = (Path(entry.path), mtime)
            except OSError:
                continue
    return best


@dataclass(frozen=True)
class SweepSummary:
    cameras: int
    compared: int
    changes: int


def scenechanges_detect_pending(*, camera_id: str | None = None) -> SweepSummary:
    """Compare the newest image of each live camera (or of one) that was not compared yet,
    synchronously: the cron twin of the per-frame Celery task."""
    cameras = [camera_get_live(camera_id=camera_id)] if camera_id else list(Camera.objects.order_by("id"))
    compared = changes = 0
    for camera in cameras:
        folder = camera_media_folder(camera)
        newest = newest_image(folder) if folder else None
        if newest is None:
            continue
        path, mtime = newest
        monitor = SceneMonitor.all_objects.filter(camera_id=camera.id).first()
        if monitor and monitor.last_frame_path == str(path.resolve()) and monitor.last_frame_mtime == mtime:
            continue
        result = scenechange_compare(camera_id=camera.id, frame_path=str(path))
        compared += result.status not in ("rejected", "unreadable", "stale", "camera_gone")
        changes += result.change is not None
    return SweepSummary(cameras=len(cameras), compared=compared, changes=changes)
