"""A camera's health transitions, newest first, a page at a time."""

from __future__ import annotations

from health.models import HealthTransition
from nem.pagination import KeysetPage, keyset_page


def health_history_page(*, camera_id: str, limit: int, cursor: str | None) -> KeysetPage:
    """One page of a camera's transitions, newest first; the cursor is a keyset over (at, id)."""
    queryset = HealthTransition.objects.filter(camera_id=camera_id).for_api()
    return keyset_page(queryset, limit=limit, cursor=cursor, bind_ordering=False)
