import pytest
from django.urls import reverse

from scenechanges.models import SceneChange, SceneReference
from scenechanges.tests import frames as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(cam, frames):
    from scenechanges.services import scenechange_compare

    for image in (f.view(), f.blocked(), f.blocked()):
        scenechange_compare(camera_id=cam.id, frame_path=str(frames.write(image)))
    return SceneChange.objects.get()


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_changelist_shows_camera_type_score_and_thumbnail(staff_client, recorded):
    response = staff_client.get(reverse("admin:scenechanges_scenechange_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    thumb = reverse("admin:scenechanges_scenechange_image", args=[recorded.pk, "frame"]) + "?thumb=1"
    assert thumb in html
    assert "Front Door Camera" in html and "view_blocked" in html
    assert f"{recorded.similarity_score:.2f}" in html


def test_change_page_shows_reference_and_changed_frame_side_by_side(staff_client, recorded):
    response = staff_client.get(reverse("admin:scenechanges_scenechange_change", args=[recorded.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("admin:scenechanges_scenechange_image", args=[recorded.pk, "reference"]) in html
    assert reverse("admin:scenechanges_scenechange_image", args=[recorded.pk, "frame"]) in html
    assert "reference (day (colour))" in html


@pytest.mark.parametrize("kind", ["frame", "reference"])
def test_images_are_served_to_staff(staff_client, recorded, kind):
    url = reverse("admin:scenechanges_scenechange_image", args=[recorded.pk, kind])
    full = staff_client.get(url)
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    body = b"".join(full.streaming_content)
    expected = recorded.reference if kind == "reference" else recorded
    from scenechanges.services import store_file

    assert body == store_file(expected.image if kind == "reference" else expected.frame_copy).read_bytes()
    thumb = staff_client.get(url + "?thumb=1")
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"


def test_images_are_not_served_to_anonymous_users(client, recorded):
    response = client.get(reverse("admin:scenechanges_scenechange_image", args=[recorded.pk, "frame"]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_image_view_never_leaves_the_store(staff_client, recorded, tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"\xff\xd8 not yours")
    SceneChange.objects.filter(pk=recorded.pk).update(frame_copy="../secret.jpg", file_path=str(secret))
    response = staff_client.get(reverse("admin:scenechanges_scenechange_image", args=[recorded.pk, "frame"]))
    assert response.status_code == 404
    unknown = staff_client.get(reverse("admin:scenechanges_scenechange_image", args=[recorded.pk, "other"]))
    assert unknown.status_code == 404


def test_acknowledge_action(staff_client, recorded):
    response = staff_client.post(
        reverse("admin:scenechanges_scenechange_changelist"),
        {"action": "acknowledge_keep_reference", "_selected_action": [recorded.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 scene change(s) acknowledged; references kept." in response.content.decode()
    recorded.refresh_from_db()
    assert recorded.acknowledged and recorded.acknowledged_by == "user:admin"


def test_references_are_listed_read_only(staff_client, recorded):
    response = staff_client.get(reverse("admin:scenechanges_scenereference_changelist"))
    assert response.status_code == 200
    reference = SceneReference.objects.get()
    assert reverse("admin:scenechanges_scenereference_image", args=[reference.pk]) in response.content.decode()


def test_camera_page_lists_open_changes(staff_client, recorded):
    response = staff_client.get(reverse("admin:cameras_camera_change", args=["front_door"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 open scene change(s)" in html
    assert reverse("admin:scenechanges_scenechange_change", args=[recorded.pk]) in html
