"""Cache-aside for the camera list.

An entry holds the rendered JSON body of one list response, under a key made of the status
filter and a digest of the other query parameters, stamped with the generation number current
when its rows were read. Invalidation bumps the generation (after commit, before the API write
returns): an entry with an older stamp is a miss. That also defeats the classic cache-aside race,
since a reader that loaded the rows before a write stamps them with the old generation. A hit
costs one round trip (the generation and the entry in one MGET). Every cache error degrades to a
miss (django-redis IGNORE_EXCEPTIONS). Entries never contain a secret: they are built from the
response serializer.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

GENERATION_KEY = "cameras:list:generation"


@dataclass(frozen=True)
class ListLookup:
    key: str
    generation: int | None  # None: the cache is unavailable, don't store
    body: bytes | None  # None: a miss


def list_key(*, status: str | None, params: dict[str, str]) -> str:
    digest = hashlib.sha1(repr(sorted(params.items())).encode()).hexdigest()[:16]
    return f"cameras:list:{status or 'all'}:{digest}"


def list_lookup(*, status: str | None, params: dict[str, str]) -> ListLookup:
    key = list_key(status=status, params=params)
    try:
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            # Start from the clock, so a lost generation key never revives old entries.
            cache.add(GENERATION_KEY, time.time_ns(), None)
            generation = cache.get(GENERATION_KEY)
        entry = found.get(key)
    except Exception:  # noqa: BLE001 - a broken cache is a miss, never an error
        logger.warning("camera list cache unavailable", exc_info=True)
        return ListLookup(key=key, generation=None, body=None)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == generation:
        return ListLookup(key=key, generation=generation, body=entry[1])
    return ListLookup(key=key, generation=generation, body=None)


def list_store(lookup: ListLookup, body: bytes) -> None:
    if lookup.generation is None:
        return
    try:
        cache.set(lookup.key, (lookup.generation, body), settings.NEM_CAMERA_LIST_CACHE_TTL)
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
