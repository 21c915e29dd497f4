"""Settings validated at start-up, as Django system checks.

Every process runs them before it serves or works: ``migrate``, ``runserver`` and ``check`` (Django
does), gunicorn (``nem.wsgi``) and the Celery worker and beat (``nem.celery``). An error names the
variable, the value it has and what is accepted, so a typo stops the deployment instead of failing
later (a negative retention that empties the trash, a rate string that turns every snapshot into an
error, a Fernet key that breaks at the first RTSP camera).

Each app lists its own settings in ``SETTING_RULES`` (a rule per setting: what values are valid and
how to say so); a new ``NEM_*`` setting gets its rule in the same change that adds it.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


@dataclass(frozen=True)
class SettingRule:
    name: str
    accepted: str
    valid: Callable[[Any], bool]


def number(
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
    integer: bool = False,
) -> SettingRule:
    """A number with an inclusive ``minimum``/``maximum`` or an exclusive lower bound ``above``."""
    kind = "an integer" if integer else "a number"
    bounds = []
    if above is not None:
        bounds.append(f"> {above:g}")
    if minimum is not None:
        bounds.append(f">= {minimum:g}")
    if maximum is not None:
        bounds.append(f"<= {maximum:g}")

    def valid(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if integer and not float(value).is_integer():
            return False
        if above is not None and not value > above:
            return False
        if minimum is not None and value < minimum:
            return False
        return maximum is None or value <= maximum

    return SettingRule(name, f"{kind} {' and '.join(bounds)}".strip(), valid)


# django-ratelimit's documented rate format: a count, a slash, an optional multiplier and a unit.
_RATE = re.compile(r"^[1-9]\d*/\d*[smhd]$")


def rate(name: str) -> SettingRule:
    return SettingRule(
        name,
        "a rate such as 30/m, 100/h or 5/10s (count/[multiplier]unit, unit s, m, h or d)",
        lambda value: isinstance(value, str) and bool(_RATE.match(value)),
    )


def url(name: str, schemes: tuple[str, ...], *, optional: bool = False) -> SettingRule:
    def valid(value: Any) -> bool:
        if optional and not value:
            return True
        if not isinstance(value, str):
            return False
        parts = urlsplit(value)
        if parts.scheme not in schemes:
            return False
        return parts.scheme in ("filesystem", "memory", "unix") or bool(parts.hostname)

    return SettingRule(name, f"a URL with scheme {', '.join(s + '://' for s in schemes)} and a host", valid)


def _fernet_key(value: Any) -> bool:
    if not value:
        return True  # derived from SECRET_KEY
    from cryptography.fernet import Fernet

    try:
        Fernet(value)
    except (ValueError, TypeError):
        return False
    return True


def _time_zone(value: Any) -> bool:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


def _dotted_callable(value: Any) -> bool:
    if value == "":
        return True
    if not isinstance(value, str):
        return False
    from django.utils.module_loading import import_string

    try:
        return callable(import_string(value))
    except ImportError:
        return False


def _networks(value: Any) -> bool:
    import ipaddress

    try:
        return isinstance(value, list) and all(ipaddress.ip_network(v.strip(), strict=False) for v in value)
    except (ValueError, AttributeError):
        return False


SETTING_RULES: list[SettingRule] = [
    # cameras and media
    number("NEM_TRASH_RETENTION_DAYS", minimum=1, integer=True),
    number("NEM_CAMERA_LIST_CACHE_TTL", minimum=1, integer=True),
    rate("NEM_RATE_LIMIT_MEDIA"),
    SettingRule(
        "NEM_FIELD_ENCRYPTION_KEY",
        "empty (derived from SECRET_KEY) or a Fernet key: 32 url-safe "
        "base64-encoded bytes, e.g. from cryptography.fernet.Fernet.generate_key()",
        _fernet_key,
    ),
    number("NEM_STATUS_OFFLINE_AFTER_SECONDS", minimum=1, integer=True),
    number("NEM_STREAM_TIMEOUT_SECONDS", above=0),
    number("NEM_STREAM_GRAB_CONCURRENCY", minimum=1, maximum=64, integer=True),
    number("NEM_STREAM_GRAB_EVERY_SECONDS", minimum=5, integer=True),
    number("NEM_MEDIA_SETTLE_SECONDS", minimum=0, integer=True),
    number("NEM_SCAN_MAX_FRAMES_PER_LOOK", minimum=1, integer=True),
    number("NEM_SNAPSHOT_SCAN_MAX_ENTRIES", minimum=1, integer=True),
    # baselines
    number("NEM_BASELINE_WINDOW_DAYS", minimum=7, maximum=366, integer=True),
    number("NEM_BASELINE_DECAY", above=0, maximum=1),
    number("NEM_BASELINE_MIN_SAMPLES", minimum=1, integer=True),
    number("NEM_BASELINE_THRESHOLD_STDEV", above=0),
    number("NEM_EVENT_GAP_SECONDS", minimum=1, integer=True),
    number("NEM_DETECTION_IDEMPOTENCY_HOURS", minimum=1, integer=True),
    # scene changes
    number("NEM_SCENE_CONFIRM_FRAMES", minimum=1, integer=True),
    number("NEM_SCENE_PTZ_PAUSE_SECONDS", minimum=0),
    number("NEM_SCENE_MIN_CHANGED_FRACTION", above=0, maximum=1),
    number("NEM_SCENE_TILE_CORRELATION", above=0, maximum=1),
    number("NEM_SCENE_FLAT_STD", above=0),
    number("NEM_SCENE_BLOCKED_ENTROPY", above=0, maximum=8),
    number("NEM_SCENE_DETAIL_LOSS_RATIO", above=0, maximum=1),
    number("NEM_SCENE_MIN_SHIFT_FRACTION", above=0, maximum=1),
    number("NEM_SCENE_MIN_ROTATION_DEGREES", above=0, maximum=180),
    number("NEM_SCENE_IR_CHROMA_MAX", above=0),
    # ONVIF
    number("NEM_ONVIF_CONNECT_TIMEOUT_SECONDS", above=0),
    number("NEM_ONVIF_TIMEOUT_SECONDS", above=0),
    number("NEM_PTZ_MOVE_SECONDS", above=0, maximum=60),
    number("NEM_PTZ_PRESET_SECONDS", minimum=0),
    number("NEM_ONVIF_DISCOVERY_MAX_PREFIX", minimum=16, maximum=32, integer=True),
    number("NEM_ONVIF_DISCOVERY_PORT", minimum=1, maximum=65535, integer=True),
    number("NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS", above=0),
    rate("NEM_RATE_LIMIT_DISCOVERY"),
    # ONVIF events and PTZ presets
    number("NEM_ONVIF_EVENTS_PULL_SECONDS", above=0, maximum=600),
    number("NEM_ONVIF_EVENTS_SUBSCRIPTION_SECONDS", minimum=10, maximum=86400),
    number("NEM_ONVIF_EVENTS_RENEW_BEFORE_SECONDS", minimum=0),
    number("NEM_ONVIF_EVENTS_MESSAGE_LIMIT", minimum=1, maximum=1000, integer=True),
    number("NEM_ONVIF_EVENTS_BACKOFF_MAX_SECONDS", above=0),
    number("NEM_ONVIF_EVENTS_REFRESH_SECONDS", above=0),
    number("NEM_ONVIF_EVENTS_DB_WORKERS", minimum=1, maximum=64, integer=True),
    number("NEM_PTZ_STATUS_POLL_SECONDS", above=0, maximum=10),
    number("NEM_SCENE_FREE_VIEW_QUIET_SECONDS", minimum=0),
    # infrastructure
    url("REDIS_URL", ("redis", "rediss", "unix"), optional=True),
    url("CELERY_BROKER_URL", ("redis", "rediss", "amqp", "amqps", "pyamqp", "filesystem", "memory")),
    SettingRule("TIME_ZONE", "an IANA time zone name such as UTC or Europe/Berlin", _time_zone),
    number("SECURE_HSTS_SECONDS", minimum=0, integer=True),
    # retention
    number("NEM_RETENTION_FRAMES_MAX_AGE_HOURS", minimum=0, integer=True),
    number("NEM_RETENTION_FRAMES_MAX_COUNT", minimum=0, integer=True),
    number("NEM_RETENTION_UPLOADS_MAX_AGE_DAYS", minimum=0, integer=True),
    number("NEM_RETENTION_UPLOADS_MAX_BYTES", minimum=0, integer=True),
    number("NEM_RETENTION_CACHE_MAX_AGE_DAYS", minimum=0, integer=True),
    number("NEM_RETENTION_ROWS_MAX_AGE_DAYS", minimum=0, integer=True),
    number("NEM_RETENTION_ROWS_MARGIN_DAYS", minimum=0, integer=True),
    number("NEM_RETENTION_ALERTS_MAX_AGE_DAYS", minimum=0, integer=True),
    number("NEM_RETENTION_BATCH_SIZE", minimum=1, maximum=100000, integer=True),
    number("NEM_STORAGE_FLOOR_PERCENT", minimum=0, maximum=90),
    number("NEM_STORAGE_FLOOR_BYTES", minimum=0, integer=True),
    SettingRule("NEM_STORAGE_FREE_PROBE", "empty, or the dotted path of a callable f(path) -> (total_bytes, free_bytes)",
                _dotted_callable),
    # security hardening
    SettingRule(
        "NEM_API_KEYS",
        "API keys of at least 32 characters each (manage.py create_api_key makes one)",
        lambda value: isinstance(value, list) and all(isinstance(k, str) and len(k) >= 32 for k in value),
    ),
    SettingRule("NEM_DEVICE_NETWORKS", "CIDR networks such as 192.168.1.0/24,fd00::/8, comma separated", _networks),
    number("NEM_DEVICE_MAX_RESPONSE_BYTES", minimum=4096, integer=True),
    number("NEM_JSON_MAX_DEPTH", minimum=2, maximum=500, integer=True),
    number("NEM_MAX_IMAGE_PIXELS", minimum=1, integer=True),
    number("NEM_VIDEO_EXTRACT_SECONDS", above=0),
    number("NEM_AUTH_FAILURE_LIMIT", minimum=1, integer=True),
    number("NEM_AUTH_FAILURE_WINDOW_SECONDS", minimum=1, integer=True),
    # camera health
    number("NEM_HEALTH_OFFLINE_GRACE_SECONDS", minimum=1, integer=True),
    number("NEM_HEALTH_OFFLINE_GRACE_FTP_SECONDS", minimum=0, integer=True),
    number("NEM_HEALTH_ONLINE_AFTER_FRAMES", minimum=1, maximum=16, integer=True),
    number("NEM_HEALTH_FROZEN_MINUTES", minimum=0, integer=True),
    number("NEM_HEALTH_FROZEN_HASH_DISTANCE", minimum=0, maximum=255, integer=True),
    number("NEM_HEALTH_FROZEN_PIXEL_TOLERANCE", minimum=0, maximum=255),
    number("NEM_HEALTH_HASH_MASK_FRACTION", minimum=0, maximum=0.45),
    number("NEM_HEALTH_SILENT_HOURS", minimum=0, maximum=168, integer=True),
]


def _shown(name: str, value: Any) -> str:
    """The value for the message, never a secret: keys are hidden, URLs lose their credentials."""
    if "KEY" in name:
        return "(hidden)"
    if "URL" in name and isinstance(value, str) and "@" in value:
        scheme, _, rest = value.partition("://")
        return repr(f"{scheme}://***@{rest.rsplit('@', 1)[1]}")
    return repr(value)


def _env_name(name: str) -> str:
    # The settings that differ from the variable that sets them.
    return {"SECURE_HSTS_SECONDS": "NEM_HSTS_SECONDS"}.get(name, name)


def rule_errors(rules: list[SettingRule], *, id_prefix: str) -> list[checks.CheckMessage]:
    """One error per setting that breaks its rule; an app's own checks call this with its rules."""
    errors: list[checks.CheckMessage] = []
    for index, rule in enumerate(rules, start=1):
        if not hasattr(settings, rule.name):
            continue  # an app that is not installed
        value = getattr(settings, rule.name)
        if not rule.valid(value):
            errors.append(
                checks.Error(
                    f"{_env_name(rule.name)}={_shown(rule.name, value)} is not valid.",
                    hint=f"Accepted: {rule.accepted}.",
                    id=f"{id_prefix}.E{index:03d}",
                )
            )
    return errors


@checks.register(checks.Tags.compatibility)
def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = rule_errors(SETTING_RULES, id_prefix="nem")
    if not settings.DEBUG and not settings.NEM_API_KEY_REQUIRED and not settings.NEM_ALLOW_OPEN_API:
        errors.append(
            checks.Error(
                "NEM_API_KEY_REQUIRED=false with DEBUG=false serves the camera API to anyone who can reach it.",
                hint="Keep NEM_API_KEY_REQUIRED=true, or set NEM_ALLOW_OPEN_API=true to say that an open API "
                "is what you mean (behind your own authenticating proxy, say).",
                id="nem.E101",
            )
        )
    broker = settings.CELERY_BROKER_URL
    if not settings.DEBUG and broker.startswith(("filesystem:", "memory:")) and not settings.CELERY_TASK_ALWAYS_EAGER:
        errors.append(
            checks.Error(
                f"CELERY_BROKER_URL={broker!r} only works inside one machine's local run.",
                hint="Accepted in production: redis://HOST:6379/N or amqp://USER:PASSWORD@HOST:5672//.",
                id="nem.E102",
            )
        )
    return errors


def raise_on_errors() -> None:
    """For entry points Django does not check for us (gunicorn, Celery): stop on any error."""
    from django.core.management.base import SystemCheckError

    serious = [message for message in checks.run_checks() if message.is_serious()]
    if serious:
        raise SystemCheckError(
            "NEM refuses to start; fix these settings:\n" + "\n".join(f"  {m.msg} {m.hint or ''}" for m in serious)
        )
