"""The camera health verdict: one service computes it from the signals other apps keep, stores
it with a transition row per change, sends ``health_changed`` and derives the seed ``status``.

States, worst first (a camera in several is reported in the worst, all are listed as reasons):

- ``error``: ingestion cannot work (the folder is missing/unreadable/outside the media root, or
  the last stream grab failed after the last good one), the camera reports video signal loss, or
  its ONVIF device refuses our credentials (wrong password or a skewed clock) on the event
  subscription.
- ``offline``: no new media for the grace period (``NEM_HEALTH_OFFLINE_GRACE_SECONDS`` for
  stream cameras, ``NEM_HEALTH_OFFLINE_GRACE_FTP_SECONDS`` for upload folders, or the camera's
  override). Back to online only after ``NEM_HEALTH_ONLINE_AFTER_FRAMES`` consecutive new media
  (each within the grace of the one before), so one late frame does not flap it.
- ``blinded``: an open (unacknowledged) ``view_blocked``/``view_tampered`` scene change whose
  view is not back (the detector's, or the camera's own tamper event).
- ``frozen``: new frames keep arriving but the picture, clock bands masked, has not changed for
  ``NEM_HEALTH_FROZEN_MINUTES``, on a camera whose picture did change before (at least
  ``MIN_MOVES`` times in the ``MOVES_LOOKBACK`` before the still run began).
- ``silent``: absence anomalies (all activity) over ``NEM_HEALTH_SILENT_HOURS`` consecutive
  hours, the newest within the last two hours, while media still arrive.
- ``online``: none of the above.

Seed status: error and frozen -> ``error`` (media arrive but are useless, or cannot arrive),
offline -> ``offline``, online/blinded/silent -> ``online`` (ingestion works; the view or the
detector is the problem, and the verdict says which).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from baselines.models import Anomaly
from cameras.media.paths import inside, media_root
from cameras.media.status import STREAMING_MODES, StatusReport, camera_ingestion_problem
from cameras.models import Camera, CameraStatus, IngestionRecord
from cameras.services import camera_status_set
from health.models import CameraHealth, HealthOverride, HealthState, HealthTransition
from health.signals import health_changed
from health.signature import Signature, UnreadableImage, frame_signature, grid_change, hash_distance
from nem.errors import InvalidQueryParameter
from nem.pagination import decode_cursor, encode_cursor
from onvifctl.models import OnvifEventState
from scenechanges.models import ChangeType, SceneChange, SceneMonitor

logger = logging.getLogger(__name__)

MEDIA_TIMES_KEEP = 16  # arrivals remembered: the hysteresis needs at most this many (1-16)
SAME_ARRIVAL = dt.timedelta(seconds=5)  # last_seen_at this close to a frame's time is that frame
MOVES_KEEP = 16
MIN_STILL_FRAMES = 3  # a still run shorter than this says nothing (one frame cannot be "frozen")
MIN_MOVES = 3
MOVES_LOOKBACK = dt.timedelta(hours=24)
SILENT_RECENT = dt.timedelta(hours=2)  # the anomaly scan runs at :03; allow one missed run
BLINDING_TYPES = (ChangeType.VIEW_BLOCKED, ChangeType.VIEW_TAMPERED)
ONVIF_REFUSED = "refused our credentials"  # onvifctl's DeviceAuthFailed message

SEVERITY = [
    HealthState.ERROR,
    HealthState.OFFLINE,
    HealthState.BLINDED,
    HealthState.FROZEN,
    HealthState.SILENT,
    HealthState.ONLINE,
]
STATUS_OF = {
    HealthState.ERROR: CameraStatus.ERROR,
    HealthState.FROZEN: CameraStatus.ERROR,
    HealthState.OFFLINE: CameraStatus.OFFLINE,
    HealthState.ONLINE: CameraStatus.ONLINE,
    HealthState.BLINDED: CameraStatus.ONLINE,
    HealthState.SILENT: CameraStatus.ONLINE,
}


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def _parse(value: str) -> dt.datetime | None:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return parsed if parsed is not None and timezone.is_aware(parsed) else None


def _times(values: list) -> list[dt.datetime]:
    return [t for t in (_parse(v) for v in values) if t is not None]


# ---------------------------------------------------------------- limits


@dataclass(frozen=True)
class Limits:
    grace_seconds: int
    online_after_frames: int
    frozen_minutes: int
    silent_hours: int


def health_limits(*, camera: Camera, override: HealthOverride | None) -> Limits:
    """The thresholds for this camera: its override where set, else the settings."""
    if camera.ingestion_mode in STREAMING_MODES:
        grace = settings.NEM_HEALTH_OFFLINE_GRACE_SECONDS
    else:
        # Upload folders fill in bursts (on motion): their default silence is the older, longer one.
        grace = settings.NEM_HEALTH_OFFLINE_GRACE_FTP_SECONDS or settings.NEM_STATUS_OFFLINE_AFTER_SECONDS

    def pick(name: str, default: int) -> int:
        value = getattr(override, name, None) if override is not None else None
        return default if value is None else value

    return Limits(
        grace_seconds=pick("offline_grace_seconds", grace),
        online_after_frames=min(max(pick("online_after_frames", settings.NEM_HEALTH_ONLINE_AFTER_FRAMES), 1), 16),
        frozen_minutes=pick("frozen_minutes", settings.NEM_HEALTH_FROZEN_MINUTES),
        silent_hours=pick("silent_hours", settings.NEM_HEALTH_SILENT_HOURS),
    )


# ---------------------------------------------------------------- state rows


def _health_locked(camera_id: str) -> CameraHealth:
    CameraHealth.objects.get_or_create(camera_id=camera_id)
    return CameraHealth.objects.select_for_update().get(pk=camera_id)


def _note_media(health: CameraHealth, at: dt.datetime, *, exact: bool) -> None:
    """Remember a media arrival. ``exact`` False (``last_seen_at``): skip it when a frame already
    noted is within SAME_ARRIVAL, so one grabbed frame is not counted twice."""
    times = _times(health.media_times)
    if any(t == at for t in times) or (not exact and any(abs(t - at) <= SAME_ARRIVAL for t in times)):
        return
    times = sorted([*times, at], reverse=True)[:MEDIA_TIMES_KEEP]
    health.media_times = [_iso(t) for t in times]


def _recovery_run(times: list[dt.datetime], grace_seconds: int) -> int:
    """How many of the newest arrivals follow each other within the grace (newest first)."""
    if not times:
        return 0
    run = 1
    for newer, older in zip(times, times[1:], strict=False):
        if (newer - older).total_seconds() > grace_seconds:
            break
        run += 1
    return run


# ---------------------------------------------------------------- the verdict


def _reason(state: str, code: str, message: str, **evidence) -> dict:
    return {"state": str(state), "code": code, "message": message, "evidence": evidence}


def health_verdict(
    *, camera: Camera, record: IngestionRecord | None, health: CameraHealth, limits: Limits, now: dt.datetime
) -> list[dict]:
    """Every condition that holds now, worst first; the first one's state is the verdict."""
    reasons: list[dict] = []
    problem = camera_ingestion_problem(camera=camera, record=record)
    if problem:
        kind, _, detail = problem.partition(": ")
        reasons.append(
            _reason(
                HealthState.ERROR,
                f"{kind}_broken",
                f"{kind} broken: {detail}",
                problem=detail,
                last_error_at=_iso(record.last_error_at) if record is not None and kind == "stream" else None,
            )
        )

    reasons += _onvif(camera.pk)

    times = sorted(_times(health.media_times), reverse=True)
    last_media = times[0] if times else None
    reference = last_media or camera.created_at
    silence = int((now - reference).total_seconds())
    if silence > limits.grace_seconds:
        reasons.append(
            _reason(
                HealthState.OFFLINE,
                "no_media",
                f"no new media for {silence} s (grace {limits.grace_seconds} s)",
                last_media_at=_iso(last_media),
                silence_seconds=silence,
                grace_seconds=limits.grace_seconds,
            )
        )
    elif health.state == HealthState.OFFLINE:
        run = _recovery_run(times, limits.grace_seconds)
        if run < limits.online_after_frames:
            reasons.append(
                _reason(
                    HealthState.OFFLINE,
                    "recovering",
                    f"media again: {run} of {limits.online_after_frames} consecutive new frames",
                    last_media_at=_iso(last_media),
                    new_frames=run,
                    needed=limits.online_after_frames,
                )
            )

    blinded = _blinded(camera.pk)
    if blinded is not None:
        reasons.append(blinded)
    frozen = _frozen(health, limits)
    if frozen is not None:
        reasons.append(frozen)
    silent = _silent(camera.pk, limits, now, last_media)
    if silent is not None:
        reasons.append(silent)
    if not any(r["state"] in (HealthState.ERROR, HealthState.OFFLINE) for r in reasons):
        reasons.append(
            _reason(HealthState.ONLINE, "media_arriving", "new media arriving", last_media_at=_iso(last_media))
        )
    reasons.sort(key=lambda r: SEVERITY.index(HealthState(r["state"])))
    return reasons


def _onvif(camera_id: str) -> list[dict]:
    """What the camera's ONVIF event subscription says (``run_onvif_events``): its own video
    signal loss, and a device that refuses our credentials (wrong password, or a clock skewed
    beyond WS-Security's tolerance). Nothing for a camera without a subscription."""
    state = OnvifEventState.objects.filter(camera_id=camera_id).first()
    if state is None:
        return []
    reasons = []
    if state.signal_lost:
        reasons.append(
            _reason(
                HealthState.ERROR,
                "signal_lost",
                "the camera reports video signal loss",
                reported_at=_iso(state.updated_at),
            )
        )
    if not state.subscribed and ONVIF_REFUSED in state.last_error:
        reasons.append(
            _reason(
                HealthState.ERROR,
                "onvif_refused",
                "the ONVIF device refuses our credentials (check them, and the camera's clock)",
                last_error=state.last_error,
                last_error_at=_iso(state.last_error_at),
                consecutive_failures=state.consecutive_failures,
            )
        )
    return reasons


def _blinded(camera_id: str) -> dict | None:
    change = (
        SceneChange.objects.filter(camera_id=camera_id, acknowledged=False, change_type__in=BLINDING_TYPES)
        .order_by("-detected_at", "-id")
        .first()
    )
    if change is None:
        return None
    monitor = SceneMonitor.objects.filter(camera_id=camera_id).first()
    if (
        monitor is not None
        and monitor.last_result == "unchanged"
        and monitor.last_compared_at is not None
        and monitor.last_compared_at > change.detected_at
    ):
        return None  # the view is back; the change waits in its own list for acknowledgement
    label = "view blocked" if change.change_type == ChangeType.VIEW_BLOCKED else "view tampered"
    return _reason(
        HealthState.BLINDED,
        change.change_type,
        f"{label} since {_iso(change.detected_at)} (scene change {change.pk})",
        scene_change_id=change.pk,
        change_type=change.change_type,
        detected_at=_iso(change.detected_at),
        similarity_score=change.similarity_score,
        source=change.source,
    )


def _frozen(health: CameraHealth, limits: Limits) -> dict | None:
    if limits.frozen_minutes <= 0 or health.still_since is None or health.last_frame_at is None:
        return None
    if health.still_frames < MIN_STILL_FRAMES:
        return None
    still = health.last_frame_at - health.still_since
    if still < dt.timedelta(minutes=limits.frozen_minutes):
        return None
    start = health.still_since - MOVES_LOOKBACK
    moves = [t for t in _times(health.moves) if start <= t <= health.still_since]
    if len(moves) < MIN_MOVES:
        return None  # a view that never changes (a test chart): unchanged frames mean nothing
    minutes = int(still.total_seconds() // 60)
    return _reason(
        HealthState.FROZEN,
        "picture_unchanged",
        f"{health.still_frames} frames over {minutes} min show the same picture",
        unchanged_since=_iso(health.still_since),
        last_frame_at=_iso(health.last_frame_at),
        frames=health.still_frames,
        minutes=minutes,
        frozen_minutes=limits.frozen_minutes,
        changes_before=len(moves),
    )


def _silent(camera_id: str, limits: Limits, now: dt.datetime, last_media: dt.datetime | None) -> dict | None:
    """Absence anomalies (all activity) covering ``silent_hours`` consecutive hours, the newest
    of them ending within SILENT_RECENT. An absence row spans ``hours`` hours (the scan joins
    consecutive empty hours into one row); adjacent rows join too."""
    if limits.silent_hours <= 0 or last_media is None:
        return None
    hour_now = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    recent = hour_now - SILENT_RECENT + dt.timedelta(hours=1)
    rows = list(
        Anomaly.objects.filter(
            camera_id=camera_id,
            kind=Anomaly.Kind.ABSENCE,
            object_type="",
            ends_at__gte=recent - dt.timedelta(hours=limits.silent_hours + 24),
        ).order_by("-ends_at", "-id")
    )
    if not rows or rows[0].ends_at < recent:
        return None
    run = [rows[0]]
    for row in rows[1:]:
        if row.ends_at == run[-1].hour_start:
            run.append(row)
        elif row.ends_at < run[-1].hour_start:
            break
    run.reverse()
    start, end = run[0].hour_start, run[-1].ends_at
    hours = int((end - start).total_seconds() // 3600)
    if hours < limits.silent_hours or last_media < end - dt.timedelta(hours=1):
        return None  # too short, or no media during the last quiet hour: that is offline's business
    return _reason(
        HealthState.SILENT,
        "no_activity",
        f"no detections in {hours} normally busy hours since {_iso(start)}",
        hours=hours,
        starts_at=_iso(start),
        ends_at=_iso(end),
        anomaly_ids=[a.pk for a in run],
        expected_count=round(sum(a.expected_count for a in run), 2),
        last_media_at=_iso(last_media),
    )


# ---------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Evaluation:
    camera_id: str
    previous: str
    state: str
    reasons: list[dict]
    status_change: tuple[str, str] | None

    @property
    def changed(self) -> bool:
        return self.previous != self.state


def health_evaluate(*, camera_id: str, now: dt.datetime | None = None, invalidate: bool = True) -> Evaluation | None:
    """Compute and store one live camera's verdict (None for an unknown or trashed camera).

    1. Lock the camera's health row; note ``last_seen_at`` as an arrival (videos and frames whose
       ``frame_arrived`` is still queued count too).
    2. Compute the verdict from the signals (``health_verdict``).
    3. On a change of state: write a ``HealthTransition`` and send ``health_changed``.
    4. Derive the seed status and set it through ``camera_status_set`` (which sends
       ``camera_status_changed``), all in this one transaction.
    """
    now = now or timezone.now()
    with transaction.atomic():
        camera = Camera.objects.filter(pk=camera_id).first()
        if camera is None:
            return None
        health = _health_locked(camera_id)
        record = IngestionRecord.objects.filter(pk=camera_id).first()
        override = HealthOverride.objects.filter(pk=camera_id).first()
        limits = health_limits(camera=camera, override=override)
        if camera.last_seen_at is not None:
            _note_media(health, camera.last_seen_at, exact=False)
        reasons = health_verdict(camera=camera, record=record, health=health, limits=limits, now=now)
        state = reasons[0]["state"]
        previous = health.state
        health.reasons = reasons
        health.evaluated_at = now
        if state != previous:
            health.state = state
            health.since = now
            HealthTransition.objects.create(
                camera_id=camera_id, at=now, previous=previous, state=state, reasons=reasons
            )
            health_changed.send(
                sender=CameraHealth, camera_id=camera_id, previous=previous, state=state, reasons=reasons, at=now
            )
            logger.info("camera health camera=%s %s -> %s (%s)", camera_id, previous, state, reasons[0]["message"])
        health.save()
        status = STATUS_OF[HealthState(state)]
        status_change = None
        if camera.status != status and camera_status_set(
            camera_id=camera_id,
            previous=camera.status,
            status=status,
            at=now,
            detail=f"health {state}: {reasons[0]['message']}",
            invalidate=invalidate,
        ):
            status_change = (camera.status, str(status))
    return Evaluation(camera_id=camera_id, previous=previous, state=state, reasons=reasons, status_change=status_change)


@dataclass
class HealthReport:
    checked: int = 0
    transitions: dict[str, tuple[str, str]] = field(default_factory=dict)
    status_changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def health_evaluate_many(
    *,
    camera_ids: list[str] | None = None,
    now: dt.datetime | None = None,
    invalidate: bool = True,
    keep_going: bool = False,
) -> HealthReport:
    """Evaluate every live camera (or the given ones). ``keep_going``: a camera whose evaluation
    fails is logged and reported in ``failed`` and the others still run (the periodic job);
    otherwise the error propagates."""
    now = now or timezone.now()
    cameras = Camera.objects.order_by("id")
    if camera_ids is not None:
        cameras = cameras.filter(pk__in=camera_ids)
    report = HealthReport()
    for camera_id in cameras.values_list("pk", flat=True):
        report.checked += 1
        try:
            result = health_evaluate(camera_id=camera_id, now=now, invalidate=False)
        except Exception as exc:
            if not keep_going:
                raise
            logger.exception("health evaluation failed camera=%s", camera_id)
            report.failed[camera_id] = f"{type(exc).__name__}: {exc}"
            continue
        if result is None:
            continue
        if result.changed:
            report.transitions[camera_id] = (result.previous, result.state)
        if result.status_change is not None:
            report.status_changes[camera_id] = result.status_change
    if report.status_changes and invalidate:
        from cameras.cache import camera_list_invalidate

        camera_list_invalidate()
    return report


def health_status_check(
    *, camera_ids: list[str] | None = None, now: dt.datetime | None = None, invalidate: bool = True
) -> StatusReport:
    """``camera_status_check`` with health installed: the status comes from the verdict."""
    report = health_evaluate_many(camera_ids=camera_ids, now=now, invalidate=invalidate)
    return StatusReport(checked=report.checked, changes=report.status_changes)


# ---------------------------------------------------------------- frames


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
        health = _health_locked(camera_id)
        _note_media(health, captured_at, exact=True)
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
        health.moves = [_iso(at), *health.moves][:MOVES_KEEP]
        outcome = "changed"
    health.still_hash = signature.hash_hex
    health.still_signature = signature.encoded_grid()
    health.still_since = at
    health.still_frames = 1
    return outcome


# ---------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryPage:
    items: list[HealthTransition]
    next_cursor: str | None
    has_more: bool


def health_history_page(*, camera_id: str, limit: int, cursor: str | None) -> HistoryPage:
    """One page of a camera's transitions, newest first; the cursor is a keyset over (at, id)."""
    queryset = HealthTransition.objects.filter(camera_id=camera_id).for_api()
    if cursor:
        at_raw, last_id = decode_cursor(cursor, 2)
        at = _parse(at_raw)
        if at is None or not isinstance(last_id, int) or isinstance(last_id, bool):
            raise InvalidQueryParameter("cursor", "is not a cursor this API issued")
        queryset = queryset.filter(Q(at__lt=at) | Q(at=at, id__lt=last_id))
    rows = list(queryset[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([rows[-1].at, rows[-1].pk]) if has_more else None
    return HistoryPage(items=rows, next_cursor=next_cursor, has_more=has_more)
