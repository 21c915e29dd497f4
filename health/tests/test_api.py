"""GET /api/cameras/{id}/health: the verdict, its reasons with evidence, and the history (cursor)."""

from __future__ import annotations

import datetime as dt

import pytest

from cameras.models import Camera
from cameras.tests.factories import CameraFactory
from health.models import HealthTransition
from health.services import health_evaluate
from health.tests.clock import T0

URL = "/api/cameras/porch/health"


def _problem(slug, status, title, detail, instance=URL, **extra):
    return {
        "type": f"/problems/{slug}",
        "code": slug.replace("-", "_"),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }


@pytest.mark.django_db
def test_before_the_first_evaluation_the_state_is_unknown(api_client, stream_cam):
    response = api_client.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "camera_id": "porch",
        "state": "unknown",
        "since": None,
        "evaluated_at": None,
        "status": "online",
        "reasons": [],
        "history": {"results": [], "next_cursor": None, "has_more": False},
    }


@pytest.mark.django_db
def test_the_verdict_reasons_and_history_with_a_cursor(api_client, stream_cam):
    Camera.objects.filter(pk="porch").update(last_seen_at=T0)
    health_evaluate(camera_id="porch", now=T0)
    offline_at = T0 + dt.timedelta(minutes=11)
    health_evaluate(camera_id="porch", now=offline_at)
    first, second = HealthTransition.objects.order_by("at")

    response = api_client.get(URL, {"limit": 1})
    assert response.status_code == 200
    body = response.json()
    reasons = [
        {
            "state": "offline",
            "code": "no_media",
            "message": "no new media for 660 s (grace 600 s)",
            "evidence": {"last_media_at": "2026-11-20T08:00:00Z", "silence_seconds": 660, "grace_seconds": 600},
        }
    ]
    assert body == {
        "camera_id": "porch",
        "state": "offline",
        "since": "2026-11-20T08:11:00Z",
        "evaluated_at": "2026-11-20T08:11:00Z",
        "status": "offline",
        "reasons": reasons,
        "history": {
            "results": [
                {
                    "id": second.pk,
                    "at": "2026-11-20T08:11:00Z",
                    "previous": "online",
                    "state": "offline",
                    "reasons": reasons,
                }
            ],
            "next_cursor": body["history"]["next_cursor"],
            "has_more": True,
        },
    }
    page2 = api_client.get(URL, {"limit": 1, "cursor": body["history"]["next_cursor"]}).json()["history"]
    assert [(r["id"], r["previous"], r["state"]) for r in page2["results"]] == [(first.pk, "unknown", "online")]
    assert (page2["next_cursor"], page2["has_more"]) == (None, False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"limit": 0}, "limit", "must be between 1 and 100"),
        ({"limit": "x"}, "limit", "must be an integer, got 'x'"),
        ({"cursor": "not-a-cursor"}, "cursor", "is not a cursor this API issued"),
        ({"cursor": "WyJ4IiwxXQ"}, "cursor", "is not a cursor this API issued"),  # ["x",1]
    ],
)
def test_bad_parameters_are_422_problems(api_client, stream_cam, params, field, message):
    response = api_client.get(URL, params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == _problem(
        "invalid-query-parameter",
        422,
        "Query parameter is invalid",
        f"Request validation failed: {field}: {message}",
        errors=[{"field": field, "message": message}],
    )


@pytest.mark.django_db
def test_unknown_and_trashed_cameras_are_404_problems(api_client, media_root):
    CameraFactory(id="gone", deleted_at=T0)
    for camera_id in ("nowhere", "gone"):
        url = f"/api/cameras/{camera_id}/health"
        response = api_client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json() == _problem(
            "camera-not-found", 404, "Camera not found", f"No camera '{camera_id}'. List cameras at /api/cameras.", url
        )


@pytest.mark.django_db
def test_the_health_needs_an_api_key(anon_client, stream_cam):
    response = anon_client.get(URL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_an_unknown_query_parameter_is_a_422(api_client, stream_cam):
    message = "is not a parameter of this operation; it accepts: cursor, limit"
    response = api_client.get(URL, {"page": 2})
    assert response.status_code == 422
    assert response.json() == _problem(
        "invalid-query-parameter",
        422,
        "Query parameter is invalid",
        f"Request validation failed: page: {message}",
        errors=[{"field": "page", "message": message}],
    )


@pytest.mark.django_db
def test_the_history_cursor_visits_every_transition_once_newest_first(api_client, stream_cam):
    # Five transitions, two of them at the same instant: the id breaks the tie.
    for minutes, state in ((0, "online"), (5, "offline"), (5, "online"), (9, "offline"), (12, "online")):
        HealthTransition.objects.create(
            camera_id="porch", at=T0 + dt.timedelta(minutes=minutes), previous="unknown", state=state, reasons=[]
        )
    newest_first = list(HealthTransition.objects.order_by("-at", "-id").values_list("id", flat=True))
    pages, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        history = api_client.get(URL, params).json()["history"]
        pages.append([t["id"] for t in history["results"]])
        cursor = history["next_cursor"]
        assert history["has_more"] is (cursor is not None)
        if cursor is None:
            break
    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:]]
