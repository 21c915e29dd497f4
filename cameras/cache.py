"""Cache-aside for the camera list, and its invalidation.

An entry holds the rendered JSON body of one list response, under a key made of the status
filter and a digest of the other query parameters, stamped with the generation number current
when its rows were read. Invalidation bumps the generation: an entry with an older stamp is a
miss. That also defeats the classic cache-aside race, since a reader that loaded the rows before
a write stamps them with the old generation. A hit costs one round trip (the generation and the
entry in one MGET). Every cache error degrades to a miss. Entries never contain a secret: they
are built from the response serializer.

Invalidation has one caller: the camera model itself (``Camera.save``/``delete`` and every
``CameraQuerySet`` write: ``update``, ``delete``, ``bulk_create``, ``bulk_update``) calls
``camera_list_changed``, so no write path can forget it. A job that writes many cameras wraps
its loop in ``camera_list_batch()`` to invalidate once at the end instead of once per row.

On Redis (django-redis, production) the list talks to Redis through django-redis's public
``get_redis_connection``: an entry is stored as raw bytes (``b"<generation>\\n" + body``), and the
generation is a plain Redis integer, under keys of their own (``<KEY_PREFIX>:cameras:list:...``).
Other caches (the embedded default) store ``(generation, body)`` through Django's cache API.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django_redis import get_redis_connection

logger = logging.getLogger(__name__)

GENERATION_KEY = "cameras:list:generation"


@dataclass(frozen=True)
class ListLookup:
    key: str
    generation: int | None  # None: the cache is unavailable, don't store
    body: bytes | None  # None: a miss


# The query parameters a list body depends on (besides the status filter): each is part of the key.
LIST_QUERY_PARAMS = ("limit", "offset", "cursor", "ordering", "fields")


def list_params(query, **overrides: str) -> dict[str, str]:
    """The key's parameters as a request's ``query`` (a mapping) gives them; ``overrides`` replace
    values the view normalises first (``fields``)."""
    params = {name: query.get(name, "") for name in LIST_QUERY_PARAMS}
    params.update(overrides)
    return params


def list_key(*, status: str | None, params: dict[str, str]) -> str:
    digest = hashlib.sha1(repr(sorted(params.items())).encode()).hexdigest()[:16]
    return f"cameras:list:{status or 'all'}:{digest}"


def _redis():
    """The default cache's Redis client, or None when the cache is not django-redis."""
    try:
        return get_redis_connection("default")
    except NotImplementedError:
        return None


def _raw(key: str) -> str:
    # Our own keys beside django-redis's (which are "<prefix>:<version>:<key>"): the prefix keeps
    # installations that share one Redis database apart.
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:{key}"


def _stamp(generation: int) -> bytes:
    return b"%d\n" % generation


def _start_generation(redis) -> int | None:
    # Start from the clock, so a lost generation key never revives old entries.
    if redis is not None:
        pipe = redis.pipeline(transaction=False)
        pipe.set(_raw(GENERATION_KEY), time.time_ns(), nx=True)
        pipe.get(_raw(GENERATION_KEY))
        return int(pipe.execute()[1])
    cache.add(GENERATION_KEY, time.time_ns(), None)
    return cache.get(GENERATION_KEY)


def list_generation() -> int | None:
    """The current generation (None if none was started or the cache is down): what tests and
    operators compare to see that a write invalidated the list."""
    try:
        redis = _redis()
        if redis is not None:
            raw = redis.get(_raw(GENERATION_KEY))
            return int(raw) if raw is not None else None
        return cache.get(GENERATION_KEY)
    except Exception:  # noqa: BLE001
        logger.warning("camera list cache unavailable", exc_info=True)
        return None


def list_lookup(*, status: str | None, params: dict[str, str]) -> ListLookup:
    key = list_key(status=status, params=params)
    try:
        redis = _redis()
        if redis is not None:
            raw_generation, entry = redis.mget([_raw(GENERATION_KEY), _raw(key)])
            generation = int(raw_generation) if raw_generation is not None else _start_generation(redis)
            if generation is not None and entry is not None and entry.startswith(stamp := _stamp(generation)):
                return ListLookup(key=key, generation=generation, body=entry[len(stamp) :])
            return ListLookup(key=key, generation=generation, body=None)
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            generation = _start_generation(None)
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
    try:
        redis = _redis()
        if redis is not None:
            redis.set(_raw(lookup.key), _stamp(lookup.generation) + body, ex=ttl)
        else:
            cache.set(lookup.key, (lookup.generation, body), ttl)
    except Exception:  # noqa: BLE001 - a broken cache only costs the next reader a query
        logger.warning("camera list cache write failed", exc_info=True)


def invalidate_now() -> None:
    try:
        redis = _redis()
        if redis is not None:
            # One round trip; a missing generation starts from the clock first (never from 1,
            # which an old entry could carry).
            pipe = redis.pipeline(transaction=False)
            pipe.set(_raw(GENERATION_KEY), time.time_ns(), nx=True)
            pipe.incr(_raw(GENERATION_KEY))
            pipe.execute()
            return
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


# Inside camera_list_batch(): a one-element list, set to True by the first write.
_batch: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("camera_list_batch", default=None)


def camera_list_changed() -> None:
    """A camera row was written (called by the model): invalidate, or mark the open batch."""
    pending = _batch.get()
    if pending is None:
        camera_list_invalidate()
    else:
        pending[0] = True


@contextlib.contextmanager
def camera_list_batch() -> Iterator[None]:
    """Camera writes inside invalidate the list once, when the block ends (even on an error),
    instead of once per row. The block must end after the transactions it writes in have
    committed or inside the one that holds them (the bump then also runs after commit)."""
    if _batch.get() is not None:  # nested: the outer block invalidates
        yield
        return
    pending = [False]
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
        if pending[0]:
            camera_list_invalidate()
