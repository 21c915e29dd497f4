"""One rule for a camera's folder: inside the media root, not the root itself, neither
inside nor above another camera's folder, trashed cameras included; the API, the admin, the
scanner, the snapshot and the scene comparison all follow it."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from cameras.media.scanner import media_scan_camera
from cameras.models import Camera, IngestionRecord
from cameras.services import camera_soft_delete
from cameras.tests.factories import CameraFactory
from scenechanges.services import camera_media_folder

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


def _create(api_client, name, folder_path):
    return api_client.post("/api/cameras", {"name": name, "folder_path": folder_path}, format="json")


@pytest.mark.parametrize("folder", [".", "", "./"])
def test_the_media_root_itself_is_refused(api_client, media_root, folder):
    response = _create(api_client, "Everything", folder or str(media_root))
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == [
        {"field": "folder_path", "message": "folder_path must be a folder inside the media root, not the root itself"}
    ]


def test_a_folder_outside_the_media_root_is_refused(api_client, media_root, tmp_path):
    response = _create(api_client, "Elsewhere", str(tmp_path / "elsewhere" / "front_door"))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "folder_path", "message": f"folder_path must be inside the media root ({media_root})"}
    ]


def test_a_folder_above_a_trashed_cameras_folder_is_a_409_naming_it(api_client, media_root):
    assert _create(api_client, "Inner", str(media_root / "yard" / "inner")).status_code == 201
    camera_soft_delete(camera_id="inner", actor="test")

    response = _create(api_client, "Yard", str(media_root / "yard"))

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == (
        "folder_path overlaps the folder of camera inner (one camera's folder may not contain another's). "
        "That camera is in the trash: purge it, or restore it with POST /api/cameras/inner/restore."
    )


def test_a_folder_inside_another_cameras_folder_is_a_409(api_client, media_root):
    assert _create(api_client, "Yard", str(media_root / "yard")).status_code == 201
    response = _create(api_client, "Corner", str(media_root / "yard" / "corner"))
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "folder_path overlaps the folder of camera yard (one camera's folder may not contain another's)."
    )
    patch = api_client.patch("/api/cameras/yard", {"folder_path": str(media_root / "yard" / "x")}, format="json")
    assert patch.status_code == 200  # its own folder does not count


def test_a_symlink_into_another_cameras_folder_is_a_409(api_client, media_root):
    (media_root / "inner").mkdir()
    os.symlink(media_root / "inner", media_root / "alias")
    assert _create(api_client, "Inner", str(media_root / "inner")).status_code == 201
    assert _create(api_client, "Alias", str(media_root / "alias")).status_code == 409


def test_the_snapshot_of_a_root_camera_never_serves_a_trashed_cameras_image(anon_client, media_root):
    """The attack: folder_path '.' (saved before the rule) served a trashed camera's frame."""
    inner = media_root / "inner"
    inner.mkdir()
    (inner / "private.jpg").write_bytes(JPEG)
    CameraFactory(id="inner", folder_path=str(inner))
    camera_soft_delete(camera_id="inner", actor="test")
    CameraFactory(id="everything", folder_path=".")

    response = anon_client.get("/api/cameras/everything/snapshot")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Camera folder does not exist"


def test_the_scanner_refuses_the_root_and_folders_inside_another_cameras(media_root):
    (media_root / "yard" / "corner").mkdir(parents=True)
    (media_root / "yard" / "corner" / "a.jpg").write_bytes(JPEG)
    CameraFactory(id="yard", folder_path=str(media_root / "yard"))
    CameraFactory(id="corner", folder_path=str(media_root / "yard" / "corner"))

    assert media_scan_camera(camera_id="corner").error == "folder is inside camera yard's folder"
    assert IngestionRecord.objects.get(pk="corner").last_error == "folder is inside camera yard's folder"
    yard = media_scan_camera(camera_id="yard")
    assert yard.error == "" and yard.recent_images == []  # the corner camera's image is not the yard's

    CameraFactory(id="everything", folder_path=str(media_root))
    assert media_scan_camera(camera_id="everything").error == "folder_path is the media root itself"


def test_a_trashed_cameras_folder_inside_is_skipped_by_the_scanner(media_root):
    (media_root / "yard" / "corner").mkdir(parents=True)
    (media_root / "yard" / "corner" / "a.jpg").write_bytes(JPEG)
    CameraFactory(id="corner", folder_path=str(media_root / "yard" / "corner"))
    camera_soft_delete(camera_id="corner", actor="test")
    CameraFactory(id="yard", folder_path=str(media_root / "yard"))

    assert media_scan_camera(camera_id="yard").recent_images == []


def test_scene_comparison_never_falls_back_to_a_folder_of_the_same_name(media_root, tmp_path):
    """A camera at /srv/elsewhere/front_door used to be compared against <root>/front_door."""
    (media_root / "front_door").mkdir()
    CameraFactory(id="front_door", folder_path=str(media_root / "front_door"))
    outside = CameraFactory(id="stray", name="Stray", folder_path=str(tmp_path / "elsewhere" / "front_door"))
    (tmp_path / "elsewhere" / "front_door").mkdir(parents=True)

    assert camera_media_folder(outside) is None
    assert camera_media_folder(Camera.objects.get(pk="front_door")) == media_root / "front_door"


def test_the_admin_applies_the_same_rule(staff_user, media_root):
    CameraFactory(id="yard", name="Yard", folder_path=str(media_root / "yard"))
    client = Client()
    client.force_login(staff_user)
    response = client.post(
        "/admin/cameras/camera/add/",
        {
            "id": "",
            "name": "Corner",
            "folder_path": str(media_root / "yard" / "corner"),
            "status": "online",
            "ingestion_mode": "ftp",
            "motion_sensitivity": "0.5",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 200
    assert "folder_path overlaps the folder of camera yard" in response.content.decode()
    assert not Camera.all_objects.filter(name="Corner").exists()


def test_the_path_validation_reports_a_camera_on_the_root(api_client, media_root):
    CameraFactory(id="everything", name="Everything", folder_path=str(media_root))
    body = api_client.get("/api/cameras/validation/paths").json()
    assert body["invalid_cameras"][0]["id"] == "everything"
    assert "folder_path is the media root itself" in body["invalid_cameras"][0]["issues"]
