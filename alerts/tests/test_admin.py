"""The alerts admin: list with evidence thumbnails (served only from the media root or the scene
reference store), acknowledge action, endpoint creation showing the secret once, retry of dead letters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from alerts import services
from alerts.models import Alert, AlertEndpoint, Delivery

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def admin_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def test_alert_list_shows_thumbnail_and_serves_evidence_from_the_media_root_only(
    admin_client, camera, media_root, tmp_path
):
    image = media_root / "front_door.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9")
    inside = services.alert_raise(
        camera_id=camera.id,
        kind="tamper",
        incident_key="scenechange:1",
        reason="blocked",
        evidence_path=str(image),
        now=T0,
    )
    outside_file = tmp_path / "secret.jpg"
    outside_file.write_bytes(b"not yours")
    outside = services.alert_raise(
        camera_id=camera.id,
        kind="tamper",
        incident_key="scenechange:2",
        reason="x",
        evidence_path=str(outside_file),
        now=T0,
    )
    page = admin_client.get("/admin/alerts/alert/")
    assert page.status_code == 200
    assert f"/admin/alerts/alert/{inside.pk}/evidence" in page.content.decode()
    evidence = admin_client.get(f"/admin/alerts/alert/{inside.pk}/evidence")
    assert evidence.status_code == 200
    assert b"".join(evidence.streaming_content) == image.read_bytes()
    assert admin_client.get(f"/admin/alerts/alert/{outside.pk}/evidence").status_code == 404
    assert Client().get(f"/admin/alerts/alert/{inside.pk}/evidence").status_code == 302  # login first


def test_acknowledge_action(admin_client, camera):
    alert = services.alert_raise(camera_id=camera.id, kind="anomaly", incident_key="anomaly:1", reason="quiet", now=T0)
    response = admin_client.post(
        "/admin/alerts/alert/", {"action": "acknowledge_selected", "_selected_action": [alert.pk]}, follow=True
    )
    assert response.status_code == 200
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by) == ("resolved", "user:admin")


def test_endpoint_created_in_the_admin_shows_its_secret_once(admin_client, receiver):
    response = admin_client.post(
        "/admin/alerts/alertendpoint/add/",
        {
            "name": "hook",
            "kind": "webhook",
            "url": receiver.url,
            "enabled": "on",
            "kinds": "[]",
            "camera_ids": "[]",
            "min_severity": "10",
            "cooldown_seconds": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    endpoint = AlertEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and endpoint.url == receiver.url
    assert endpoint.secret in response.content.decode()
    listing = admin_client.get("/admin/alerts/alertendpoint/").content.decode()
    assert endpoint.secret not in listing
    change = admin_client.get(f"/admin/alerts/alertendpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in change and receiver.url not in change


def test_retry_now_requeues_dead_letters(admin_client, camera, receiver):
    services.endpoint_create(data={"name": "h", "kind": "webhook", "url": receiver.url})
    services.alert_raise(camera_id=camera.id, kind="anomaly", incident_key="anomaly:1", reason="quiet", now=T0)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(state="dead", attempts=9)
    response = admin_client.post(
        "/admin/alerts/delivery/", {"action": "retry_now", "_selected_action": [delivery.pk]}, follow=True
    )
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.state == "pending"
    assert Alert.objects.count() == 1


def test_alert_list_and_page_link_the_camera_and_the_source(admin_client, camera):
    from django.urls import reverse

    alert = services.alert_raise(
        camera_id=camera.id, kind="anomaly", incident_key="anomaly:7", reason="quiet", now=T0, anomaly_id=7
    )
    camera_url = reverse("admin:cameras_camera_change", args=[camera.id])
    listing = admin_client.get("/admin/alerts/alert/").content.decode()
    assert f'<a href="{camera_url}">{camera.name}</a>' in listing
    page = admin_client.get(f"/admin/alerts/alert/{alert.pk}/change/").content.decode()
    assert f'<a href="{reverse("admin:baselines_anomaly_change", args=[7])}">anomaly 7</a>' in page
    assert f'<a href="{camera_url}">' in page
