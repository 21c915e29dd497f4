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


def test_a_folder_outside_the_media_root_is_not_replaced_by_a_namesake_inside_it(cam, media_root):
    """The camera's folder is its folder_path by the cameras folder rule, never <root>/<basename>."""
    from cameras.tests.factories import CameraFactory

    CameraFactory(id="ghost", folder_path="/nowhere/ghost")
    namesake = f.FrameWriter(media_root / "ghost")
    namesake.write(f.view())
    assert run("--camera", "ghost") == "compared 0 new frame(s) of 1 camera(s); 0 scene change(s) recorded"
    assert SceneReference.objects.filter(camera_id="ghost").count() == 0


def test_the_command_and_the_services_do_not_import_rest_framework():
    """HTTP is the views' business: the command and the services speak in domain errors."""
    import ast
    from pathlib import Path

    app = Path(__file__).resolve().parents[1]
    files = [app / "management" / "commands" / "detect_scene_changes.py", *sorted((app / "services").glob("*.py"))]
    imported = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported[path.name] = imported.get(path.name, []) + [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported[path.name] = imported.get(path.name, []) + [node.module]
    assert len(files) >= 9
    assert {name: [m for m in modules if m.startswith("rest_framework")] for name, modules in imported.items()} == {
        name: [] for name in imported
    }
