"""Settings for the load benchmark's gunicorn: the test overlay (real PostgreSQL + Redis from
DATABASE_URL / REDIS_URL, DEBUG off, the test API key) with a URLconf that adds the bare
reference view. Never used outside ``bench/``."""

import os

from nem.settings.test import *  # noqa: F403

# The test overlay pins the contract's /export/foscam; the benchmark's folders are real ones.
NEM_MEDIA_ROOT = os.environ.get("NEM_MEDIA_ROOT", NEM_MEDIA_ROOT)  # noqa: F405

ROOT_URLCONF = "bench.urls"
CELERY_TASK_ALWAYS_EAGER = False  # requests never run background work inline under load
LOGGING["root"]["level"] = "ERROR"  # noqa: F405 - a 4xx warning per request would be the benchmark
