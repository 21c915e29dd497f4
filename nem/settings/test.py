"""Test overlay: the real servers when DATABASE_URL / REDIS_URL are given (CI on PostgreSQL +
Redis), else the embedded defaults (SQLite, a local cache). Celery runs eagerly, propagating errors."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("NEM_ONVIF_MULTICAST", "false")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

from .base import *  # noqa: E402,F403
from .base import CACHES, REDIS_URL  # noqa: E402

DEBUG = False  # tests run as production does
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
NEM_API_KEYS = ["test-api-key-for-the-test-suite-only-0001"]
# Device peers in tests live on loopback (the conftest guard allows nothing else); the private
# ranges stay listed so configurations that name LAN hosts still save.
NEM_DEVICE_NETWORKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "127.0.0.0/8", "::1/128"]
# The contract's media root: camera folders must lie inside it (cameras.folders), and the API tests
# use the contract's paths. Tests that touch the disk point it at a temporary folder (media_root).
NEM_MEDIA_ROOT = "/export/foscam"
# Device host names other than localhost do not resolve: a DNS query would leave the machine.
NEM_DEVICE_DNS = False

if not REDIS_URL:
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "nem-tests"}


if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not shared-cache memory: threads in concurrency tests then lock like production does.
    import tempfile

    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(), f"nem-test-{os.getpid()}.sqlite3")}  # noqa: F405

# Tests render admin pages without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# Alerts: webhook and push receivers in tests are loopback peers.
NEM_ALERT_ALLOW_LOOPBACK_TARGETS = True
