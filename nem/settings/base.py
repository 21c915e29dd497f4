"""The complete configuration of NEM, read from environment variables with django-environ.

With DEBUG on and nothing else set, everything runs embedded: SQLite, a file-based local cache
and Celery on kombu's filesystem transport, all under ``var/``. With DEBUG off, SECRET_KEY,
DATABASE_URL, REDIS_URL and CELERY_BROKER_URL are required: there are no production defaults.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class _Env(environ.FileAwareEnv):
    """django-environ that names the variable when a value does not parse: ``NEM_X=thirty`` stops
    start-up with "NEM_X='thirty' is not a valid int" instead of a bare ``ValueError``. Ranges and
    formats are checked afterwards by the system checks in ``nem.checks``."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError as exc:
            kind = getattr(cast, "__name__", None) or (type(default).__name__ if default is not None else "value")
            raise ImproperlyConfigured(
                f"{var}={self.ENVIRON.get(var, '')!r} is not a valid {kind} ({exc}); see README, Configuration."
            ) from None


# FileAwareEnv also honours NAME_FILE (e.g. SECRET_KEY_FILE) for secrets.
env = _Env()
VAR_DIR = Path(env.str("NEM_VAR_DIR", default=str(BASE_DIR / "var")))

# CORE
DEBUG = env.bool("DEBUG", default=False)
EMBEDDED = DEBUG  # embedded defaults are only ever offered to a DEBUG run


def _required(name: str, embedded_default: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if EMBEDDED:
        return embedded_default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is off (see README, Configuration).")


# Submitting a domain to the browsers' HSTS preload list is the domain owner's decision, not the app's.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

SECRET_KEY = _required("SECRET_KEY", "insecure-embedded-development-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "nem",
    "cameras",
    "baselines",
    "scenechanges",
    "onvifctl",
    "health",
    "retention",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files (the admin, the docs page's bundled Swagger UI) from gunicorn.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "nem.middleware.RejectControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "nem.urls"
WSGI_APPLICATION = "nem.wsgi.application"
APPEND_SLASH = False  # the contract's paths have no trailing slash; never redirect a POST

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]



def redact_url(url: str) -> str:
    """The URL without its user and password, for error messages."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}***@{rest.rsplit('@', 1)[1]}" if sep and "@" in rest else url


def _database_config(url: str) -> dict:
    # The scheme is checked first: django-environ warns about an unknown one with the password in it.
    scheme = url.partition("://")[0]
    if "://" not in url or scheme not in environ.Env.DB_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL={redact_url(url)!r} is not a database URL: expected "
            "postgres://USER:PASSWORD@HOST:5432/NAME (or sqlite:///PATH for a local run)."
        )
    return env.db_url_config(url)


# DATABASE
DATABASES = {"default": _database_config(_required("DATABASE_URL", f"sqlite:///{VAR_DIR / 'nem.sqlite3'}"))}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Keep connections: a new TCP connection costs ~5 ms here. Health checks drop dead ones
    # after a PostgreSQL restart, so the web process recovers on its own.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=5)
else:
    # SQLite: wait for the writer instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHE
# The cache is an accelerator only: IGNORE_EXCEPTIONS turns a Redis outage into a cache miss.
# Nothing correctness-critical (locks, broker) uses this alias.
REDIS_URL = env.str("REDIS_URL", default="")
if not REDIS_URL and not EMBEDDED:
    raise ImproperlyConfigured("REDIS_URL must be set when DEBUG is off (see README, Configuration).")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("NEM_CACHE_PREFIX", default="nem"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
else:
    # Embedded: a file-based cache, shared by the web process, the worker and beat.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
if REDIS_URL:
    RATELIMIT_USE_CACHE = "default"
else:
    # Embedded runs serve HTTP from one process, so a process-local counter is exact there;
    # django-ratelimit's check warns because it cannot know that.
    CACHES["ratelimit"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    RATELIMIT_USE_CACHE = "ratelimit"
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]
RATELIMIT_VIEW = "nem.errors.ratelimited_view"
# The limiter's counters live in the cache, which ignores Redis errors: without this, a Redis
# outage would read as "over the limit" and refuse every snapshot.
RATELIMIT_FAIL_OPEN = True
# Behind a reverse proxy, set this to the header carrying the client address (e.g. HTTP_X_REAL_IP),
# or every client shares the proxy's budget.
RATELIMIT_IP_META_KEY = env.str("NEM_RATELIMIT_IP_META_KEY", default="") or None

# AUTH
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
NEM_API_KEYS = env.list("NEM_API_KEYS", default=[])
NEM_API_KEY_REQUIRED = env.bool("NEM_API_KEY_REQUIRED", default=True)

# I18N
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# STATIC
# Production: `manage.py collectstatic` into STATIC_ROOT, served by WhiteNoise with hashed,
# compressed, far-future-cached names. No CDN and no internet: the docs assets come from the sidecar.
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("NEM_STATIC_ROOT", default=str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "nem.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["nem.auth.HasApiKeyOrStaff"],
    "DEFAULT_PAGINATION_CLASS": "nem.pagination.DefaultPagination",
    "PAGE_SIZE": 1000,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend", "nem.api.StrictOrderingFilter"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "nem.schema.NemAutoSchema",
    "EXCEPTION_HANDLER": "nem.errors.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NEM camera backend",
    "DESCRIPTION": """Camera management for the NEM home-security system: cameras and their media, detections and
the activity baselines learnt from them, scene changes, ONVIF control, storage retention and alerts.
A step-by-step guide with `curl` examples is in `docs/api-guide.md`.

**Authentication.** Send an API key in the `X-API-Key` header (or, where a header cannot be set,
the `api_key` query parameter). Keys are created in the admin or with `manage.py create_api_key`;
they do not expire, they are revoked in the admin. A missing key is a 401 `authentication-required`,
an unknown or revoked one a 401 `invalid-api-key`; too many invalid keys from one address are a 429. `GET /api/`,
the schema, `/problems/`, `/health`, `/ready` and snapshots need no key.

**Lists.** A list answers `{"items": [...], "pagination": {"total", "limit", "offset",
"next_cursor", "has_more"}}`. Page with `limit` (1-1000) and `offset`, or follow
`pagination.next_cursor` with `cursor` (stable while rows are added; bound to the `ordering` it
was issued for). Lists that take `ordering` accept a comma-separated list of the fields the
operation names, `-` for descending; detections, events and alerts are newest first by default.
A query parameter an operation does not take is refused (422), never ignored.

**Errors.** Every error is an `application/problem+json` document with `type` (a link to the
kind's page), `code` (its stable name), `title`, `status`, `detail` and `instance`; a 422 adds
`errors: [{field, message}]`. Branch on `code` or `type`, never on `detail`. The kinds are listed
at [/problems/](/problems/).

**Idempotency.** `POST /api/detections` takes an `Idempotency-Key` header: a retry with the same key
is answered with the first answer instead of storing the detections twice.""",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # "/api" is a prefix, not a resource: operation ids and tags start after it.
    "SCHEMA_PATH_PREFIX": r"/api",
    "TAGS": [
        {"name": "API", "description": "The resource index a client starts from."},
        {"name": "Cameras", "description": "Register, list, change and trash cameras."},
        {"name": "Trash", "description": "Trashed cameras: list, restore; purged after the retention period."},
        {"name": "Media", "description": "Snapshots and the media folders cameras upload to."},
        {"name": "Service", "description": "Liveness and readiness of the service, for load balancers."},
        {"name": "Health", "description": "Each camera's health: its verdict, why, and its history."},
        {"name": "Baselines", "description": "Per camera, the activity learnt from detections, and anomalies."},
        {"name": "Detections", "description": "Objects detected in camera images: report them, list them."},
        {"name": "Events", "description": "Detections grouped into events."},
        {"name": "Scene changes", "description": "Changes of a camera's view (moved, covered), to acknowledge."},
        {"name": "ONVIF", "description": "Discover ONVIF devices; capabilities, PTZ, presets and events of a camera."},
        {"name": "Storage", "description": "Disk used per camera, and its retention policy."},
        {"name": "Alerts", "description": "Alerts raised for cameras (offline, anomalies, scene changes)."},
        {"name": "Alert endpoints", "description": "Where alerts are sent: webhooks, push, MQTT."},
        {"name": "Alert deliveries", "description": "Each attempt to send an alert to an endpoint, with its outcome."},
    ],
}

# CELERY
CELERY_BROKER_URL = _required("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A late-acked task whose worker died is handed to another worker after this many seconds;
    # it must exceed the longest task's hard time limit, or a slow task would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("NEM_CELERY_VISIBILITY_TIMEOUT", default=900)}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ROUTES = {"scenechanges.*": {"queue": "scenechanges"}}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# One scheduler of record. Every entry has a cron-equivalent management command.
CELERY_BEAT_SCHEDULE = {
    # daily at 03:17 UTC
    "purge-trash": {
        "task": "cameras.purge_trash",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 3600},
    },
}

# CAMERAS
NEM_MEDIA_ROOT = env.str("NEM_MEDIA_ROOT", default=str(VAR_DIR / "media"))
if EMBEDDED:
    # The embedded run keeps its database, cache, broker queues, static files and demo media under
    # var/: create them here so that any entry point (runserver, celery, a command) works on a fresh
    # clone. A production media root is a mount: readiness reports it missing, nothing creates it.
    for _folder in (VAR_DIR, STATIC_ROOT, Path(NEM_MEDIA_ROOT)):
        _folder.mkdir(parents=True, exist_ok=True)
NEM_TRASH_RETENTION_DAYS = env.int("NEM_TRASH_RETENTION_DAYS", default=30)
NEM_CAMERA_LIST_CACHE_TTL = env.int("NEM_CAMERA_LIST_CACHE_TTL", default=60)
NEM_RATE_LIMIT_MEDIA = env.str("NEM_RATE_LIMIT_MEDIA", default="30/m")
# Key for encrypting RTSP passwords at rest; derived from SECRET_KEY when unset.
NEM_FIELD_ENCRYPTION_KEY = env.str("NEM_FIELD_ENCRYPTION_KEY", default="")

# MEDIA: ingestion, snapshot, status
# A camera with no new media for this long is "offline" (ftp cameras that upload on motion only
# may be quiet for a while: raise it for them).
NEM_STATUS_OFFLINE_AFTER_SECONDS = env.int("NEM_STATUS_OFFLINE_AFTER_SECONDS", default=3600)
# Open and read timeout of one RTSP frame grab (OpenCV waits 30 s without one).
NEM_STREAM_TIMEOUT_SECONDS = env.float("NEM_STREAM_TIMEOUT_SECONDS", default=5.0)
NEM_STREAM_GRAB_CONCURRENCY = env.int("NEM_STREAM_GRAB_CONCURRENCY", default=4)
NEM_STREAM_GRAB_EVERY_SECONDS = env.int("NEM_STREAM_GRAB_EVERY_SECONDS", default=60)
# A file last modified longer ago than this is complete at first sight; newer ones need two looks
# with the same size (images ending in their format's trailer need none).
NEM_MEDIA_SETTLE_SECONDS = env.int("NEM_MEDIA_SETTLE_SECONDS", default=60)
# At most this many new frames per camera per scan go to the scene comparison (the newest).
NEM_SCAN_MAX_FRAMES_PER_LOOK = env.int("NEM_SCAN_MAX_FRAMES_PER_LOOK", default=5)
# Bound of the one-off scan a snapshot request makes for a camera that was never scanned.
NEM_SNAPSHOT_SCAN_MAX_ENTRIES = env.int("NEM_SNAPSHOT_SCAN_MAX_ENTRIES", default=50000)
# Frames extracted from videos; must be outside NEM_MEDIA_ROOT so they are never taken for uploads.
NEM_SNAPSHOT_CACHE_DIR = env.str("NEM_SNAPSHOT_CACHE_DIR", default=str(VAR_DIR / "snapshot-cache"))
# every 30 seconds
CELERY_BEAT_SCHEDULE["scan-media"] = {"task": "cameras.scan_media", "schedule": 30.0, "options": {"expires": 25}}
# every NEM_STREAM_GRAB_EVERY_SECONDS (default 60 s)
CELERY_BEAT_SCHEDULE["grab-frames"] = {
    "task": "cameras.grab_frames",
    "schedule": float(NEM_STREAM_GRAB_EVERY_SECONDS),
    "options": {"expires": max(NEM_STREAM_GRAB_EVERY_SECONDS - 5, 5)},
}
# every minute
CELERY_BEAT_SCHEDULE["check-camera-status"] = {
    "task": "cameras.check_camera_status",
    "schedule": 60.0,
    "options": {"expires": 55},
}

# BASELINES
# Activity baselines learn from the last NEM_BASELINE_WINDOW_DAYS days of hourly counts; an hour
# k whole weeks older than the newest completed hour weighs NEM_BASELINE_DECAY ** k.
NEM_BASELINE_WINDOW_DAYS = env.int("NEM_BASELINE_WINDOW_DAYS", default=56)
NEM_BASELINE_DECAY = env.float("NEM_BASELINE_DECAY", default=0.85)
# Hours a slot must have observed before it counts as learnt (8 weeks give 8 per weekday slot).
NEM_BASELINE_MIN_SAMPLES = env.int("NEM_BASELINE_MIN_SAMPLES", default=4)
# An hour is anomalous when its count is as improbable as a k-sigma event (one-sided).
NEM_BASELINE_THRESHOLD_STDEV = env.float("NEM_BASELINE_THRESHOLD_STDEV", default=3.0)
NEM_EVENT_GAP_SECONDS = env.int("NEM_EVENT_GAP_SECONDS", default=90)
NEM_DETECTION_IDEMPOTENCY_HOURS = env.int("NEM_DETECTION_IDEMPOTENCY_HOURS", default=24)
# hourly at :03 UTC, after the hour closes: scores the last completed hour against the baseline
# learnt before it (the scan runs before the recompute so an hour never explains itself)
CELERY_BEAT_SCHEDULE["detect-anomalies"] = {
    "task": "baselines.detect_anomalies",
    "schedule": crontab(minute=3),
    "options": {"expires": 3000},
}
# hourly at :07 UTC: rebuilds every live camera's hourly counts and slots from raw detections
CELERY_BEAT_SCHEDULE["recompute-baselines"] = {
    "task": "baselines.recompute",
    "schedule": crontab(minute=7),
    "options": {"expires": 3000},
}

# SCENE CHANGES
# References (one per camera and lighting mode) and copies of changed frames live here, outside
# the camera folders, so an FTP clean-up never deletes them and a scan never ingests them.
NEM_SCENE_REFERENCE_DIR = env.str("NEM_SCENE_REFERENCE_DIR", default=str(VAR_DIR / "scene-references"))
# A change is recorded once it persisted over this many consecutive frames.
NEM_SCENE_CONFIRM_FRAMES = env.int("NEM_SCENE_CONFIRM_FRAMES", default=2)
# Comparisons pause at least this long after a PTZ move or preset goto (view_moving).
NEM_SCENE_PTZ_PAUSE_SECONDS = env.float("NEM_SCENE_PTZ_PAUSE_SECONDS", default=10.0)
# Detector thresholds (scenechanges.detector.DetectorConfig documents each one).
NEM_SCENE_MIN_CHANGED_FRACTION = env.float("NEM_SCENE_MIN_CHANGED_FRACTION", default=0.25)
NEM_SCENE_TILE_CORRELATION = env.float("NEM_SCENE_TILE_CORRELATION", default=0.5)
NEM_SCENE_FLAT_STD = env.float("NEM_SCENE_FLAT_STD", default=7.0)
NEM_SCENE_BLOCKED_ENTROPY = env.float("NEM_SCENE_BLOCKED_ENTROPY", default=3.0)
NEM_SCENE_DETAIL_LOSS_RATIO = env.float("NEM_SCENE_DETAIL_LOSS_RATIO", default=0.5)
NEM_SCENE_MIN_SHIFT_FRACTION = env.float("NEM_SCENE_MIN_SHIFT_FRACTION", default=0.03)
NEM_SCENE_MIN_ROTATION_DEGREES = env.float("NEM_SCENE_MIN_ROTATION_DEGREES", default=3.0)
NEM_SCENE_IR_CHROMA_MAX = env.float("NEM_SCENE_IR_CHROMA_MAX", default=4.0)

# ONVIF
# Discovery multicasts a WS-Discovery probe on the non-loopback interfaces whose network overlaps
# the requested subnet; tests, CI and benchmarks set this false (unicast probes only).
NEM_ONVIF_MULTICAST = env.bool("NEM_ONVIF_MULTICAST", default=True)
# Every SOAP call to a device: TCP connect bound, then read bound (seconds). Past it: 503.
NEM_ONVIF_CONNECT_TIMEOUT_SECONDS = env.float("NEM_ONVIF_CONNECT_TIMEOUT_SECONDS", default=2.0)
NEM_ONVIF_TIMEOUT_SECONDS = env.float("NEM_ONVIF_TIMEOUT_SECONDS", default=5.0)
# A pan/tilt/zoom move is stopped by the server after this long unless another command comes first.
NEM_PTZ_MOVE_SECONDS = env.float("NEM_PTZ_MOVE_SECONDS", default=1.0)
# How long scene-change comparison pauses after a preset goto (the motor needs time to arrive).
NEM_PTZ_PRESET_SECONDS = env.float("NEM_PTZ_PRESET_SECONDS", default=10.0)
# Discovery: the largest subnet probed by unicast (IPv4 prefix length: 22 = 1024 addresses),
# the WS-Discovery UDP port, and the bound on fetching one device's details.
NEM_ONVIF_DISCOVERY_MAX_PREFIX = env.int("NEM_ONVIF_DISCOVERY_MAX_PREFIX", default=22)
NEM_ONVIF_DISCOVERY_PORT = env.int("NEM_ONVIF_DISCOVERY_PORT", default=3702)
NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS = env.float("NEM_ONVIF_DISCOVERY_DEVICE_TIMEOUT_SECONDS", default=5.0)
# Per client IP; a discovery sends up to a thousand probes, so keep it scarce.
NEM_RATE_LIMIT_DISCOVERY = env.str("NEM_RATE_LIMIT_DISCOVERY", default="6/m")

# RETENTION: storage that never fills; prune_storage
# NEM's own grabbed frames: kept this many hours, at most this many per camera (0: no limit).
NEM_RETENTION_FRAMES_MAX_AGE_HOURS = env.int("NEM_RETENTION_FRAMES_MAX_AGE_HOURS", default=24)
NEM_RETENTION_FRAMES_MAX_COUNT = env.int("NEM_RETENTION_FRAMES_MAX_COUNT", default=2000)
# Uploaded media in the camera folders: never touched unless enabled; then by age and by bytes
# per camera (0: no limit of that kind).
NEM_RETENTION_UPLOADS_ENABLED = env.bool("NEM_RETENTION_UPLOADS_ENABLED", default=False)
NEM_RETENTION_UPLOADS_MAX_AGE_DAYS = env.int("NEM_RETENTION_UPLOADS_MAX_AGE_DAYS", default=30)
NEM_RETENTION_UPLOADS_MAX_BYTES = env.int("NEM_RETENTION_UPLOADS_MAX_BYTES", default=0)
# Snapshot cache files, retired scene references and unreferenced reference-store files (0: kept).
NEM_RETENTION_CACHE_MAX_AGE_DAYS = env.int("NEM_RETENTION_CACHE_MAX_AGE_DAYS", default=7)
# Detections, events and anomalies older than this; never inside the baseline window plus the margin.
NEM_RETENTION_ROWS_MAX_AGE_DAYS = env.int("NEM_RETENTION_ROWS_MAX_AGE_DAYS", default=90)
NEM_RETENTION_ROWS_MARGIN_DAYS = env.int("NEM_RETENTION_ROWS_MARGIN_DAYS", default=7)
# Resolved alerts (never held ones) and finished deliveries, when the alerts app is installed.
NEM_RETENTION_ALERTS_MAX_AGE_DAYS = env.int("NEM_RETENTION_ALERTS_MAX_AGE_DAYS", default=90)
# Files unlinked (and rows deleted) per batch: one short claim or transaction each.
NEM_RETENTION_BATCH_SIZE = env.int("NEM_RETENTION_BATCH_SIZE", default=1000)
# Free-space floor of the media root's filesystem: the larger of a percentage and a byte count.
NEM_STORAGE_FLOOR_PERCENT = env.float("NEM_STORAGE_FLOOR_PERCENT", default=5.0)
NEM_STORAGE_FLOOR_BYTES = env.int("NEM_STORAGE_FLOOR_BYTES", default=1024**3)
# Dotted path of f(path) -> (total_bytes, free_bytes); empty: the filesystem's own figures.
NEM_STORAGE_FREE_PROBE = env.str("NEM_STORAGE_FREE_PROBE", default="")
# hourly at :23 UTC, away from the baseline jobs at :03 and :07
CELERY_BEAT_SCHEDULE["prune-storage"] = {
    "task": "retention.prune_storage",
    "schedule": crontab(minute=23),
    "options": {"expires": 3000},
}

# HEALTH (camera health verdict: health app)
# Stream cameras get a frame every NEM_STREAM_GRAB_EVERY_SECONDS: ten minutes without one is an
# outage, while a five-minute blip (a reboot, a Wi-Fi hiccup) passes unreported.
NEM_HEALTH_OFFLINE_GRACE_SECONDS = env.int("NEM_HEALTH_OFFLINE_GRACE_SECONDS", default=600)
# Upload folders fill in bursts, on motion: 0 uses NEM_STATUS_OFFLINE_AFTER_SECONDS (an hour).
NEM_HEALTH_OFFLINE_GRACE_FTP_SECONDS = env.int("NEM_HEALTH_OFFLINE_GRACE_FTP_SECONDS", default=0)
# An offline camera is online again after this many consecutive new frames (one late frame is not a recovery).
NEM_HEALTH_ONLINE_AFTER_FRAMES = env.int("NEM_HEALTH_ONLINE_AFTER_FRAMES", default=3)
# Frames arriving with the same picture this long, on a camera whose picture changes, are "frozen"; 0 turns it off.
NEM_HEALTH_FROZEN_MINUTES = env.int("NEM_HEALTH_FROZEN_MINUTES", default=30)
# Two frames show the same picture when their 256-bit hashes differ in at most this many bits and
# their 32 x 24 block means by at most this many grey levels on average (a stuck picture re-sent does
# not move them at all; a live 1080p camera's sensor noise moves them by a few hundredths).
NEM_HEALTH_FROZEN_HASH_DISTANCE = env.int("NEM_HEALTH_FROZEN_HASH_DISTANCE", default=3)
NEM_HEALTH_FROZEN_PIXEL_TOLERANCE = env.float("NEM_HEALTH_FROZEN_PIXEL_TOLERANCE", default=0.005)
# Fraction of the height ignored at the top and at the bottom (burnt-in clock and name).
NEM_HEALTH_HASH_MASK_FRACTION = env.float("NEM_HEALTH_HASH_MASK_FRACTION", default=0.12)
# Consecutive hours with an absence anomaly, while media arrive, before "silent"; 0 turns it off.
NEM_HEALTH_SILENT_HOURS = env.int("NEM_HEALTH_SILENT_HOURS", default=2)
# every minute; evaluate_health derives the status, so it replaces the beat entry of check_camera_status
# (that command and task still work, and run the same evaluation).
CELERY_BEAT_SCHEDULE.pop("check-camera-status", None)
CELERY_BEAT_SCHEDULE["evaluate-health"] = {"task": "health.evaluate", "schedule": 60.0, "options": {"expires": 55}}
# One schema enum for every health state field (the verdict, a transition's previous and new state).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["HealthStateEnum"] = "health.models.HealthState"
# Alerts: the alert kinds and the endpoint kinds are different choice sets that share a field name,
# and severity is one choice set under two field names.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "AlertKindEnum": "alerts.models.AlertKind",
        "EndpointKindEnum": "alerts.models.EndpointKind",
        "SeverityEnum": ["info", "warning", "critical"],
    }
)

# LOGGING
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"):
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} is not valid. Accepted: DEBUG, INFO, WARNING, ERROR, CRITICAL.")
# Explicit so that libraries which call logging.basicConfig at import (onvif-zeep) do not
# decide where our log lines go.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# HTTPS. Cookies are secure by default in production. Behind a TLS-terminating proxy, set
# NEM_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (and make the proxy set or strip that header: trusting
# it from clients would let them claim HTTPS). HSTS and the redirect are opt-in: turning them on for a
# host that is not served over HTTPS locks browsers out of it.
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
_proxy_ssl_header = env.str("NEM_PROXY_SSL_HEADER", default="")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None
SECURE_SSL_REDIRECT = env.bool("NEM_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("NEM_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("NEM_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("NEM_HSTS_PRELOAD", default=False)

# /health and /ready answer load balancers on plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$"]
# The production refusal of an open API (NEM_API_KEY_REQUIRED=false) needs this to be said out loud.
NEM_ALLOW_OPEN_API = env.bool("NEM_ALLOW_OPEN_API", default=False)

# SECURITY HARDENING
# Networks a camera connection may reach (RTSP, ONVIF, discovery): CIDRs, comma separated. Default:
# RFC 1918 and IPv6 ULA. Loopback and link-local are reachable only when an entry lies inside them.
NEM_DEVICE_NETWORKS = env.list("NEM_DEVICE_NETWORKS", default=["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"])
# The largest response one device call may return (the whole SOAP body), in bytes.
NEM_DEVICE_MAX_RESPONSE_BYTES = env.int("NEM_DEVICE_MAX_RESPONSE_BYTES", default=2 * 1024 * 1024)
# JSON request bodies nested deeper than this are a 422 (the parser stops before recursing).
NEM_JSON_MAX_DEPTH = env.int("NEM_JSON_MAX_DEPTH", default=32)
# Images with more pixels than this are never decoded (the header is read first).
NEM_MAX_IMAGE_PIXELS = env.int("NEM_MAX_IMAGE_PIXELS", default=40_000_000)
# Time budget of one video frame extraction for a snapshot (seconds of wall clock).
NEM_VIDEO_EXTRACT_SECONDS = env.float("NEM_VIDEO_EXTRACT_SECONDS", default=2.0)
# Failed API-key authentications per client IP before a 429 (per NEM_AUTH_FAILURE_WINDOW_SECONDS).
NEM_AUTH_FAILURE_LIMIT = env.int("NEM_AUTH_FAILURE_LIMIT", default=10)
NEM_AUTH_FAILURE_WINDOW_SECONDS = env.int("NEM_AUTH_FAILURE_WINDOW_SECONDS", default=300)
# API keys are shown once from the session, never from a (signed, readable) message cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Request bodies: JSON depth and identifier rules (nem.parsers); forms for the browsable API.
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "nem.parsers.StrictJSONParser",
    "nem.parsers.StrictFormParser",
    "nem.parsers.StrictMultiPartParser",
]
# Admin login throttling (django-axes): a client IP that fails this many logins is locked out for
# NEM_ADMIN_LOGIN_COOLOFF_MINUTES (429); a success resets its count.
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AXES_FAILURE_LIMIT = env.int("NEM_ADMIN_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.float("NEM_ADMIN_LOGIN_COOLOFF_MINUTES", default=15.0) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "nem.auth.client_ip"  # the same client address the rate limits use
# The 413 (body too large) and 429 (failed keys) every operation may answer, in the schema.
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    *SPECTACULAR_SETTINGS.get("POSTPROCESSING_HOOKS", ["drf_spectacular.hooks.postprocess_schema_enums"]),
    "nem.schema_limits.document_request_limits",
    "nem.schema.document_examples",  # last: the 413 and 429 above get their examples too
]
# END SECURITY HARDENING

# ALERTS
# MQTT: one connection owned by `manage.py run_alert_publisher`; empty = no MQTT outbox rows at all.
NEM_MQTT_URL = env.str("NEM_MQTT_URL", default="")  # mqtt://user:password@host:1883 or mqtts://...
NEM_MQTT_CLIENT_ID = env.str("NEM_MQTT_CLIENT_ID", default="nem-alerts")
NEM_MQTT_TOPIC_PREFIX = env.str("NEM_MQTT_TOPIC_PREFIX", default="nem")
NEM_MQTT_DISCOVERY_PREFIX = env.str("NEM_MQTT_DISCOVERY_PREFIX", default="homeassistant")
# How often the idle publisher looks at the outbox, and re-reads the live cameras for discovery.
NEM_MQTT_POLL_SECONDS = env.float("NEM_MQTT_POLL_SECONDS", default=0.1)
NEM_MQTT_RECONCILE_SECONDS = env.float("NEM_MQTT_RECONCILE_SECONDS", default=5.0)
# Links in alert payloads (camera, snapshot) are made absolute with this.
NEM_PUBLIC_URL = env.str("NEM_PUBLIC_URL", default="http://127.0.0.1:8000")
# A delivery is retried (exponential backoff with jitter, capped) for this long, then dead-lettered.
NEM_ALERT_MAX_AGE = env.int("NEM_ALERT_MAX_AGE", default=24 * 3600)
NEM_ALERT_RETRY_BASE_SECONDS = env.float("NEM_ALERT_RETRY_BASE_SECONDS", default=5.0)
NEM_ALERT_RETRY_MAX_SECONDS = env.float("NEM_ALERT_RETRY_MAX_SECONDS", default=900.0)
NEM_ALERT_HTTP_TIMEOUT_SECONDS = env.float("NEM_ALERT_HTTP_TIMEOUT_SECONDS", default=10.0)
# Webhook and push targets on loopback (this host) are refused unless this is on; link-local ones always.
NEM_ALERT_ALLOW_LOOPBACK_TARGETS = env.bool("NEM_ALERT_ALLOW_LOOPBACK_TARGETS", default=False)
# every 15 seconds: retries whose backoff has passed (fresh deliveries are sent on commit)
CELERY_BEAT_SCHEDULE["drain-alerts"] = {"task": "alerts.drain", "schedule": 15.0, "options": {"expires": 14}}

# ONVIF EVENTS AND PTZ PRESETS
# run_onvif_events: each PullMessages waits up to PULL seconds for messages; subscriptions are asked
# for SUBSCRIPTION seconds and renewed when fewer than RENEW_BEFORE + PULL seconds are left; a
# lapsed or refused subscription is recreated after a backoff that doubles up to BACKOFF_MAX.
NEM_ONVIF_EVENTS_PULL_SECONDS = env.float("NEM_ONVIF_EVENTS_PULL_SECONDS", default=20.0)
NEM_ONVIF_EVENTS_SUBSCRIPTION_SECONDS = env.float("NEM_ONVIF_EVENTS_SUBSCRIPTION_SECONDS", default=120.0)
NEM_ONVIF_EVENTS_RENEW_BEFORE_SECONDS = env.float("NEM_ONVIF_EVENTS_RENEW_BEFORE_SECONDS", default=30.0)
NEM_ONVIF_EVENTS_MESSAGE_LIMIT = env.int("NEM_ONVIF_EVENTS_MESSAGE_LIMIT", default=100)
NEM_ONVIF_EVENTS_BACKOFF_MAX_SECONDS = env.float("NEM_ONVIF_EVENTS_BACKOFF_MAX_SECONDS", default=300.0)
# How often the process re-reads which cameras to subscribe to (new, changed, trashed cameras).
NEM_ONVIF_EVENTS_REFRESH_SECONDS = env.float("NEM_ONVIF_EVENTS_REFRESH_SECONDS", default=60.0)
# Threads that write the received events to the database (the event loop itself is one thread).
NEM_ONVIF_EVENTS_DB_WORKERS = env.int("NEM_ONVIF_EVENTS_DB_WORKERS", default=4)
# After a preset goto, GetStatus is polled this often until MoveStatus is IDLE (at most
# NEM_PTZ_PRESET_SECONDS); after a continuous move, a view still for this long becomes the
# free view's reference.
NEM_PTZ_STATUS_POLL_SECONDS = env.float("NEM_PTZ_STATUS_POLL_SECONDS", default=0.5)
NEM_SCENE_FREE_VIEW_QUIET_SECONDS = env.float("NEM_SCENE_FREE_VIEW_QUIET_SECONDS", default=30.0)
