import pytest

from cameras.services import camera_soft_delete
from scenechanges.models import SceneReference
from scenechanges.tasks import compare_task
from scenechanges.tests import frames as f

pytestmark = pytest.mark.django_db


def test_compare_task_runs_the_comparison(cam, frames):
    assert compare_task.delay(cam.id, str(frames.write(f.view()))).get() == "reference_created"
    assert SceneReference.objects.count() == 1


def test_compare_task_exits_quietly_for_a_trashed_camera(cam, frames, caplog):
    path = frames.write(f.view())
    camera_soft_delete(camera_id=cam.id, actor="test")
    assert compare_task.delay(cam.id, str(path)).get() == "camera_gone"
    assert SceneReference.all_objects.count() == 0
    assert "camera front_door is gone or in the trash" in caplog.text


def test_compare_task_is_routed_to_its_own_queue(settings):
    from nem.celery import app

    assert app.amqp.router.route({}, "scenechanges.compare")["queue"].name == "scenechanges"
