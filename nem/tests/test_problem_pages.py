"""``/problems/`` and ``/problems/<slug>``: the page every problem document's ``type`` points at,
for each registered kind, as JSON for clients and HTML for a browser."""

from __future__ import annotations

import pytest
from django.urls import resolve

import nem.urls  # noqa: F401 - the URLconf imports every app, whose problem kinds register themselves
from nem.errors import PROBLEM_TYPES

KINDS = sorted(PROBLEM_TYPES.values(), key=lambda k: (k.status, k.slug))
PROBLEM = "application/problem+json"


def as_json(kind) -> dict:
    return {
        "type": f"/problems/{kind.slug}",
        "code": kind.slug.replace("-", "_"),
        "title": kind.title,
        "status": kind.status,
        "description": kind.description,
    }


def test_the_foundation_kinds_are_registered():
    """Guards the parametrised tests below: an empty registry would pass them vacuously."""
    assert {
        "bad-request", "authentication-required", "invalid-api-key", "permission-denied", "not-found",
        "camera-not-found", "method-not-allowed", "not-acceptable", "conflict", "camera-conflict",
        "camera-not-deleted", "request-too-large", "unsupported-media-type", "validation-error",
        "invalid-query-parameter", "rate-limited", "internal-error", "database-unavailable", "not-ready",
        "device-unavailable", "service-unavailable",
    } <= set(PROBLEM_TYPES)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.slug)
def test_each_kind_has_a_well_formed_identity(kind):
    assert kind.uri == f"/problems/{kind.slug}"
    assert kind.code == kind.slug.replace("-", "_")
    assert 400 <= kind.status <= 599
    assert kind.title and kind.description
    assert resolve(kind.uri).url_name == "problem-detail"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.slug)
def test_each_kind_has_a_json_page(kind, anon_client):
    response = anon_client.get(kind.uri)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == as_json(kind)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.slug)
def test_each_kind_has_an_html_page(kind, anon_client):
    response = anon_client.get(kind.uri, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f"<h1>{kind.title}</h1>" in page.replace("&#x27;", "'")
    assert f"<code>{kind.uri}</code>" in page
    assert f"<code>{kind.code}</code>" in page
    assert f"status {kind.status}" in page
    assert 'href="/problems/"' in page


@pytest.mark.django_db
def test_the_index_lists_every_kind_by_status(anon_client):
    response = anon_client.get("/problems/")
    assert response.status_code == 200
    assert response.json() == {"items": [as_json(k) for k in KINDS]}


@pytest.mark.django_db
def test_the_html_index_links_every_kind(anon_client):
    response = anon_client.get("/problems/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = response.content.decode()
    for kind in KINDS:
        assert f'<section id="{kind.slug}">' in page
        assert f'<a href="{kind.uri}">' in page


@pytest.mark.django_db
def test_an_unknown_kind_is_a_404_problem(anon_client, problem_doc):
    response = anon_client.get("/problems/no-such-kind")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json() == problem_doc(
        "not-found", "No endpoint matches this path. The API's resources are listed at /api/.", "/problems/no-such-kind"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/problems/", "/problems/not-found"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_pages_are_read_only_and_say_so_with_a_problem(anon_client, problem_doc, url, method):
    response = getattr(anon_client, method)(url, data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert response["Allow"] == "GET, HEAD"
    assert response.json() == problem_doc("method-not-allowed", f'Method "{method.upper()}" not allowed.', url)


@pytest.mark.django_db
def test_the_pages_need_no_api_key(anon_client):
    assert anon_client.get("/problems/").status_code == 200
    assert anon_client.head("/problems/not-found").status_code == 200


@pytest.mark.django_db
def test_a_problem_documents_type_links_to_its_page(api_client, anon_client):
    body = api_client.get("/api/cameras/nope").json()
    page = anon_client.get(body["type"]).json()
    assert (page["code"], page["status"], page["title"]) == (body["code"], body["status"], body["title"])
