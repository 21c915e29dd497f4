"""GET /api/cameras/{id}/scene-changes and POST .../{scene_change_id}/acknowledge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cameras.services import camera_soft_delete
from cameras.tests.factories import CameraFactory
from scenechanges import services
from scenechanges.models import SceneChange, SceneReference
from scenechanges.tests import frames as f
from scenechanges.tests.factories import SceneChangeFactory

pytestmark = pytest.mark.django_db

LIST = "/api/cameras/{}/scene-changes"
ACK = "/api/cameras/{}/scene-changes/{}/acknowledge"
T0 = dt.datetime(2026, 1, 23, 12, 0, tzinfo=dt.UTC)


KINDS = {
    "camera-not-found": "Camera not found",
    "scene-change-not-found": "Scene change not found",
    "invalid-query-parameter": "Query parameter is invalid",
    "validation-error": "Request body is invalid",
}


def problem(response, status, slug, detail, **extra):
    """The whole problem document: type, code, title, status, detail, instance (and errors)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body == {
        "type": f"/problems/{slug}",
        "code": slug.replace("-", "_"),
        "title": KINDS[slug],
        "status": status,
        "detail": detail,
        "instance": response.wsgi_request.path,
        **extra,
    }
    return body


def no_camera(camera_id):
    return f"No camera '{camera_id}'. List cameras at /api/cameras."


def test_list_shape(api_client, camera):
    change = SceneChangeFactory(
        camera=camera,
        detected_at=T0,
        change_type="angle_changed",
        similarity_score=0.65,
        file_path="/export/foscam/front_door/scene_change_001.jpg",
    )
    response = api_client.get(LIST.format("front_door"))
    assert response.status_code == 200
    assert response.json() == {
        "camera_id": "front_door",
        "scene_changes": [
            {
                "id": change.pk,
                "detected_at": "2026-01-23T12:00:00Z",
                "change_type": "angle_changed",
                "similarity_score": 0.65,
                "acknowledged": False,
                "acknowledged_at": None,
                "file_path": "/export/foscam/front_door/scene_change_001.jpg",
                "source": "detector",
                "preset_token": "",
            }
        ],
        "total_changes": 1,
        "next_cursor": None,
        "has_more": False,
    }


def test_list_newest_first_filtered_and_total_counts_all_matches(api_client, camera):
    for i in range(5):
        SceneChangeFactory(camera=camera, detected_at=T0 + dt.timedelta(minutes=i), acknowledged=i % 2 == 0)
    SceneChangeFactory(camera=CameraFactory(id="garage"))  # another camera's change
    body = api_client.get(LIST.format("front_door"), {"limit": 2}).json()
    assert body["total_changes"] == 5 and body["has_more"] is True and len(body["scene_changes"]) == 2
    assert [c["detected_at"] for c in body["scene_changes"]] == ["2026-01-23T12:04:00Z", "2026-01-23T12:03:00Z"]
    open_ = api_client.get(LIST.format("front_door"), {"acknowledged": "false"}).json()
    assert open_["total_changes"] == 2 and {c["acknowledged"] for c in open_["scene_changes"]} == {False}
    done = api_client.get(LIST.format("front_door"), {"acknowledged": "true", "limit": 1}).json()
    assert done["total_changes"] == 3 and len(done["scene_changes"]) == 1 and done["has_more"] is True


def test_cursor_returns_each_change_exactly_once_with_equal_detected_at(api_client, camera):
    ids = {SceneChangeFactory(camera=camera, detected_at=T0).pk for _ in range(7)}
    ids |= {SceneChangeFactory(camera=camera, detected_at=T0 - dt.timedelta(seconds=1)).pk for _ in range(2)}
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        body = api_client.get(LIST.format("front_door"), params).json()
        pages += 1
        assert body["total_changes"] == 9
        seen += [c["id"] for c in body["scene_changes"]]
        cursor = body["next_cursor"]
        assert body["has_more"] is (cursor is not None)
        if not cursor:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 9 and set(seen) == ids


def test_a_bare_timestamp_cursor_lists_older_changes(api_client, camera):
    """The earlier system's cursor (a detected_at) still works: changes detected before it."""
    SceneChangeFactory(camera=camera, detected_at=T0)
    older = SceneChangeFactory(camera=camera, detected_at=T0 - dt.timedelta(minutes=1))
    for cursor in ("2026-01-23T12:00:00Z", "2026-01-23T12:00:00+00:00"):
        body = api_client.get(LIST.format("front_door"), {"cursor": cursor}).json()
        assert [c["id"] for c in body["scene_changes"]] == [older.pk]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc"])
def test_bad_limit_is_422(api_client, camera, limit):
    response = api_client.get(LIST.format("front_door"), {"limit": limit})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    message = "must be an integer, got 'abc'" if limit == "abc" else "must be between 1 and 100"
    assert response.json()["errors"] == [{"field": "limit", "message": message}]


def test_limit_bounds_are_accepted(api_client, camera):
    assert api_client.get(LIST.format("front_door"), {"limit": 1}).status_code == 200
    assert api_client.get(LIST.format("front_door"), {"limit": 100}).status_code == 200


@pytest.mark.parametrize(
    "params,field", [({"acknowledged": "maybe"}, "acknowledged"), ({"cursor": "garbage!"}, "cursor")]
)
def test_bad_filter_or_cursor_is_422(api_client, camera, params, field):
    response = api_client.get(LIST.format("front_door"), params)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": field,
            "message": "must be true or false" if field == "acknowledged" else "is not a cursor this API issued",
        }
    ]


def test_list_404_for_unknown_and_trashed_camera(api_client, camera):
    problem(api_client.get(LIST.format("nope")), 404, "camera-not-found", no_camera("nope"))
    camera_soft_delete(camera_id="front_door", actor="test")
    problem(api_client.get(LIST.format("front_door")), 404, "camera-not-found", no_camera("front_door"))


def test_list_requires_an_api_key(anon_client, camera):
    assert anon_client.get(LIST.format("front_door")).status_code == 401


def test_acknowledge_shape_and_idempotence(api_client, camera):
    change = SceneChangeFactory(camera=camera)
    response = api_client.post(ACK.format("front_door", change.pk))
    assert response.status_code == 200
    body = response.json()
    change.refresh_from_db()
    assert set(body) == {"id", "acknowledged", "acknowledged_at"}
    assert (body["id"], body["acknowledged"]) == (change.pk, True)
    assert body["acknowledged_at"].endswith("Z")
    assert dt.datetime.fromisoformat(body["acknowledged_at"]) == change.acknowledged_at
    assert change.acknowledged_by == "env-key"
    again = api_client.post(ACK.format("front_door", change.pk), {"update_reference": True}, format="json")
    assert again.status_code == 200 and again.json() == body


def test_acknowledge_updates_the_reference_unless_told_not_to(api_client, cam, frames):
    for image in (f.view(), f.view(dx=0.12), f.view(dx=0.12), f.view(dx=0.12)):
        services.scenechange_compare(camera_id=cam.id, frame_path=str(frames.write(image)))
    first = SceneChange.objects.get()
    reference = SceneReference.objects.get()
    keep = api_client.post(ACK.format("front_door", first.pk), {"update_reference": False}, format="json")
    assert keep.status_code == 200
    assert SceneReference.objects.get(retired_at__isnull=True) == reference

    second = SceneChangeFactory(camera=cam, change_type="angle_changed")
    assert api_client.post(ACK.format("front_door", second.pk), format="json").status_code == 200
    current = SceneReference.objects.get(retired_at__isnull=True)
    assert current != reference and current.reason == "acknowledged"


def test_acknowledge_404s(api_client, camera):
    other = SceneChangeFactory(camera=CameraFactory(id="garage"))
    mine = SceneChangeFactory(camera=camera)
    problem(api_client.post(ACK.format("nope", mine.pk)), 404, "camera-not-found", no_camera("nope"))
    problem(
        api_client.post(ACK.format("front_door", 999999)),
        404,
        "scene-change-not-found",
        "Scene change with id 999999 not found for camera front_door",
    )
    problem(
        api_client.post(ACK.format("front_door", other.pk)),
        404,
        "scene-change-not-found",
        f"Scene change with id {other.pk} not found for camera front_door",
    )
    problem(
        api_client.post(ACK.format("front_door", "abc")),
        404,
        "scene-change-not-found",
        "Scene change with id abc not found for camera front_door",
    )
    other.refresh_from_db()
    assert other.acknowledged is False
    camera_soft_delete(camera_id="front_door", actor="test")
    problem(api_client.post(ACK.format("front_door", mine.pk)), 404, "camera-not-found", no_camera("front_door"))


def test_acknowledge_rejects_unknown_or_bad_body_fields(api_client, camera):
    change = SceneChangeFactory(camera=camera)
    response = api_client.post(ACK.format("front_door", change.pk), {"update_referense": False}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "update_referense", "message": "is not a known field"}]
    bad = api_client.post(ACK.format("front_door", change.pk), {"update_reference": "perhaps"}, format="json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "update_reference"
    assert SceneChange.objects.get().acknowledged is False


def test_trashed_changes_are_not_listed(api_client, camera):
    from cameras.services import camera_restore

    SceneChangeFactory(camera=camera)
    camera_soft_delete(camera_id="front_door", actor="test")
    camera_restore(camera_id="front_door", actor="test")
    assert api_client.get(LIST.format("front_door")).json()["total_changes"] == 1


def test_openapi_documents_the_change_type_enum_and_errors(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    list_op = schema["paths"]["/api/cameras/{camera_id}/scene-changes"]["get"]
    ack_op = schema["paths"]["/api/cameras/{camera_id}/scene-changes/{scene_change_id}/acknowledge"]["post"]
    assert {"200", "401", "404", "422"} <= set(list_op["responses"])
    assert {"200", "401", "404", "422"} <= set(ack_op["responses"])
    assert {p["name"] for p in list_op["parameters"]} >= {"acknowledged", "limit", "cursor"}
    enums = [
        component.get("enum")
        for component in schema["components"]["schemas"].values()
        if component.get("enum") and "view_blocked" in component["enum"]
    ]
    assert enums == [["view_blocked", "angle_changed", "view_tampered", "unknown"]]


def test_list_query_count_does_not_grow_with_the_page(api_client, camera, django_assert_max_num_queries):
    for i in range(30):
        SceneChangeFactory(camera=camera, detected_at=timezone.now() - dt.timedelta(minutes=i))
    with django_assert_max_num_queries(6):
        assert len(api_client.get(LIST.format("front_door")).json()["scene_changes"]) == 30


def _item(change, **overrides):
    item = {
        "id": change.pk,
        "detected_at": change.detected_at.isoformat().replace("+00:00", "Z"),
        "change_type": change.change_type,
        "similarity_score": change.similarity_score,
        "acknowledged": change.acknowledged,
        "acknowledged_at": None,
        "file_path": change.file_path,
        "source": "detector",
        "preset_token": "",
    }
    return item | overrides


def test_list_pages_keep_the_contract_shape_across_cursors(api_client, camera):
    """Three pages of two over five changes (two share a detected_at): every page is exactly
    {camera_id, scene_changes, total_changes, next_cursor, has_more}, and the cursors chain."""
    changes = [
        SceneChangeFactory(camera=camera, detected_at=T0 + dt.timedelta(minutes=m), file_path=f"/x/{i}.jpg")
        for i, m in enumerate((0, 1, 1, 2, 3))
    ]
    newest_first = sorted(changes, key=lambda c: (c.detected_at, c.pk), reverse=True)
    pages, cursor = [], None
    for _ in range(3):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = api_client.get(LIST.format("front_door"), params)
        assert response.status_code == 200
        body = response.json()
        pages.append(body)
        cursor = body["next_cursor"]

    for index, body in enumerate(pages):
        rows = newest_first[index * 2 : index * 2 + 2]
        last = index == 2
        assert isinstance(body["next_cursor"], str) or last
        assert body == {
            "camera_id": "front_door",
            "scene_changes": [_item(row) for row in rows],
            "total_changes": 5,
            "next_cursor": None if last else body["next_cursor"],
            "has_more": not last,
        }
    assert pages[0]["next_cursor"] != pages[1]["next_cursor"]


def test_list_with_a_bare_timestamp_cursor_keeps_the_contract_shape(api_client, camera):
    newer = SceneChangeFactory(camera=camera, detected_at=T0, file_path="/x/new.jpg")
    older = [
        SceneChangeFactory(camera=camera, detected_at=T0 - dt.timedelta(minutes=m), file_path=f"/x/{m}.jpg")
        for m in (1, 2)
    ]
    response = api_client.get(LIST.format("front_door"), {"cursor": "2026-01-23T12:00:00+00:00", "limit": 1})
    body = response.json()
    assert response.status_code == 200
    assert body == {
        "camera_id": "front_door",
        "scene_changes": [_item(older[0])],
        "total_changes": 3,
        "next_cursor": body["next_cursor"],
        "has_more": True,
    }
    rest = api_client.get(LIST.format("front_door"), {"cursor": body["next_cursor"]}).json()
    assert rest == {
        "camera_id": "front_door",
        "scene_changes": [_item(older[1])],
        "total_changes": 3,
        "next_cursor": None,
        "has_more": False,
    }
    assert newer.pk not in [c["id"] for c in body["scene_changes"] + rest["scene_changes"]]


@pytest.mark.parametrize(
    "method,path,accepted",
    [
        ("get", LIST.format("front_door"), "acknowledged, cursor, limit"),
        ("post", ACK.format("front_door", "{}"), "none"),
    ],
)
def test_unknown_query_parameters_are_422(api_client, camera, method, path, accepted):
    change = SceneChangeFactory(camera=camera)
    path = path.format(change.pk)
    response = getattr(api_client, method)(path + "?ack=false&page=2")
    message = f"is not a parameter of this operation; it accepts: {accepted}"
    problem(
        response,
        422,
        "invalid-query-parameter",
        f"Request validation failed: ack: {message}; page: {message}",
        errors=[{"field": "ack", "message": message}, {"field": "page", "message": message}],
    )
    change.refresh_from_db()
    assert change.acknowledged is False


def test_a_bad_cursor_is_an_invalid_query_parameter(api_client, camera):
    response = api_client.get(LIST.format("front_door"), {"cursor": "WyJub3QtYS1kYXRlIiwxXQ"})
    problem(
        response,
        422,
        "invalid-query-parameter",
        "Request validation failed: cursor: is not a cursor this API issued",
        errors=[{"field": "cursor", "message": "is not a cursor this API issued"}],
    )
