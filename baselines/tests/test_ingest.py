"""POST /api/detections: all or nothing, idempotency keys, and events kept right."""

import datetime as dt
import json

import pytest

from baselines.models import Detection, DetectionBatch, Event
from baselines.services import detection_batches_prune
from cameras.services import camera_soft_delete
from cameras.tests.factories import CameraFactory

pytestmark = pytest.mark.django_db
URL = "/api/detections"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _item(camera_id="front_door", seconds=0, object_type="person", **extra):
    when = (T0 + dt.timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
    return {"camera_id": camera_id, "detected_at": when, "object_type": object_type, "confidence": 0.9, **extra}


def _post(client, items, **headers):
    return client.post(URL, {"detections": items}, format="json", **headers)


def _events(camera_id="front_door"):
    return list(
        Event.objects.filter(camera_id=camera_id)
        .order_by("started_at")
        .values_list("started_at", "ended_at", "detection_count", "object_types")
    )


def test_bulk_create_stores_every_item(api_client, camera):
    response = _post(
        api_client,
        [
            _item(bbox_x=10, bbox_y=20.5, bbox_width=30, bbox_height=40, file_path="/export/foscam/front_door/a.jpg"),
            _item(seconds=5, object_type=" Car "),
        ],
    )
    assert response.status_code == 201
    assert response.json() == {"created": 2}
    first, second = Detection.objects.order_by("detected_at")
    assert (first.camera_id, first.detected_at, first.object_type, first.confidence) == ("front_door", T0, "person", 0.9)
    assert (first.bbox_x, first.bbox_y, first.bbox_width, first.bbox_height) == (10, 20.5, 30, 40)
    assert first.file_path == "/export/foscam/front_door/a.jpg"
    assert second.object_type == "car"  # classes are case-insensitive and trimmed
    assert second.file_path == ""


def test_one_bad_item_stores_nothing_and_names_its_index(api_client, camera):
    items = [_item(), _item(seconds=1), _item(seconds=2), _item(seconds=3, confidence=1.5), _item(seconds=4)]
    del items[1]["object_type"]
    response = _post(api_client, items)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["errors"] == [
        {"field": "detections.1.object_type", "message": "This field is required."},
        {"field": "detections.3.confidence", "message": "must be between 0 and 1"},
    ]
    assert body["status"] == 422
    assert body["instance"] == URL
    assert Detection.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"detected_at": "2026-03-02T09:00:00"}, "detected_at", "must include a UTC offset, e.g. 2026-01-23T12:00:00Z"),
        ({"detected_at": "yesterday"}, "detected_at", "must be an ISO 8601 date-time, e.g. 2026-01-23T12:00:00Z"),
        ({"detected_at": "2999-01-01T00:00:00Z"}, "detected_at", "is in the future"),
        ({"confidence": "high"}, "confidence", "must be a number"),
        ({"confidence": True}, "confidence", "must be a number"),
        ({"bbox_width": -1}, "bbox_width", "must be at least 0"),
        ({"object_type": ""}, "object_type", "must be a non-empty string of at most 64 characters, without control characters"),
        ({"file_path": "a\nb"}, "file_path", "must be a string of at most 1000 characters, without control characters"),
        ({"colour": "red"}, "colour", "is not a known field"),
    ],
)
def test_item_validation(api_client, camera, change, field, message):
    response = _post(api_client, [_item(), {**_item(seconds=1), **change}])
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": f"detections.1.{field}", "message": message}]


def test_unknown_and_trashed_cameras_are_422_for_their_items(api_client, camera):
    CameraFactory(id="garage")
    camera_soft_delete(camera_id="garage", actor="test")
    response = _post(api_client, [_item(), _item("ghost"), _item("garage")])
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "detections.1.camera_id", "message": "Camera with id ghost not found"},
        {"field": "detections.2.camera_id", "message": "Camera with id garage not found"},
    ]
    assert Detection.all_objects.count() == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [{"field": "detections", "message": "This field is required."}]),
        ({"detections": []}, [{"field": "detections", "message": "must contain at least one detection"}]),
        ({"detections": {}}, [{"field": "detections", "message": "must be a list"}]),
        ({"detections": [1]}, [{"field": "detections.0", "message": "must be an object"}]),
        (
            {"detections": [_item()], "extra": 1},
            [{"field": "extra", "message": "is not a known field"}],
        ),
    ],
)
def test_body_shape_errors(api_client, camera, body, errors):
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 422
    assert response.json()["errors"] == errors


def test_more_than_1000_items_is_422(api_client, camera):
    response = _post(api_client, [_item(seconds=i) for i in range(1001)])
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "detections", "message": "must contain at most 1000 detections (got 1001)"}
    ]
    assert _post(api_client, [_item(seconds=i) for i in range(1000)]).json() == {"created": 1000}


def test_malformed_json_is_422(api_client, camera):
    response = api_client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 422


def test_requires_an_api_key(anon_client, camera):
    assert _post(anon_client, [_item()]).status_code == 401


def test_same_payload_with_same_idempotency_key_is_not_double_counted(api_client, camera):
    items = [_item(), _item(seconds=30)]
    first = _post(api_client, items, HTTP_IDEMPOTENCY_KEY="batch-0001")
    again = _post(api_client, items, HTTP_IDEMPOTENCY_KEY="batch-0001")
    assert (first.status_code, first.json()) == (201, {"created": 2})
    assert (again.status_code, again.json()) == (201, {"created": 2})
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Detection.objects.count() == 2
    assert _events() == [(T0, T0 + dt.timedelta(seconds=30), 2, ["person"])]
    # Same key, other payload: refused, nothing stored.
    other = _post(api_client, [_item(seconds=60)], HTTP_IDEMPOTENCY_KEY="batch-0001")
    assert other.status_code == 409
    assert "already used for a different payload" in other.json()["detail"]
    assert Detection.objects.count() == 2
    # Without a key the same payload is new detections (they can be real, e.g. two people).
    assert _post(api_client, items).json() == {"created": 2}
    assert Detection.objects.count() == 4


def test_a_rejected_request_does_not_burn_its_idempotency_key(api_client, camera):
    bad = _post(api_client, [_item("ghost")], HTTP_IDEMPOTENCY_KEY="k1")
    assert bad.status_code == 422
    assert not DetectionBatch.objects.exists()
    assert _post(api_client, [_item()], HTTP_IDEMPOTENCY_KEY="k1").status_code == 201


def test_bad_idempotency_key_is_422(api_client, camera):
    response = _post(api_client, [_item()], HTTP_IDEMPOTENCY_KEY="x" * 256)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "Idempotency-Key", "message": "must be 1-255 printable characters"}]


def test_old_idempotency_keys_are_pruned(camera):
    DetectionBatch.objects.create(key="old", payload_sha256="0" * 64, created_count=1,
                                  created_at=T0 - dt.timedelta(hours=25))
    DetectionBatch.objects.create(key="new", payload_sha256="0" * 64, created_count=1,
                                  created_at=T0 - dt.timedelta(hours=23))
    assert detection_batches_prune(now=T0) == 1
    assert list(DetectionBatch.objects.values_list("key", flat=True)) == ["new"]


def test_an_idempotency_key_23_hours_old_still_replays(api_client, camera):
    """Inside the default 24-hour window a retry is answered from the stored batch, not stored twice."""
    assert _post(api_client, [_item()], HTTP_IDEMPOTENCY_KEY="batch-23h").status_code == 201
    DetectionBatch.objects.filter(key="batch-23h").update(created_at=T0 - dt.timedelta(hours=23))
    assert detection_batches_prune(now=T0) == 0
    again = _post(api_client, [_item()], HTTP_IDEMPOTENCY_KEY="batch-23h")
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, {"created": 1}, "true")
    assert Detection.objects.count() == 1


def test_events_group_detections_less_than_90_s_apart(api_client, camera):
    _post(api_client, [_item(seconds=s, object_type=t) for s, t in [(0, "person"), (89, "car"), (179, "dog"), (300, "cat")]])
    assert _events() == [
        (T0, T0 + dt.timedelta(seconds=89), 2, ["car", "person"]),
        (T0 + dt.timedelta(seconds=179), T0 + dt.timedelta(seconds=179), 1, ["dog"]),  # 90 s is not "less than"
        (T0 + dt.timedelta(seconds=300), T0 + dt.timedelta(seconds=300), 1, ["cat"]),
    ]


def test_events_are_right_whatever_the_arrival_order(api_client, camera):
    """The same detections, sent sorted in one batch or shuffled over four, give the same events;
    a late detection joins two events into one."""
    seconds = [0, 50, 200, 140, 95, 600, 650, 1000, 50]
    CameraFactory(id="other")
    _post(api_client, [_item("other", s) for s in sorted(seconds)])
    for chunk in ([200, 600], [0, 1000], [50, 650, 50], [140, 95]):
        _post(api_client, [_item(seconds=s) for s in chunk])
    expected = [
        (T0, T0 + dt.timedelta(seconds=200), 6, ["person"]),
        (T0 + dt.timedelta(seconds=600), T0 + dt.timedelta(seconds=650), 2, ["person"]),
        (T0 + dt.timedelta(seconds=1000), T0 + dt.timedelta(seconds=1000), 1, ["person"]),
    ]
    assert _events("front_door") == expected
    assert _events("other") == expected
    # Before the last chunk, 0-50 and 200 were separate events; 95 and 140 bridged them.
    assert Event.objects.filter(camera_id="front_door").count() == 3


def test_events_of_cameras_do_not_mix(api_client, camera):
    CameraFactory(id="garage")
    _post(api_client, [_item(), _item("garage", 10)])
    assert Event.objects.count() == 2


def test_ingest_body_is_json_with_unicode(api_client, camera):
    response = api_client.post(
        URL, json.dumps({"detections": [_item(object_type="Fußgänger")]}), content_type="application/json"
    )
    assert response.status_code == 201
    assert Detection.objects.get().object_type == "fußgänger"
