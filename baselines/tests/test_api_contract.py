"""API conventions of the detection, event and baseline operations: ordering, cursors, Location,
the 422s (unknown camera filter, unknown parameter, configuration rules), PUT and PATCH."""

import datetime as dt

import pytest

from baselines.models import Anomaly, Detection, Event
from cameras.tests.factories import CameraFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CONFIG = "/api/cameras/front_door/baseline/config"


def _invalid_query(instance: str, field: str, message: str) -> dict:
    return {
        "type": "/problems/invalid-query-parameter",
        "code": "invalid_query_parameter",
        "title": "Query parameter is invalid",
        "status": 422,
        "detail": f"Request validation failed: {field}: {message}",
        "instance": instance,
        "errors": [{"field": field, "message": message}],
    }


def _invalid_body(instance: str, errors: list[dict]) -> dict:
    return {
        "type": "/problems/validation-error",
        "code": "validation_error",
        "title": "Request body is invalid",
        "status": 422,
        "detail": "Request validation failed: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors),
        "instance": instance,
        "errors": errors,
    }


@pytest.fixture
def detections(camera):
    """Five detections, two pairs at equal instants, confidences not in time order."""
    rows = [(0, 0.5), (0, 0.9), (60, 0.7), (60, 0.7), (120, 0.1)]
    return [
        Detection.objects.create(
            camera=camera, detected_at=T0 + dt.timedelta(seconds=s), object_type="person", confidence=c
        ).pk
        for s, c in rows
    ]


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["items"]]


def _walk(client, url: str, params: dict) -> list[int]:
    """Every id of a list, following next_cursor two rows at a time."""
    seen, cursor = [], None
    while True:
        body = client.get(url, {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["pagination"]["next_cursor"]
        assert body["pagination"]["has_more"] is (cursor is not None)
        if cursor is None:
            return seen


def test_detections_are_newest_first_with_the_id_breaking_ties(api_client, detections):
    a, b, c, d, e = detections
    assert _ids(api_client.get("/api/detections")) == [e, d, c, b, a]
    assert _ids(api_client.get("/api/detections", {"ordering": "detected_at"})) == [a, b, c, d, e]
    assert _ids(api_client.get("/api/detections", {"ordering": "-confidence"})) == [b, d, c, a, e]
    assert _ids(api_client.get("/api/detections", {"ordering": "confidence,-detected_at"})) == [e, a, d, c, b]
    assert _ids(api_client.get("/api/detections", {"ordering": "id"})) == [a, b, c, d, e]


@pytest.mark.parametrize("ordering", [None, "detected_at", "-confidence", "confidence,-detected_at"])
def test_a_cursor_visits_every_detection_once_in_order(api_client, detections, ordering):
    params = {"ordering": ordering} if ordering else {}
    assert _walk(api_client, "/api/detections", params) == _ids(api_client.get("/api/detections", params))


def test_a_cursor_is_refused_under_another_ordering(api_client, detections):
    cursor = api_client.get("/api/detections", {"limit": 2}).json()["pagination"]["next_cursor"]
    response = api_client.get("/api/detections", {"limit": 2, "cursor": cursor, "ordering": "confidence"})
    assert response.status_code == 422
    assert response.json() == _invalid_query(
        "/api/detections",
        "cursor",
        "was issued for another ordering; start again without a cursor, or send the same ordering",
    )


@pytest.mark.parametrize(
    ("url", "fields"),
    [("/api/detections", "detected_at, confidence, id"), ("/api/events", "started_at, ended_at, detection_count, id")],
)
def test_an_ordering_the_list_cannot_do_is_a_422_naming_what_it_can(api_client, camera, url, fields):
    response = api_client.get(url, {"ordering": "camera"})
    assert response.status_code == 422
    first = fields.split(",")[0]
    assert response.json() == _invalid_query(
        url,
        "ordering",
        f"accepts a comma-separated list of {fields}, each at most once, with '-' for descending (e.g. -{first})",
    )


def test_events_are_newest_first_and_follow_ordering_and_cursor(api_client, camera):
    def event(minutes: int, count: int) -> int:
        start = T0 + dt.timedelta(minutes=minutes)
        return Event.objects.create(
            camera=camera, started_at=start, ended_at=start + dt.timedelta(seconds=30), detection_count=count,
            object_types=["person"],
        ).pk

    a, b, c = event(0, 5), event(10, 1), event(20, 3)
    assert _ids(api_client.get("/api/events")) == [c, b, a]
    assert _ids(api_client.get("/api/events", {"ordering": "detection_count"})) == [b, c, a]
    assert _walk(api_client, "/api/events", {"ordering": "-detection_count"}) == [a, c, b]


@pytest.mark.parametrize("url", ["/api/detections", "/api/events"])
def test_an_unknown_camera_filter_says_where_cameras_are_listed(api_client, camera, url):
    response = api_client.get(url, {"camera_id": "ghost"})
    assert response.status_code == 422
    assert response.json() == _invalid_query(url, "camera_id", "no camera 'ghost'; list cameras at /api/cameras")


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        (
            "/api/detections",
            "camera_id, cursor, end_date, limit, min_confidence, object_type, offset, ordering, start_date",
        ),
        ("/api/events", "camera_id, cursor, end_date, limit, offset, ordering, start_date"),
        ("/api/cameras/front_door/baseline/anomalies", "days"),
        ("/api/cameras/front_door/baseline", "none"),
    ],
)
def test_an_unknown_query_parameter_is_a_422(api_client, camera, url, accepted):
    response = api_client.get(url, {"colour": "red"})
    assert response.status_code == 422
    assert response.json() == _invalid_query(
        url, "colour", f"is not a parameter of this operation; it accepts: {accepted}"
    )


def _batch(*camera_ids: str) -> dict:
    return {
        "detections": [
            {"camera_id": c, "detected_at": "2026-03-02T09:00:00Z", "object_type": "person", "confidence": 0.9}
            for c in camera_ids
        ]
    }


def test_a_batch_of_one_camera_is_created_at_that_cameras_list(api_client, camera):
    response = api_client.post("/api/detections", _batch("front_door", "front_door"), format="json")
    assert response.status_code == 201
    assert response.json() == {"created": 2}
    assert response["Location"] == "/api/detections?camera_id=front_door"
    assert "Idempotent-Replayed" not in response
    listed = api_client.get(response["Location"]).json()["pagination"]["total"]
    assert listed == 2


def test_a_batch_of_several_cameras_is_created_at_the_whole_list(api_client, camera):
    CameraFactory(id="garage")
    response = api_client.post("/api/detections", _batch("front_door", "garage"), format="json")
    assert (response.status_code, response["Location"]) == (201, "/api/detections")


def test_a_replay_answers_the_same_201_and_location(api_client, camera):
    first = api_client.post("/api/detections", _batch("front_door"), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = api_client.post("/api/detections", _batch("front_door"), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (again.status_code, again.json(), again["Location"]) == (201, {"created": 1}, first["Location"])
    assert again["Idempotent-Replayed"] == "true"
    assert Detection.objects.count() == 1


def _config(**camera_config) -> dict:
    return {"threshold_stdev": None, "min_samples": None, **camera_config}


def test_put_replaces_the_whole_configuration(api_client, camera, settings):
    settings.NEM_BASELINE_THRESHOLD_STDEV = 3.0
    settings.NEM_BASELINE_MIN_SAMPLES = 4
    body = {"threshold_stdev": 2.5, "min_samples": 6, "override_global_config": True}
    response = api_client.put(CONFIG, body, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "camera_id": "front_door",
        "threshold_stdev": 2.5,
        "min_samples": 6,
        "override_global_config": True,
        "camera_config": {"threshold_stdev": 2.5, "min_samples": 6},
        "global_config": {"threshold_stdev": 3.0, "min_samples": 4, "decay_factor": 0.85, "window_days": 56},
    }
    # Back to the global settings: the own values cleared with null.
    body = {"threshold_stdev": None, "min_samples": None, "override_global_config": False}
    after = api_client.put(CONFIG, body, format="json").json()
    assert (after["threshold_stdev"], after["min_samples"], after["camera_config"]) == (3.0, 4, _config())


def test_put_without_every_field_is_a_422_and_changes_nothing(api_client, camera):
    response = api_client.put(CONFIG, {"threshold_stdev": 2.5, "override_global_config": True}, format="json")
    assert response.status_code == 422
    assert response.json() == _invalid_body(CONFIG, [{"field": "min_samples", "message": "This field is required."}])
    assert api_client.get(CONFIG).json()["camera_config"] == _config()


def test_patch_changes_only_the_fields_sent(api_client, camera):
    api_client.put(CONFIG, {"threshold_stdev": 2.5, "min_samples": 6, "override_global_config": True}, format="json")
    response = api_client.patch(CONFIG, {"min_samples": 8}, format="json")
    assert response.status_code == 200
    assert response.json()["camera_config"] == _config(threshold_stdev=2.5, min_samples=8)
    assert response.json()["override_global_config"] is True
    # Switching the override off keeps the own values stored, out of effect.
    off = api_client.patch(CONFIG, {"override_global_config": False}, format="json").json()
    assert (off["override_global_config"], off["camera_config"]) == (False, _config(threshold_stdev=2.5, min_samples=8))


def test_an_empty_patch_is_a_422(api_client, camera):
    response = api_client.patch(CONFIG, {}, format="json")
    assert response.status_code == 422
    assert response.json() == _invalid_body(
        CONFIG, [{"field": "body", "message": "send at least one of threshold_stdev, min_samples, override_global_config"}]
    )


def test_a_threshold_without_the_override_is_a_422_that_says_why(api_client, camera, settings):
    settings.NEM_BASELINE_THRESHOLD_STDEV = 3.0
    message = (
        "takes effect only while override_global_config is true; send override_global_config: true with it, "
        "or null to use the global value (3)"
    )
    for method, body in (
        ("patch", {"threshold_stdev": 2.5}),
        ("patch", {"threshold_stdev": 2.5, "override_global_config": False}),
        ("put", {"threshold_stdev": 2.5, "min_samples": None, "override_global_config": False}),
    ):
        response = getattr(api_client, method)(CONFIG, body, format="json")
        assert response.status_code == 422, (method, body)
        assert response.json() == _invalid_body(CONFIG, [{"field": "threshold_stdev", "message": message}])
    assert api_client.get(CONFIG).json()["camera_config"] == _config()
    # Set true in the same request, it is taken.
    response = api_client.patch(CONFIG, {"threshold_stdev": 2.5, "override_global_config": True}, format="json")
    assert (response.status_code, response.json()["threshold_stdev"]) == (200, 2.5)
    # Once the camera overrides, a threshold alone is taken too.
    assert api_client.patch(CONFIG, {"threshold_stdev": 4.0}, format="json").json()["threshold_stdev"] == 4.0


def test_anomalies_keep_their_shape_newest_first(api_client, camera):
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    older = Anomaly.objects.create(
        camera=camera, hour_start=now - dt.timedelta(hours=5), ends_at=now - dt.timedelta(hours=4),
        object_type="car", kind="surge", observed_count=6, expected_count=0.1, anomaly_score=0.9999, reason="r1",
    )
    newer = Anomaly.objects.create(
        camera=camera, hour_start=now - dt.timedelta(hours=2), ends_at=now - dt.timedelta(hours=1),
        object_type="", kind="surge", observed_count=9, expected_count=1.0, anomaly_score=0.9999, reason="r2",
    )
    body = api_client.get("/api/cameras/front_door/baseline/anomalies").json()
    assert list(body) == ["camera_id", "anomalies", "count", "period_days"]
    assert (body["camera_id"], body["count"], body["period_days"]) == ("front_door", 2, 7)
    assert [a["id"] for a in body["anomalies"]] == [newer.pk, older.pk]
