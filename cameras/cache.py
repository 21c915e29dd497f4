"""Cache-aside for the camera list.

An entry holds the rendered JSON body of one list response, under a key made of the status
filter and a digest of the other query parameters, stamped with the generation number current
when its rows were read. Invalidation bumps the generation (after commit, before the API write
returns): an entry with an older stamp is a miss. That also defeats the classic cache-aside race,
since a reader that loaded the rows before a write stamps them with the old generation. A hit
costs one round trip (the generation and the entry in one MGET). Every cache error degrades to a
miss. Entries never contain a secret: they are built from the response serializer.

On django-redis (production) the MGET and the entry's SET go straight to its Redis client, and an
entry is stored as raw bytes (``b"<generation>\n" + body``): the hit is the hot path of the busiest
endpoint, and django-redis's per-key pickling and wrappers cost about as much as the round trip.
Keys are django-redis's own (prefix and version), and the generation is the integer django-redis
stores raw, so ``invalidate_now`` keeps using the cache API. Other caches (the embedded default)
store ``(generation, body)`` through the cache API.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django_redis.client import DefaultClient

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


def _redis() -> DefaultClient | None:
    client = getattr(cache, "client", None)
    return client if type(client) is DefaultClient else None


def _start_generation() -> int | None:
    # Start from the clock, so a lost generation key never revives old entries.
    cache.add(GENERATION_KEY, time.time_ns(), None)
    return cache.get(GENERATION_KEY)


def _stamp(generation: int) -> bytes:
    return b"%d\n" % generation


def list_lookup(*, status: str | None, params: dict[str, str]) -> ListLookup:
    key = list_key(status=status, params=params)
    redis = _redis()
    try:
        if redis is not None:
            raw_generation, entry = redis.get_client(write=False).mget(
                [redis.make_key(GENERATION_KEY), redis.make_key(key)]
            )
            generation = int(raw_generation) if raw_generation is not None else _start_generation()
            if generation is not None and entry is not None and entry.startswith(stamp := _stamp(generation)):
                return ListLookup(key=key, generation=generation, body=entry[len(stamp) :])
            return ListLookup(key=key, generation=generation, body=None)
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            generation = _start_generation()
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
    ttl = settings.NEM_CAMERA_LIST_CACHE_TTL
    redis = _redis()
    try:
        if redis is not None:
            redis.get_client(write=True).set(redis.make_key(lookup.key), _stamp(lookup.generation) + body, ex=ttl)
        else:
            cache.set(lookup.key, (lookup.generation, body), ttl)
    except Exception:  # noqa: BLE001 - a broken cache only costs the next reader a query
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
