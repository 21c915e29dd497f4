"""The admin is the trash UI: trash from the camera admin, restore and purge from the Trash."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from baselines.models import Detection
from cameras.models import Camera, CameraAuditRecord
from cameras.tests.factories import CameraFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:cameras_camera_changelist")
TRASH = reverse("admin:cameras_trashedcamera_changelist")


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_camera_changelist_shows_live_cameras_only(admin_client):
    CameraFactory(id="alive", name="Alive Cam")
    CameraFactory(id="gone", name="Gone Cam", deleted_at="2026-01-01T00:00:00Z")
    page = admin_client.get(CHANGELIST).content.decode()
    assert "Alive Cam" in page and "Gone Cam" not in page
    trash = admin_client.get(TRASH).content.decode()
    assert "Gone Cam" in trash and "Alive Cam" not in trash


def test_trash_restore_and_purge_through_the_admin(admin_client, camera):
    from django.utils import timezone

    Detection.objects.create(camera=camera, detected_at=timezone.now(), object_type="car", confidence=0.8)
    other = CameraFactory(id="garage", name="Garage")

    # trash front_door from its change page's delete view (confirmation first)
    delete_url = reverse("admin:cameras_camera_delete", args=["front_door"])
    confirm = admin_client.get(delete_url)
    assert confirm.status_code == 200 and "Move the camera" in confirm.content.decode()
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Camera.objects.filter(pk="front_door").exists()
    assert Detection.objects.filter(camera_id="front_door").count() == 0

    # trash garage with the bulk action, which asks first
    asked = admin_client.post(CHANGELIST, {"action": "move_to_trash", "_selected_action": ["garage"]})
    assert asked.status_code == 200 and "Yes, move to trash" in asked.content.decode()
    assert Camera.objects.filter(pk="garage").exists()
    admin_client.post(CHANGELIST, {"action": "move_to_trash", "_selected_action": ["garage"], "post": "yes"})
    assert not Camera.objects.filter(pk=other.pk).exists()

    trash = admin_client.get(TRASH).content.decode()
    assert "Front Door Camera" in trash and "Garage" in trash

    # restore front_door: confirmation page, then the camera and its detection are back
    asked = admin_client.post(TRASH, {"action": "restore_selected", "_selected_action": ["front_door"]})
    assert "Yes, restore" in asked.content.decode()
    assert not Camera.objects.filter(pk="front_door").exists()
    admin_client.post(TRASH, {"action": "restore_selected", "_selected_action": ["front_door"], "post": "yes"})
    assert Camera.objects.filter(pk="front_door").exists()
    assert Detection.objects.filter(camera_id="front_door").count() == 1

    # purge garage for good
    asked = admin_client.post(TRASH, {"action": "purge_selected", "_selected_action": ["garage"]})
    assert "cannot be undone" in asked.content.decode()
    admin_client.post(TRASH, {"action": "purge_selected", "_selected_action": ["garage"], "post": "yes"})
    assert not Camera.all_objects.filter(pk="garage").exists()

    assert list(CameraAuditRecord.objects.order_by("id").values_list("action", "camera_id")) == [
        ("delete", "front_door"),
        ("delete", "garage"),
        ("restore", "front_door"),
        ("purge", "garage"),
    ]
    assert LogEntry.objects.filter(object_id="front_door", change_message="Restored from the trash").exists()
    assert LogEntry.objects.filter(object_id="garage", action_flag=3).exists()


def test_purge_needs_its_own_permission(client, django_user_model, camera):
    staff = django_user_model.objects.create_user(username="clerk", password="x-password-1", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_camera", "change_camera", "delete_camera", "view_trashedcamera"])
    )
    client.force_login(staff)
    Camera.objects.filter(pk="front_door").update(deleted_at="2026-01-01T00:00:00Z")
    page = client.get(TRASH).content.decode()
    assert "restore_selected" in page and "purge_selected" not in page
    client.post(TRASH, {"action": "purge_selected", "_selected_action": ["front_door"], "post": "yes"})
    assert Camera.all_objects.filter(pk="front_door").exists()


def test_admin_needs_staff(client, user):
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 302  # to the login page


def test_admin_create_derives_the_id_and_keeps_the_password_write_only(admin_client):
    response = admin_client.post(
        reverse("admin:cameras_camera_add"),
        {
            "id": "",
            "name": "Side Gate",
            "folder_path": "/export/foscam/Side Gate",
            "status": "online",
            "ingestion_mode": "rtsp",
            "rtsp_url": "rtsp://user:pw123@127.0.0.1:8554/x",
            "rtsp_username": "",
            "rtsp_password": "",
            "stream_profile": "",
            "motion_sensitivity": "0.5",
            "onvif_url": "",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    camera = Camera.objects.get(pk="side_gate")
    assert (camera.rtsp_url, camera.rtsp_username, camera.rtsp_password) == ("rtsp://127.0.0.1:8554/x", "user", "pw123")
    page = admin_client.get(reverse("admin:cameras_camera_change", args=["side_gate"])).content.decode()
    assert "pw123" not in page


def test_admin_create_refuses_the_api_invalid_values(admin_client):
    response = admin_client.post(
        reverse("admin:cameras_camera_add"),
        {"id": "", "name": "x", "folder_path": "/a/../b", "status": "online", "ingestion_mode": "ftp",
         "motion_sensitivity": "0.5", "timezone": "UTC"},
    )
    assert response.status_code == 200
    assert "Path traversal" in response.content.decode()
    assert not Camera.all_objects.exists()


def test_camera_change_page_renders_registered_panels(admin_client, camera):
    from django.utils.html import format_html

    from cameras import admin_panels

    @admin_panels.register_camera_panel(title="Test panel", order=999)
    def _panel(cam, request):
        return format_html("<p>panel for {}</p>", cam.id)

    try:
        page = admin_client.get(reverse("admin:cameras_camera_change", args=["front_door"])).content.decode()
        assert "Test panel" in page and "<p>panel for front_door</p>" in page
    finally:
        admin_panels._panels.pop(f"{_panel.__module__}.{_panel.__qualname__}")


def test_api_key_admin_shows_the_key_once(admin_client):
    from nem.models import ApiKey, hash_api_key

    response = admin_client.post(reverse("admin:nem_apikey_add"), {"name": "dashboard"}, follow=True)
    text = response.content.decode()
    key = ApiKey.objects.get(name="dashboard")
    raw = text.split("API key for dashboard: ")[1].split(" ")[0]
    assert hash_api_key(raw) == key.key_hash
    assert raw not in admin_client.get(reverse("admin:nem_apikey_change", args=[key.pk])).content.decode()
