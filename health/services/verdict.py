"""The verdict: every condition that holds for a camera now, worst first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from baselines.models import Anomaly
from cameras.media.status import STREAMING_MODES, camera_ingestion_problem
from cameras.models import Camera, CameraStatus, IngestionRecord
from health.models import CameraHealth, HealthOverride, HealthState
from health.services.records import iso, times_of
from onvifctl.models import OnvifEventState
from scenechanges.models import ChangeType, SceneChange, SceneMonitor

MIN_STILL_FRAMES = 3  # a still run shorter than this says nothing (one frame cannot be "frozen")
MIN_MOVES = 3
MOVES_LOOKBACK = dt.timedelta(hours=24)
SILENT_RECENT = dt.timedelta(hours=2)  # the hourly anomaly scan may have missed one run
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
                last_error_at=iso(record.last_error_at) if record is not None and kind == "stream" else None,
            )
        )

    reasons += _onvif(camera.pk)

    times = sorted(times_of(health.media_times), reverse=True)
    last_media = times[0] if times else None
    reference = last_media or camera.created_at
    silence = int((now - reference).total_seconds())
    if silence > limits.grace_seconds:
        reasons.append(
            _reason(
                HealthState.OFFLINE,
                "no_media",
                f"no new media for {silence} s (grace {limits.grace_seconds} s)",
                last_media_at=iso(last_media),
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
                    last_media_at=iso(last_media),
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
            _reason(HealthState.ONLINE, "media_arriving", "new media arriving", last_media_at=iso(last_media))
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
                reported_at=iso(state.updated_at),
            )
        )
    if not state.subscribed and ONVIF_REFUSED in state.last_error:
        reasons.append(
            _reason(
                HealthState.ERROR,
                "onvif_refused",
                "the ONVIF device refuses our credentials (check them, and the camera's clock)",
                last_error=state.last_error,
                last_error_at=iso(state.last_error_at),
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
        f"{label} since {iso(change.detected_at)} (scene change {change.pk})",
        scene_change_id=change.pk,
        change_type=change.change_type,
        detected_at=iso(change.detected_at),
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
    moves = [t for t in times_of(health.moves) if start <= t <= health.still_since]
    if len(moves) < MIN_MOVES:
        return None  # a view that never changes (a test chart): unchanged frames mean nothing
    minutes = int(still.total_seconds() // 60)
    return _reason(
        HealthState.FROZEN,
        "picture_unchanged",
        f"{health.still_frames} frames over {minutes} min show the same picture",
        unchanged_since=iso(health.still_since),
        last_frame_at=iso(health.last_frame_at),
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
        f"no detections in {hours} normally busy hours since {iso(start)}",
        hours=hours,
        starts_at=iso(start),
        ends_at=iso(end),
        anomaly_ids=[a.pk for a in run],
        expected_count=round(sum(a.expected_count for a in run), 2),
        last_media_at=iso(last_media),
    )
