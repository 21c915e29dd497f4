"""Settings for the load benchmark's gunicorn: the test overlay (real PostgreSQL + Redis from
DATABASE_URL / REDIS_URL, DEBUG off, the test API key) with a URLconf that adds the bare
reference view. Never used outside ``bench/``."""

from nem.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
CELERY_TASK_ALWAYS_EAGER = False  # requests never run background work inline under load
LOGGING["root"]["level"] = "ERROR"  # noqa: F405 - a 4xx warning per request would be the benchmark
