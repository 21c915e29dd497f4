import pytest

from scenechanges.demo import scenechanges_demo_seed
from scenechanges.models import SceneChange, SceneReference

pytestmark = pytest.mark.django_db


def test_demo_seed_produces_one_blocked_view_change(cam):
    assert scenechanges_demo_seed(camera_id=cam.id, folder=cam.folder_path) == 1
    change = SceneChange.objects.get()
    assert change.change_type == "view_blocked"
    assert change.reference == SceneReference.objects.get()
