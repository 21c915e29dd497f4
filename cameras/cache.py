"""Cache-aside for the camera list.

Entries hold the rendered JSON body of one list response, keyed by a generation number, the
status filter and a digest of the other query parameters. Invalidation bumps the generation
(after commit, before the API write returns), which also defeats the classic cache-aside race:
a reader that loaded the old rows before the write stores them under the old generation, which
no one reads again. Every cache error degrades to a miss (django-redis IGNORE_EXCEPTIONS).
Entries never contain a secret: they are built from the response serializer.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

GENERATION_KEY = "cameras:list:generation"


def _generation() -> int | None:
    try:
        gen = cache.get(GENERATION_KEY)
        if gen is None:
            # Start from the clock, so a lost generation key never resurrects old entries.
            cache.add(GENERATION_KEY, time.time_ns(), None)
            gen = cache.get(GENERATION_KEY)
        return gen
    except Exception:  # noqa: BLE001 - a broken cache is a miss, never an error
        logger.warning("camera list cache unavailable", exc_info=True)
        return None


def list_key(*, status: str | None, params: dict[str, str]) -> str | None:
    gen = _generation()
    if gen is None:
        return None
    digest = hashlib.sha1(repr(sorted(params.items())).encode()).hexdigest()[:16]
    return f"cameras:list:{gen}:{status or 'all'}:{digest}"


def list_get(key: str | None) -> bytes | None:
    if key is None:
        return None
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001
        logger.warning("camera list cache read failed", exc_info=True)
        return None


def list_set(key: str | None, body: bytes) -> None:
    if key is None:
        return
    try:
        cache.set(key, body, settings.NEM_CAMERA_LIST_CACHE_TTL)
    except Exception:  # noqa: BLE001
        logger.warning("camera list cache write failed", exc_info=True)


def invalidate_now() -> None:
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no generation yet: start one that no old entry can carry
            cache.set(GENERATION_KEY, time.time_ns(), None)
    except Exception:  # noqa: BLE001
        logger.warning("camera list cache invalidation failed; entries expire within the TTL", exc_info=True)


def camera_list_invalidate() -> None:
    """Invalidate the camera list now and again once the current transaction commits.

    The first bump makes this process's next read miss at once; the second, after commit, drops
    anything a concurrent reader cached from the pre-commit rows in between (outside a
    transaction both happen now)."""
    invalidate_now()
    transaction.on_commit(invalidate_now)
