"""The camera CRUD, trash and restore endpoints: response shapes, validation, conflicts and problem documents."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cameras.models import Camera
from cameras.tests.factories import CameraFactory
from nem.errors import PROBLEM_TYPES

pytestmark = pytest.mark.django_db

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
RESPONSE_KEYS = [
    "id",
    "name",
    "folder_path",
    "status",
    "created_at",
    "last_seen_at",
    "ingestion_mode",
    "rtsp_url",
    "stream_profile",
    "motion_sensitivity",
    "onvif_url",
    "timezone",
]


def create(client, **body):
    return client.post("/api/cameras", body, format="json")


def assert_problem(response, kind: str, detail: str | None = None, *, contains: str = "") -> dict:
    """The whole problem document of kind ``kind`` (its slug); ``detail`` exact, or containing ``contains``."""
    expected_kind = PROBLEM_TYPES[kind]
    assert response.status_code == expected_kind.status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    expected = {
        "type": f"/problems/{kind}",
        "code": kind.replace("-", "_"),
        "title": expected_kind.title,
        "status": expected_kind.status,
        "detail": body["detail"] if detail is None else detail,
        "instance": response.wsgi_request.path,
    }
    if expected_kind.status == 422:
        expected["errors"] = body["errors"]
        assert body["errors"] and all(set(e) == {"field", "message"} for e in body["errors"]), body
    assert body == expected
    assert contains in body["detail"]
    return body


def assert_validation(response, field: str, message_contains: str = "", kind: str = "validation-error") -> dict:
    body = assert_problem(response, kind)
    matching = [e for e in body["errors"] if e["field"] == field]
    assert matching, body["errors"]
    assert any(message_contains in e["message"] for e in matching), matching
    return body


def assert_query_problem(response, parameter: str, message_contains: str = "") -> dict:
    return assert_validation(response, parameter, message_contains, kind="invalid-query-parameter")


class TestCreate:
    def test_create_returns_201_with_the_full_camera_shape(self, api_client):
        response = create(
            api_client, name="Front Door Camera", folder_path="/export/foscam/front_door", status="online"
        )
        assert response.status_code == 201
        assert response["Location"] == "/api/cameras/front_door"
        body = response.json()
        assert list(body) == RESPONSE_KEYS
        created_at = body.pop("created_at")
        assert ISO_Z.match(created_at)
        assert body == {
            "id": "front_door",
            "name": "Front Door Camera",
            "folder_path": "/export/foscam/front_door",
            "status": "online",
            "last_seen_at": None,
            "ingestion_mode": "ftp",
            "rtsp_url": None,
            "stream_profile": None,
            "motion_sensitivity": 0.5,
            "onvif_url": None,
            "timezone": "UTC",
        }

    @pytest.mark.parametrize(
        ("folder_path", "name", "expected"),
        [
            ("/export/foscam/Front Door", "X", "front_door"),
            ("/export/foscam/back-yard/", "X", "back_yard"),
            ("/export/foscam/Cam.1", "X", "cam1"),
            ("/export/foscam/Café #1", "X", "café_1"),
            ("/export/foscam/!!!", "Garage Side", "garage_side"),
        ],
    )
    def test_id_is_the_normalised_folder_basename_else_the_name(self, api_client, folder_path, name, expected):
        response = create(api_client, name=name, folder_path=folder_path)
        assert response.status_code == 201, response.json()
        assert response.json()["id"] == expected

    def test_explicit_id_is_used_and_must_be_normalised(self, api_client):
        assert create(api_client, id="porch", name="A", folder_path="/export/foscam/a").json()["id"] == "porch"
        assert_validation(create(api_client, id="Porch Two", name="B", folder_path="/export/foscam/b"), "id", "porch_two")

    @pytest.mark.parametrize("reserved", ["deleted", "validation", "onvif"])
    def test_ids_that_are_route_segments_are_refused(self, api_client, reserved):
        response = create(api_client, name="Cam", folder_path=f"/export/foscam/{reserved}")
        assert_validation(response, "id", "reserved")
        assert not Camera.all_objects.exists()

    def test_defaults_and_all_optional_fields(self, api_client):
        response = create(
            api_client,
            name="Drive",
            folder_path="/export/foscam/drive",
            status="offline",
            ingestion_mode="onvif",
            rtsp_url="rtsp://192.168.1.20:554/stream1",
            rtsp_username="viewer",
            rtsp_password="s3cret!",
            stream_profile="sub",
            motion_sensitivity=0.8,
            onvif_url="http://192.168.1.20/onvif/device_service",
            timezone="Europe/Berlin",
        )
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "offline"
        assert body["ingestion_mode"] == "onvif"
        assert body["rtsp_url"] == "rtsp://192.168.1.20:554/stream1"
        assert body["stream_profile"] == "sub"
        assert body["motion_sensitivity"] == 0.8
        assert body["onvif_url"] == "http://192.168.1.20/onvif/device_service"
        assert body["timezone"] == "Europe/Berlin"
        assert "rtsp_password" not in body and "rtsp_username" not in body
        camera = Camera.objects.get(pk="drive")
        assert camera.rtsp_username == "viewer"
        assert camera.rtsp_password == "s3cret!"
        assert "s3cret" not in camera.rtsp_password_encrypted  # encrypted at rest

    def test_credentials_in_rtsp_url_are_moved_out_of_it(self, api_client):
        response = create(
            api_client,
            name="Yard",
            folder_path="/export/foscam/yard",
            ingestion_mode="rtsp",
            rtsp_url="rtsp://admin:p%40ss%3Aword@10.0.0.5:554/live",
        )
        assert response.status_code == 201
        assert response.json()["rtsp_url"] == "rtsp://10.0.0.5:554/live"
        camera = Camera.objects.get(pk="yard")
        assert (camera.rtsp_username, camera.rtsp_password) == ("admin", "p@ss:word")
        assert camera.rtsp_url == "rtsp://10.0.0.5:554/live"

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("", "empty"),
            ("   ", "empty"),
            ("a" * 256, "255"),
            ("bad\x00name", "Null characters"),
            ("bad\x07bell", "control characters"),
            ("tab\there", "control characters"),
            ("new\nline", "control characters"),
        ],
    )
    def test_name_validation(self, api_client, name, message):
        response = create(api_client, name=name, folder_path="/export/foscam/x")
        assert_validation(response, "name", message if name else "")

    def test_name_is_stripped(self, api_client):
        assert create(api_client, name="  Porch  ", folder_path="/export/foscam/porch").json()["name"] == "Porch"

    def test_name_of_255_characters_is_accepted(self, api_client):
        assert create(api_client, name="n" * 255, folder_path="/export/foscam/long").status_code == 201

    @pytest.mark.parametrize(
        ("folder_path", "message"),
        [
            ("", ""),
            ("/" + "a" * 500, "500"),
            ("/export/../etc", "traversal"),
            ("/export/a..b", "traversal"),
            *[(f"/export/bad{c}name", "forbidden characters") for c in '<>:"|?*'],
            ("/export/bad\x01name", "forbidden characters"),
        ],
    )
    def test_folder_path_validation(self, api_client, folder_path, message):
        response = create(api_client, name="Cam", folder_path=folder_path)
        assert_validation(response, "folder_path", message)

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("status", "broken", "not a valid choice"),
            ("ingestion_mode", "http", "not a valid choice"),
            ("stream_profile", "tiny", "not a valid choice"),
            ("motion_sensitivity", 1.5, "less than or equal to 1"),
            ("motion_sensitivity", -0.1, "greater than or equal to 0"),
            ("motion_sensitivity", "high", "valid number"),
            ("rtsp_url", "http://cam/stream", "rtsp:// or rtsps://"),
            ("rtsp_url", "rtsp://", "valid host"),
            ("rtsp_url", "rtsp://cam:99999/x", "not a valid URL"),
            ("rtsp_url", "rtsp://cam/a b", "whitespace"),
            ("onvif_url", "ftp://cam/", "http"),
            ("timezone", "Mars/Olympus", "IANA"),
            ("name", None, "may not be null"),
            ("unknown_field", 1, "not a known field"),
        ],
    )
    def test_field_validation(self, api_client, field, value, message):
        body = {"name": "Cam", "folder_path": "/export/foscam/cam", field: value}
        assert_validation(create(api_client, **body), field, message)
        assert not Camera.all_objects.exists()

    @pytest.mark.parametrize("mode", ["rtsp", "onvif"])
    def test_rtsp_url_is_required_for_streaming_modes(self, api_client, mode):
        response = create(api_client, name="Cam", folder_path="/export/foscam/cam", ingestion_mode=mode)
        assert_validation(response, "rtsp_url", "required")

    def test_malformed_json_and_non_object_bodies_are_422(self, api_client):
        response = api_client.post("/api/cameras", "{not json", content_type="application/json")
        assert_validation(response, "body", "JSON parse error")
        assert_problem(api_client.post("/api/cameras", [1, 2], format="json"), "validation-error")

    def test_missing_required_fields(self, api_client):
        body = assert_problem(create(api_client), "validation-error")
        assert {e["field"] for e in body["errors"]} == {"name", "folder_path"}

    @pytest.mark.parametrize(
        ("body", "detail"),
        [
            ({"name": "Front Door Camera", "folder_path": "/other"}, "Camera with name 'Front Door Camera' already exists (id: front_door)"),
            ({"name": "Other", "folder_path": "/export/foscam/front_door"}, "folder_path '/export/foscam/front_door' already exists (id: front_door)"),
            ({"name": "Other", "folder_path": "/elsewhere/front_door"}, "Camera with id 'front_door' already exists"),
        ],
    )
    def test_conflicts_are_409_naming_the_holder(self, api_client, camera, body, detail):
        assert_problem(create(api_client, **body), "camera-conflict", contains=detail)

    def test_a_trashed_camera_blocks_recreation_with_a_restore_hint(self, api_client, camera):
        assert api_client.delete("/api/cameras/front_door").status_code == 204
        response = create(api_client, name="Front Door Camera", folder_path="/export/foscam/new")
        body = assert_problem(response, "camera-conflict", contains="in the trash")
        assert "POST /api/cameras/front_door/restore" in body["detail"]


class TestListAndGet:
    def test_list_shape_and_pagination_object(self, api_client, camera):
        response = api_client.get("/api/cameras")
        assert response.status_code == 200
        body = response.json()
        assert list(body) == ["items", "pagination"]
        assert body["pagination"] == {"total": 1, "limit": 1000, "offset": 0, "next_cursor": None, "has_more": False}
        item = body["items"][0]
        assert list(item) == RESPONSE_KEYS
        assert item["id"] == "front_door"
        assert ISO_Z.match(item["created_at"])

    def test_get_returns_the_camera_and_404_for_unknown_or_trashed(self, api_client, camera):
        response = api_client.get("/api/cameras/front_door")
        assert response.status_code == 200
        assert list(response.json()) == RESPONSE_KEYS
        assert_problem(api_client.get("/api/cameras/nope"), "camera-not-found", "No camera 'nope'. List cameras at /api/cameras.")
        api_client.delete("/api/cameras/front_door")
        assert_problem(
            api_client.get("/api/cameras/front_door"),
            "camera-not-found",
            "No camera 'front_door'. List cameras at /api/cameras.",
        )
        assert api_client.get("/api/cameras").json()["items"] == []

    def test_status_filter(self, api_client):
        CameraFactory(id="a", status="online")
        CameraFactory(id="b", status="offline")
        CameraFactory(id="c", status="offline")
        response = api_client.get("/api/cameras?status=offline")
        assert [c["id"] for c in response.json()["items"]] == ["b", "c"]
        assert response.json()["pagination"]["total"] == 2
        assert_query_problem(api_client.get("/api/cameras?status=sleeping"), "status", "online, offline, error, unknown")

    def test_sparse_fieldsets(self, api_client, camera):
        response = api_client.get("/api/cameras?fields=id, NAME,last_seen_at")
        assert response.json()["items"] == [{"id": "front_door", "name": "Front Door Camera", "last_seen_at": None}]
        response = api_client.get("/api/cameras?fields=status")
        assert response.json()["items"] == [{"status": "online"}]

    def test_unknown_sparse_field_is_422_listing_valid_ones(self, api_client, camera):
        message = (
            "unknown field(s) rtsp_password; valid fields are: id, name, folder_path, status, created_at, "
            "last_seen_at, ingestion_mode, rtsp_url, stream_profile, motion_sensitivity, onvif_url, timezone"
        )
        body = assert_problem(
            api_client.get("/api/cameras?fields=id,rtsp_password"),
            "invalid-query-parameter",
            f"Request validation failed: fields: {message}",
        )
        assert body["errors"] == [{"field": "fields", "message": message}]

    def test_limit_offset_pages_in_created_order(self, api_client):
        start = timezone.now()
        for i in range(5):
            CameraFactory(id=f"c{i}", created_at=start + dt.timedelta(seconds=i))
        body = api_client.get("/api/cameras?limit=2&offset=2").json()
        assert [c["id"] for c in body["items"]] == ["c2", "c3"]
        assert body["pagination"]["total"] == 5
        assert body["pagination"]["has_more"] is True
        assert body["pagination"]["offset"] == 2
        last = api_client.get("/api/cameras?limit=2&offset=4").json()
        assert [c["id"] for c in last["items"]] == ["c4"]
        assert last["pagination"]["has_more"] is False
        assert last["pagination"]["next_cursor"] is None

    def test_cursor_pages_visit_each_camera_once_even_with_equal_created_at(self, api_client):
        same = timezone.now()
        for i in range(7):
            CameraFactory(id=f"c{i}", created_at=same)
        seen, cursor = [], None
        while True:
            url = "/api/cameras?limit=3" + (f"&cursor={cursor}" if cursor else "")
            body = api_client.get(url).json()
            seen += [c["id"] for c in body["items"]]
            assert body["pagination"]["total"] == 7
            cursor = body["pagination"]["next_cursor"]
            if not body["pagination"]["has_more"]:
                assert cursor is None
                break
            assert body["pagination"]["offset"] is None or body["pagination"]["offset"] == 0
        assert seen == [f"c{i}" for i in range(7)]

    @pytest.mark.parametrize(
        ("query", "field"),
        [("limit=0", "limit"), ("limit=1001", "limit"), ("limit=x", "limit"), ("offset=-1", "offset"), ("cursor=%%%", "cursor")],
    )
    def test_bad_pagination_parameters_are_422(self, api_client, camera, query, field):
        assert_query_problem(api_client.get(f"/api/cameras?{query}"), field)

    def test_list_runs_a_fixed_number_of_queries(self, api_client, django_assert_num_queries):
        for i in range(3):
            CameraFactory(id=f"few{i}")
        with django_assert_num_queries(2):  # count + page
            assert api_client.get("/api/cameras?limit=500").status_code == 200
        for i in range(40):
            CameraFactory(id=f"many{i}")
        with django_assert_num_queries(2):
            assert len(api_client.get("/api/cameras?limit=600").json()["items"]) == 43
        for i in range(3):
            CameraFactory(id=f"trash{i}", deleted_at=timezone.now())
        with django_assert_num_queries(2):
            assert len(api_client.get("/api/cameras/deleted").json()["items"]) == 3


class TestUpdate:
    def test_patch_updates_and_returns_the_camera(self, api_client, camera):
        response = api_client.patch(
            "/api/cameras/front_door", {"name": "Front Door Camera - Updated", "status": "offline"}, format="json"
        )
        assert response.status_code == 200
        body = response.json()
        assert list(body) == RESPONSE_KEYS
        assert (body["id"], body["name"], body["status"]) == ("front_door", "Front Door Camera - Updated", "offline")

    def test_patch_folder_path_keeps_the_id(self, api_client, camera):
        body = api_client.patch("/api/cameras/front_door", {"folder_path": "/export/foscam/porch"}, format="json").json()
        assert (body["id"], body["folder_path"]) == ("front_door", "/export/foscam/porch")

    def test_patch_to_a_name_another_camera_holds_is_409(self, api_client, camera):
        CameraFactory(id="garage", name="Garage")
        assert_problem(
            api_client.patch("/api/cameras/garage", {"name": "Front Door Camera"}, format="json"),
            "camera-conflict",
            "Camera with name 'Front Door Camera' already exists (id: front_door).",
        )
        assert Camera.objects.get(pk="garage").name == "Garage"

    def test_patch_own_name_is_not_a_conflict(self, api_client, camera):
        response = api_client.patch("/api/cameras/front_door", {"name": "Front Door Camera"}, format="json")
        assert response.status_code == 200

    @pytest.mark.parametrize("field", ["name", "folder_path", "status", "ingestion_mode", "motion_sensitivity"])
    def test_patch_null_for_required_fields_is_422(self, api_client, camera, field):
        assert_validation(api_client.patch("/api/cameras/front_door", {field: None}, format="json"), field, "null")

    def test_patch_cannot_change_the_id(self, api_client, camera):
        assert_validation(api_client.patch("/api/cameras/front_door", {"id": "x"}, format="json"), "id", "never changes")

    def test_patch_cannot_break_the_streaming_rule(self, api_client, camera):
        response = api_client.patch("/api/cameras/front_door", {"ingestion_mode": "rtsp"}, format="json")
        assert_validation(response, "rtsp_url", "required")
        assert Camera.objects.get(pk="front_door").ingestion_mode == "ftp"

    def test_patch_password_is_write_only_and_can_be_cleared(self, api_client, camera):
        response = api_client.patch("/api/cameras/front_door", {"rtsp_password": "hunter2"}, format="json")
        assert "hunter2" not in response.content.decode()
        assert Camera.objects.get(pk="front_door").rtsp_password == "hunter2"
        api_client.patch("/api/cameras/front_door", {"rtsp_password": None}, format="json")
        assert Camera.objects.get(pk="front_door").rtsp_password is None

    def test_patch_unknown_or_trashed_is_404(self, api_client, camera):
        assert_problem(
            api_client.patch("/api/cameras/nope", {"name": "x"}, format="json"),
            "camera-not-found",
            "No camera 'nope'. List cameras at /api/cameras.",
        )
        api_client.delete("/api/cameras/front_door")
        assert_problem(
            api_client.patch("/api/cameras/front_door", {"name": "x"}, format="json"),
            "camera-not-found",
            "No camera 'front_door'. List cameras at /api/cameras.",
        )


class TestDeleteAndRestore:
    def test_delete_is_204_with_no_body_and_second_delete_is_404(self, api_client, camera):
        response = api_client.delete("/api/cameras/front_door")
        assert response.status_code == 204
        assert response.content == b""
        assert_problem(
            api_client.delete("/api/cameras/front_door"),
            "camera-not-found",
            "No camera 'front_door'. List cameras at /api/cameras.",
        )

    def test_trash_lists_deleted_cameras_newest_first_with_deleted_at(self, api_client):
        CameraFactory(id="old")
        CameraFactory(id="newer")
        CameraFactory(id="alive")
        api_client.delete("/api/cameras/old")
        api_client.delete("/api/cameras/newer")
        body = api_client.get("/api/cameras/deleted").json()
        assert [c["id"] for c in body["items"]] == ["newer", "old"]
        assert list(body["items"][0]) == [*RESPONSE_KEYS, "deleted_at"]
        assert ISO_Z.match(body["items"][0]["deleted_at"])
        assert body["pagination"] == {"total": 2, "limit": 1000, "offset": 0, "next_cursor": None, "has_more": False}

    def test_restore_returns_the_camera_and_400_when_not_deleted(self, api_client, camera):
        assert_problem(
            api_client.post("/api/cameras/front_door/restore"), "camera-not-deleted", "Camera front_door is not deleted"
        )
        api_client.delete("/api/cameras/front_door")
        response = api_client.post("/api/cameras/front_door/restore")
        assert response.status_code == 200
        assert list(response.json()) == RESPONSE_KEYS
        assert api_client.get("/api/cameras/front_door").status_code == 200
        assert_problem(
            api_client.post("/api/cameras/nope/restore"),
            "camera-not-found",
            "No camera 'nope'. List cameras at /api/cameras.",
        )


class TestCacheAside:
    def test_the_list_reflects_every_api_write_at_once(self, api_client):
        assert api_client.get("/api/cameras").json()["items"] == []
        create(api_client, name="Porch", folder_path="/export/foscam/porch")
        assert [c["name"] for c in api_client.get("/api/cameras").json()["items"]] == ["Porch"]
        assert api_client.get("/api/cameras?status=offline").json()["items"] == []
        api_client.patch("/api/cameras/porch", {"name": "Porch 2", "status": "offline"}, format="json")
        assert [c["name"] for c in api_client.get("/api/cameras").json()["items"]] == ["Porch 2"]
        assert [c["id"] for c in api_client.get("/api/cameras?status=offline").json()["items"]] == ["porch"]
        api_client.delete("/api/cameras/porch")
        assert api_client.get("/api/cameras").json()["items"] == []
        assert api_client.get("/api/cameras?status=offline").json()["items"] == []
        api_client.post("/api/cameras/porch/restore")
        assert [c["id"] for c in api_client.get("/api/cameras?fields=id").json()["items"]] == ["porch"]

    def test_a_reader_that_loaded_rows_before_a_write_cannot_cache_them_for_later(self, api_client, camera):
        """The cache-aside race: an entry stamped with the generation read before a write is a miss."""
        from cameras import cache as list_cache

        params = list_cache.list_params({})
        slow_reader = list_cache.list_lookup(status=None, params=params)  # reads the generation, misses
        assert slow_reader.body is None
        api_client.patch("/api/cameras/front_door", {"name": "Renamed"}, format="json")  # bumps it
        list_cache.list_store(slow_reader, b'{"items": [{"name": "stale"}]}')  # the slow reader stores late
        assert api_client.get("/api/cameras").json()["items"][0]["name"] == "Renamed"

    def test_a_cache_hit_runs_no_query(self, api_client, camera, django_assert_num_queries):
        api_client.get("/api/cameras")
        with django_assert_num_queries(0):
            assert api_client.get("/api/cameras").json()["items"][0]["id"] == "front_door"

    def test_a_write_outside_the_api_is_seen_at_once(self, api_client, camera):
        """The model invalidates the list: a bare ORM update (a job, a shell) is seen too
        (every write path: cameras/tests/test_list_cache.py)."""
        api_client.get("/api/cameras")
        Camera.objects.filter(pk="front_door").update(status="error")
        assert api_client.get("/api/cameras").json()["items"][0]["status"] == "error"

    def test_with_redis_unreachable_the_list_still_answers(self, api_client, camera, settings):
        settings.CACHES = {
            **settings.CACHES,
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
                "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
            },
        }
        response = api_client.get("/api/cameras")
        assert response.status_code == 200
        assert response.json()["items"][0]["id"] == "front_door"
        assert create(api_client, name="Porch", folder_path="/export/foscam/porch").status_code == 201
        assert len(api_client.get("/api/cameras").json()["items"]) == 2

    def test_rtsp_password_is_in_no_response_and_not_in_the_cached_bytes(self, api_client):
        secret = "Sup3r-Secr3t-Pw"
        create(
            api_client, name="Yard", folder_path="/export/foscam/yard", ingestion_mode="rtsp",
            rtsp_url=f"rtsp://admin:{secret}@127.0.0.1:8554/live",
        )
        responses = [
            api_client.get("/api/cameras"),
            api_client.get("/api/cameras?fields=id,rtsp_url"),
            api_client.get("/api/cameras/yard"),
            api_client.patch("/api/cameras/yard", {"rtsp_password": secret}, format="json"),
        ]
        api_client.delete("/api/cameras/yard")
        responses.append(api_client.get("/api/cameras/deleted"))
        responses.append(api_client.post("/api/cameras/yard/restore"))
        responses.append(api_client.get("/api/cameras"))
        responses.append(api_client.get("/api/cameras?fields=id,rtsp_url"))
        for response in responses:
            assert secret not in response.content.decode()
            assert "rtsp_password" not in response.content.decode()
        from cameras.cache import list_lookup, list_params

        raw = b""
        for fields in ("", "id,rtsp_url"):
            raw += list_lookup(status=None, params=list_params({}, fields=fields)).body
        assert b"yard" in raw  # the list really is cached...
        assert secret.encode() not in raw  # ...without the password


class TestAuth:
    def test_missing_key_is_401_problem(self, anon_client):
        response = anon_client.get("/api/cameras")
        assert_problem(
            response,
            "authentication-required",
            "API key required. Provide it in the X-API-Key header or the api_key query parameter.",
        )

    def test_invalid_key_is_401(self, anon_client):
        anon_client.credentials(HTTP_X_API_KEY="wrong")
        assert_problem(anon_client.get("/api/cameras"), "invalid-api-key", contains="Invalid API key")

    def test_key_in_query_parameter_works(self, anon_client):
        assert anon_client.get("/api/cameras?api_key=test-api-key-for-the-test-suite-only-0001").status_code == 200

    def test_admin_managed_key_works_and_revoked_key_does_not(self, anon_client):
        from nem.models import ApiKey, api_key_create

        key, raw = api_key_create(name="frontend")
        anon_client.credentials(HTTP_X_API_KEY=raw)
        assert anon_client.get("/api/cameras").status_code == 200
        assert raw not in ApiKey.objects.values_list("key_hash", flat=True)
        ApiKey.objects.filter(pk=key.pk).update(is_active=False)
        assert anon_client.get("/api/cameras").status_code == 401

    def test_staff_session_may_use_the_api(self, client, staff_user):
        client.force_login(staff_user)
        assert client.get("/api/cameras").status_code == 200

    def test_health_ready_schema_and_docs_need_no_key(self, anon_client, media_root):
        assert anon_client.get("/health").json() == {"status": "ok"}
        ready = anon_client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ok"
        assert ready.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "media_root": "ok"}
        assert anon_client.get("/api/schema/").status_code == 200
        docs = anon_client.get("/api/docs/")
        assert docs.status_code == 200
        assert b"//cdn" not in docs.content and b"https://" not in docs.content.split(b"<body")[0]

    def test_unknown_api_path_is_a_404_problem(self, api_client):
        assert_problem(
            api_client.get("/api/nothing/here"),
            "not-found",
            "No endpoint matches this path. The API's resources are listed at /api/.",
        )


class TestHostileInput:
    @pytest.mark.parametrize(
        "url",
        ["/api/cameras/front%00door", "/api/cameras/%00", "/api/cameras/front_door%0a/restore", "/api/cameras/x%7f"],
    )
    def test_control_characters_in_a_path_are_a_404_problem(self, api_client, camera, url):
        assert_problem(api_client.get(url), "not-found", contains="No endpoint matches this path.")

    def test_nul_in_a_query_parameter_is_a_422_problem(self, api_client, camera):
        body = assert_problem(api_client.get("/api/cameras?status=on%00line"), "invalid-query-parameter")
        assert body["errors"] == [{"field": "status", "message": "NUL characters are not allowed"}]

    @pytest.mark.parametrize("url", ["/api/cameras", "/api/cameras/deleted"])
    def test_an_offset_past_the_database_range_is_422(self, api_client, camera, url):
        assert_query_problem(api_client.get(url, {"offset": "15273998664250415104"}), "offset", "between 0 and")
