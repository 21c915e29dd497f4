"""The baseline recompute: one camera's (or every camera's) hourly rows and slots rebuilt from
raw detections, so running it twice gives the same rows.

Steps, per group of cameras on one clock:

1. Claim each camera's recompute (at most one at a time per camera; a busy camera is skipped).
2. In one transaction that holds the cameras' state rows (so a reset either precedes it and is
   honoured, or waits for it and then deletes what it wrote): each camera's window, the
   ``window_days`` days of local hours ending with the last completed hour, from its first
   observed hour; an hour k whole weeks older than the window's end weighs ``decay ** k``.
3. The rollup path of the database (``rollup``) brings the hourly rows up to date and rebuilds
   the slots.
4. Record learning_complete and, the first time it holds, ``established_at``; release the claims.

Observed hours: the window's hours from the camera's first data (its creation, or its first
detection if older) or from its last reset, whichever is later. Hours before a camera existed are
not zero hours; hours it existed and saw nothing are.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from baselines.models import BaselineState, Detection, DirtyHour
from baselines.services.clock import camera_zone, hour_ceil, hour_floor, hour_keys, weeks_old
from baselines.services.config import (
    RECOMPUTE_CLAIM,
    baseline_job_claim,
    baseline_job_release,
    baseline_state_get,
    effective_config,
)
from baselines.services.rollup import CameraWindow, GroupStats, Rollup, rollup_path
from cameras.models import Camera

logger = logging.getLogger(__name__)

SLOTS = 168
LEARNING_SHARE = 0.8


def learnt_slots_needed() -> int:
    """At least 80 % of the 168 slots: 134.4, so 135."""
    return math.ceil(LEARNING_SHARE * SLOTS)


@dataclass(frozen=True)
class RecomputeResult:
    camera_id: str
    skipped: str = ""  # why nothing was done ("busy", "not live"), else empty
    hours: int = 0
    detections: int = 0
    learning_complete: bool = False
    rolled_up_hours: int = 0  # hours re-read from the detections (all of them, or only those due)


def observation_start(*, camera: Camera, state: BaselineState, window_start: dt.datetime, tz) -> dt.datetime:
    first_detection = Detection.objects.filter(camera_id=camera.pk).aggregate(first=Min("detected_at"))["first"]
    first_data = min(filter(None, [camera.created_at, first_detection]))
    start = max(window_start, hour_floor(first_data, tz))
    if state.learning_since:
        start = max(start, hour_ceil(state.learning_since, tz))
    return start


def baseline_recompute(
    *, camera_id: str, now: dt.datetime | None = None, take_over: bool = False, full: bool = False
) -> RecomputeResult:
    """Rebuild one camera's hourly counts, activity slots and class slots from raw detections.

    A trashed camera is skipped quietly, a busy one (another recompute holds its claim) too.
    ``take_over``: take the claim whatever its age (a redelivered task whose first worker died).
    On PostgreSQL only the hours whose detections changed (marked by triggers) or that were never
    rolled up are re-read from the detections, unless ``full``.
    """
    now = now or timezone.now()
    camera = Camera.objects.filter(pk=camera_id).first()
    if camera is None:
        logger.info("baseline recompute skipped: camera %s is not live", camera_id)
        return RecomputeResult(camera_id=camera_id, skipped="not live")
    return baseline_recompute_group(cameras=[camera], now=now, full=full, take_over=take_over)[0]


def baseline_recompute_all(*, now: dt.datetime | None = None, full: bool = False) -> list[RecomputeResult]:
    """Recompute every live camera (the command without ``--camera``). Cameras on the same clock
    are recomputed as one group, so the detections table is read once per time zone rather than
    once per camera."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        # Marks of purged cameras (their own deletes made them); trashed cameras keep theirs.
        DirtyHour.objects.exclude(camera_id__in=Camera.all_objects.values("pk")).delete()
    by_zone: dict[str, list[Camera]] = defaultdict(list)
    for camera in Camera.objects.order_by("pk"):
        by_zone[str(camera_zone(camera))].append(camera)
    results = []
    for cameras in by_zone.values():
        results += baseline_recompute_group(cameras=cameras, now=now, full=full)
    return results


def baseline_recompute_group(
    *,
    cameras: list[Camera],
    now: dt.datetime,
    full: bool = False,
    take_over: bool = False,
    rollup: Rollup | None = None,
) -> list[RecomputeResult]:
    """Claim each camera of one clock, recompute the claimed ones together, release them.
    ``rollup``: the rollup path (default: the database's; ``rollup.PATHS`` names both)."""
    claimed = []
    results: dict[str, RecomputeResult] = {}
    for camera in cameras:
        baseline_state_get(camera_id=camera.pk)
        if baseline_job_claim(camera_id=camera.pk, column=RECOMPUTE_CLAIM, now=now, take_over=take_over):
            claimed.append(camera)
        else:
            logger.info("baseline recompute skipped: camera %s is being recomputed", camera.pk)
            results[camera.pk] = RecomputeResult(camera_id=camera.pk, skipped="busy")
    try:
        if claimed:
            done = _recompute_claimed(cameras=claimed, now=now, full=full, rollup=rollup or rollup_path())
            results.update((r.camera_id, r) for r in done)
    finally:
        for camera in claimed:
            baseline_job_release(camera_id=camera.pk, column=RECOMPUTE_CLAIM)
    return [results[c.pk] for c in cameras]


def _lock_states(camera_ids: list[str]) -> dict[str, BaselineState]:
    """The cameras' state rows, locked until the recompute commits (id order: no deadlock with
    another locker of several rows). ``baseline_reset`` takes the same lock."""
    return {
        state.camera_id: state
        for state in BaselineState.objects.select_for_update().filter(camera_id__in=camera_ids).order_by("camera_id")
    }


@transaction.atomic
def _recompute_claimed(*, cameras: list[Camera], now: dt.datetime, full: bool, rollup: Rollup) -> list[RecomputeResult]:
    tz = camera_zone(cameras[0])
    states = _lock_states([c.pk for c in cameras])
    window_end = hour_floor(now, tz)
    windows = _windows(cameras=cameras, states=states, tz=tz, window_end=window_end)
    stats = rollup(windows=windows, tz=tz, window_end=window_end, stamp=now, full=full)
    return [
        _finish(state=states[w.camera_id], start=w.start, window_end=window_end, now=now, stats=stats[w.camera_id])
        for w in windows
    ]


def _windows(
    *, cameras: list[Camera], states: dict[str, BaselineState], tz, window_end: dt.datetime
) -> list[CameraWindow]:
    """Each camera's observed hours in its window and their decay weights (cameras with the same
    start share one list)."""
    keys_by_start: dict[dt.datetime, tuple[list, list]] = {}
    windows = []
    for camera in cameras:
        state = states[camera.pk]
        config = effective_config(state)
        window_start = window_end - dt.timedelta(days=config.window_days)
        start = min(observation_start(camera=camera, state=state, window_start=window_start, tz=tz), window_end)
        if start not in keys_by_start:
            keys = hour_keys(start, window_end, tz)
            keys_by_start[start] = (keys, [config.decay_factor ** weeks_old(key, window_end) for key in keys])
        keys, weights = keys_by_start[start]
        windows.append(
            CameraWindow(camera_id=camera.pk, start=start, min_samples=config.min_samples, keys=keys, weights=weights)
        )
    return windows


def _finish(*, state: BaselineState, start, window_end, now, stats: GroupStats) -> RecomputeResult:
    complete = stats.learnt_slots >= learnt_slots_needed()
    update = {
        "learning_complete": complete,
        "window_start": start,
        "window_end": window_end,
        "last_recompute_at": now,
    }
    if complete and state.established_at is None:
        update["established_at"] = now
    BaselineState.all_objects.filter(pk=state.pk).update(**update)
    return RecomputeResult(
        camera_id=state.camera_id, hours=stats.hours, detections=stats.detections, learning_complete=complete,
        rolled_up_hours=stats.rolled_up_hours,
    )
