"""Readiness answers 503 as a problem document naming what is down; liveness stays up."""

import pytest

pytestmark = pytest.mark.django_db


def test_ready_is_503_problem_when_the_broker_is_unreachable(anon_client, settings, media_root):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:1//"  # nothing listens on port 1
    response = anon_client.get("/ready")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/not-ready",
        "code": "not_ready",
        "title": "Not ready",
        "status": 503,
        "detail": "Not ready: broker unavailable.",
        "instance": "/ready",
        "checks": {"database": "ok", "cache": "ok", "broker": "unavailable", "media_root": "ok"},
    }
    assert anon_client.get("/health").json() == {"status": "ok"}
