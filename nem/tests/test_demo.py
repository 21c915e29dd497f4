"""seed_demo gives a fresh clone something to show on every endpoint, and is idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_fills_every_feature_once(media_root, api_client, anon_client):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert out.getvalue().strip() == "demo cameras created: front_door, driveway, backyard"

    cameras = api_client.get("/api/cameras?fields=id,folder_path").json()["items"]
    assert [c["id"] for c in cameras] == ["front_door", "driveway", "backyard"]
    assert all(c["folder_path"].startswith(str(media_root)) for c in cameras)

    snapshot = anon_client.get("/api/cameras/front_door/snapshot")
    assert snapshot.status_code == 200
    assert snapshot["Content-Type"] == "image/jpeg"

    activity = api_client.get("/api/cameras/driveway/baseline/activity").json()
    assert activity["learning_complete"] is True
    assert api_client.get("/api/cameras/driveway/baseline/anomalies?days=2").json()["count"] >= 1

    changes = api_client.get("/api/cameras/backyard/scene-changes").json()
    assert [c["change_type"] for c in changes["scene_changes"]] == ["view_blocked"]

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert out.getvalue().strip() == "demo cameras created: none (already there)"
    assert api_client.get("/api/cameras").json()["pagination"]["total"] == 3
