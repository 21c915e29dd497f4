"""Production settings fail fast: no secret or service URL has a default when DEBUG is off."""

import os
import subprocess
import sys

import pytest

REQUIRED = {
    "SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgres://nem@127.0.0.1:5432/nem",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def load_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in REQUIRED and k != "DEBUG"}
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.SECRET_KEY; print('loaded')"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "nem.settings.base", "DEBUG": "false", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_load_with_everything_given():
    result = load_settings(REQUIRED)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded"


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_production_refuses_to_start_without(missing):
    result = load_settings({k: v for k, v in REQUIRED.items() if k != missing})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set when DEBUG is off" in result.stderr
