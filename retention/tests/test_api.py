"""GET /api/cameras/{id}/storage and GET/PUT/PATCH /api/cameras/{id}/storage-policy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cameras.services import camera_soft_delete
from nem.testing import ProblemDocuments
from retention.models import StoragePolicy
from retention.tests.files import Capacity, frame, put

GLOBAL = {
    "frames_max_age_hours": 24,
    "frames_max_count": 2000,
    "uploads_enabled": False,
    "uploads_max_age_days": 30,
    "uploads_max_bytes": 0,
    "cache_max_age_days": 7,
    "rows_max_age_days": 90,
    "alerts_max_age_days": 90,
}
NULLS = dict.fromkeys(GLOBAL)


@pytest.fixture(autouse=True)
def _defaults(settings):
    for name, value in GLOBAL.items():
        setattr(settings, f"NEM_RETENTION_{name.upper()}", value)
    settings.NEM_BASELINE_WINDOW_DAYS = 56
    settings.NEM_RETENTION_ROWS_MARGIN_DAYS = 7


TITLES = {
    "camera-not-found": "Camera not found",
    "authentication-required": "API key required",
    "invalid-query-parameter": "Query parameter is invalid",
    "validation-error": "Request body is invalid",
}


problem = ProblemDocuments(TITLES)
_problem = problem.assert_response


def test_storage_reports_files_bytes_and_oldest_per_category(cam, media_root, storage, api_client, settings):
    settings.NEM_STORAGE_FLOOR_BYTES = 1000
    Capacity.capacity = 5000
    folder = media_root / "driveway"
    t1 = timezone.now().replace(microsecond=0) - dt.timedelta(hours=3)
    frame(folder, t1, size=100)
    frame(folder, t1 + dt.timedelta(hours=1), size=150)
    put(folder / "upload" / "clip.mp4", t1 - dt.timedelta(days=2), size=400)
    put(storage / "snapshot-cache" / "driveway" / "k.jpg", t1, size=50)
    response = api_client.get("/api/cameras/driveway/storage")
    assert response.status_code == 200
    body = response.json()
    iso = lambda at: at.isoformat().replace("+00:00", "Z")  # noqa: E731
    assert body == {
        "camera_id": "driveway",
        "measured_at": body["measured_at"],
        "categories": {
            "frames": {"files": 2, "bytes": 250, "oldest": iso(t1)},
            "uploads": {"files": 1, "bytes": 400, "oldest": iso(t1 - dt.timedelta(days=2))},
            "snapshot_cache": {"files": 1, "bytes": 50, "oldest": iso(t1)},
            "references": {"files": 0, "bytes": 0, "oldest": None},
        },
        "total": {"files": 4, "bytes": 700},
        "policy": GLOBAL,
        "filesystem": {
            "total_bytes": 5000,
            "free_bytes": 4300,
            "floor_bytes": 1000,
            "floor_percent": 0.0,
            "floor_ok": True,
        },
    }
    assert body["measured_at"].endswith("Z")


def test_storage_serves_the_last_measure_until_refreshed(cam, media_root, api_client):
    folder = media_root / "driveway"
    at = timezone.now() - dt.timedelta(hours=1)
    frame(folder, at)
    first = api_client.get("/api/cameras/driveway/storage").json()
    frame(folder, at + dt.timedelta(minutes=1))
    assert api_client.get("/api/cameras/driveway/storage").json()["categories"]["frames"]["files"] == 1
    again = api_client.get("/api/cameras/driveway/storage?refresh=true").json()
    assert again["categories"]["frames"]["files"] == 2 and again["measured_at"] >= first["measured_at"]
    response = api_client.get("/api/cameras/driveway/storage?refresh=maybe")
    assert response.status_code == 422
    assert response.json() == problem(
        "invalid-query-parameter",
        422,
        "Request validation failed: refresh: must be true or false",
        "/api/cameras/driveway/storage",
        errors=[{"field": "refresh", "message": "must be true or false"}],
    )


def test_storage_of_an_unknown_or_trashed_camera_is_404_and_needs_a_key(cam, api_client, anon_client):
    for path in ("/api/cameras/nope/storage", "/api/cameras/nope/storage-policy"):
        response = api_client.get(path)
        assert response.status_code == 404
        assert response.json() == problem(
            "camera-not-found", 404, "No camera 'nope'. List cameras at /api/cameras.", path
        )
    _problem(anon_client.get("/api/cameras/driveway/storage"), 401)
    _problem(anon_client.get("/api/cameras/driveway/storage-policy"), 401)
    camera_soft_delete(camera_id="driveway", actor="test")
    _problem(api_client.get("/api/cameras/driveway/storage"), 404)
    _problem(api_client.get("/api/cameras/driveway/storage-policy"), 404)
    _problem(api_client.patch("/api/cameras/driveway/storage-policy", {"frames_max_count": 5}, format="json"), 404)


def test_policy_document_without_overrides(cam, api_client):
    response = api_client.get("/api/cameras/driveway/storage-policy")
    assert response.status_code == 200
    assert response.json() == {
        "camera_id": "driveway",
        "effective": GLOBAL,
        "camera_overrides": NULLS,
        "global": GLOBAL,
        "rows_min_age_days": 63,
    }


def test_patch_changes_only_what_is_sent_and_put_replaces_everything(cam, api_client):
    response = api_client.patch(
        "/api/cameras/driveway/storage-policy",
        {"frames_max_age_hours": 72, "uploads_enabled": True, "uploads_max_bytes": 5_000_000_000},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["camera_overrides"] == {
        **NULLS,
        "frames_max_age_hours": 72,
        "uploads_enabled": True,
        "uploads_max_bytes": 5_000_000_000,
    }
    assert body["effective"] == {
        **GLOBAL,
        "frames_max_age_hours": 72,
        "uploads_enabled": True,
        "uploads_max_bytes": 5_000_000_000,
    }
    response = api_client.patch("/api/cameras/driveway/storage-policy", {"frames_max_age_hours": None}, format="json")
    assert response.json()["camera_overrides"]["frames_max_age_hours"] is None
    assert response.json()["camera_overrides"]["uploads_enabled"] is True
    response = api_client.put("/api/cameras/driveway/storage-policy", {"cache_max_age_days": 0}, format="json")
    assert response.status_code == 200
    assert response.json()["camera_overrides"] == {**NULLS, "cache_max_age_days": 0}
    assert response.json()["effective"] == {**GLOBAL, "cache_max_age_days": 0}
    row = StoragePolicy.objects.get(camera_id="driveway")
    assert (row.cache_max_age_days, row.uploads_enabled, row.frames_max_age_hours) == (0, None, None)
    assert api_client.get("/api/cameras/driveway/storage-policy").json()["effective"]["cache_max_age_days"] == 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"frames_max_count": -1}, "frames_max_count", "Ensure this value is greater than or equal to 0."),
        ({"uploads_enabled": "perhaps"}, "uploads_enabled", "Must be a valid boolean."),
        ({"frames_max_age": 3}, "frames_max_age", "is not a known field"),
        ({}, "body", "send at least one policy field"),
    ],
)
def test_bad_policy_bodies_are_422_and_change_nothing(cam, api_client, body, field, message):
    response = api_client.patch("/api/cameras/driveway/storage-policy", body, format="json")
    problem = _problem(response, 422)
    assert problem["errors"] == [{"field": field, "message": message}]
    assert not StoragePolicy.objects.exists()


def test_the_policy_row_follows_the_camera_into_the_trash_and_back(cam, api_client):
    from cameras.services import camera_restore

    api_client.patch("/api/cameras/driveway/storage-policy", {"frames_max_count": 10}, format="json")
    camera_soft_delete(camera_id="driveway", actor="test")
    assert StoragePolicy.objects.count() == 0 and StoragePolicy.all_objects.count() == 1
    camera_restore(camera_id="driveway", actor="test")
    assert api_client.get("/api/cameras/driveway/storage-policy").json()["effective"]["frames_max_count"] == 10


@pytest.mark.parametrize(
    ("method", "path", "accepted"),
    [
        ("get", "/api/cameras/driveway/storage", "refresh"),
        ("get", "/api/cameras/driveway/storage-policy", "none"),
        ("patch", "/api/cameras/driveway/storage-policy", "none"),
        ("put", "/api/cameras/driveway/storage-policy", "none"),
    ],
)
def test_an_unknown_query_parameter_is_a_422_and_changes_nothing(cam, api_client, method, path, accepted):
    body = {"frames_max_count": 5} if method != "get" else None
    response = getattr(api_client, method)(f"{path}?dry_run=1", body, format="json")
    message = f"is not a parameter of this operation; it accepts: {accepted}"
    assert response.status_code == 422
    assert response.json() == problem(
        "invalid-query-parameter",
        422,
        f"Request validation failed: dry_run: {message}",
        path,
        errors=[{"field": "dry_run", "message": message}],
    )
    assert not StoragePolicy.objects.exists()
