"""The alerts API: full shapes, filters, ordering, cursors, acknowledge, endpoints with a write-only
secret shown once and a Location, the test send through the real path, the delivery log, strict query
parameters, problem documents."""

from __future__ import annotations

import datetime as dt

import pytest
from standardwebhooks.webhooks import Webhook

from alerts import services
from alerts.models import Alert, AlertEndpoint, Delivery
from alerts.tests.clock import T0
from alerts.tests.peers import HttpReceiver
from cameras.services import camera_soft_delete, camera_status_set
from cameras.tests.factories import CameraFactory
from nem.testing import ProblemDocuments

pytestmark = pytest.mark.django_db


TITLES = {
    "alert-not-found": "Alert not found",
    "alert-endpoint-not-found": "Alert endpoint not found",
    "authentication-required": "API key required",
    "invalid-query-parameter": "Query parameter is invalid",
    "validation-error": "Request body is invalid",
}


problem = ProblemDocuments(TITLES)


def assert_problem(response, status: int, detail_contains: str = "") -> dict:
    """A problem document of the kind its status implies, whose detail contains ``detail_contains``."""
    body = problem.assert_response(response, status)
    assert detail_contains in body["detail"]
    return body


def offline(camera_id: str, at: dt.datetime) -> Alert:
    camera_status_set(camera_id=camera_id, previous="online", status="offline", at=at, detail="no media for 3700 s")
    return Alert.objects.filter(camera_id=camera_id).latest("id")


def test_alert_list_and_detail_full_shape(api_client, camera):
    alert = offline(camera.id, T0)
    response = api_client.get("/api/alerts")
    assert response.status_code == 200
    expected = {
        "id": alert.pk,
        "camera_id": "front_door",
        "kind": "camera_offline",
        "severity": "critical",
        "state": "open",
        "reason": "camera offline: no media for 3700 s",
        "version": 1,
        "opened_at": "2026-03-02T10:00:00Z",
        "updated_at": "2026-03-02T10:00:00Z",
        "resolved_at": None,
        "acknowledged_at": None,
        "acknowledged_by": "",
        "scene_change_id": None,
        "anomaly_id": None,
        "evidence_path": "",
        "hold": False,
        "details": {"previous": "online", "status": "offline"},
    }
    assert response.json() == {
        "items": [expected],
        "pagination": {"total": 1, "limit": 1000, "offset": 0, "next_cursor": None, "has_more": False},
    }
    assert api_client.get(f"/api/alerts/{alert.pk}").json() == expected


def test_alert_list_filters_newest_first_and_cursor(api_client, camera):
    garage = CameraFactory(id="garage")
    a1 = offline(camera.id, T0)
    a2 = offline(garage.id, T0 + dt.timedelta(minutes=1))
    camera_status_set(camera_id=camera.id, previous="offline", status="online", at=T0 + dt.timedelta(minutes=2))
    a3 = offline(camera.id, T0 + dt.timedelta(minutes=3))

    ids = lambda r: [item["id"] for item in r.json()["items"]]  # noqa: E731
    assert ids(api_client.get("/api/alerts")) == [a3.pk, a2.pk, a1.pk]
    assert ids(api_client.get("/api/alerts?camera_id=front_door")) == [a3.pk, a1.pk]
    assert ids(api_client.get("/api/alerts?state=resolved")) == [a1.pk]
    assert ids(api_client.get("/api/alerts?kind=camera_offline&state=open")) == [a3.pk, a2.pk]
    assert ids(api_client.get("/api/alerts?since=2026-03-02T10:01:00Z")) == [a3.pk, a2.pk]

    first = api_client.get("/api/alerts?limit=2")
    assert ids(first) == [a3.pk, a2.pk] and first.json()["pagination"]["has_more"] is True
    cursor = first.json()["pagination"]["next_cursor"]
    assert ids(api_client.get(f"/api/alerts?limit=2&cursor={cursor}")) == [a1.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=nope", "kind"),
        ("state=closed", "state"),
        ("since=yesterday", "since"),
        ("camera_id=ghost", "camera_id"),
        ("limit=0", "limit"),
        ("cursor=%%%", "cursor"),
    ],
)
def test_bad_alert_filters_are_422_problems(api_client, camera, query, field):
    body = assert_problem(api_client.get(f"/api/alerts?{query}"), 422)
    assert [e["field"] for e in body["errors"]] == [field]


def test_unknown_or_trashed_alert_is_404(api_client, camera):
    alert = offline(camera.id, T0)
    for alert_id in ("999999", "abc"):
        response = api_client.get(f"/api/alerts/{alert_id}")
        assert response.status_code == 404
        assert response.json() == problem(
            "alert-not-found",
            404,
            f"No alert '{alert_id}'. List alerts at /api/alerts.",
            f"/api/alerts/{alert_id}",
        )
    camera_soft_delete(camera_id=camera.id, actor="t")
    assert_problem(api_client.get(f"/api/alerts/{alert.pk}"), 404)
    assert api_client.get("/api/alerts").json()["items"] == []
    response = api_client.post(f"/api/alerts/{alert.pk}/acknowledge")
    assert response.status_code == 404
    assert response.json() == problem(
        "alert-not-found",
        404,
        f"No alert '{alert.pk}'. List alerts at /api/alerts.",
        f"/api/alerts/{alert.pk}/acknowledge",
    )


def test_acknowledge_is_idempotent(api_client, camera):
    alert = offline(camera.id, T0)
    response = api_client.post(f"/api/alerts/{alert.pk}/acknowledge")
    assert response.status_code == 200
    body = response.json()
    # Offline is resolved by recovery, not by an acknowledgement.
    assert (body["state"], body["acknowledged_by"]) == ("open", "env-key")
    assert body["acknowledged_at"] is not None
    again = api_client.post(f"/api/alerts/{alert.pk}/acknowledge").json()
    assert again == body


def test_acknowledging_an_anomaly_resolves_it_with_an_end_message(api_client, camera, settings):
    settings.NEM_MQTT_URL = "mqtt://127.0.0.1:1883"
    alert = services.alert_raise(camera_id=camera.id, kind="anomaly", incident_key="anomaly:1", reason="quiet hour")
    body = api_client.post(f"/api/alerts/{alert.pk}/acknowledge").json()
    assert (body["state"], body["version"], body["reason"]) == ("resolved", 2, "acknowledged by env-key")
    assert list(Delivery.objects.order_by("id").values_list("event", "version")) == [("new", 1), ("end", 2)]


def test_alerts_need_an_api_key(anon_client):
    assert_problem(anon_client.get("/api/alerts"), 401)
    assert_problem(anon_client.get("/api/alert-endpoints"), 401)
    assert_problem(anon_client.get("/api/alert-deliveries"), 401)


def test_endpoint_crud_secret_shown_once(api_client, receiver):
    response = api_client.post(
        "/api/alert-endpoints",
        {
            "name": "ha",
            "kind": "webhook",
            "url": f"{receiver.url}/hook?token=abc",
            "kinds": ["tamper"],
            "min_severity": "warning",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert response["Location"] == f"/api/alert-endpoints/{created['id']}"
    assert api_client.get(response["Location"]).json() == {k: v for k, v in created.items() if k != "secret"}
    secret = created.pop("secret")
    assert secret.startswith("whsec_")
    endpoint_id = created["id"]
    port = receiver.server.server_address[1]
    expected = {
        "id": endpoint_id,
        "name": "ha",
        "kind": "webhook",
        "target": f"http://127.0.0.1:{port}/…",
        "enabled": True,
        "kinds": ["tamper"],
        "camera_ids": [],
        "min_severity": "warning",
        "cooldown_seconds": 0,
        "quiet_hours_start": "22:00:00",
        "quiet_hours_end": "07:00:00",
        "created_at": created["created_at"],
    }
    assert created == expected
    assert api_client.get(f"/api/alert-endpoints/{endpoint_id}").json() == expected
    listed = api_client.get("/api/alert-endpoints").json()["items"]
    assert listed == [expected]
    assert secret not in api_client.get("/api/alert-endpoints").content.decode()
    assert "abc" not in api_client.get(f"/api/alert-endpoints/{endpoint_id}").content.decode()

    patched = api_client.patch(
        f"/api/alert-endpoints/{endpoint_id}", {"enabled": False, "cooldown_seconds": 600}, format="json"
    ).json()
    assert (patched["enabled"], patched["cooldown_seconds"], "secret" in patched) == (False, 600, False)
    assert AlertEndpoint.objects.get().secret == secret  # unchanged by a patch

    assert api_client.delete(f"/api/alert-endpoints/{endpoint_id}").status_code == 204
    response = api_client.get(f"/api/alert-endpoints/{endpoint_id}")
    assert response.status_code == 404
    assert response.json() == problem(
        "alert-endpoint-not-found",
        404,
        f"No alert endpoint '{endpoint_id}'. List endpoints at /api/alert-endpoints.",
        f"/api/alert-endpoints/{endpoint_id}",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "kind": "webhook", "url": "ftp://example.org/x"}, "url"),
        ({"name": "x", "kind": "webhook", "url": "http://169.254.169.254/latest"}, "url"),
        ({"name": "x", "kind": "carrier-pigeon", "url": "http://example.org"}, "kind"),
        ({"name": "x", "kind": "apprise", "url": "nosuchscheme://abc"}, "url"),
        ({"name": "x", "kind": "webhook", "url": "http://example.org", "kinds": ["nope"]}, "kinds.0"),
        ({"name": "x", "kind": "webhook", "url": "http://example.org", "min_severity": "loud"}, "min_severity"),
        (
            {"name": "x", "kind": "webhook", "url": "http://example.org", "quiet_hours_start": "22:00"},
            "quiet_hours_end",
        ),
        ({"name": "x", "kind": "webhook", "url": "http://example.org", "secret": "mine"}, "secret"),
        ({"kind": "webhook", "url": "http://example.org"}, "name"),
    ],
)
def test_bad_endpoints_are_422_problems(api_client, body, field):
    response = api_client.post("/api/alert-endpoints", body, format="json")
    problem = assert_problem(response, 422)
    assert field in [e["field"] for e in problem["errors"]]


def test_loopback_targets_are_refused_unless_allowed(api_client, settings):
    settings.NEM_ALERT_ALLOW_LOOPBACK_TARGETS = False
    for url in ("http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]/x"):
        response = api_client.post("/api/alert-endpoints", {"name": "x", "kind": "webhook", "url": url}, format="json")
        problem = assert_problem(response, 422, "loopback")
        assert problem["errors"][0]["field"] == "url"
    response = api_client.post(
        "/api/alert-endpoints", {"name": "x", "kind": "apprise", "url": "json://127.0.0.1:9/x"}, format="json"
    )
    assert_problem(response, 422, "loopback")


def test_test_send_goes_through_the_real_path(api_client):
    peer = HttpReceiver()
    try:
        created = api_client.post(
            "/api/alert-endpoints", {"name": "t", "kind": "webhook", "url": peer.url}, format="json"
        ).json()
        response = api_client.post(f"/api/alert-endpoints/{created['id']}/test")
        assert response.status_code == 200
        body = response.json()
        assert (body["state"], body["attempts"], body["last_status_code"], body["channel"]) == (
            "delivered",
            1,
            200,
            "webhook",
        )
        assert body["endpoint_id"] == created["id"]
        assert len(peer.requests) == 1
        payload = Webhook(created["secret"]).verify(peer.requests[0].body, peer.requests[0].headers)
        assert (payload["type"], payload["alert"]["kind"], payload["alert"]["camera_id"]) == ("new", "test", None)
        assert Delivery.objects.count() == 1  # no other channel got the test alert
    finally:
        peer.close()


def test_test_send_to_a_redirecting_receiver_fails_without_following(api_client):
    peer = HttpReceiver(statuses=[302])
    try:
        created = api_client.post(
            "/api/alert-endpoints", {"name": "t", "kind": "webhook", "url": peer.url}, format="json"
        ).json()
        body = api_client.post(f"/api/alert-endpoints/{created['id']}/test").json()
        assert (body["state"], body["last_status_code"], body["last_error"]) == (
            "pending",
            302,
            "redirect not followed 302",
        )
        assert len(peer.requests) == 1
    finally:
        peer.close()


def test_delivery_log_shape_and_filters(api_client, camera, receiver, settings):
    settings.NEM_MQTT_URL = "mqtt://127.0.0.1:1883"
    endpoint = services.endpoint_create(data={"name": "h", "kind": "webhook", "url": receiver.url})
    alert = offline(camera.id, T0)
    response = api_client.get("/api/alert-deliveries?channel=mqtt")
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert set(item) == {
        "id",
        "alert_id",
        "version",
        "event",
        "channel",
        "endpoint_id",
        "message_id",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
        "expires_at",
        "delivered_at",
        "last_attempt_at",
        "last_status_code",
        "last_error",
        "latency_ms",
    }
    assert (item["alert_id"], item["message_id"], item["state"], item["endpoint_id"]) == (
        alert.pk,
        f"alert_{alert.pk}_v1",
        "pending",
        None,
    )
    hooks = api_client.get(f"/api/alert-deliveries?endpoint_id={endpoint.pk}").json()["items"]
    assert [h["channel"] for h in hooks] == ["webhook"]
    assert api_client.get(f"/api/alert-deliveries?alert_id={alert.pk}").json()["pagination"]["total"] == 2
    assert_problem(api_client.get("/api/alert-deliveries?state=lost"), 422)
    for bad in ("1.5", "-1", "99999999999999999999999"):
        body = assert_problem(api_client.get(f"/api/alert-deliveries?alert_id={bad}"), 422)
        assert [e["field"] for e in body["errors"]] == ["alert_id"]


# --- list conventions: strict query parameters, ordering, cursors -------------------------------

ALERT_PARAMS = "camera_id, cursor, kind, limit, offset, ordering, since, state"
ENDPOINT_PARAMS = "cursor, limit, offset, ordering"
DELIVERY_PARAMS = "alert_id, channel, cursor, endpoint_id, limit, offset, ordering, state"


def raise_alerts(camera_id: str, count: int, *, step: dt.timedelta) -> list[Alert]:
    """``count`` anomaly alerts opened ``step`` apart from T0 (oldest first)."""
    return [
        services.alert_raise(
            camera_id=camera_id,
            kind="anomaly",
            incident_key=f"anomaly:{n}",
            reason=f"quiet hour {n}",
            now=T0 + n * step,
        )
        for n in range(count)
    ]


def ids_of(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def walk_pages(api_client, url: str) -> list[list[int]]:
    """Every page of a list (``url`` has a query string), following ``next_cursor`` to the last one."""
    pages, response = [], api_client.get(url)
    while True:
        pages.append(ids_of(response))
        pagination = response.json()["pagination"]
        if not pagination["has_more"]:
            assert pagination["next_cursor"] is None
            return pages
        response = api_client.get(f"{url}&cursor={pagination['next_cursor']}")


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("/api/alerts", ALERT_PARAMS),
        ("/api/alert-endpoints", ENDPOINT_PARAMS),
        ("/api/alert-deliveries", DELIVERY_PARAMS),
    ],
)
def test_an_unknown_query_parameter_is_a_422_naming_what_is_accepted(api_client, url, accepted):
    response = api_client.get(url, {"camera": "front_door"})
    message = f"is not a parameter of this operation; it accepts: {accepted}"
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == problem(
        "invalid-query-parameter",
        422,
        f"Request validation failed: camera: {message}",
        url,
        errors=[{"field": "camera", "message": message}],
    )


def test_an_unknown_camera_filter_says_where_cameras_are_listed(api_client, camera):
    message = "no camera 'ghost'; list cameras at /api/cameras"
    assert api_client.get("/api/alerts", {"camera_id": "ghost"}).json() == problem(
        "invalid-query-parameter",
        422,
        f"Request validation failed: camera_id: {message}",
        "/api/alerts",
        errors=[{"field": "camera_id", "message": message}],
    )


def test_alerts_are_newest_first_unless_ordered_otherwise(api_client, camera):
    a0, a1, a2 = raise_alerts(camera.id, 3, step=dt.timedelta(minutes=5))
    again = T0 + dt.timedelta(hours=1)
    services.alert_raise(camera_id=camera.id, kind="anomaly", incident_key="anomaly:0", reason="again", now=again)
    assert ids_of(api_client.get("/api/alerts")) == [a2.pk, a1.pk, a0.pk]
    assert ids_of(api_client.get("/api/alerts", {"ordering": "opened_at"})) == [a0.pk, a1.pk, a2.pk]
    # a0 was updated last (its second firing): newest update first.
    assert ids_of(api_client.get("/api/alerts", {"ordering": "-updated_at"}))[0] == a0.pk


@pytest.mark.parametrize("ordering", ["reason", "opened_at,-opened_at", "-"])
def test_an_ordering_the_list_cannot_do_is_a_422(api_client, camera, ordering):
    message = (
        "accepts a comma-separated list of opened_at, updated_at, severity, each at most once, "
        "with '-' for descending (e.g. -opened_at)"
    )
    response = api_client.get("/api/alerts", {"ordering": ordering})
    assert response.status_code == 422
    assert response.json() == problem(
        "invalid-query-parameter",
        422,
        f"Request validation failed: ordering: {message}",
        "/api/alerts",
        errors=[{"field": "ordering", "message": message}],
    )


@pytest.mark.parametrize("ordering", [None, "opened_at", "-severity,opened_at"])
def test_the_alert_cursor_visits_every_alert_once_even_with_equal_times(api_client, camera, ordering):
    # Two alerts per instant: the cursor's tie-breaker (the id) must neither repeat nor skip one.
    alerts = raise_alerts(camera.id, 5, step=dt.timedelta(0))
    more = [
        services.alert_raise(
            camera_id=camera.id, kind="tamper", incident_key=f"t:{n}", reason="t", now=T0 + dt.timedelta(minutes=1)
        )
        for n in range(2)
    ]
    query = "/api/alerts?limit=2" + (f"&ordering={ordering}" if ordering else "")
    pages = walk_pages(api_client, query)
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    everything = ids_of(api_client.get("/api/alerts" + (f"?ordering={ordering}" if ordering else "")))
    assert [i for p in pages for i in p] == everything
    assert sorted(everything) == sorted(a.pk for a in alerts + more)


def test_a_cursor_is_refused_under_another_ordering(api_client, camera):
    raise_alerts(camera.id, 3, step=dt.timedelta(minutes=1))
    cursor = api_client.get("/api/alerts", {"limit": 1}).json()["pagination"]["next_cursor"]
    response = api_client.get("/api/alerts", {"limit": 1, "cursor": cursor, "ordering": "opened_at"})
    message = "was issued for another ordering; start again without a cursor, or send the same ordering"
    assert response.json() == problem(
        "invalid-query-parameter",
        422,
        f"Request validation failed: cursor: {message}",
        "/api/alerts",
        errors=[{"field": "cursor", "message": message}],
    )


def test_deliveries_are_newest_first_and_page_with_a_cursor(api_client, camera, settings):
    settings.NEM_MQTT_URL = "mqtt://127.0.0.1:1883"
    raise_alerts(camera.id, 3, step=dt.timedelta(minutes=1))
    newest_first = list(Delivery.objects.order_by("-created_at", "-id").values_list("id", flat=True))
    assert len(newest_first) == 3
    assert ids_of(api_client.get("/api/alert-deliveries")) == newest_first
    assert ids_of(api_client.get("/api/alert-deliveries", {"ordering": "created_at"})) == newest_first[::-1]
    assert walk_pages(api_client, "/api/alert-deliveries?limit=2") == [newest_first[:2], newest_first[2:]]


def test_endpoints_are_listed_oldest_first_or_by_name(api_client):
    zulu = services.endpoint_create(data={"name": "zulu", "kind": "webhook", "url": "https://example.org/z"})
    alpha = services.endpoint_create(data={"name": "alpha", "kind": "webhook", "url": "https://example.org/a"})
    assert ids_of(api_client.get("/api/alert-endpoints")) == [zulu.pk, alpha.pk]
    assert ids_of(api_client.get("/api/alert-endpoints", {"ordering": "name"})) == [alpha.pk, zulu.pk]
    assert walk_pages(api_client, "/api/alert-endpoints?limit=1") == [[zulu.pk], [alpha.pk]]


def test_list_parameters_are_refused_by_the_other_operations(api_client, camera):
    alert = raise_alerts(camera.id, 1, step=dt.timedelta(0))[0]
    endpoint = services.endpoint_create(data={"name": "h", "kind": "webhook", "url": "https://example.org/h"})
    message = "is not a parameter of this operation; it accepts: none"
    for method, path in (
        ("get", f"/api/alerts/{alert.pk}"),
        ("post", f"/api/alerts/{alert.pk}/acknowledge"),
        ("get", f"/api/alert-endpoints/{endpoint.pk}"),
        ("delete", f"/api/alert-endpoints/{endpoint.pk}"),
    ):
        response = getattr(api_client, method)(f"{path}?limit=1")
        assert response.status_code == 422, (method, path)
        assert response.json() == problem(
            "invalid-query-parameter",
            422,
            f"Request validation failed: limit: {message}",
            path,
            errors=[{"field": "limit", "message": message}],
        )
    assert Alert.objects.get().acknowledged_at is None
    assert AlertEndpoint.objects.filter(pk=endpoint.pk).exists()
