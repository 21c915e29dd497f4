"""Alert lifecycle and the outbox on the real database: one alert per incident, rows written in the
event's transaction, per-endpoint filters, cooldown and quiet hours, backoff and dead letters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from alerts import services
from alerts.delivery import backoff_seconds, delivery_drain
from alerts.models import Alert, AlertEndpoint, Delivery
from alerts.tests.clock import T0
from alerts.tests.peers import HttpReceiver
from cameras.services import camera_restore, camera_soft_delete, camera_status_set

pytestmark = pytest.mark.django_db


def webhook(url: str, **kw) -> AlertEndpoint:
    return services.endpoint_create(data={"name": kw.pop("name", "hook"), "kind": "webhook", "url": url, **kw})


def go_offline(camera_id: str, at: dt.datetime) -> None:
    camera_status_set(camera_id=camera_id, previous="online", status="offline", at=at, detail="no media for 3700 s")


def go_online(camera_id: str, at: dt.datetime) -> None:
    camera_status_set(camera_id=camera_id, previous="offline", status="online", at=at, detail="media arriving")


def test_offline_is_one_alert_resolved_by_recovery(camera):
    go_offline(camera.id, T0)
    alert = Alert.objects.get()
    assert (alert.kind, alert.state, alert.severity_name, alert.version) == ("camera_offline", "open", "critical", 1)
    assert alert.reason == "camera offline: no media for 3700 s"
    assert alert.opened_at == T0

    go_online(camera.id, T0 + dt.timedelta(minutes=42))
    alert.refresh_from_db()
    assert (alert.state, alert.version, alert.reason) == ("resolved", 2, "back online after 42 min")
    assert alert.resolved_at == T0 + dt.timedelta(minutes=42)
    assert Alert.objects.count() == 1

    go_offline(camera.id, T0 + dt.timedelta(hours=2))
    assert Alert.objects.count() == 2  # a new incident


def test_the_alert_and_its_outbox_rows_roll_back_with_the_event(camera, settings, receiver):
    settings.NEM_MQTT_URL = "mqtt://127.0.0.1:1883"
    webhook(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        go_offline(camera.id, T0)
        assert Alert.objects.count() == 1 and Delivery.objects.count() == 2
        raise RuntimeError("the status change fails after the signal")
    assert Alert.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert receiver.requests == []


def test_one_outbox_row_per_channel_with_a_stable_message_id(camera, settings, django_capture_on_commit_callbacks):
    settings.NEM_MQTT_URL = "mqtt://127.0.0.1:1883"
    down = HttpReceiver(statuses=[503])
    try:
        hook = webhook(down.url)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            go_offline(camera.id, T0)
        # the HTTP drain is queued for after commit, never run inside the transaction
        assert [cb.__qualname__ for cb in callbacks if cb.__module__ == "alerts.services.outbox"] == [
            "outbox_write.<locals>.<lambda>"
        ]
        alert = Alert.objects.get()
        rows = list(
            Delivery.objects.order_by("channel").values(
                "channel", "endpoint_id", "message_id", "event", "version", "state", "lane"
            )
        )
        assert rows == [
            {
                "channel": "mqtt",
                "endpoint_id": None,
                "message_id": f"alert_{alert.pk}_v1",
                "event": "new",
                "version": 1,
                "state": "pending",
                "lane": "mqtt::front_door",
            },
            {
                "channel": "webhook",
                "endpoint_id": hook.pk,
                "message_id": f"alert_{alert.pk}_v1",
                "event": "new",
                "version": 1,
                "state": "pending",
                "lane": f"webhook:{hook.pk}:front_door",
            },
        ]
        payload = Delivery.objects.filter(channel="webhook").get().payload
        assert payload == {
            "id": f"alert_{alert.pk}_v1",
            "type": "new",
            "alert": {
                "id": alert.pk,
                "version": 1,
                "kind": "camera_offline",
                "severity": "critical",
                "state": "open",
                "camera_id": "front_door",
                "reason": "camera offline: no media for 3700 s",
                "opened_at": "2026-03-02T10:00:00Z",
                "updated_at": "2026-03-02T10:00:00Z",
                "resolved_at": None,
                "acknowledged_at": None,
                "scene_change_id": None,
                "anomaly_id": None,
                "details": {"previous": "online", "status": "offline"},
            },
            "links": {
                "alert": f"http://127.0.0.1:8000/api/alerts/{alert.pk}",
                "camera": "http://127.0.0.1:8000/api/cameras/front_door",
                "snapshot": "http://127.0.0.1:8000/api/cameras/front_door/snapshot",
            },
        }
    finally:
        down.close()


def test_webhook_is_signed_and_retried_with_the_same_id_until_it_succeeds(camera, settings):
    settings.NEM_ALERT_RETRY_BASE_SECONDS = 10
    peer = HttpReceiver(statuses=[500, 500, 200])
    try:
        hook = webhook(peer.url)
        with transaction.atomic():
            go_offline(camera.id, T0)
        row = Delivery.objects.get()
        base = row.created_at  # outbox times are the wall clock of the write
        summary = delivery_drain(now=base)
        assert (summary.delivered, summary.failed) == (0, 1)
        row.refresh_from_db()
        assert (row.state, row.attempts, row.last_status_code, row.last_error) == ("pending", 1, 500, "HTTP error 500")
        assert base + dt.timedelta(seconds=5) <= row.next_attempt_at <= base + dt.timedelta(seconds=10)
        assert delivery_drain(now=base + dt.timedelta(seconds=4)).attempted == 0  # backoff not over
        delivery_drain(now=row.next_attempt_at)
        delivery_drain(now=row.next_attempt_at + dt.timedelta(seconds=20))
        row.refresh_from_db()
        assert (row.state, row.attempts, row.last_status_code) == ("delivered", 3, 200)
        assert len(peer.requests) == 3
        ids = {r.headers["webhook-id"] for r in peer.requests}
        assert ids == {f"alert_{row.alert_id}_v1"}
        verified = Webhook(hook.secret).verify(peer.requests[-1].body, peer.requests[-1].headers)
        assert verified == row.payload
        with pytest.raises(Exception, match="signature"):
            Webhook(services.new_webhook_secret()).verify(peer.requests[-1].body, peer.requests[-1].headers)
    finally:
        peer.close()


def test_backoff_doubles_with_jitter_up_to_the_cap(settings):
    settings.NEM_ALERT_RETRY_BASE_SECONDS = 5
    settings.NEM_ALERT_RETRY_MAX_SECONDS = 60
    for attempts, step in [(1, 5), (2, 10), (3, 20), (4, 40), (5, 60), (12, 60)]:
        values = {backoff_seconds(attempts) for _ in range(50)}
        assert all(step / 2 <= v <= step for v in values)
        assert len(values) > 1  # jittered


def test_a_row_that_fails_past_max_age_is_dead_and_its_lane_moves_on(camera, settings):
    settings.NEM_ALERT_MAX_AGE = 3600
    peer = HttpReceiver(statuses=[500])
    try:
        webhook(peer.url)
        with transaction.atomic():
            go_offline(camera.id, T0)
            go_online(camera.id, T0 + dt.timedelta(minutes=5))
        first, second = Delivery.objects.order_by("id")
        base = first.created_at
        delivery_drain(now=base)
        assert len(peer.requests) == 1  # the end waits behind the new
        first.refresh_from_db()
        assert first.next_attempt_at <= first.expires_at == base + dt.timedelta(hours=1)
        delivery_drain(now=base + dt.timedelta(hours=1))
        first.refresh_from_db()
        assert first.state == "dead"
        second.refresh_from_db()
        assert (second.state, second.attempts) == ("pending", 1)  # the lane moved on at once
        peer.statuses[:] = [200]
        delivery_drain(now=second.next_attempt_at)
        second.refresh_from_db()
        assert second.state == "delivered"
        assert [r.json()["type"] for r in peer.requests][-1] == "end"

        assert services.delivery_retry_now(delivery_ids=[first.pk], now=base + dt.timedelta(hours=2)) == 1
        delivery_drain(now=base + dt.timedelta(hours=2))
        first.refresh_from_db()
        assert (first.state, first.attempts) == ("delivered", 3)
    finally:
        peer.close()


def test_deliveries_go_out_in_order_per_camera(camera, settings):
    from cameras.tests.factories import CameraFactory

    other = CameraFactory(id="garage")
    peer = HttpReceiver()
    try:
        webhook(peer.url)
        with transaction.atomic():
            for minute in range(0, 40, 10):
                go_offline(camera.id, T0 + dt.timedelta(minutes=minute))
                camera_status_set(
                    camera_id=other.id, previous="online", status="offline", at=T0 + dt.timedelta(minutes=minute)
                )
                go_online(camera.id, T0 + dt.timedelta(minutes=minute + 5))
                camera_status_set(
                    camera_id=other.id, previous="offline", status="online", at=T0 + dt.timedelta(minutes=minute + 5)
                )
        delivery_drain()
        by_camera: dict[str, list] = {}
        for request in peer.requests:
            body = request.json()
            by_camera.setdefault(body["alert"]["camera_id"], []).append((body["alert"]["id"], body["type"]))
        assert set(by_camera) == {"front_door", "garage"}
        for camera_id, seen in by_camera.items():
            ids = list(Alert.objects.filter(camera_id=camera_id).order_by("id").values_list("id", flat=True))
            assert seen == [(i, t) for i in ids for t in ("new", "end")], camera_id
    finally:
        peer.close()


def test_filters_cooldown_and_quiet_hours(camera, receiver):
    from cameras.tests.factories import CameraFactory

    garage = CameraFactory(id="garage", timezone="Europe/Berlin")
    webhook(receiver.url, name="tamper-only", kinds=["tamper"])
    webhook(receiver.url, name="garage-only", camera_ids=["garage"])
    webhook(receiver.url, name="critical", min_severity=30)
    webhook(receiver.url, name="cooled", cooldown_seconds=3600)
    # 10:00 UTC is 11:00 in Berlin: quiet from 10:30 to 12:00 camera-local.
    webhook(receiver.url, name="quiet", quiet_hours_start=dt.time(10, 30), quiet_hours_end=dt.time(12, 0))
    with transaction.atomic():
        go_offline(camera.id, T0)
        camera_status_set(camera_id=garage.id, previous="online", status="error", at=T0, detail="folder: missing")
    sent = lambda alert: set(  # noqa: E731
        Delivery.objects.filter(alert=alert, event="new").values_list("endpoint__name", flat=True)
    )
    front = Alert.objects.get(camera=camera)
    back = Alert.objects.get(camera=garage)
    assert sent(front) == {"critical", "cooled", "quiet"}
    assert sent(back) == {"garage-only", "cooled"}  # a warning; quiet at 11:00 Berlin
    assert not Delivery.objects.filter(endpoint__name="tamper-only").exists()

    # The recovery's "end" follows its "new"; a second offline within the hour is held back by the cooldown.
    with transaction.atomic():
        go_online(camera.id, T0 + dt.timedelta(minutes=10))
        go_offline(camera.id, T0 + dt.timedelta(minutes=20))
    second = Alert.objects.filter(camera=camera).order_by("-id").first()
    assert sent(second) == {"critical", "quiet"}
    assert set(Delivery.objects.filter(alert=front, event="end").values_list("endpoint__name", flat=True)) == {
        "critical",
        "cooled",
        "quiet",
    }


def test_trash_hides_the_cameras_alerts_and_restore_brings_them_back(camera):
    go_offline(camera.id, T0)
    camera_soft_delete(camera_id=camera.id, actor="t")
    assert Alert.objects.count() == 0 and Alert.all_objects.count() == 1
    camera_restore(camera_id=camera.id, actor="t")
    assert Alert.objects.count() == 1


def test_storage_floor_is_one_system_alert_until_restored():
    from retention.signals import storage_floor_breached, storage_floor_restored

    for _ in range(3):  # sent once per run that ends below the floor
        storage_floor_breached.send(
            sender=None, free_bytes=100 * 2**20, total_bytes=2**40, floor_bytes=2**30, freed_bytes=0, at=T0
        )
    alert = Alert.objects.get()
    assert (alert.camera_id, alert.kind, alert.severity_name, alert.version) == (None, "storage", "critical", 1)
    assert alert.reason == "free space 100 MiB is below the floor of 1024 MiB"
    storage_floor_restored.send(
        sender=None, free_bytes=2**31, total_bytes=2**40, floor_bytes=2**30, at=T0 + dt.timedelta(hours=1)
    )
    alert.refresh_from_db()
    assert (alert.state, alert.reason) == ("resolved", "free space back above the floor (2048 MiB)")


def test_health_states_open_and_resolve_their_alerts(camera):
    from alerts.receivers import on_health_changed

    on_health_changed(None, camera_id=camera.id, previous="ok", state="blinded", reasons=["lens covered"], at=T0)
    on_health_changed(
        None,
        camera_id=camera.id,
        previous="blinded",
        state="frozen",
        reasons=["same frame"],
        at=T0 + dt.timedelta(minutes=5),
    )
    on_health_changed(
        None, camera_id=camera.id, previous="frozen", state="ok", reasons=[], at=T0 + dt.timedelta(minutes=9)
    )
    rows = list(Alert.objects.order_by("id").values_list("kind", "state", "severity", "reason"))
    assert rows == [
        ("blinded", "resolved", 30, "now frozen"),
        ("frozen", "resolved", 20, "now ok"),
    ]
