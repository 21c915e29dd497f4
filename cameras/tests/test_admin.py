"""The admin is the trash UI: trash from the camera admin, restore and purge from the Trash."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from baselines.models import Detection
from cameras.models import Camera, CameraAuditRecord
from cameras.tests.factories import CameraFactory, camera_admin_form

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
    assert "Move selected cameras to the trash" in admin_client.get(CHANGELIST).content.decode()
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
        camera_admin_form(
            folder_path="/export/foscam/Side Gate",
            status="online",
            ingestion_mode="rtsp",
            rtsp_url="rtsp://user:pw123@127.0.0.1:8554/x",
        ),
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


def change_form(camera: Camera, **values) -> dict:
    form = camera_admin_form(
        name=camera.name,
        folder_path=camera.folder_path,
        ingestion_mode=camera.ingestion_mode,
        rtsp_url=camera.rtsp_url or "",
        rtsp_username=camera.rtsp_username or "",
        motion_sensitivity=str(camera.motion_sensitivity),
        onvif_url=camera.onvif_url or "",
        timezone=camera.timezone,
    )
    form.pop("id")
    return {**form, **values}


def test_a_name_held_by_a_trashed_camera_is_a_form_error_not_a_500(admin_client):
    from cameras import services

    services.camera_create(data={"name": "Side Gate", "folder_path": "/export/foscam/old_gate"})
    services.camera_soft_delete(camera_id="old_gate", actor="test")
    response = admin_client.post(reverse("admin:cameras_camera_add"), camera_admin_form())
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    trash_link = reverse("admin:cameras_trashedcamera_change", args=["old_gate"])
    assert errors == {
        "name": [
            f'The camera <a href="{trash_link}">Side Gate</a> in the trash has this name: restore it from the '
            "trash, or choose another value."
        ]
    }
    assert f'<a href="{trash_link}">Side Gate</a> in the trash has this name' in response.content.decode()
    assert list(Camera.all_objects.values_list("pk", flat=True)) == ["old_gate"]


def test_the_admin_applies_the_services_rules(admin_client, camera):
    add = reverse("admin:cameras_camera_add")
    # the folder rule: a folder inside another camera's folder
    nested = admin_client.post(add, camera_admin_form(folder_path="/export/foscam/front_door/inner"))
    assert nested.status_code == 200
    assert "front_door" in " ".join(nested.context["adminform"].form.errors["folder_path"])
    # the stream rule
    stream = admin_client.post(add, camera_admin_form(ingestion_mode="rtsp"))
    assert stream.context["adminform"].form.errors == {
        "rtsp_url": ["rtsp_url is required when ingestion_mode is 'rtsp' or 'onvif'"]
    }
    # an id that is not lower-case letters, digits and underscores
    bad_id = admin_client.post(add, camera_admin_form(id="Side-Gate"))
    assert list(bad_id.context["adminform"].form.errors) == ["id"]
    # the API's range of motion_sensitivity
    sensitive = admin_client.post(add, camera_admin_form(motion_sensitivity="1.5"))
    assert sensitive.context["adminform"].form.errors == {"motion_sensitivity": ["Enter a value from 0 to 1."]}
    # a live camera's folder
    taken = admin_client.post(add, camera_admin_form(folder_path=camera.folder_path))
    live_link = reverse("admin:cameras_camera_change", args=["front_door"])
    assert taken.context["adminform"].form.errors == {
        "folder_path": [f'The camera <a href="{live_link}">Front Door Camera</a> already has this folder path.']
    }
    assert list(Camera.all_objects.values_list("pk", flat=True)) == ["front_door"]


def test_change_goes_through_the_service_and_status_stays_read_only(admin_client):
    from cameras import services

    camera = services.camera_create(
        data={
            "name": "Yard",
            "folder_path": "/export/foscam/yard",
            "ingestion_mode": "rtsp",
            "rtsp_url": "rtsp://127.0.0.1:8554/yard",
            "rtsp_username": "viewer",
            "rtsp_password": "s3cret-pw",
        }
    )
    url = reverse("admin:cameras_camera_change", args=["yard"])
    page = admin_client.get(url).content.decode()
    assert "s3cret-pw" not in page
    assert 'name="status"' not in page and "Set by the system from what ingestion" in page
    assert "Last seen at" in page and "Created at" in page and "Status last changed" in page
    assert ">Move to trash</a>" in page and ">Delete</a>" not in page
    assert '<option value="rtsp" selected>RTSP</option>' in page

    # the device URL moves to another host: the service clears the stored credentials and audits it
    response = admin_client.post(
        url, change_form(camera, rtsp_url="rtsp://127.0.0.2:8554/yard", status="offline"), follow=True
    )
    assert response.status_code == 200, response.context["adminform"].form.errors
    assert "the stored RTSP username and password were cleared" in response.content.decode()
    camera.refresh_from_db()
    assert (camera.rtsp_url, camera.rtsp_username, camera.rtsp_password, camera.status) == (
        "rtsp://127.0.0.2:8554/yard",
        None,
        None,
        "online",
    )
    assert list(CameraAuditRecord.objects.values_list("action", "actor", "details")) == [
        ("creds_cleared", "user:admin", {"cleared": ["rtsp_username", "rtsp_password"], "moved": ["rtsp_url"]})
    ]
    # a rename that collides with another camera is a form error on the name
    services.camera_create(data={"name": "Porch", "folder_path": "/export/foscam/porch"})
    clash = admin_client.post(url, change_form(camera, name="Porch"))
    assert clash.status_code == 200
    assert list(clash.context["adminform"].form.errors) == ["name"]
    assert Camera.objects.get(pk="yard").name == "Yard"


def test_delete_wording_is_move_to_trash(admin_client, camera):
    confirm = admin_client.get(reverse("admin:cameras_camera_delete", args=["front_door"])).content.decode()
    assert "&rsaquo; Move to trash" in confirm and "Yes, move to trash" in confirm
    done = admin_client.post(reverse("admin:cameras_camera_delete", args=["front_door"]), {"post": "yes"}, follow=True)
    assert "The camera “Front Door Camera (front_door)” was moved to the trash." in done.content.decode()


def jpeg(width: int = 640, height: int = 360) -> bytes:
    import cv2
    import numpy as np

    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[:, : width // 2] = (40, 160, 220)
    ok, buf = cv2.imencode(".jpg", image)
    assert ok
    return buf.tobytes()


@pytest.fixture
def porch(media_root, settings, tmp_path):
    """A camera with one image captured 12 s ago, as ingestion knows it."""
    import datetime as dt
    import os

    from django.utils import timezone

    from cameras.media.scanner import media_scan

    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "cache")
    folder = media_root / "porch"
    folder.mkdir()
    captured = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=12)
    (folder / "a.jpg").write_bytes(jpeg())
    os.utime(folder / "a.jpg", (captured.timestamp(), captured.timestamp()))
    camera = CameraFactory(
        id="porch",
        name="Porch",
        folder_path=str(folder),
        ingestion_mode="ftp",
        rtsp_url="rtsp://127.0.0.1:8554/porch",
        rtsp_username="viewer",
    )
    camera.rtsp_password = "porch-pw-9"
    camera.save()
    media_scan(camera_ids=["porch"], now=captured)
    return camera


def test_the_list_and_the_page_show_the_latest_snapshot_with_its_age(admin_client, porch):
    import cv2
    import numpy as np

    snapshot = reverse("admin:cameras_camera_snapshot", args=["porch"])
    page = admin_client.get(CHANGELIST).content.decode()
    assert f'<img src="{snapshot}?thumb=1" width="160" alt="snapshot of Porch" loading="lazy">' in page
    assert "<small>12 s ago</small>" in page or "<small>13 s ago</small>" in page
    assert '<td class="field-mode">FTP</td>' in page
    assert "porch-pw-9" not in page and "viewer@" not in page
    detail = admin_client.get(reverse("admin:cameras_camera_change", args=["porch"])).content.decode()
    assert f'<img src="{snapshot}" style="max-width:480px;width:100%" alt="latest snapshot">' in detail
    assert "porch-pw-9" not in detail

    full = admin_client.get(snapshot)
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert full.content == jpeg()
    thumb = admin_client.get(snapshot, {"thumb": "1"})
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    image = cv2.imdecode(np.frombuffer(thumb.content, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (90, 160, 3)
    assert admin_client.get(snapshot, {"thumb": "1"}, HTTP_IF_NONE_MATCH=thumb["ETag"]).status_code == 304
    assert thumb["ETag"] != full["ETag"]


def test_the_snapshot_view_is_for_staff_and_only_for_live_cameras(user, admin_client, porch, camera):
    from django.test import Client

    snapshot = reverse("admin:cameras_camera_snapshot", args=["porch"])
    client = Client()
    anonymous = client.get(snapshot)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    client.force_login(user)
    assert client.get(snapshot).status_code == 302  # not staff
    assert admin_client.get(reverse("admin:cameras_camera_snapshot", args=["nobody"])).status_code == 404
    assert admin_client.get(reverse("admin:cameras_camera_snapshot", args=["front_door"])).status_code == 404
    from cameras import services

    services.camera_soft_delete(camera_id="porch", actor="test")
    assert admin_client.get(snapshot).status_code == 404


def test_status_last_changed_comes_from_the_health_history(admin_client, porch):
    from health.services import health_evaluate

    health_evaluate(camera_id="porch")
    page = admin_client.get(reverse("admin:cameras_camera_change", args=["porch"])).content.decode()
    section = page.split("Status last changed")[1][:400]
    assert " ago (" in section and "new media arriving" in section


def test_the_trash_shows_the_purge_date_and_filters_by_date_and_mode(admin_client, settings):
    import datetime as dt

    settings.NEM_TRASH_RETENTION_DAYS = 30
    CameraFactory(id="old", name="Old", ingestion_mode="ftp", deleted_at=dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC))
    CameraFactory(
        id="cam_rtsp",
        name="Streamer",
        ingestion_mode="rtsp",
        rtsp_url="rtsp://127.0.0.1:8554/x",
        deleted_at=dt.datetime(2026, 2, 10, 9, tzinfo=dt.UTC),
    )
    page = admin_client.get(TRASH).content.decode()
    assert '<td class="field-purged_on">2026-01-31 08:00 UTC</td>' in page
    assert '<td class="field-purged_on">2026-03-12 09:00 UTC</td>' in page
    assert ">RTSP</a>" in page and ">ONVIF</a>" in page  # the mode filter's choices
    streams = admin_client.get(TRASH, {"ingestion_mode": "rtsp"}).content.decode()
    assert "Streamer" in streams and ">Old<" not in streams
    january = admin_client.get(
        TRASH, {"deleted_at__gte": "2026-01-01 00:00:00+00:00", "deleted_at__lt": "2026-02-01 00:00:00+00:00"}
    ).content.decode()
    assert ">Old<" in january and "Streamer" not in january
    assert "Delete selected" not in page


def test_the_admin_is_branded(admin_client):
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "<title>NEM cameras</title>" in index
    assert '<div id="site-name"><a href="/admin/">NEM cameras</a></div>' in index
    assert "<h1>NEM cameras</h1>" in index
    assert "Django administration" not in index and "Site administration" not in index
    listing = admin_client.get(CHANGELIST).content.decode()
    assert "<title>Select camera to change | NEM cameras</title>" in listing
