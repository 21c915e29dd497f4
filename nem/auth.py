"""API-key authentication (``X-API-Key`` header or ``api_key`` query parameter).

Keys are compared by SHA-256: admin-managed ``ApiKey`` rows (refused once past ``expires_at``;
``last_used_at`` kept to the minute) plus ``NEM_API_KEYS`` from the environment. Staff logged into the admin may use the API (and the browsable API) by session.
Endpoints exempt from keys (snapshot, health, schema, docs) set ``permission_classes = [AllowAny]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from nem.models import LAST_USED_RESOLUTION, ApiKey, api_key_touch, hash_api_key

API_KEY_HEADER = "HTTP_X_API_KEY"


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """``request.auth`` for a key-authenticated request; ``name`` is what audit records show."""

    name: str


@lru_cache(maxsize=8)
def _env_key_hashes(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(hash_api_key(k) for k in keys if k)


def client_ip(request) -> str:
    """The client address the rate limits count by: NEM_RATELIMIT_IP_META_KEY behind a proxy,
    else REMOTE_ADDR (also django-axes' AXES_CLIENT_IP_CALLABLE)."""
    meta_key = settings.RATELIMIT_IP_META_KEY or "REMOTE_ADDR"
    value = request.META.get(meta_key) or request.META.get("REMOTE_ADDR") or ""
    return value.split(",")[0].strip()


def _failures_key(ip: str) -> str:
    return f"nem:auth-failures:{ip}"


def _failures(ip: str) -> int:
    return cache.get(_failures_key(ip)) or 0


def _count_failure(ip: str) -> None:
    key = _failures_key(ip)
    # The window starts at the first failure; add() is a no-op when the count already exists.
    cache.add(key, 0, timeout=settings.NEM_AUTH_FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.NEM_AUTH_FAILURE_WINDOW_SECONDS)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Failed keys are counted per client IP: past NEM_AUTH_FAILURE_LIMIT in the window, that
    client gets 429 (Retry-After) for every key, the right one included, so guessing is slow;
    other clients are not affected."""

    def authenticate(self, request):
        raw = request.META.get(API_KEY_HEADER) or request.query_params.get("api_key")
        if not raw:
            return None
        ip = client_ip(request)
        if _failures(ip) >= settings.NEM_AUTH_FAILURE_LIMIT:
            raise exceptions.Throttled(
                wait=settings.NEM_AUTH_FAILURE_WINDOW_SECONDS,
                detail="Too many failed API key attempts from this address. Try again later.",
            )
        digest = hash_api_key(raw)
        if digest in _env_key_hashes(tuple(settings.NEM_API_KEYS)):
            return (None, ApiKeyPrincipal(name="env-key"))
        # An expired or switched-off key is refused exactly like an unknown one.
        key = ApiKey.objects.active().filter(key_hash=digest).only("pk", "name", "last_used_at").first()
        if key is None:
            _count_failure(ip)
            raise exceptions.AuthenticationFailed("Invalid API key")
        now = timezone.now()
        if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
            # Only a stale time costs the request a write (the UPDATE re-checks, for concurrency).
            api_key_touch(key_id=key.pk, now=now)
        return (None, ApiKeyPrincipal(name=f"api-key:{key.name}"))

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) when no credentials were given.
        return 'ApiKey header="X-API-Key"'


class HasApiKeyOrStaff(permissions.BasePermission):
    message = "API key required. Provide it in the X-API-Key header or the api_key query parameter."

    def has_permission(self, request, view) -> bool:
        if not settings.NEM_API_KEY_REQUIRED:
            return True
        if isinstance(request.auth, ApiKeyPrincipal):
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)


def actor_of(request) -> str:
    """Who is acting, for audit records: the key's name, the staff user, or anonymous."""
    if isinstance(getattr(request, "auth", None), ApiKeyPrincipal):
        return request.auth.name
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.get_username()}"
    return "anonymous"
