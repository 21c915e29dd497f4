"""The camera API's conventions: query parameters an operation does not read are refused, lists sort
with ``ordering`` and page with cursors bound to it, and a create says where the camera is."""

from __future__ import annotations

import pytest

from cameras.models import Camera

pytestmark = pytest.mark.django_db

UNKNOWN = "is not a parameter of this operation; it accepts: "
ORDERING_MESSAGE = (
    "accepts a comma-separated list of {fields}, each at most once, with '-' for descending (e.g. -{first})"
)
OTHER_ORDERING = "was issued for another ordering; start again without a cursor, or send the same ordering"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def query_problem(problem_document, path: str, parameter: str, message: str) -> dict:
    return problem_document(
        "invalid-query-parameter",
        f"Request validation failed: {parameter}: {message}",
        path,
        [{"field": parameter, "message": message}],
    )


class TestUnknownQueryParameters:
    @pytest.mark.parametrize(
        ("path", "accepted"),
        [
            ("/api/cameras", "cursor, fields, limit, offset, ordering, status"),
            ("/api/cameras/front_door", "none"),
            ("/api/cameras/deleted", "cursor, limit, offset, ordering"),
            ("/api/cameras/validation/paths", "none"),
        ],
    )
    def test_an_unknown_parameter_is_a_422_naming_what_the_operation_accepts(
        self, api_client, camera, media_root, problem_document, path, accepted
    ):
        response = api_client.get(path, {"camera": "front_door"})
        assert response.status_code == 422
        assert response["Content-Type"] == "application/problem+json"
        assert response.json() == query_problem(problem_document, path, "camera", UNKNOWN + accepted)

    def test_the_snapshot_refuses_an_unknown_parameter_before_looking_for_an_image(
        self, anon_client, camera, media_root, problem_document
    ):
        path = "/api/cameras/front_door/snapshot"
        response = anon_client.get(path, {"size": "large"})
        assert response.json() == query_problem(problem_document, path, "size", UNKNOWN + "max_age")

    @pytest.mark.parametrize(
        ("method", "path"),
        [("patch", "/api/cameras/front_door"), ("delete", "/api/cameras/front_door"),
         ("post", "/api/cameras/front_door/restore"), ("post", "/api/cameras")],
    )
    def test_writes_take_no_query_parameters(self, api_client, camera, problem_document, method, path):
        response = getattr(api_client, method)(f"{path}?dry_run=1", {"name": "Renamed"}, format="json")
        assert response.json() == query_problem(problem_document, path, "dry_run", UNKNOWN + "none")
        assert api_client.get("/api/cameras/front_door").json()["name"] == "Front Door Camera"

    def test_common_parameters_are_always_accepted(self, anon_client, camera):
        from conftest import TEST_API_KEY

        response = anon_client.get("/api/cameras/front_door", {"api_key": TEST_API_KEY, "format": "json"})
        assert response.status_code == 200
        assert response.json()["id"] == "front_door"


class TestCameraListOrdering:
    def test_the_default_is_oldest_first(self, api_client, five_cameras):
        assert ids(api_client.get("/api/cameras")) == ["c0", "c1", "c2", "c3", "c4"]

    @pytest.mark.parametrize(
        ("ordering", "expected"),
        [
            ("name", ["c4", "c3", "c2", "c1", "c0"]),
            ("-name", ["c0", "c1", "c2", "c3", "c4"]),
            ("-created_at", ["c4", "c3", "c2", "c1", "c0"]),
            ("id", ["c0", "c1", "c2", "c3", "c4"]),
            ("-id", ["c4", "c3", "c2", "c1", "c0"]),
            # last seen: c0 +0, c1 +3, c2 +1, c3 +4, c4 +2 minutes
            ("last_seen_at", ["c0", "c2", "c4", "c1", "c3"]),
            ("-last_seen_at", ["c3", "c1", "c4", "c2", "c0"]),
            # equal statuses (c0, c4 online) keep the id order as tiebreaker
            ("status,id", ["c2", "c1", "c0", "c4", "c3"]),
            ("-status", ["c3", "c4", "c0", "c1", "c2"]),
        ],
    )
    def test_ordering(self, api_client, five_cameras, ordering, expected):
        assert ids(api_client.get("/api/cameras", {"ordering": ordering})) == expected

    @pytest.mark.parametrize("ordering", ["rtsp_password", "-folder_path", "name,name", "name,-name", "deleted_at"])
    def test_an_ordering_it_cannot_do_is_a_422_listing_what_it_can(
        self, api_client, five_cameras, problem_document, ordering
    ):
        response = api_client.get("/api/cameras", {"ordering": ordering})
        message = ORDERING_MESSAGE.format(fields="created_at, name, id, last_seen_at, status", first="created_at")
        assert response.json() == query_problem(problem_document, "/api/cameras", "ordering", message)

    def test_each_ordering_is_cached_on_its_own(self, api_client, five_cameras):
        assert ids(api_client.get("/api/cameras", {"ordering": "name"}))[0] == "c4"
        assert ids(api_client.get("/api/cameras", {"ordering": "-name"}))[0] == "c0"
        assert ids(api_client.get("/api/cameras", {"ordering": "name"}))[0] == "c4"
        assert ids(api_client.get("/api/cameras"))[0] == "c0"

    def test_a_cursor_walks_an_ordering_to_its_end(self, api_client, five_cameras):
        seen, params = [], {"ordering": "-name", "limit": 2}
        for _ in range(5):
            body = api_client.get("/api/cameras", params).json()
            seen += [item["id"] for item in body["items"]]
            if not body["pagination"]["has_more"]:
                assert body["pagination"]["next_cursor"] is None
                break
            params = {"ordering": "-name", "limit": 2, "cursor": body["pagination"]["next_cursor"]}
        assert seen == ["c0", "c1", "c2", "c3", "c4"]

    @pytest.mark.parametrize(
        ("ordering", "expected"),
        [
            # c1 and c3 never delivered media: their nulls sort last whichever the direction, in
            # the direction of the appended id tiebreaker
            ("last_seen_at", ["c0", "c2", "c4", "c1", "c3"]),
            ("-last_seen_at", ["c4", "c2", "c0", "c3", "c1"]),
            ("-last_seen_at,id", ["c4", "c2", "c0", "c1", "c3"]),
        ],
    )
    def test_a_cursor_walks_past_cameras_never_seen(self, api_client, five_cameras, ordering, expected):
        Camera.objects.filter(id__in=["c1", "c3"]).update(last_seen_at=None)
        for limit in (1, 2, 3):
            seen, params = [], {"ordering": ordering, "limit": limit}
            for _ in range(6):
                body = api_client.get("/api/cameras", params).json()
                seen += [item["id"] for item in body["items"]]
                if not body["pagination"]["has_more"]:
                    break
                params = {"ordering": ordering, "limit": limit, "cursor": body["pagination"]["next_cursor"]}
            assert seen == expected, limit

    def test_a_cursor_used_with_another_ordering_is_refused(self, api_client, five_cameras, problem_document):
        cursor = api_client.get("/api/cameras", {"ordering": "name", "limit": 2}).json()["pagination"]["next_cursor"]
        assert cursor
        for ordering in ("-name", None):
            params = {"cursor": cursor, "limit": 2, **({"ordering": ordering} if ordering else {})}
            response = api_client.get("/api/cameras", params)
            assert response.json() == query_problem(problem_document, "/api/cameras", "cursor", OTHER_ORDERING)
        assert ids(api_client.get("/api/cameras", {"ordering": "name", "limit": 2, "cursor": cursor})) == ["c2", "c1"]


class TestTrash:
    def test_newest_deletion_first_across_two_cursor_pages(self, api_client, trash):
        first = api_client.get("/api/cameras/deleted", {"limit": 3}).json()
        assert [c["id"] for c in first["items"]] == ["t4", "t3", "t2"]
        cursor = first["pagination"]["next_cursor"]
        assert first["pagination"] == {"total": 5, "limit": 3, "offset": 0, "next_cursor": cursor, "has_more": True}
        second = api_client.get("/api/cameras/deleted", {"limit": 3, "cursor": cursor}).json()
        assert [c["id"] for c in second["items"]] == ["t1", "t0"]
        assert second["pagination"] == {"total": 5, "limit": 3, "offset": None, "next_cursor": None, "has_more": False}

    def test_a_deletion_between_pages_neither_repeats_nor_skips_a_camera(self, api_client, trash):
        first = api_client.get("/api/cameras/deleted", {"limit": 2, "ordering": "deleted_at"}).json()
        assert [c["id"] for c in first["items"]] == ["t0", "t1"]
        assert api_client.delete("/api/cameras/alive").status_code == 204  # now the newest deletion
        cursor = first["pagination"]["next_cursor"]
        second = api_client.get("/api/cameras/deleted", {"limit": 10, "ordering": "deleted_at", "cursor": cursor})
        assert ids(second) == ["t2", "t3", "t4", "alive"]

    @pytest.mark.parametrize(
        ("ordering", "expected"),
        [("name", ["t4", "t3", "t2", "t1", "t0"]), ("-id", ["t4", "t3", "t2", "t1", "t0"]),
         ("id", ["t0", "t1", "t2", "t3", "t4"]), ("deleted_at", ["t0", "t1", "t2", "t3", "t4"])],
    )
    def test_ordering(self, api_client, trash, ordering, expected):
        assert ids(api_client.get("/api/cameras/deleted", {"ordering": ordering})) == expected

    def test_an_ordering_it_cannot_do_is_a_422(self, api_client, trash, problem_document):
        response = api_client.get("/api/cameras/deleted", {"ordering": "created_at"})
        message = ORDERING_MESSAGE.format(fields="deleted_at, name, id", first="deleted_at")
        assert response.json() == query_problem(problem_document, "/api/cameras/deleted", "ordering", message)

    def test_a_cursor_is_bound_to_its_ordering(self, api_client, trash, problem_document):
        cursor = api_client.get("/api/cameras/deleted", {"limit": 2}).json()["pagination"]["next_cursor"]
        response = api_client.get("/api/cameras/deleted", {"limit": 2, "cursor": cursor, "ordering": "name"})
        assert response.json() == query_problem(problem_document, "/api/cameras/deleted", "cursor", OTHER_ORDERING)


class TestCreateLocation:
    def test_a_create_answers_201_with_the_cameras_path_in_location(self, api_client):
        response = api_client.post(
            "/api/cameras", {"name": "Back Yard", "folder_path": "/export/foscam/Back-Yard"}, format="json"
        )
        assert response.status_code == 201
        assert response["Location"] == "/api/cameras/back_yard"
        fetched = api_client.get(response["Location"])
        assert fetched.status_code == 200
        assert fetched.json() == response.json()

    def test_a_refused_create_has_no_location(self, api_client, camera):
        response = api_client.post(
            "/api/cameras", {"name": "Front Door Camera", "folder_path": "/export/foscam/x"}, format="json"
        )
        assert response.status_code == 409
        assert "Location" not in response
