from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from scenechanges.models import SceneChange, SceneReference
from scenechanges.tests import frames as f

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("detect_scene_changes", *args, stdout=out)
    return out.getvalue().strip()


def test_compares_each_new_frame_once(cam, frames):
    frames.write(f.view())
    assert run() == "compared 1 new frame(s) of 1 camera(s); 0 scene change(s) recorded"
    assert SceneReference.objects.count() == 1
    assert run() == "compared 0 new frame(s) of 1 camera(s); 0 scene change(s) recorded"
    frames.write(f.blocked())
    assert run("--camera", "front_door") == "compared 1 new frame(s) of 1 camera(s); 0 scene change(s) recorded"
    sub = f.FrameWriter(frames.folder / "2026-01-23", seed=1)  # foscam files land in dated subfolders
    sub.clock = frames.clock
    sub.write(f.blocked())
    assert run() == "compared 1 new frame(s) of 1 camera(s); 1 scene change(s) recorded"
    assert SceneChange.objects.get().change_type == "view_blocked"


def test_cameras_without_folder_or_images_are_skipped(cam, media_root):
    from cameras.tests.factories import CameraFactory

    CameraFactory(id="ghost", folder_path="/nowhere/ghost")
    assert run() == "compared 0 new frame(s) of 2 camera(s); 0 scene change(s) recorded"


def test_unknown_camera_is_a_command_error(db):
    with pytest.raises(CommandError, match="Camera 'nope' not found or in the trash"):
        run("--camera", "nope")
