"""A camera's health row: locked for an evaluation or a frame, and the media arrivals it remembers."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from health.models import CameraHealth

MEDIA_TIMES_KEEP = 16  # arrivals remembered: the hysteresis needs at most this many (1-16)
SAME_ARRIVAL = dt.timedelta(seconds=5)  # last_seen_at this close to a frame's time is that frame


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def parse_time(value: str) -> dt.datetime | None:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return parsed if parsed is not None and timezone.is_aware(parsed) else None


def times_of(values: list) -> list[dt.datetime]:
    return [t for t in (parse_time(v) for v in values) if t is not None]


def health_locked(camera_id: str) -> CameraHealth:
    CameraHealth.objects.get_or_create(camera_id=camera_id)
    return CameraHealth.objects.select_for_update().get(pk=camera_id)


def note_media(health: CameraHealth, at: dt.datetime, *, exact: bool) -> None:
    """Remember a media arrival. ``exact`` False (``last_seen_at``): skip it when a frame already
    noted is within SAME_ARRIVAL, so one grabbed frame is not counted twice."""
    times = times_of(health.media_times)
    if any(t == at for t in times) or (not exact and any(abs(t - at) <= SAME_ARRIVAL for t in times)):
        return
    times = sorted([*times, at], reverse=True)[:MEDIA_TIMES_KEEP]
    health.media_times = [iso(t) for t in times]
