"""Per-camera baseline configuration (persisted) and the reset workflow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from baselines.models import ActivitySlot, BaselineState, ClassSlot, HourlyClassCount, HourlyCount
from cameras.services import camera_get_live
from nem.claims import ClaimColumn, claim, release
from nem.errors import InvalidInput

# A claim older than this is from a worker that died: longer than the tasks' hard time limit.
CLAIM_STALE = dt.timedelta(minutes=15)
RECOMPUTE_CLAIM = ClaimColumn("recompute_claimed_at", lease=CLAIM_STALE)
SCAN_CLAIM = ClaimColumn("scan_claimed_at", lease=CLAIM_STALE)


@dataclass(frozen=True)
class EffectiveConfig:
    threshold_stdev: float
    min_samples: int
    decay_factor: float
    window_days: int


def global_config() -> EffectiveConfig:
    return EffectiveConfig(
        threshold_stdev=float(settings.NEM_BASELINE_THRESHOLD_STDEV),
        min_samples=int(settings.NEM_BASELINE_MIN_SAMPLES),
        decay_factor=float(settings.NEM_BASELINE_DECAY),
        window_days=int(settings.NEM_BASELINE_WINDOW_DAYS),
    )


def effective_config(state: BaselineState | None) -> EffectiveConfig:
    """The global settings, with the camera's own values where it overrides them."""
    base = global_config()
    if state is None or not state.override_global_config:
        return base
    return EffectiveConfig(
        threshold_stdev=state.threshold_stdev if state.threshold_stdev is not None else base.threshold_stdev,
        min_samples=state.min_samples if state.min_samples is not None else base.min_samples,
        decay_factor=base.decay_factor,
        window_days=base.window_days,
    )


def baseline_state_get(*, camera_id: str) -> BaselineState:
    """The camera's state row, created on first use (a concurrent creator wins harmlessly)."""
    state = BaselineState.objects.filter(camera_id=camera_id).first()
    if state is not None:
        return state
    try:
        with transaction.atomic():
            return BaselineState.objects.create(camera_id=camera_id)
    except IntegrityError:
        return BaselineState.objects.get(camera_id=camera_id)


def baseline_job_claim(*, camera_id: str, column: ClaimColumn, now: dt.datetime, take_over: bool = False) -> bool:
    """Single flight per camera and job (``RECOMPUTE_CLAIM``, ``SCAN_CLAIM``); False: busy.
    ``take_over`` takes the claim whatever its age: for a redelivered task whose first worker died."""
    return claim(BaselineState.objects.filter(camera_id=camera_id), column, now=now, take_over=take_over)


def baseline_job_release(*, camera_id: str, column: ClaimColumn, **done) -> None:
    release(BaselineState.all_objects.filter(camera_id=camera_id), column, **done)


def baseline_config_data(*, state: BaselineState) -> dict:
    """The config document of ``GET/PUT .../baseline/config``: effective values at the top (what
    scoring and learning use), the camera's stored overrides, and the global settings."""
    effective = effective_config(state)
    base = global_config()
    return {
        "camera_id": state.camera_id,
        "threshold_stdev": effective.threshold_stdev,
        "min_samples": effective.min_samples,
        "override_global_config": state.override_global_config,
        "camera_config": {"threshold_stdev": state.threshold_stdev, "min_samples": state.min_samples},
        "global_config": {
            "threshold_stdev": base.threshold_stdev,
            "min_samples": base.min_samples,
            "decay_factor": base.decay_factor,
            "window_days": base.window_days,
        },
    }


def baseline_config_get(*, camera_id: str) -> dict:
    camera_get_live(camera_id=camera_id)
    return baseline_config_data(state=baseline_state_get(camera_id=camera_id))


CONFIG_FIELDS = ("threshold_stdev", "min_samples", "override_global_config")
OWN_VALUES = ("threshold_stdev", "min_samples")


@transaction.atomic
def baseline_config_update(*, camera_id: str, data: dict) -> dict:
    """Store the given keys only (``threshold_stdev``, ``min_samples``, ``override_global_config``;
    values were checked by the input serializer, null clears an own value). Takes effect on the
    next read and scan.

    The camera's own values are used only while it overrides the global settings, so an own value
    sent while ``override_global_config`` stays false (stored false and not set true in the same
    request, or sent false) would silently change nothing: it is refused with a 422 saying so."""
    camera_get_live(camera_id=camera_id)
    baseline_state_get(camera_id=camera_id)
    state = BaselineState.objects.select_for_update().get(camera_id=camera_id)
    override = data.get("override_global_config", state.override_global_config)
    if not override:
        ignored = {
            name: [
                f"takes effect only while override_global_config is true; send override_global_config: true "
                f"with it, or null to use the global value ({getattr(global_config(), name):g})"
            ]
            for name in OWN_VALUES
            if data.get(name) is not None
        }
        if ignored:
            raise InvalidInput(ignored)
    fields = [name for name in CONFIG_FIELDS if name in data]
    for name in fields:
        setattr(state, name, data[name])
    if fields:
        state.save(update_fields=fields)
    return baseline_config_data(state=state)


@transaction.atomic
def baseline_reset(*, camera_id: str, now=None) -> dict:
    """Forget what the camera's baseline has learnt: delete its slots and hourly counts and
    relearn from now on (``learning_since``), since the raw detections stay and a plain delete
    would be rebuilt by the next recompute. Config overrides and past anomalies stay."""
    camera_get_live(camera_id=camera_id)
    now = now or timezone.now()
    baseline_state_get(camera_id=camera_id)
    state = BaselineState.objects.select_for_update().get(camera_id=camera_id)
    deleted = {
        "activity_slots": ActivitySlot.all_objects.filter(camera_id=camera_id).delete()[0],
        "class_slots": ClassSlot.all_objects.filter(camera_id=camera_id).delete()[0],
        "hourly_counts": HourlyCount.all_objects.filter(camera_id=camera_id).delete()[0]
        + HourlyClassCount.all_objects.filter(camera_id=camera_id).delete()[0],
    }
    state.learning_since = now
    state.established_at = None
    state.learning_complete = False
    state.window_start = state.window_end = None
    state.save(update_fields=["learning_since", "established_at", "learning_complete", "window_start", "window_end"])
    return {"camera_id": camera_id, "deleted": deleted, "learning_since": now}
