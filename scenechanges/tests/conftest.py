import pytest

from scenechanges.services import scene_cache_clear
from scenechanges.tests.frames import FrameWriter


@pytest.fixture(autouse=True)
def scene_store(tmp_path, settings):
    """A private reference store per test, and no prepared frames left over from another test."""
    store = tmp_path / "scene-references"
    settings.NEM_SCENE_REFERENCE_DIR = str(store)
    scene_cache_clear()
    yield store
    scene_cache_clear()


@pytest.fixture
def cam(camera, media_root):
    """The front_door camera with its folder inside the media root."""
    folder = media_root / "front_door"
    folder.mkdir()
    camera.folder_path = str(folder)
    camera.save(update_fields=["folder_path"])
    return camera


@pytest.fixture
def frames(cam):
    return FrameWriter(cam.folder_path)
