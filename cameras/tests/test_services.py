"""Trash cascade, restore exactness, purge and the concurrency rules of the camera services."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from baselines.models import Detection, Event
from cameras import services
from cameras.models import Camera, CameraAuditRecord
from cameras.tests.factories import CameraFactory
from conftest import TEST_API_KEY
from nem.errors import CameraNotFound


def add_detections(camera_id: str, n: int) -> list[Detection]:
    now = timezone.now()
    return Detection.objects.bulk_create(
        Detection(camera_id=camera_id, detected_at=now - dt.timedelta(minutes=i), object_type="person", confidence=0.9)
        for i in range(n)
    )


@pytest.mark.django_db
class TestCascade:
    def test_delete_hides_the_camera_its_detections_and_events(self, api_client, camera):
        add_detections("front_door", 3)
        Event.objects.create(camera=camera, started_at=timezone.now(), ended_at=timezone.now(), detection_count=3)
        other = CameraFactory(id="garage")
        add_detections("garage", 2)

        result = services.camera_soft_delete(camera_id="front_door", actor="tester")

        assert (result.counts["baselines.detection"], result.counts["baselines.event"]) == (3, 1)
        assert not Camera.objects.filter(pk="front_door").exists()
        assert Detection.objects.filter(camera_id="front_door").count() == 0
        assert Event.objects.filter(camera_id="front_door").count() == 0
        assert Detection.all_objects.filter(camera_id="front_door").count() == 3
        assert Detection.objects.filter(camera=other).count() == 2  # other cameras untouched
        camera_row = Camera.all_objects.get(pk="front_door")
        assert camera_row.deleted_by == "tester"
        assert set(Detection.all_objects.filter(camera_id="front_door").values_list("deletion_batch", flat=True)) == {
            camera_row.deletion_batch
        }

    def test_restore_brings_back_exactly_what_the_delete_hid(self, camera):
        kept, separately_deleted = add_detections("front_door", 2), add_detections("front_door", 1)[0]
        earlier = services.uuid.uuid4()
        Detection.objects.filter(pk=separately_deleted.pk).soft_delete(by="someone", batch=earlier)

        services.camera_soft_delete(camera_id="front_door", actor="tester")
        services.camera_restore(camera_id="front_door", actor="tester")

        assert Camera.objects.filter(pk="front_door").exists()
        assert set(Detection.objects.filter(camera_id="front_door").values_list("pk", flat=True)) == {d.pk for d in kept}
        stays = Detection.all_objects.get(pk=separately_deleted.pk)
        assert stays.is_deleted and stays.deletion_batch == earlier and stays.deleted_by == "someone"

    def test_delete_restore_purge_are_audited(self, camera):
        add_detections("front_door", 2)
        services.camera_soft_delete(camera_id="front_door", actor="a")
        services.camera_restore(camera_id="front_door", actor="b")
        services.camera_soft_delete(camera_id="front_door", actor="c")
        services.camera_purge(camera_id="front_door", actor="d")
        records = list(CameraAuditRecord.objects.order_by("id").values_list("action", "actor", "camera_id"))
        assert records == [
            ("delete", "a", "front_door"),
            ("restore", "b", "front_door"),
            ("delete", "c", "front_door"),
            ("purge", "d", "front_door"),
        ]
        assert CameraAuditRecord.objects.get(action="purge").details["children"]["baselines.detection"] == 2

    def test_purge_hard_deletes_camera_and_children_and_refuses_live_cameras(self, camera):
        add_detections("front_door", 2)
        with pytest.raises(CameraNotFound, match=r"^No camera 'front_door'\. List cameras at /api/cameras\.$"):
            services.camera_purge(camera_id="front_door", actor="x")
        services.camera_soft_delete(camera_id="front_door", actor="x")
        services.camera_purge(camera_id="front_door", actor="x")
        assert not Camera.all_objects.filter(pk="front_door").exists()
        assert not Detection.all_objects.filter(camera_id="front_door").exists()

    def test_purge_trash_respects_the_retention_and_dry_run(self):
        old, recent = CameraFactory(id="old"), CameraFactory(id="recent")
        CameraFactory(id="alive")
        for cam in (old, recent):
            services.camera_soft_delete(camera_id=cam.pk, actor="x")
        Camera.all_objects.filter(pk="old").update(deleted_at=timezone.now() - dt.timedelta(days=31))
        assert services.camera_purge_trash(older_than_days=30, actor="cron", dry_run=True) == ["old"]
        assert Camera.all_objects.filter(pk="old").exists()
        assert services.camera_purge_trash(older_than_days=30, actor="cron") == ["old"]
        assert set(Camera.all_objects.values_list("pk", flat=True)) == {"recent", "alive"}


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_creates_give_one_201_and_nineteen_409s():
    """Concurrent creates of the same camera: the unique indexes decide, and every loser is a 409."""
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker():
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=TEST_API_KEY)
        barrier.wait()
        response = client.post(
            "/api/cameras", {"name": "Porch", "folder_path": "/export/foscam/porch"}, format="json"
        )
        with lock:
            statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 19
    assert Camera.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_patches_to_the_same_name_give_one_200_and_409s():
    for i in range(6):
        CameraFactory(id=f"c{i}", name=f"Cam {i}")
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def worker(i):
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=TEST_API_KEY)
        barrier.wait()
        statuses.append(client.patch(f"/api/cameras/c{i}", {"name": "Shared"}, format="json").status_code)
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * 5
    assert Camera.objects.filter(name="Shared").count() == 1
