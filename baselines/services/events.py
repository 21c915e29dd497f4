"""Events: episodes of one camera's detections less than ``NEM_EVENT_GAP_SECONDS`` apart.

Events are kept right incrementally: adding detections can only join episodes, never split one,
so each batch merges its new points with the stored events within the gap of them. That holds
whatever order detections arrive in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter

from django.conf import settings
from django.db import connection
from django.db.models import Q

from baselines.models import Event
from baselines.services.bulk_copy import copy_field, copy_text, copy_value
from baselines.services.ingest_validation import MAX_ITEMS


@dataclass
class _Episode:
    start: dt.datetime
    end: dt.datetime
    count: int
    types: set[str]
    event_ids: list[int]
    has_new: bool


def _episodes(stored: list[tuple], points: list[tuple[dt.datetime, str]], gap: dt.timedelta) -> list[_Episode]:
    """Sweep stored events ``(start, end, count, types, id)`` and new points ``(at, class)`` by
    start, joining those less than ``gap`` apart; only episodes with a new point are returned.
    Points are plain tuples until they join an episode (a batch has a thousand of them)."""
    items = sorted([*stored, *((t, t, 1, (kind,), None) for t, kind in points)], key=itemgetter(0))
    merged: list[_Episode] = []
    last = None
    for start, end, count, types, event_id in items:
        if last is not None and start - last.end < gap:
            if end > last.end:
                last.end = end
            last.count += count
            last.types.update(types)
            if event_id is None:
                last.has_new = True
            else:
                last.event_ids.append(event_id)
        else:
            last = _Episode(start, end, count, set(types), [] if event_id is None else [event_id], event_id is None)
            merged.append(last)
    return [episode for episode in merged if episode.has_new]


def _events_near(windows: dict[str, tuple[dt.datetime, dt.datetime]]) -> Iterable[tuple]:
    """Stored events of each camera reaching into its window [lo, hi): (id, camera_id,
    started_at, ended_at, detection_count, object_types), possibly with a few more (harmless: the
    sweep leaves events no new point joins untouched).

    On PostgreSQL: a camera's events are disjoint (the merge keeps them a gap apart), so ordering
    them by start orders them by end too, and the events reaching into [lo, hi) are those starting
    in it plus the last one starting before it: two bounded ranges of the (camera, started_at)
    index, where "ended_at > lo AND started_at < hi" scans the camera's whole history before hi
    (ingest slowed down linearly with the events table).
    """
    if not windows:
        return []
    if connection.vendor != "postgresql":
        condition = Q(
            *(Q(camera_id=camera_id, ended_at__gt=lo, started_at__lt=hi) for camera_id, (lo, hi) in windows.items()),
            _connector=Q.OR,
        )
        return Event.objects.filter(condition).values_list(
            "id", "camera_id", "started_at", "ended_at", "detection_count", "object_types"
        )
    columns = "e.id, e.camera_id, e.started_at, e.ended_at, e.detection_count, e.object_types"
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT e.* FROM unnest(%s::text[], %s::timestamptz[], %s::timestamptz[]) AS w(camera_id, lo, hi)
            CROSS JOIN LATERAL (
                (SELECT {columns} FROM {table} e
                 WHERE e.camera_id = w.camera_id AND e.started_at < w.lo AND e.deleted_at IS NULL
                 ORDER BY e.started_at DESC LIMIT 1)
                UNION ALL
                (SELECT {columns} FROM {table} e
                 WHERE e.camera_id = w.camera_id AND e.started_at >= w.lo AND e.started_at < w.hi
                   AND e.deleted_at IS NULL)
            ) AS e
            """,
            [list(windows), [lo for lo, _ in windows.values()], [hi for _, hi in windows.values()]],
        )
        # Django loads jsonb as text (JSONField parses it); so does a raw cursor.
        return [(*row[:5], json.loads(row[5])) for row in cursor.fetchall()]


def events_merge(*, points_by_camera: dict[str, list[tuple[dt.datetime, str]]]) -> None:
    """Fold new detections (camera -> [(detected_at, object_type)]) into the stored events.

    Loads, in one query, the events within the gap of each camera's new points, sweeps them with
    the points, and writes only the episodes that changed: the oldest event of a merged group is
    updated, the others it swallowed are deleted, and episodes of new points only are created.
    Four queries per batch, whatever the number of cameras.
    """
    gap = dt.timedelta(seconds=settings.NEM_EVENT_GAP_SECONDS)
    windows = {}
    for camera_id, points in points_by_camera.items():
        times = [t for t, _ in points]
        windows[camera_id] = (min(times) - gap, max(times) + gap)
    stored: dict[str, list[tuple]] = defaultdict(list)
    for event_id, camera_id, started_at, ended_at, count, types in _events_near(windows):
        stored[camera_id].append((started_at, ended_at, count, types, event_id))
    to_create: list[tuple] = []  # (camera_id, started_at, ended_at, detection_count, object_types)
    to_update: list[Event] = []
    to_delete: list[int] = []
    for camera_id, points in points_by_camera.items():
        for episode in _episodes(stored[camera_id], points, gap):
            types = sorted(episode.types)
            if episode.event_ids:
                keep, *swallowed = sorted(episode.event_ids)
                to_update.append(
                    Event(
                        id=keep, camera_id=camera_id, started_at=episode.start, ended_at=episode.end,
                        detection_count=episode.count, object_types=types,
                    )
                )
                to_delete += swallowed
            else:
                to_create.append((camera_id, episode.start, episode.end, episode.count, types))
    if to_delete:
        Event.all_objects.filter(pk__in=to_delete).delete()
    if to_update:
        # Small batches: bulk_update's CASE has one branch per row, so one statement for n rows
        # costs n x n comparisons (a re-sent hour of detections updates hundreds of events).
        Event.objects.bulk_update(
            to_update, ["started_at", "ended_at", "detection_count", "object_types"], batch_size=50
        )
    if to_create and connection.vendor == "postgresql":
        as_json: dict[tuple, str] = {}
        lines = []
        for camera_id, start, end, count, types in to_create:
            key = tuple(types)
            text = as_json.get(key)
            if text is None:
                text = as_json[key] = copy_field(json.dumps(types))
            lines.append(f"{copy_value(camera_id)}\t{start.isoformat()}\t{end.isoformat()}\t{count}\t{text}\t\n")
        copy_text(
            Event._meta.db_table,
            ("camera_id", "started_at", "ended_at", "detection_count", "object_types", "deleted_by"),
            "".join(lines),
        )
    elif to_create:
        Event.objects.bulk_create(
            [
                Event(camera_id=camera_id, started_at=start, ended_at=end, detection_count=count, object_types=types)
                for camera_id, start, end, count, types in to_create
            ],
            batch_size=MAX_ITEMS,
        )
