"""The Storage panel on the camera's admin page, the admin index panel and the policy admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from retention import services
from retention.models import StoragePolicy
from retention.tests.files import Capacity, frame


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_camera_page_shows_usage_policy_and_a_link_to_override_it(admin_client, cam, media_root):
    frame(media_root / "driveway", timezone.now() - dt.timedelta(hours=1), size=2048)
    services.prune_storage()
    page = admin_client.get("/admin/cameras/camera/driveway/change/").content.decode()
    assert "<h2>Storage</h2>" in page
    assert "<tr><th>Grabbed frames</th><td>1</td><td>2.0\xa0KB</td>" in page
    assert "grabbed frames 24 h / at most 2000" in page
    assert '<a href="/admin/retention/storagepolicy/add/?camera=driveway">Override this camera\'s policy</a>' in page
    add = admin_client.get("/admin/retention/storagepolicy/add/?camera=driveway").content.decode()
    assert 'name="camera" value="driveway"' in add
    row = StoragePolicy.objects.create(camera=cam, frames_max_count=50)
    page = admin_client.get("/admin/cameras/camera/driveway/change/").content.decode()
    assert "at most 50" in page and f"/admin/retention/storagepolicy/{row.pk}/change/" in page


def test_admin_index_shows_system_use_free_space_and_the_last_run(admin_client, cam, media_root, settings):
    Capacity.capacity = 4 * 1024 * 1024
    settings.NEM_STORAGE_FLOOR_BYTES = 1024 * 1024
    page = admin_client.get("/admin/").content.decode()
    assert "<h2>Storage</h2>" in page and "prune_storage has not run yet." in page
    frame(media_root / "driveway", timezone.now() - dt.timedelta(hours=1), size=1024 * 1024)
    services.prune_storage()
    page = admin_client.get("/admin/").content.decode()
    assert "Media root filesystem: <strong>3.0\xa0MB</strong> free of 4.0\xa0MB (75.0%); floor 1.0\xa0MB — ok." in page
    assert "<tr><th>Grabbed frames</th><td>1</td><td>1.0\xa0MB</td></tr>" in page
    assert "All live cameras (1 measured)" in page
    assert "Last prune_storage run" in page and ": 0 files (0\xa0bytes), 0 rows; floor ok." in page


def test_prune_runs_are_read_only_in_the_admin(admin_client, cam):
    services.prune_storage()
    listing = admin_client.get("/admin/retention/prunerun/")
    assert listing.status_code == 200
    assert admin_client.get("/admin/retention/prunerun/add/").status_code == 403
