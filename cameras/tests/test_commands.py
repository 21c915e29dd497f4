import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cameras import services
from cameras.models import Camera
from cameras.tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_purge_trash_command_dry_run_then_purge():
    CameraFactory(id="old")
    CameraFactory(id="fresh")
    services.camera_soft_delete(camera_id="old", actor="x")
    services.camera_soft_delete(camera_id="fresh", actor="x")
    Camera.all_objects.filter(pk="old").update(deleted_at=timezone.now() - dt.timedelta(days=40))
    assert run("purge_trash", "--dry-run") == "would purge 1 camera(s) trashed more than 30 day(s) ago: old"
    assert Camera.all_objects.filter(pk="old").exists()
    assert run("purge_trash", "--older-than", "30") == "purged 1 camera(s) trashed more than 30 day(s) ago: old"
    assert run("purge_trash", "--older-than", "0") == "purged 1 camera(s) trashed more than 0 day(s) ago: fresh"
    with pytest.raises(CommandError):
        call_command("purge_trash", "--older-than", "-1")


def test_purge_trash_task_uses_the_retention_setting(settings):
    from cameras.tasks import purge_trash_task

    settings.NEM_TRASH_RETENTION_DAYS = 5
    CameraFactory(id="old")
    services.camera_soft_delete(camera_id="old", actor="x")
    Camera.all_objects.filter(pk="old").update(deleted_at=timezone.now() - dt.timedelta(days=6))
    assert purge_trash_task.delay().get() == 1
    assert not Camera.all_objects.exists()


def _trashed(camera_id, days):
    CameraFactory(id=camera_id)
    services.camera_soft_delete(camera_id=camera_id, actor="x")
    Camera.all_objects.filter(pk=camera_id).update(deleted_at=timezone.now() - dt.timedelta(days=days))


def test_purge_trash_command_keeps_29_days_and_purges_31_days_by_default():
    """The default retention (30 days) sits between the two: a shorter cutoff would purge both."""
    _trashed("day29", 29)
    _trashed("day31", 31)
    assert run("purge_trash") == "purged 1 camera(s) trashed more than 30 day(s) ago: day31"
    assert list(Camera.all_objects.values_list("pk", flat=True)) == ["day29"]


def test_purge_trash_task_keeps_29_days_and_purges_31_days_by_default():
    from cameras.tasks import purge_trash_task

    _trashed("day29", 29)
    _trashed("day31", 31)
    assert purge_trash_task.delay().get() == 1
    assert list(Camera.all_objects.values_list("pk", flat=True)) == ["day29"]


def test_create_api_key_prints_a_working_key_once(api_client):
    from rest_framework.test import APIClient

    from nem.models import ApiKey

    raw = run("create_api_key", "cron")
    assert raw.startswith("nem_") and len(raw) > 40
    assert ApiKey.objects.get(name="cron").prefix == raw[:8]
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    assert client.get("/api/cameras").status_code == 200
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_api_key", "cron", stdout=StringIO())
