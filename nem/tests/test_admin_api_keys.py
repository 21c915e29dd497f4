"""API keys: an expired key is refused like an unknown one; the last use is recorded at most once
a minute per key; the admin shows both and sets the expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from nem.models import ApiKey, api_key_create, api_key_touch

pytestmark = pytest.mark.django_db

INVALID = {
    "type": "/problems/invalid-api-key",
    "code": "invalid_api_key",
    "title": "API key is invalid",
    "status": 401,
    "detail": "Invalid API key",
    "instance": "/api/cameras",
}


def get_cameras(client, raw: str):
    return client.get("/api/cameras", HTTP_X_API_KEY=raw)


def test_an_expired_key_is_refused_like_an_unknown_key(client, settings):
    settings.NEM_API_KEY_REQUIRED = True
    key, raw = api_key_create(name="dashboard")
    key.expires_at = timezone.now() - dt.timedelta(seconds=1)
    key.save()
    expired = get_cameras(client, raw)
    unknown = get_cameras(client, "nem_" + "x" * 43)
    assert expired.status_code == unknown.status_code == 401
    assert expired.json() == unknown.json() == INVALID
    key.refresh_from_db()
    assert key.last_used_at is None

    key.expires_at = timezone.now() + dt.timedelta(days=1)
    key.save()
    assert get_cameras(client, raw).status_code == 200


def test_last_use_is_recorded_and_not_rewritten_within_the_minute(client, settings):
    settings.NEM_API_KEY_REQUIRED = True
    key, raw = api_key_create(name="dashboard")
    other, _ = api_key_create(name="other")
    before = timezone.now()
    assert get_cameras(client, raw).status_code == 200
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None and first >= before

    with CaptureQueriesContext(connection) as queries:
        assert get_cameras(client, raw).status_code == 200
    # the second request within the minute does not even send an UPDATE
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    key.refresh_from_db()
    assert key.last_used_at == first
    other.refresh_from_db()
    assert other.last_used_at is None


def test_touch_writes_only_when_empty_or_a_minute_old():
    key, _ = api_key_create(name="dashboard")
    t0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
    assert api_key_touch(key_id=key.pk, now=t0) is True
    assert api_key_touch(key_id=key.pk, now=t0 + dt.timedelta(seconds=59)) is False
    assert api_key_touch(key_id=key.pk, now=t0 + dt.timedelta(seconds=60)) is False
    assert api_key_touch(key_id=key.pk, now=t0 + dt.timedelta(seconds=61)) is True
    key.refresh_from_db()
    assert key.last_used_at == t0 + dt.timedelta(seconds=61)


def test_the_admin_shows_last_use_and_sets_the_expiry(client, staff_user):
    client.force_login(staff_user)
    created = client.post(
        reverse("admin:nem_apikey_add"),
        {"name": "dashboard", "expires_at_0": "2027-01-31", "expires_at_1": "12:00:00"},
        follow=True,
    )
    assert created.status_code == 200
    key = ApiKey.objects.get(name="dashboard")
    assert key.expires_at == dt.datetime(2027, 1, 31, 12, tzinfo=dt.UTC)
    api_key_touch(key_id=key.pk, now=dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC))

    listing = client.get(reverse("admin:nem_apikey_changelist")).content.decode()
    assert "Expires at" in listing and "Last used at" in listing
    page = client.get(reverse("admin:nem_apikey_change", args=[key.pk])).content.decode()
    assert "When the key last authenticated a request" in page
    assert 'name="last_used_at"' not in page  # shown, not editable
    changed = client.post(
        reverse("admin:nem_apikey_change", args=[key.pk]),
        {"name": "dashboard", "is_active": "on", "expires_at_0": "", "expires_at_1": ""},
    )
    assert changed.status_code == 302
    key.refresh_from_db()
    assert key.expires_at is None
    assert key.last_used_at == dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
