"""Read endpoints and the baseline endpoints: full shapes, 404s, 422s."""

import datetime as dt

import pytest
from django.utils import timezone

from baselines.models import Anomaly, Detection, Event
from baselines.services import baseline_recompute
from baselines.tests.constructed import add_detections
from cameras.services import camera_soft_delete
from cameras.tests.factories import CameraFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

BASELINE_PATHS = [
    ("get", "/api/cameras/{}/baseline"),
    ("get", "/api/cameras/{}/baseline/activity"),
    ("get", "/api/cameras/{}/baseline/classes"),
    ("get", "/api/cameras/{}/baseline/anomalies"),
    ("get", "/api/cameras/{}/baseline/config"),
    ("put", "/api/cameras/{}/baseline/config"),
    ("post", "/api/cameras/{}/baseline/reset"),
]


def test_list_detections_shape_and_envelope(api_client, camera):
    detection = Detection.objects.create(
        camera=camera, detected_at=T0, object_type="person", confidence=0.75, bbox_x=1.5, bbox_y=2, bbox_width=3,
        bbox_height=4, file_path="/export/foscam/front_door/a.jpg",
    )
    response = api_client.get("/api/detections")
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": detection.id,
                "camera_id": "front_door",
                "detected_at": "2026-03-02T09:00:00Z",
                "object_type": "person",
                "confidence": 0.75,
                "bbox_x": 1.5,
                "bbox_y": 2.0,
                "bbox_width": 3.0,
                "bbox_height": 4.0,
                "file_path": "/export/foscam/front_door/a.jpg",
                "created_at": detection.created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            }
        ],
        "pagination": {"total": 1, "limit": 1000, "offset": 0, "next_cursor": None, "has_more": False},
    }


def test_detection_filters(api_client, camera):
    other = CameraFactory(id="garage")
    Detection.objects.create(camera=camera, detected_at=T0, object_type="person", confidence=0.9)
    Detection.objects.create(camera=camera, detected_at=T0 + dt.timedelta(hours=1), object_type="car", confidence=0.4)
    Detection.objects.create(camera=other, detected_at=T0 + dt.timedelta(hours=2), object_type="car", confidence=0.8)

    def ids(query):
        response = api_client.get(f"/api/detections?{query}")
        assert response.status_code == 200, response.json()
        return [(d["camera_id"], d["object_type"]) for d in response.json()["items"]]

    # Newest first by default.
    assert ids("camera_id=front_door") == [("front_door", "car"), ("front_door", "person")]
    assert ids("object_type=CAR") == [("garage", "car"), ("front_door", "car")]
    assert ids("min_confidence=0.5") == [("garage", "car"), ("front_door", "person")]
    assert ids("start_date=2026-03-02T10:00:00Z") == [("garage", "car"), ("front_door", "car")]
    assert ids("end_date=2026-03-02T10:00:00Z") == [("front_door", "car"), ("front_door", "person")]
    assert ids("camera_id=garage&object_type=person") == []
    page = api_client.get("/api/detections?limit=1&offset=1").json()
    assert [(d["camera_id"], d["object_type"]) for d in page["items"]] == [("front_door", "car")]
    cursor = page["pagination"].pop("next_cursor")
    assert page["pagination"] == {"total": 3, "limit": 1, "offset": 1, "has_more": True}
    after = api_client.get(f"/api/detections?limit=1&cursor={cursor}").json()
    assert [(d["camera_id"], d["object_type"]) for d in after["items"]] == [("front_door", "person")]


@pytest.mark.parametrize("query", ["camera_id=ghost", "start_date=yesterday", "min_confidence=x", "limit=0"])
def test_detection_filter_errors_are_422(api_client, camera, query):
    response = api_client.get(f"/api/detections?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


def test_trashed_cameras_detections_and_events_are_hidden(api_client, camera):
    other = CameraFactory(id="garage")
    api_client.post(
        "/api/detections",
        {"detections": [{"camera_id": cid, "detected_at": "2026-03-02T09:00:00Z", "object_type": "person",
                         "confidence": 0.9} for cid in ("front_door", "garage")]},
        format="json",
    )
    camera_soft_delete(camera_id=other.pk, actor="test")
    assert [d["camera_id"] for d in api_client.get("/api/detections").json()["items"]] == ["front_door"]
    assert [e["camera_id"] for e in api_client.get("/api/events").json()["items"]] == ["front_door"]
    assert api_client.get("/api/detections?camera_id=garage").status_code == 422


def test_list_events_shape_and_filter(api_client, camera):
    CameraFactory(id="garage")
    event = Event.objects.create(camera=camera, started_at=T0, ended_at=T0 + dt.timedelta(seconds=80),
                                 detection_count=3, object_types=["car", "person"])
    Event.objects.create(camera_id="garage", started_at=T0, ended_at=T0, detection_count=1, object_types=["cat"])
    response = api_client.get("/api/events?camera_id=front_door")
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": event.id,
                "camera_id": "front_door",
                "started_at": "2026-03-02T09:00:00Z",
                "ended_at": "2026-03-02T09:01:20Z",
                "detection_count": 3,
                "object_types": ["car", "person"],
            }
        ],
        "pagination": {"total": 1, "limit": 1000, "offset": 0, "next_cursor": None, "has_more": False},
    }
    assert api_client.get("/api/events").json()["pagination"]["total"] == 2
    assert api_client.get(f"/api/events/{event.id}").json()["id"] == event.id


@pytest.mark.parametrize(("method", "path"), BASELINE_PATHS)
def test_baseline_endpoints_404_for_unknown_and_trashed_cameras(api_client, camera, method, path):
    CameraFactory(id="garage")
    camera_soft_delete(camera_id="garage", actor="test")
    for camera_id in ("ghost", "garage"):
        url = path.format(camera_id)
        response = getattr(api_client, method)(url, {"min_samples": 2} if method == "put" else None, format="json")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json() == {
            "type": "/problems/camera-not-found",
            "code": "camera_not_found",
            "title": "Camera not found",
            "status": 404,
            "detail": f"No camera '{camera_id}'. List cameras at /api/cameras.",
            "instance": url,
        }


@pytest.mark.parametrize(("method", "path"), BASELINE_PATHS)
def test_baseline_endpoints_need_an_api_key(anon_client, camera, method, path):
    assert getattr(anon_client, method)(path.format("front_door")).status_code == 401


def _learnt(camera, now):
    """The three-week window ending with the last completed hour before ``now``: 2 persons at
    every 08:00 in it and a car at every Monday 09:00 in it (camera clock = UTC), whatever the
    hour the test runs at."""
    end = now.replace(minute=0, second=0, microsecond=0)
    hour = end - dt.timedelta(days=21)
    while hour < end:
        if hour.hour == 8:
            add_detections(camera, hour, 2)
        if hour.hour == 9 and hour.weekday() == 0:
            add_detections(camera, hour, 1, object_type="car")
        hour += dt.timedelta(hours=1)
    baseline_recompute(camera_id=camera.pk, now=now)


def test_summary_shape_while_learning(api_client, small_window, camera):
    response = api_client.get("/api/cameras/front_door/baseline")
    assert response.status_code == 200
    assert response.json() == {
        "camera_id": "front_door",
        "camera_name": "Front Door Camera",
        "timezone": "UTC",
        "baseline_established": None,
        "learning_complete": False,
        "data_points": 0,
        "hourly_patterns": {},
        "daily_patterns": {},
        "object_baselines": {},
        "current_deviation": None,
    }


def test_summary_activity_and_classes_of_a_learnt_camera(api_client, small_window):
    now = timezone.now()
    camera = CameraFactory(id="front_door", name="Front Door Camera", created_at=now - dt.timedelta(days=60))
    _learnt(camera, now)

    body = api_client.get("/api/cameras/front_door/baseline").json()
    assert body["learning_complete"] is True
    assert body["baseline_established"].endswith("Z")
    assert body["data_points"] == 168 + 48
    assert set(body["hourly_patterns"]) == {str(h) for h in range(24)}
    assert body["hourly_patterns"]["8"] == {"avg_detections": 2.0, "std_dev": 0.0, "sample_count": 21}
    assert body["hourly_patterns"]["3"] == {"avg_detections": 0.0, "std_dev": 0.0, "sample_count": 21}
    assert list(body["daily_patterns"]) == ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                            "sunday"]
    assert body["daily_patterns"]["tuesday"] == {"avg_detections": round(2 / 24, 3), "expected_total": 2.0,
                                                 "peak_hour": 8, "total_samples": 72}
    assert body["object_baselines"]["person"] == {"avg_hourly": round(2 / 24, 3), "peak_hour": 8,
                                                  "total_detections": 42}
    assert body["object_baselines"]["car"]["peak_hour"] == 9
    deviation = body["current_deviation"]
    # The last completed hour holds what every week held at that hour, so it is exactly as expected.
    # Read the hour from the answer: the request may run after an hour boundary that ``now`` did not.
    last = dt.datetime.fromisoformat(deviation["hour_start"])
    floors = {t.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1) for t in (now, timezone.now())}
    assert last in floors
    observed = 2 if last.hour == 8 else 1 if (last.hour, last.weekday()) == (9, 0) else 0
    assert deviation == {"score": 0.0, "interpretation": "normal", "contributing_factors": [],
                         "hour_start": last.isoformat().replace("+00:00", "Z"), "observed_count": observed,
                         "expected_count": float(observed)}

    activity = api_client.get("/api/cameras/front_door/baseline/activity").json()
    assert len(activity["entries"]) == 168
    assert activity["entries"][8] == {"hour": 8, "day_of_week": 0, "avg_count": 2.0, "std_dev": 0.0,
                                      "sample_count": 3, "is_peak": True}
    assert activity["entries"][3]["is_peak"] is False
    assert {k: v for k, v in activity.items() if k != "entries"} == {
        "camera_id": "front_door",
        "total_samples": 504,
        "peak_hour": 8,
        "peak_day": 0,
        "learning_complete": True,
        "min_samples_required": 3,
    }

    classes = api_client.get("/api/cameras/front_door/baseline/classes").json()
    assert classes["unique_classes"] == ["car", "person"]
    assert classes["most_common_class"] == "person"
    assert classes["total_samples"] == 42 + 3
    person_8 = next(e for e in classes["entries"] if e["object_class"] == "person" and e["hour"] == 8)
    assert person_8 == {"object_class": "person", "hour": 8, "frequency": 2.0, "std_dev": 0.0, "sample_count": 42,
                        "hours_observed": 21}
    assert len(classes["entries"]) == 48


def test_activity_and_classes_before_any_recompute(api_client, camera):
    assert api_client.get("/api/cameras/front_door/baseline/activity").json() == {
        "camera_id": "front_door",
        "entries": [],
        "total_samples": 0,
        "peak_hour": None,
        "peak_day": None,
        "learning_complete": False,
        "min_samples_required": 4,
    }
    assert api_client.get("/api/cameras/front_door/baseline/classes").json() == {
        "camera_id": "front_door",
        "entries": [],
        "unique_classes": [],
        "total_samples": 0,
        "most_common_class": None,
    }


def test_anomalies_endpoint_shape_and_days(api_client, camera):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    recent = Anomaly.objects.create(
        camera=camera, hour_start=now - dt.timedelta(days=2), object_type="car", kind="surge", observed_count=6,
        expected_count=0.123456, anomaly_score=0.99999912345, reason="car detected 6 times at 03:00-04:00 when about 0.1 are expected",
    )
    Anomaly.objects.create(
        camera=camera, hour_start=now - dt.timedelta(days=10), object_type="", kind="absence", observed_count=0,
        expected_count=9.0, anomaly_score=0.9998, reason="no detections at 18:00-19:00 when about 9.0 are expected",
    )
    body = api_client.get("/api/cameras/front_door/baseline/anomalies").json()
    assert body == {
        "camera_id": "front_door",
        "anomalies": [
            {
                "id": recent.id,
                "timestamp": (now - dt.timedelta(days=2)).isoformat().replace("+00:00", "Z"),
                "detection_class": "car",
                "kind": "surge",
                "anomaly_score": 0.999999,
                "expected_frequency": 0.1235,
                "observed_frequency": 6,
                "reason": "car detected 6 times at 03:00-04:00 when about 0.1 are expected",
                "detected_at": recent.detected_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                "ends_at": (now - dt.timedelta(days=2, hours=-1)).isoformat().replace("+00:00", "Z"),
                "hours": 1,
            }
        ],
        "count": 1,
        "period_days": 7,
    }
    wide = api_client.get("/api/cameras/front_door/baseline/anomalies?days=30").json()
    assert (wide["count"], wide["period_days"]) == (2, 30)
    assert wide["anomalies"][1]["detection_class"] == "all"
    assert wide["anomalies"][1]["kind"] == "absence"
    assert (wide["anomalies"][1]["hours"], wide["anomalies"][1]["ends_at"]) == (
        1, (now - dt.timedelta(days=10, hours=-1)).isoformat().replace("+00:00", "Z")
    )


def test_an_absence_that_began_before_the_period_and_reaches_into_it_is_listed(api_client, camera):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = now - dt.timedelta(days=7, hours=2)
    Anomaly.objects.create(
        camera=camera, hour_start=start, ends_at=start + dt.timedelta(hours=3), hours=3, object_type="",
        kind="absence", observed_count=0, expected_count=7.5, anomaly_score=0.999447,
        reason="no detections from 18:00 to 21:00 (3 hours) when about 7.5 are expected",
    )
    body = api_client.get("/api/cameras/front_door/baseline/anomalies").json()
    assert [(a["hours"], a["timestamp"]) for a in body["anomalies"]] == [
        (3, start.isoformat().replace("+00:00", "Z"))
    ]


@pytest.mark.parametrize(
    ("days", "message"), [("0", "must be between 1 and 90"), ("91", "must be between 1 and 90"),
                          ("abc", "must be an integer, got 'abc'")]
)
def test_anomalies_bad_days_is_422(api_client, camera, days, message):
    response = api_client.get(f"/api/cameras/front_door/baseline/anomalies?days={days}")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "days", "message": message}]


def test_config_defaults_update_and_persist(api_client, camera, settings):
    settings.NEM_BASELINE_THRESHOLD_STDEV = 3.0
    settings.NEM_BASELINE_MIN_SAMPLES = 4
    url = "/api/cameras/front_door/baseline/config"
    global_config = {"threshold_stdev": 3.0, "min_samples": 4, "decay_factor": 0.85, "window_days": 56}
    assert api_client.get(url).json() == {
        "camera_id": "front_door",
        "threshold_stdev": 3.0,
        "min_samples": 4,
        "override_global_config": False,
        "camera_config": {"threshold_stdev": None, "min_samples": None},
        "global_config": global_config,
    }
    # An own value only counts while the camera overrides: sent without the override, it is refused.
    response = api_client.patch(url, {"threshold_stdev": 2.5}, format="json")
    assert response.status_code == 422
    response = api_client.put(
        url, {"threshold_stdev": 2.5, "min_samples": None, "override_global_config": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["threshold_stdev"] == 2.5
    assert response.json()["camera_config"] == {"threshold_stdev": 2.5, "min_samples": None}
    response = api_client.patch(url, {"min_samples": 2}, format="json")
    assert response.json() == {
        "camera_id": "front_door",
        "threshold_stdev": 2.5,
        "min_samples": 2,
        "override_global_config": True,
        "camera_config": {"threshold_stdev": 2.5, "min_samples": 2},
        "global_config": global_config,
    }
    assert api_client.get(url).json()["min_samples"] == 2  # persisted
    assert api_client.get("/api/cameras/front_door/baseline/activity").json()["min_samples_required"] == 2


FULL = {"threshold_stdev": 3.0, "min_samples": 4, "override_global_config": True}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({**FULL, "threshold_stdev": 0.4}, [{"field": "threshold_stdev", "message": "Ensure this value is greater than or equal to 0.5."}]),
        ({**FULL, "min_samples": 0}, [{"field": "min_samples", "message": "Ensure this value is greater than or equal to 1."}]),
        ({**FULL, "min_samples": "many"}, [{"field": "min_samples", "message": "A valid integer is required."}]),
        ({**FULL, "override_global_config": None}, [{"field": "override_global_config", "message": "This field may not be null."}]),
        ({**FULL, "decay": 0.5}, [{"field": "decay", "message": "is not a known field"}]),
        ({}, [{"field": name, "message": "This field is required."} for name in FULL]),
    ],
)
def test_bad_config_is_422_and_changes_nothing(api_client, camera, body, errors):
    response = api_client.put("/api/cameras/front_door/baseline/config", body, format="json")
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert api_client.get("/api/cameras/front_door/baseline/config").json()["camera_config"] == {
        "threshold_stdev": None, "min_samples": None
    }


def test_reset(api_client, small_window):
    now = timezone.now()
    camera = CameraFactory(id="front_door", created_at=now - dt.timedelta(days=60))
    _learnt(camera, now)
    response = api_client.post("/api/cameras/front_door/baseline/reset")
    assert response.status_code == 200
    body = response.json()
    assert body["camera_id"] == "front_door"
    assert body["deleted"] == {"activity_slots": 168, "class_slots": 48, "hourly_counts": 504 + 24}
    assert body["learning_since"].endswith("Z")
    summary = api_client.get("/api/cameras/front_door/baseline").json()
    assert (summary["learning_complete"], summary["baseline_established"], summary["data_points"]) == (False, None, 0)


def test_schema_documents_the_endpoints(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert "422" in paths["/api/detections"]["post"]["responses"]
    assert "409" in paths["/api/detections"]["post"]["responses"]
    for path in ("", "/activity", "/classes", "/anomalies", "/config", "/reset"):
        operations = paths[f"/api/cameras/{{camera_id}}/baseline{path}"]
        for operation in operations.values():
            assert "404" in operation["responses"]
    assert "422" in paths["/api/cameras/{camera_id}/baseline/anomalies"]["get"]["responses"]
    assert "422" in paths["/api/cameras/{camera_id}/baseline/config"]["put"]["responses"]
