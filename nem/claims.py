"""Single flight per row: a worker claims a job (a camera's recompute, its scan, its media folder)
by setting a timestamp column with a conditional UPDATE.

The UPDATE matches only a row whose claim column is empty or stale, so of two workers racing for
the same row exactly one changes it (the database serialises the two UPDATEs) and the other is
told the job is busy. A claim whose worker died is never released; once it is older than its
lease the next worker takes it over. ``release`` empties the column, optionally with other
columns in the same statement (e.g. when the job finished).

A claim column holds one of two things, named by ``ClaimColumn.holds_expiry``:

- when the claim was taken (``recompute_claimed_at``): stale once older than ``lease``;
- when the claim runs out (``busy_until``): stale once in the past.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class ClaimColumn:
    """A model's claim column: its name, how long a claim lasts, and what the column holds."""

    field: str
    lease: dt.timedelta
    holds_expiry: bool = False  # True: the column holds the instant the claim runs out

    def free(self, now: dt.datetime) -> Q:
        """Rows whose claim is empty or stale at ``now``."""
        cutoff = now if self.holds_expiry else now - self.lease
        return Q(**{f"{self.field}__isnull": True}) | Q(**{f"{self.field}__lt": cutoff})

    def value(self, now: dt.datetime) -> dt.datetime:
        return now + self.lease if self.holds_expiry else now


def claim(
    rows: QuerySet,
    column: ClaimColumn,
    *,
    now: dt.datetime | None = None,
    take_over: bool = False,
    create: Callable[[], object] | None = None,
) -> bool:
    """Claim the job of ``rows`` (a queryset naming one row). True if this caller holds it now;
    False if a live claim is held by someone else.

    ``take_over``: claim whatever the current claim's age (a redelivered task whose first worker
    died knows the claim is its own). ``create``: called once when no row matched (a row made on
    first use); a concurrent creator's IntegrityError is ignored and the claim tried again."""
    now = now or timezone.now()
    target = rows if take_over else rows.filter(column.free(now))
    if target.update(**{column.field: column.value(now)}):
        return True
    if create is None or rows.exists():
        return False
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        pass  # created concurrently
    return bool(target.update(**{column.field: column.value(now)}))


def release(rows: QuerySet, column: ClaimColumn, **done) -> int:
    """Release the claim of ``rows``, setting the columns in ``done`` in the same statement."""
    return rows.update(**{column.field: None}, **done)
