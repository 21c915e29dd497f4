"""The conventions every API view shares: strict query parameters, the ordering filter with its pk
tiebreaker, the list envelope with ordering-bound cursors, ``keyset_page``, ``created``, the
``/api/`` root, and that every API view takes part (a walk of the URLconf)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone
from rest_framework.views import APIView

from cameras.models import Camera
from cameras.tests.factories import CameraFactory
from conftest import TEST_API_KEY
from nem.api import ApiRootView, StrictQueryMixin
from nem.pagination import QuerySetNotOrdered, keyset_page
from nem.tests.urlwalk import api_routes

PROBLEM = "application/problem+json"
PROBE = "/api/test-probe"
ORDERING_MESSAGE = (
    "accepts a comma-separated list of name, created_at, each at most once, with '-' for descending (e.g. -name)"
)

probe_urls = pytest.mark.urls("nem.tests.urls_conventions")


def query_problem(response, errors: list[dict]) -> dict:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    detail = "Request validation failed: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    assert body == {
        "type": "/problems/invalid-query-parameter",
        "code": "invalid_query_parameter",
        "title": "Query parameter is invalid",
        "status": 422,
        "detail": detail,
        "instance": PROBE,
        "errors": errors,
    }
    return body


@pytest.fixture
def cameras(db):
    """Five cameras; b, c and d share one creation time so that only the pk orders them."""
    base = timezone.now().replace(microsecond=0)
    times = {"a": base, "b": base + timedelta(hours=1), "c": base + timedelta(hours=1),
             "d": base + timedelta(hours=1), "e": base + timedelta(hours=2)}
    names = {"a": "Porch", "b": "Garage", "c": "Attic", "d": "Yard", "e": "Kitchen"}
    return [CameraFactory(id=cid, name=names[cid], created_at=at) for cid, at in times.items()]


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["items"]]


# --- StrictQueryMixin -----------------------------------------------------------------------


@probe_urls
def test_an_unknown_query_parameter_is_a_422_listing_the_accepted_ones(api_client, cameras):
    query_problem(
        api_client.get(PROBE + "?camera=x"),
        [{"field": "camera", "message": "is not a parameter of this operation; it accepts: "
                                        "cursor, days, limit, offset, ordering, status"}],
    )


@probe_urls
def test_every_unknown_parameter_is_named(api_client, cameras):
    body = api_client.get(PROBE + "?zz=1&aa=2").json()
    assert [e["field"] for e in body["errors"]] == ["zz", "aa"]


@probe_urls
def test_declared_filter_paginator_and_own_parameters_are_accepted(api_client, cameras):
    response = api_client.get(PROBE + "?status=online&days=3&limit=2&offset=1&ordering=name")
    assert ids(response) == ["b", "e"]


@probe_urls
def test_api_key_and_format_are_accepted_everywhere(anon_client, cameras):
    response = anon_client.get(PROBE + f"?api_key={TEST_API_KEY}&format=json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@probe_urls
def test_a_write_is_checked_too_and_answers_201_with_location(api_client, cameras):
    query_problem(
        api_client.post(PROBE + "?dry_run=1", {}, format="json"),
        [{"field": "dry_run", "message": "is not a parameter of this operation; it accepts: "
                                         "cursor, days, limit, offset, ordering, status"}],
    )
    response = api_client.post(PROBE, {}, format="json")
    assert response.status_code == 201
    assert response["Location"] == "/api/test-probe/new"
    assert response.json() == {"id": "new"}


@probe_urls
def test_options_is_not_checked(api_client, cameras):
    assert api_client.options(PROBE + "?anything=1").status_code == 200


# --- StrictOrderingFilter -------------------------------------------------------------------


@probe_urls
@pytest.mark.parametrize("ordering", ["color", "-color", "name,folder_path", "rtsp_password"])
def test_an_unknown_ordering_field_is_a_422(api_client, cameras, ordering):
    query_problem(api_client.get(PROBE + f"?ordering={ordering}"), [{"field": "ordering", "message": ORDERING_MESSAGE}])


@probe_urls
@pytest.mark.parametrize("ordering", ["name,name", "name,-name", "-created_at,name,created_at"])
def test_a_field_ordered_twice_is_a_422(api_client, cameras, ordering):
    query_problem(api_client.get(PROBE + f"?ordering={ordering}"), [{"field": "ordering", "message": ORDERING_MESSAGE}])


@probe_urls
def test_ordering_by_one_field_and_the_default(api_client, cameras):
    assert ids(api_client.get(PROBE + "?ordering=name")) == ["c", "b", "e", "a", "d"]
    assert ids(api_client.get(PROBE + "?ordering=-name")) == ["d", "a", "e", "b", "c"]
    assert ids(api_client.get(PROBE)) == ["e", "d", "c", "b", "a"]  # default -created_at, then -pk


@probe_urls
def test_the_pk_breaks_ties_in_the_direction_of_the_last_term(api_client, cameras):
    assert ids(api_client.get(PROBE + "?ordering=created_at")) == ["a", "b", "c", "d", "e"]
    assert ids(api_client.get(PROBE + "?ordering=-created_at")) == ["e", "d", "c", "b", "a"]
    assert ids(api_client.get(PROBE + "?ordering=-created_at,name")) == ["e", "c", "b", "d", "a"]


# --- DefaultPagination and ordering-bound cursors --------------------------------------------


@probe_urls
def test_the_list_envelope(api_client, cameras):
    body = api_client.get(PROBE + "?limit=2&ordering=name").json()
    assert body["items"] == [
        {"id": "c", "name": "Attic", "created_at": body["items"][0]["created_at"]},
        {"id": "b", "name": "Garage", "created_at": body["items"][1]["created_at"]},
    ]
    next_cursor = body["pagination"].pop("next_cursor")
    assert isinstance(next_cursor, str) and next_cursor
    assert body["pagination"] == {"total": 5, "limit": 2, "offset": 0, "has_more": True}


@probe_urls
def test_a_cursor_walks_the_list_in_its_ordering(api_client, cameras):
    seen, url = [], PROBE + "?limit=2&ordering=-created_at"
    while True:
        body = api_client.get(url).json()
        seen += [row["id"] for row in body["items"]]
        cursor = body["pagination"]["next_cursor"]
        if cursor is None:
            assert body["pagination"]["has_more"] is False
            break
        assert body["pagination"]["offset"] in (0, None)
        url = PROBE + f"?limit=2&ordering=-created_at&cursor={cursor}"
    assert seen == ["e", "d", "c", "b", "a"]


@probe_urls
def test_a_cursor_is_not_shifted_by_rows_inserted_before_it(api_client, cameras):
    first = api_client.get(PROBE + "?limit=2&ordering=name").json()
    CameraFactory(id="f", name="Aardvark")
    rest = api_client.get(PROBE + f"?limit=10&ordering=name&cursor={first['pagination']['next_cursor']}")
    assert ids(rest) == ["e", "a", "d"]


@probe_urls
@pytest.mark.parametrize("other", ["-name", "created_at", ""])
def test_a_cursor_used_under_another_ordering_is_a_422(api_client, cameras, other):
    cursor = api_client.get(PROBE + "?limit=2&ordering=name").json()["pagination"]["next_cursor"]
    query_problem(
        api_client.get(PROBE + f"?limit=2&ordering={other}&cursor={cursor}"),
        [{"field": "cursor", "message": "was issued for another ordering; start again without a cursor, "
                                        "or send the same ordering"}],
    )


@probe_urls
@pytest.mark.parametrize("cursor", ["not-a-cursor", "W10", "eyJvIjpbIm5hbWUiLCJwayJdLCJ2IjpbMV19"])
def test_a_cursor_this_api_did_not_issue_is_a_422(api_client, cameras, cursor):
    query_problem(
        api_client.get(PROBE + f"?ordering=name&cursor={cursor}"),
        [{"field": "cursor", "message": "is not a cursor this API issued"}],
    )


@probe_urls
def test_cursor_and_offset_together_are_a_422(api_client, cameras):
    cursor = api_client.get(PROBE + "?limit=2").json()["pagination"]["next_cursor"]
    query_problem(
        api_client.get(PROBE + f"?limit=2&offset=1&cursor={cursor}"),
        [{"field": "offset", "message": "cannot be combined with cursor"}],
    )


@probe_urls
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("limit=0", "limit", "must be between 1 and 1000"),
        ("limit=1001", "limit", "must be between 1 and 1000"),
        ("limit=ten", "limit", "must be an integer, got 'ten'"),
        ("offset=-1", "offset", "must be between 0 and 2147483647"),
        ("offset=99999999999", "offset", "must be between 0 and 2147483647"),
    ],
)
def test_limit_and_offset_out_of_range_are_a_422(api_client, cameras, query, field, message):
    query_problem(api_client.get(PROBE + "?" + query), [{"field": field, "message": message}])


# --- keyset_page ----------------------------------------------------------------------------


def test_keyset_page_walks_an_ordered_queryset(cameras):
    queryset = Camera.objects.order_by("-created_at", "-pk")
    first = keyset_page(queryset, limit=3, cursor=None)
    assert [c.id for c in first.rows] == ["e", "d", "c"]
    assert first.has_more is True
    second = keyset_page(queryset, limit=3, cursor=first.next_cursor)
    assert [c.id for c in second.rows] == ["b", "a"]
    assert (second.has_more, second.next_cursor) == (False, None)


def test_keyset_page_binds_its_cursor_to_the_ordering(cameras):
    from nem.errors import InvalidQueryParameter

    cursor = keyset_page(Camera.objects.order_by("name", "pk"), limit=1, cursor=None).next_cursor
    with pytest.raises(InvalidQueryParameter) as refused:
        keyset_page(Camera.objects.order_by("-name", "-pk"), limit=1, cursor=cursor)
    assert refused.value.errors == [
        {"field": "cursor", "message": "was issued for another ordering; start again without a cursor, "
                                       "or send the same ordering"}
    ]


def test_keyset_page_without_binding_takes_a_bare_cursor(cameras):
    queryset = Camera.objects.order_by("name", "pk")
    page = keyset_page(queryset, limit=2, cursor=None, bind_ordering=False)
    assert [c.id for c in page.rows] == ["c", "b"]
    rest = keyset_page(queryset, limit=5, cursor=page.next_cursor, bind_ordering=False)
    assert [c.id for c in rest.rows] == ["e", "a", "d"]
    from nem.errors import InvalidQueryParameter

    with pytest.raises(InvalidQueryParameter) as refused:
        keyset_page(queryset, limit=2, cursor=page.next_cursor, bind_ordering=True)
    assert refused.value.errors == [{"field": "cursor", "message": "is not a cursor this API issued"}]


def test_keyset_page_refuses_an_unordered_queryset(cameras):
    with pytest.raises(QuerySetNotOrdered):
        keyset_page(Camera.objects.all().order_by(), limit=2, cursor=None)


# --- /api/ root and the admin redirect -------------------------------------------------------


@pytest.mark.django_db
def test_the_api_root_lists_the_resources_without_a_key(anon_client):
    response = anon_client.get("/api/")
    assert response.status_code == 200
    assert response.json() == {"resources": ApiRootView.RESOURCES}
    assert {"cameras", "detections", "events", "alerts", "schema", "docs", "problems"} <= set(ApiRootView.RESOURCES)


@pytest.mark.parametrize(("name", "path"), sorted(ApiRootView.RESOURCES.items()))
def test_every_path_the_api_root_lists_resolves(name, path):
    try:
        resolve(path.replace("{camera_id}", "front_door"))
    except Resolver404:
        pytest.fail(f"the API root lists {name}: {path}, which no URL pattern serves")


@pytest.mark.django_db
def test_the_api_root_refuses_unknown_parameters(anon_client):
    response = anon_client.get("/api/?verbose=1")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "verbose", "message": "is not a parameter of this operation; it accepts: none"}
    ]


@pytest.mark.django_db
def test_the_bare_admin_path_redirects_permanently(anon_client):
    response = anon_client.get("/admin")
    assert response.status_code == 301
    assert response["Location"] == "/admin/"


# --- every API view takes part -------------------------------------------------------------

THIRD_PARTY_VIEWS = ("drf_spectacular.",)


def drf_api_views() -> list:
    return [
        r for r in api_routes()
        if r.route.startswith("api/") and r.view_class is not None and issubclass(r.view_class, APIView)
        and not r.view_class.__module__.startswith(THIRD_PARTY_VIEWS)
    ]


def test_every_api_view_refuses_unknown_query_parameters():
    views = drf_api_views()
    assert len(views) > 20, "the walk found too few API views"
    missing = sorted({f"{r.view_class.__module__}.{r.view_class.__qualname__} ({r.label})"
                      for r in views if StrictQueryMixin not in r.view_class.__mro__})
    assert not missing, "API views without StrictQueryMixin:\n" + "\n".join(missing)


def test_strict_query_mixin_comes_first_in_every_api_view():
    late = sorted({f"{r.view_class.__module__}.{r.view_class.__qualname__}" for r in drf_api_views()
                   if StrictQueryMixin in r.view_class.__mro__
                   and r.view_class.__mro__.index(StrictQueryMixin) > 1})
    assert not late, "StrictQueryMixin must be the first base of:\n" + "\n".join(late)
