"""Local hours of a camera: the unit every baseline counts in.

Hours and weekdays are on the camera's own clock (``Camera.timezone``, default ``TIME_ZONE``).
A local hour is identified by the aware datetime of its start, built exactly as Django's
``TruncHour(tzinfo=...)`` builds it (naive local wall time, then ``fold=0``), so keys generated
here match the keys the database aggregation returns. On the night clocks go back, the repeated
local hour is one key covering both real hours; on the night they go forward, the skipped hour
simply does not exist.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings

logger = logging.getLogger(__name__)

HOUR = dt.timedelta(hours=1)
WEEK = dt.timedelta(days=7)
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def camera_zone(camera) -> zoneinfo.ZoneInfo:
    """The camera's time zone; an unknown name falls back to TIME_ZONE (logged, never a 500)."""
    name = getattr(camera, "timezone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        logger.warning("camera %s has unknown timezone %r; using %s", camera.pk, name, settings.TIME_ZONE)
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def hour_key(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The local hour containing ``moment``, as TruncHour(tzinfo=tz) names it."""
    local = moment.astimezone(tz)
    return local.replace(minute=0, second=0, microsecond=0, tzinfo=None).replace(tzinfo=tz)


def hour_floor(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The instant (in UTC, so that arithmetic on it is absolute, not wall-clock) the local hour
    containing ``moment`` began; keeps ``fold``, so it is exact even inside a repeated hour."""
    return moment.astimezone(tz).replace(minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def hour_ceil(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    floor = hour_floor(moment, tz)
    return floor if floor == moment else floor + HOUR


def hour_keys(start: dt.datetime, end: dt.datetime, tz: zoneinfo.ZoneInfo) -> list[dt.datetime]:
    """Keys of the local hours in [start, end), oldest first; ``start`` is a local hour boundary.
    Steps in UTC, so a DST change neither skips nor invents an hour."""
    keys: list[dt.datetime] = []
    seen: set[dt.datetime] = set()
    t = start.astimezone(dt.UTC)
    stop = end.astimezone(dt.UTC)
    while t < stop:
        key = hour_key(t, tz)
        if key not in seen:
            seen.add(key)
            keys.append(key)
        t += HOUR
    return keys


def weeks_old(key: dt.datetime, window_end: dt.datetime) -> int:
    """Whole weeks between an hour and the newest completed hour (that week is 0)."""
    return max(0, (window_end - key - HOUR) // WEEK)


def hour_label(key: dt.datetime) -> str:
    """``02:00-03:00`` on the camera's clock."""
    return f"{key.hour:02d}:00-{(key.hour + 1) % 24:02d}:00"
