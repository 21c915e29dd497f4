"""What the recompute hands a rollup path, and what it gets back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CameraWindow:
    """One camera's window: its observed local hours and their decay weights."""

    camera_id: str
    start: dt.datetime  # first observed hour (a local hour boundary)
    min_samples: int
    keys: list[dt.datetime]  # the local hours in [start, window_end), oldest first
    weights: list[float]  # decay weight of each key


@dataclass(frozen=True)
class GroupStats:
    """What one camera's rollup found."""

    hours: int
    detections: int
    learnt_slots: int  # activity slots with at least ``min_samples`` observed hours
    rolled_up_hours: int  # hours re-read from the detections table by this run
