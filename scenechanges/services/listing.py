"""A camera's scene changes, one page at a time, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from nem.pagination import keyset_page
from scenechanges.models import SceneChange


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
    timestamp with an offset is accepted as a cursor too (older clients send one): the changes
    detected before that instant."""
    queryset = SceneChange.objects.filter(camera_id=camera_id).for_api()
    if acknowledged is not None:
        queryset = queryset.filter(acknowledged=acknowledged)
    total = queryset.count()
    before = _parse_timestamp(cursor.replace(" ", "+")) if cursor else None  # "+" arrives as " " when unencoded
    if before is not None and timezone.is_aware(before):
        queryset, cursor = queryset.filter(detected_at__lt=before), None
    page = keyset_page(queryset, limit=limit, cursor=cursor, bind_ordering=False)
    return SceneChangePage(items=page.rows, total=total, next_cursor=page.next_cursor, has_more=page.has_more)
