"""The camera list shows the health verdict with its reason; the camera page shows the latest
snapshot with its age and the health history."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse
from django.utils import timezone

from cameras.media.scanner import media_scan
from cameras.models import Camera
from cameras.tests.factories import CameraFactory
from health.services import health_evaluate
from health.tests.frames import scene_jpeg

CHANGELIST = reverse("admin:cameras_camera_changelist")


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.django_db
def test_the_camera_list_shows_each_verdict_with_its_reason_in_one_query_per_table(
    admin_client, media_root, django_assert_max_num_queries
):
    CameraFactory(id="yard", name="Yard", folder_path=str(media_root / "missing"))
    CameraFactory(id="porch", name="Porch", folder_path=str(media_root), last_seen_at=timezone.now())
    CameraFactory(id="new", name="New", folder_path=str(media_root / "new_cam"))
    (media_root / "new_cam").mkdir()
    for camera_id in ("yard", "porch"):
        health_evaluate(camera_id=camera_id)
    page = admin_client.get(CHANGELIST).content.decode()
    assert "<strong>error</strong><br><small>folder broken: directory does not exist</small>" in page
    assert "<strong>online</strong><br><small>new media arriving</small>" in page
    assert "<span>unknown</span>" in page
    assert ">Health<" in page
    # The column reads the verdict through select_related: more cameras, same number of queries.
    with django_assert_max_num_queries(12) as first:
        admin_client.get(CHANGELIST)
    for i in range(5):
        CameraFactory(id=f"more_{i}", folder_path=str(media_root / f"m{i}"))
        health_evaluate(camera_id=f"more_{i}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        admin_client.get(CHANGELIST)


@pytest.mark.django_db
def test_the_camera_page_shows_the_snapshot_age_and_the_history(admin_client, media_root, settings, tmp_path):
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "cache")
    folder = media_root / "porch"
    folder.mkdir()
    captured = timezone.now().replace(microsecond=0) - dt.timedelta(hours=3, minutes=5)
    path = folder / "a.jpg"
    path.write_bytes(scene_jpeg())
    os.utime(path, (captured.timestamp(), captured.timestamp()))
    CameraFactory(id="porch", name="Porch", folder_path=str(folder), created_at=captured)
    media_scan(now=captured + dt.timedelta(seconds=30))  # judged then: online
    health_evaluate(camera_id="porch")  # judged now, after hours of silence: offline

    page = admin_client.get(reverse("admin:cameras_camera_change", args=["porch"])).content.decode()
    assert "Health" in page
    assert "Verdict: <strong>offline</strong>" in page
    assert "image captured 3 h 5 min ago" in page
    assert f'<img src="{reverse("admin:cameras_camera_snapshot", args=["porch"])}"' in page  # the State section
    assert "<th>At</th><th>From</th><th>To</th><th>Why</th>" in page
    assert "<td>unknown</td><td>online</td><td>new media arriving</td>" in page
    assert "<td>online</td><td>offline</td><td>no new media for" in page
    assert Camera.objects.get(pk="porch").status == "offline"


@pytest.mark.django_db
def test_overrides_of_trashed_cameras_are_hidden_and_purge_deletes_the_health_rows(admin_client, media_root):
    from cameras.services import camera_purge, camera_soft_delete
    from health.models import CameraHealth, HealthOverride, HealthTransition

    CameraFactory(id="porch", name="Porch", folder_path=str(media_root), last_seen_at=timezone.now())
    CameraFactory(id="yard", name="Yard", folder_path=str(media_root / "yard"))
    for camera_id in ("porch", "yard"):
        HealthOverride.objects.create(camera_id=camera_id, frozen_minutes=0)
        health_evaluate(camera_id=camera_id)
    camera_soft_delete(camera_id="yard", actor="test")
    page = admin_client.get(reverse("admin:health_healthoverride_changelist")).content.decode()
    assert "Porch" in page and "Yard" not in page
    camera_purge(camera_id="yard", actor="test")
    assert list(CameraHealth.objects.values_list("pk", flat=True)) == ["porch"]
    assert set(HealthTransition.objects.values_list("camera_id", flat=True)) == {"porch"}
    assert list(HealthOverride.objects.values_list("pk", flat=True)) == ["porch"]
