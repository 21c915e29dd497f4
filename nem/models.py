from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import models
from django.utils import timezone


def hash_api_key(raw: str) -> str:
    # API keys are 256-bit random tokens, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def active(self, *, now=None) -> ApiKeyQuerySet:
        """Keys that authenticate: switched on and not past their expiry."""
        now = now or timezone.now()
        return self.filter(is_active=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiKey(models.Model):
    """An API key for a client of the REST API. Only the SHA-256 of the key is stored; the key
    itself is shown once, when it is created (admin or ``create_api_key``)."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=12, editable=False, help_text="First characters, to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="From this time on the key is refused (401). Empty: it does not expire."
    )
    last_used_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the key last authenticated a request (recorded at most once a minute).",
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> str:
        return "nem_" + secrets.token_urlsafe(32)

    def set_key(self, raw: str) -> None:
        self.key_hash = hash_api_key(raw)
        self.prefix = raw[:8]


LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


def api_key_touch(*, key_id: int, now: dt.datetime | None = None) -> bool:
    """Record that key ``key_id`` was used. One conditional UPDATE that writes only when the
    recorded time is empty or a minute old, so the request path does not write on every request
    (and concurrent requests of one key write it once). True if it wrote."""
    now = now or timezone.now()
    stale = models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    return bool(ApiKey.objects.filter(stale, pk=key_id).update(last_used_at=now))


def api_key_create(*, name: str) -> tuple[ApiKey, str]:
    """Create a key named ``name``; returns the row and the raw key (shown once, never stored)."""
    raw = ApiKey.generate()
    key = ApiKey(name=name)
    key.set_key(raw)
    key.save()
    return key, raw


class JobRun(models.Model):
    """The last run of each periodic job, whoever ran it (a Celery worker fed by beat, or the
    job's management command from cron): readiness reports a job that stopped running."""

    name = models.CharField(max_length=100, primary_key=True, help_text="The Celery task name of the job.")
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_ok = models.BooleanField(default=True)
    last_summary = models.CharField(max_length=500, blank=True, default="")
    runs = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "job run"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
