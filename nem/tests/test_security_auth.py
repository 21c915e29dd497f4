"""Authentication hardening: failed API keys are rate limited per client, short keys
stop start-up, the admin login is throttled, and a new API key never travels in a cookie."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import TEST_API_KEY
from nem.checks import check_settings

PROBLEM = "application/problem+json"


@pytest.mark.django_db
def test_failed_api_keys_are_rate_limited_per_client_and_the_right_key_keeps_working_elsewhere(settings, problem_doc):
    settings.NEM_AUTH_FAILURE_LIMIT = 10
    settings.NEM_AUTH_FAILURE_WINDOW_SECONDS = 300
    guesser = Client(REMOTE_ADDR="10.9.9.9")
    for attempt in range(10):
        response = guesser.get("/api/cameras", HTTP_X_API_KEY=f"guess-{attempt}")
        assert response.status_code == 401, attempt

    blocked = guesser.get("/api/cameras", HTTP_X_API_KEY=TEST_API_KEY)
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "300"
    assert blocked["Content-Type"] == PROBLEM
    assert blocked.json() == problem_doc(
        "rate-limited",
        "Too many failed API key attempts from this address. Try again later. Expected available in 300 seconds.",
        "/api/cameras",
    )
    assert guesser.get("/api/cameras", HTTP_X_API_KEY="guess-11").status_code == 429

    other = Client(REMOTE_ADDR="10.9.9.10")
    assert other.get("/api/cameras", HTTP_X_API_KEY=TEST_API_KEY).status_code == 200


@pytest.mark.django_db
def test_successful_requests_do_not_count_towards_the_limit(settings):
    settings.NEM_AUTH_FAILURE_LIMIT = 2
    client = Client(REMOTE_ADDR="10.9.9.11")
    for _ in range(5):
        assert client.get("/api/cameras", HTTP_X_API_KEY=TEST_API_KEY).status_code == 200
    assert client.get("/api/cameras", HTTP_X_API_KEY="wrong").status_code == 401


def test_short_api_keys_stop_start_up(settings):
    settings.NEM_API_KEYS = ["x", "a" * 40]
    errors = [e for e in check_settings() if "NEM_API_KEYS" in e.msg]
    assert len(errors) == 1
    assert errors[0].msg == "NEM_API_KEYS=(hidden) is not valid."
    assert errors[0].hint == "Accepted: API keys of at least 32 characters each (manage.py create_api_key makes one)."
    settings.NEM_API_KEYS = ["a" * 32]
    assert not [e for e in check_settings() if "NEM_API_KEYS" in e.msg]


def test_device_networks_must_be_cidrs(settings):
    settings.NEM_DEVICE_NETWORKS = ["192.168.1.0/24", "not-a-network"]
    assert [e.msg for e in check_settings() if "NEM_DEVICE_NETWORKS" in e.msg] == [
        "NEM_DEVICE_NETWORKS=['192.168.1.0/24', 'not-a-network'] is not valid."
    ]


@pytest.mark.django_db
def test_the_admin_login_is_locked_after_repeated_failures_for_that_client_only(staff_user, settings):
    settings.AXES_FAILURE_LIMIT = 10
    attacker = Client(REMOTE_ADDR="10.8.8.8")
    for _ in range(9):
        response = attacker.post("/admin/login/", {"username": "admin", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    # the tenth failure locks the client out
    assert attacker.post("/admin/login/", {"username": "admin", "password": "wrong"}).status_code == 429
    locked = attacker.post("/admin/login/", {"username": "admin", "password": "admin-password-1"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in attacker.session

    owner = Client(REMOTE_ADDR="10.8.8.9")
    response = owner.post("/admin/login/", {"username": "admin", "password": "admin-password-1"})
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(staff_user.pk)


@pytest.mark.django_db
def test_a_new_api_key_is_shown_once_and_never_travels_in_a_cookie(staff_user):
    client = Client()
    client.force_login(staff_user)
    page = client.get("/admin/nem/apikey/add/")
    response = client.post("/admin/nem/apikey/add/", {"name": "frontend", "_save": "Save"})
    assert response.status_code == 302
    assert "messages" not in response.cookies
    for morsel in response.cookies.values():
        assert "nem_" not in morsel.value
    listing = client.get(response["Location"])
    text = listing.content.decode()
    assert "API key for frontend: nem_" in text
    raw = text.split("API key for frontend: ", 1)[1].split(" ", 1)[0]
    assert len(raw) >= 32
    assert "messages" not in listing.cookies
    assert raw not in client.get(response["Location"]).content.decode()  # shown once
    assert page.status_code == 200
