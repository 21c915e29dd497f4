"""The shared admin pieces: read-only pages write nothing and offer no delete, links between
related objects, the NEM branding."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from baselines.models import Anomaly, Detection
from cameras.models import CameraAuditRecord
from cameras.tests.factories import CameraFactory
from nem.admin import ReadOnlyAdminMixin

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 2, 3, tzinfo=dt.UTC)


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def read_only_admins():
    return [
        admin.site.get_model_admin(model)
        for model in apps.get_models()
        if admin.site.is_registered(model) and isinstance(admin.site.get_model_admin(model), ReadOnlyAdminMixin)
    ]


def test_the_system_written_models_are_read_only():
    names = {type(model_admin).__name__ for model_admin in read_only_admins()}
    assert names == {
        "AnomalyAdmin",
        "CameraAuditRecordAdmin",
        "DetectionAdmin",
        "EventAdmin",
        "JobRunAdmin",
        "OnvifEventStateAdmin",
        "OnvifUnknownEventAdmin",
        "PruneRunAdmin",
        "SceneReferenceAdmin",
        "TrashedCameraAdmin",
    }


def test_read_only_pages_offer_no_add_change_or_delete(admin_client, rf, staff_user):
    request = rf.get("/admin/")
    request.user = staff_user  # a superuser: only the admin itself can refuse
    for model_admin in read_only_admins():
        name = type(model_admin).__name__
        assert not model_admin.has_add_permission(request), name
        assert not model_admin.has_change_permission(request), name
        assert not model_admin.has_delete_permission(request), name
        assert "delete_selected" not in model_admin.get_actions(request), name
        fields = {f.name for f in model_admin.model._meta.fields}
        assert fields <= set(model_admin.get_readonly_fields(request)), name


def test_the_anomaly_list_offers_no_delete(admin_client):
    camera = CameraFactory(id="garage", name="Garage")
    anomaly = Anomaly.objects.create(
        camera=camera, hour_start=AT, object_type="car", kind="surge", observed_count=6, expected_count=0.1,
        anomaly_score=0.99, reason="car detected 6 times at 03:00-04:00",
    )
    page = admin_client.get(reverse("admin:baselines_anomaly_changelist")).content.decode()
    assert "car detected 6 times" in page
    assert "Delete selected" not in page and 'value="delete_selected"' not in page
    assert f'<a href="{reverse("admin:cameras_camera_change", args=["garage"])}">Garage</a>' in page
    detail = admin_client.get(reverse("admin:baselines_anomaly_change", args=[anomaly.pk]))
    assert detail.status_code == 200
    assert 'type="submit"' not in detail.content.decode().split('id="content-main"')[1].split("</form>")[0]
    assert admin_client.post(reverse("admin:baselines_anomaly_delete", args=[anomaly.pk])).status_code == 403
    assert Anomaly.objects.filter(pk=anomaly.pk).exists()


def test_detections_and_events_are_listed_with_filters_and_camera_links(admin_client):
    from baselines.models import Event

    garage = CameraFactory(id="garage", name="Garage")
    porch = CameraFactory(id="porch", name="Porch")
    Detection.objects.create(camera=garage, detected_at=AT, object_type="car", confidence=0.91)
    Detection.objects.create(camera=porch, detected_at=AT + dt.timedelta(days=3), object_type="person", confidence=0.5)
    Event.objects.create(camera=garage, started_at=AT, ended_at=AT + dt.timedelta(seconds=30), detection_count=2,
                         object_types=["car", "person"])
    url = reverse("admin:baselines_detection_changelist")
    page = admin_client.get(url).content.decode()
    assert f'<a href="{reverse("admin:cameras_camera_change", args=["garage"])}">Garage</a>' in page
    assert "0.91" in page and "Porch" in page
    assert page.index("person") < page.index("0.91")  # newest first
    cars = admin_client.get(url, {"object_type": "car"}).content.decode()
    assert "0.91" in cars and "0.50" not in cars
    porch_only = admin_client.get(url, {"camera__id__exact": "porch"}).content.decode()
    assert "0.50" in porch_only and "0.91" not in porch_only
    march_2 = admin_client.get(
        url, {"detected_at__gte": "2026-03-02 00:00:00+00:00", "detected_at__lt": "2026-03-03 00:00:00+00:00"}
    ).content.decode()
    assert "0.91" in march_2 and "0.50" not in march_2
    events = admin_client.get(reverse("admin:baselines_event_changelist")).content.decode()
    assert "car, person" in events and "Garage" in events


def test_audit_records_link_their_camera_live_trashed_or_purged(admin_client):
    from cameras import services

    CameraFactory(id="garage", name="Garage")
    CameraFactory(id="porch", name="Porch")
    services.camera_soft_delete(camera_id="porch", actor="user:admin")
    CameraAuditRecord.objects.create(camera_id="garage", camera_name="Garage", action="delete", actor="user:a")
    CameraAuditRecord.objects.create(camera_id="shed", camera_name="Shed", action="purge", actor="user:a")
    page = admin_client.get(reverse("admin:cameras_cameraauditrecord_changelist")).content.decode()
    assert f'<a href="{reverse("admin:cameras_camera_change", args=["garage"])}">Garage</a>' in page
    assert f'<a href="{reverse("admin:cameras_trashedcamera_change", args=["porch"])}">Porch</a>' in page
    assert "Shed <small>(purged)</small>" in page
    assert "Delete selected" not in page
