"""Every error is an RFC 7807 problem document: Django-level 404/405/500, 401, 400, 422."""

from __future__ import annotations

import pytest
from django.test import Client

PROBLEM = "application/problem+json"
KEYS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response, status: int, title: str, instance: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert KEYS <= set(body), body
    assert body["type"] == "about:blank"
    assert body["title"] == title
    assert body["status"] == status
    assert body["instance"] == instance
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.mark.django_db
def test_unknown_api_path_is_a_404_problem(api_client):
    body = assert_problem(api_client.get("/api/no-such-thing"), 404, "Not Found", "/api/no-such-thing")
    assert body["detail"] == "No endpoint matches this path."
    assert set(body) == KEYS


@pytest.mark.django_db
def test_unknown_path_outside_the_api_is_a_404_problem_for_json_clients(anon_client):
    assert_problem(anon_client.get("/nowhere", HTTP_ACCEPT="application/json"), 404, "Not Found", "/nowhere")


@pytest.mark.django_db
def test_unknown_path_outside_the_api_is_an_html_page_for_browsers(anon_client):
    response = anon_client.get("/nowhere", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_trailing_slash_is_a_404_problem_not_a_redirect(api_client):
    assert_problem(api_client.get("/api/cameras/"), 404, "Not Found", "/api/cameras/")


@pytest.mark.django_db
def test_unknown_camera_is_the_contracts_404(api_client):
    body = assert_problem(api_client.get("/api/cameras/nope"), 404, "Not Found", "/api/cameras/nope")
    assert body["detail"] == "Camera with id nope not found"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [("delete", "/api/cameras"), ("put", "/api/cameras/deleted"), ("get", "/api/cameras/x/restore"), ("post", "/health")],
)
def test_wrong_method_is_a_405_problem(api_client, method, url):
    body = assert_problem(getattr(api_client, method)(url), 405, "Method Not Allowed", url)
    assert method.upper() in body["detail"]


@pytest.mark.django_db
def test_missing_key_is_a_401_problem(anon_client):
    response = anon_client.get("/api/cameras")
    body = assert_problem(response, 401, "Unauthorized", "/api/cameras")
    assert "X-API-Key" in body["detail"]
    assert response["WWW-Authenticate"] == 'ApiKey header="X-API-Key"'


@pytest.mark.django_db
def test_invalid_key_is_a_401_problem(anon_client):
    body = assert_problem(anon_client.get("/api/cameras", HTTP_X_API_KEY="wrong"), 401, "Unauthorized", "/api/cameras")
    assert body["detail"] == "Invalid API key"


@pytest.mark.django_db
def test_invalid_body_is_a_422_problem_with_errors(api_client):
    response = api_client.post("/api/cameras", {"name": "", "folder_path": "a" * 501}, format="json")
    body = assert_problem(response, 422, "Unprocessable Entity", "/api/cameras")
    assert set(body) == KEYS | {"errors"}
    fields = sorted(e["field"] for e in body["errors"])
    assert fields == ["folder_path", "name"]
    assert all(set(e) == {"field", "message"} and e["message"] for e in body["errors"])


@pytest.mark.django_db
def test_malformed_json_is_a_422_problem(api_client):
    response = api_client.post("/api/cameras", data="{not json", content_type="application/json")
    body = assert_problem(response, 422, "Unprocessable Entity", "/api/cameras")
    assert body["errors"][0]["field"] == "body"


@pytest.mark.django_db
def test_bad_query_parameter_is_a_422_problem(api_client):
    body = assert_problem(api_client.get("/api/cameras?status=melting"), 422, "Unprocessable Entity", "/api/cameras")
    assert body["errors"][0]["field"] == "status"


@pytest.mark.django_db
def test_unknown_sparse_field_is_a_400_problem(api_client):
    body = assert_problem(api_client.get("/api/cameras?fields=id,secret"), 400, "Bad Request", "/api/cameras")
    assert "secret" in body["detail"]


@pytest.mark.django_db
@pytest.mark.urls("nem.tests.urls_boom")
@pytest.mark.parametrize("url", ["/api/test-boom/django", "/api/test-boom/drf"])
def test_an_unhandled_error_is_a_500_problem_without_internals(url, caplog):
    response = Client(raise_request_exception=False).get(url)
    body = assert_problem(response, 500, "Internal Server Error", url)
    assert body["detail"] == "Internal server error. The error was logged."
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
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "start_date", "message": "This date-time is out of range."}]
