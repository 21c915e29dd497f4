"""The hourly rollup and the slots of a group of cameras on one clock, behind one interface.

Two paths give the same rows (the tests run both): ``pg`` (PostgreSQL: set-based SQL,
incremental) and ``portable`` (any database: the ORM, always a full rebuild). Each is a function
``rollup_and_slots(*, windows, tz, window_end, stamp, full=False) -> {camera_id: GroupStats}``
that the caller runs holding the transaction, the cameras' claims and their state locks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import connection

from baselines.services.rollup import pg, portable
from baselines.services.rollup.window import CameraWindow, GroupStats

Rollup = Callable[..., dict[str, GroupStats]]

PATHS: dict[str, Rollup] = {"postgresql": pg.rollup_and_slots, "portable": portable.rollup_and_slots}


def rollup_path() -> Rollup:
    """The path for the database in use."""
    return PATHS["postgresql"] if connection.vendor == "postgresql" else PATHS["portable"]


def rollup_and_slots(
    *, windows: list[CameraWindow], tz, window_end: dt.datetime, stamp: dt.datetime, full: bool = False
) -> dict[str, GroupStats]:
    return rollup_path()(windows=windows, tz=tz, window_end=window_end, stamp=stamp, full=full)


__all__ = ["PATHS", "CameraWindow", "GroupStats", "Rollup", "rollup_and_slots", "rollup_path"]
