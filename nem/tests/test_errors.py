"""Every error is a problem document with the type and code of its kind: Django-level 404/405/500,
401, 403, 413, 415, 422, 429 and 503."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from conftest import TEST_API_KEY

PROBLEM = "application/problem+json"


def answered(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


@pytest.mark.django_db
def test_unknown_api_path_is_a_404_problem(api_client, problem_doc):
    assert answered(api_client.get("/api/no-such-thing"), 404) == problem_doc(
        "not-found", "No endpoint matches this path. The API's resources are listed at /api/.", "/api/no-such-thing"
    )


@pytest.mark.django_db
def test_unknown_path_outside_the_api_is_a_404_problem_for_json_clients(anon_client, problem_doc):
    response = anon_client.get("/nowhere", HTTP_ACCEPT="application/json")
    assert answered(response, 404) == problem_doc(
        "not-found", "No endpoint matches this path. The API's resources are listed at /api/.", "/nowhere"
    )


@pytest.mark.django_db
def test_unknown_path_outside_the_api_is_an_html_page_for_browsers(anon_client):
    response = anon_client.get("/nowhere", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_trailing_slash_is_a_404_problem_not_a_redirect(api_client, problem_doc):
    assert answered(api_client.get("/api/cameras/"), 404) == problem_doc(
        "not-found", "No endpoint matches this path. The API's resources are listed at /api/.", "/api/cameras/"
    )


@pytest.mark.django_db
def test_unknown_camera_is_a_camera_not_found_problem(api_client, problem_doc):
    assert answered(api_client.get("/api/cameras/nope"), 404) == problem_doc(
        "camera-not-found", "No camera 'nope'. List cameras at /api/cameras.", "/api/cameras/nope"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [("delete", "/api/cameras"), ("put", "/api/cameras/deleted"), ("get", "/api/cameras/x/restore")],
)
def test_wrong_method_is_a_405_problem(api_client, problem_doc, method, url):
    response = getattr(api_client, method)(url)
    assert answered(response, 405) == problem_doc("method-not-allowed", f'Method "{method.upper()}" not allowed.', url)
    assert method.upper() not in response["Allow"]


@pytest.mark.django_db
def test_wrong_method_on_a_probe_is_a_405_problem(anon_client):
    body = answered(anon_client.post("/health"), 405)
    assert (body["type"], body["code"], body["status"], body["instance"]) == (
        "/problems/method-not-allowed", "method_not_allowed", 405, "/health"
    )
    assert "POST" in body["detail"]


@pytest.mark.django_db
def test_missing_key_is_a_401_problem(anon_client, problem_doc):
    response = anon_client.get("/api/cameras")
    assert answered(response, 401) == problem_doc(
        "authentication-required",
        "API key required. Provide it in the X-API-Key header or the api_key query parameter.",
        "/api/cameras",
    )
    assert response["WWW-Authenticate"] == 'ApiKey header="X-API-Key"'


@pytest.mark.django_db
def test_invalid_key_is_a_401_problem(anon_client, problem_doc):
    response = anon_client.get("/api/cameras", HTTP_X_API_KEY="wrong")
    assert answered(response, 401) == problem_doc("invalid-api-key", "Invalid API key", "/api/cameras")


@pytest.mark.django_db
def test_a_staff_session_write_without_csrf_is_a_403_problem(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post("/api/cameras", data="{}", content_type="application/json")
    body = answered(response, 403)
    assert body["detail"].startswith("CSRF Failed")
    assert {k: v for k, v in body.items() if k != "detail"} == {
        "type": "/problems/permission-denied",
        "code": "permission_denied",
        "title": "Permission denied",
        "status": 403,
        "instance": "/api/cameras",
    }


@pytest.mark.django_db
def test_invalid_body_is_a_422_problem_with_errors(api_client):
    response = api_client.post("/api/cameras", {"name": "", "folder_path": "a" * 501}, format="json")
    body = answered(response, 422)
    assert set(body) == {"type", "code", "title", "status", "detail", "instance", "errors"}
    assert (body["type"], body["code"], body["title"], body["status"], body["instance"]) == (
        "/problems/validation-error", "validation_error", "Request body is invalid", 422, "/api/cameras"
    )
    assert sorted(e["field"] for e in body["errors"]) == ["folder_path", "name"]
    assert all(set(e) == {"field", "message"} and e["message"] for e in body["errors"])
    assert body["detail"].startswith("Request validation failed: ")


@pytest.mark.django_db
def test_malformed_json_is_a_422_problem(api_client, problem_doc):
    response = api_client.post("/api/cameras", data="{not json", content_type="application/json")
    body = answered(response, 422)
    message = body["errors"][0]["message"]
    assert message.startswith("JSON parse error")
    assert body == problem_doc(
        "validation-error",
        f"Request validation failed: body: {message}",
        "/api/cameras",
        errors=[{"field": "body", "message": message}],
    )


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_415_problem(api_client, problem_doc):
    response = api_client.post("/api/cameras", data="name=x", content_type="text/plain")
    assert answered(response, 415) == problem_doc(
        "unsupported-media-type", 'Unsupported media type "text/plain" in request.', "/api/cameras"
    )


@pytest.mark.django_db
def test_a_body_over_the_size_limit_is_a_413_problem(api_client, settings, problem_doc):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client.post("/api/detections", {"detections": [{"camera_id": "x" * 2000}]}, format="json")
    assert answered(response, 413) == problem_doc(
        "request-too-large",
        "The request body is too large: at most 1000 bytes and "
        f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields are accepted.",
        "/api/detections",
    )


@pytest.mark.django_db
def test_bad_filter_value_is_a_422_invalid_query_parameter_problem(api_client):
    body = answered(api_client.get("/api/cameras?status=melting"), 422)
    assert (body["type"], body["code"], body["title"], body["status"], body["instance"]) == (
        "/problems/invalid-query-parameter", "invalid_query_parameter", "Query parameter is invalid", 422, "/api/cameras"
    )
    assert [e["field"] for e in body["errors"]] == ["status"]


@pytest.mark.django_db
def test_too_many_requests_is_a_429_problem_with_retry_after(settings, problem_doc):
    settings.NEM_AUTH_FAILURE_LIMIT = 1
    settings.NEM_AUTH_FAILURE_WINDOW_SECONDS = 300
    client = Client(REMOTE_ADDR="10.9.9.20")
    assert client.get("/api/cameras", HTTP_X_API_KEY="guess").status_code == 401
    response = client.get("/api/cameras", HTTP_X_API_KEY=TEST_API_KEY)
    assert answered(response, 429) == problem_doc(
        "rate-limited",
        "Too many failed API key attempts from this address. Try again later. Expected available in 300 seconds.",
        "/api/cameras",
    )
    assert response["Retry-After"] == "300"


@pytest.mark.django_db
@pytest.mark.urls("nem.tests.urls_boom")
@pytest.mark.parametrize("url", ["/api/test-boom/django", "/api/test-boom/drf"])
def test_an_unhandled_error_is_a_500_problem_without_internals(url, caplog, problem_doc):
    response = Client(raise_request_exception=False).get(url)
    assert answered(response, 500) == problem_doc(
        "internal-error", "Internal server error. The error was logged.", url
    )
    assert b"Traceback" not in response.content and b"RuntimeError" not in response.content
    assert any("a bug in" in str(r.exc_info) or "unhandled error" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
@pytest.mark.urls("nem.tests.urls_boom")
def test_an_unhandled_error_outside_the_api_is_an_html_page_for_browsers():
    response = Client(raise_request_exception=False).get("/test-boom/html", HTTP_ACCEPT="text/html")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"RuntimeError" not in response.content


@pytest.mark.django_db
@pytest.mark.urls("nem.tests.urls_boom")
@pytest.mark.parametrize(
    ("url", "slug", "detail", "extra"),
    [
        ("/api/test-boom/device", "device-unavailable", "The device is unavailable.", {}),
        ("/api/test-boom/service", "service-unavailable", "The broker is down.", {}),
        ("/api/test-boom/conflict", "camera-conflict", "A camera named 'x' exists.", {}),
        ("/api/test-boom/query", "invalid-query-parameter", "Request validation failed: days: must be 1-90",
         {"errors": [{"field": "days", "message": "must be 1-90"}]}),
    ],
)
def test_a_domain_error_raised_in_a_view_is_its_problem_document(url, slug, detail, extra, problem_doc):
    from nem.errors import PROBLEM_TYPES

    response = Client().get(url)
    assert answered(response, PROBLEM_TYPES[slug].status) == problem_doc(slug, detail, url, **extra)


@pytest.mark.django_db
def test_a_database_outage_is_a_503_problem_with_retry_after(rf, problem_doc):
    """What a view hitting a down database answers (the restart itself runs in `make faults`)."""
    from django import db
    from rest_framework.request import Request

    from nem.errors import problem_exception_handler

    request = Request(rf.get("/api/cameras"))
    for exc in (db.OperationalError("connection refused"), db.InterfaceError("connection already closed")):
        response = problem_exception_handler(exc, {"request": request})
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert response.data == problem_doc(
            "database-unavailable", "The database is unavailable. Retry shortly.", "/api/cameras"
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/alerts?since=0674-10-07T01:51:04-20:56",
        "/api/detections?start_date=2026-01-01T00:00:00%2B23:30",
        "/api/events?end_date=2026-01-01T00:00:00-16:00",
    ],
)
def test_a_time_zone_offset_postgresql_refuses_is_read_as_utc(api_client, url):
    assert api_client.get(url).status_code == 200


@pytest.mark.django_db
def test_a_date_time_that_cannot_be_moved_to_utc_is_a_422(api_client):
    response = api_client.get("/api/detections?start_date=0001-01-01T00:00:00%2B05:00")
    body = answered(response, 422)
    assert body["code"] == "invalid_query_parameter"
    assert body["errors"] == [{"field": "start_date", "message": "This date-time is out of range."}]


def test_problem_documents_serialise_as_json():
    from nem.errors import CameraNotFound, problem

    body = problem(404, "x", instance="/api/cameras/x", kind=CameraNotFound.problem_kind())
    assert json.loads(json.dumps(body))["code"] == "camera_not_found"
