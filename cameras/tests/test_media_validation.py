"""GET /api/cameras/validation/paths: every issue string, counts, trashed cameras excluded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cameras.media.demo import demo_jpeg
from cameras.media.pathcheck import folder_has_media
from cameras.tests.factories import CameraFactory

URL = "/api/cameras/validation/paths"


@pytest.fixture
def root(media_root, settings, tmp_path):
    settings.NEM_SNAPSHOT_CACHE_DIR = str(tmp_path / "snapshot-cache")
    return media_root


def jpeg(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(demo_jpeg(when=timezone.now(), size=(32, 24)))
    return path


def entry(camera, resolved=None, issues=None):
    return {
        "id": camera.id,
        "name": camera.name,
        "folder_path": camera.folder_path,
        "status": camera.status,
        "resolved_path": resolved,
        "issues": issues,
    }


@pytest.mark.django_db
def test_each_issue_is_reported_with_counts_and_trashed_cameras_are_excluded(root, tmp_path, api_client, settings):
    jpeg(root / "front_door" / "2026" / "a.JPG")
    front = CameraFactory(id="front_door", name="Front Door", folder_path=str(root / "front_door"))
    (root / "garage").mkdir()
    (root / "garage" / "notes.txt").write_text("no media")
    garage = CameraFactory(id="garage", name="Garage", folder_path=str(root / "garage"))
    missing = CameraFactory(id="shed", name="Shed", folder_path=str(root / "shed"))
    (root / "file").write_text("x")
    not_dir = CameraFactory(id="file", name="File", folder_path=str(root / "file"))
    outside = tmp_path / "outside"
    jpeg(outside / "x.jpg")
    away = CameraFactory(id="away", name="Away", folder_path=str(outside))
    jpeg(root / "front_door" / "porch" / "p.jpg")
    porch = CameraFactory(id="porch", name="Porch", folder_path=str(root / "front_door" / "porch"))
    CameraFactory(id="trashed", name="Trashed", folder_path=str(root / "gone"), deleted_at=timezone.now())

    response = api_client.get(URL)

    assert response.status_code == 200
    base = settings.NEM_MEDIA_ROOT
    assert response.json() == {
        "base_path": str(root.resolve()),
        "total_cameras": 6,
        "valid_count": 1,
        "invalid_count": 5,
        "valid_cameras": [entry(front)],
        "invalid_cameras": [
            entry(garage, str(root / "garage"), ["no image or video files found"]),
            entry(missing, str(root / "shed"), ["directory does not exist"]),
            entry(not_dir, str(root / "file"), ["path is not a directory"]),
            entry(away, str(outside), [f"folder_path not under base_path ({base})"]),
            entry(porch, str(root / "front_door" / "porch"), ["nested inside camera front_door's folder"]),
        ],
    }


@pytest.mark.django_db
def test_paths_are_checked_resolved_so_a_symlink_out_of_the_root_is_invalid(root, tmp_path, api_client, settings):
    outside = tmp_path / "outside"
    jpeg(outside / "x.jpg")
    os.symlink(outside, root / "linked")
    linked = CameraFactory(id="linked", name="Linked", folder_path=str(root / "linked"))
    missing_outside = CameraFactory(id="far", name="Far", folder_path="/nonexistent-nem-test/far")

    body = api_client.get(URL).json()

    assert body["invalid_cameras"] == [
        entry(linked, str(outside), [f"folder_path not under base_path ({settings.NEM_MEDIA_ROOT})"]),
        entry(
            missing_outside,
            "/nonexistent-nem-test/far",
            [f"folder_path not under base_path ({settings.NEM_MEDIA_ROOT})", "directory does not exist"],
        ),
    ]


@pytest.mark.django_db
def test_a_video_alone_is_media_and_hidden_files_are_not(root, api_client):
    (root / "a").mkdir()
    (root / "a" / "clip.MKV").write_bytes(b"x")
    (root / "b").mkdir()
    (root / "b" / ".partial.jpg").write_bytes(b"x")
    CameraFactory(id="a", folder_path=str(root / "a"))
    CameraFactory(id="b", folder_path=str(root / "b"))
    body = api_client.get(URL).json()
    assert [c["id"] for c in body["valid_cameras"]] == ["a"]
    assert body["invalid_cameras"][0]["issues"] == ["no image or video files found"]


# Tests run as root, who reads any directory: the checks of unreadable folders run in a child
# process as an unprivileged user (nobody), with the same code and settings.
UNPRIVILEGED_CHECK = """
import json, sys
from pathlib import Path
import django
django.setup()
from django.test import override_settings
from cameras.media.pathcheck import folder_has_media
from cameras.media.paths import folder_check

root = Path(sys.argv[1])
with override_settings(NEM_MEDIA_ROOT=str(root)):
    check = folder_check(str(root / "locked"))
print(json.dumps({
    "locked": [str(check.path), check.problem],
    "tree": folder_has_media(root / "tree"),
    "behind_locked": folder_has_media(root / "tree" / "d1"),
}))
"""


@pytest.fixture
def shared_tmp():
    """A folder the unprivileged user can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="nem-unreadable-"))
    path.chmod(0o755)
    yield path
    for folder in path.rglob("*"):
        if folder.is_dir():
            folder.chmod(0o755)
    shutil.rmtree(path)


def _run_unprivileged(shared_tmp, root):
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to run the unreadable-folder checks as an unprivileged user")
    var = shared_tmp / "var"
    var.mkdir(mode=0o777)
    var.chmod(0o777)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "nem.settings.test", "NEM_VAR_DIR": str(var),
           "PYTHONPATH": str(settings.BASE_DIR), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DATABASE_URL", None)  # the check reads folders only
    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", UNPRIVILEGED_CHECK,
         str(root)],
        env=env, cwd=str(shared_tmp), capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_unreadable_folder_is_reported_and_does_not_stop_the_media_search(shared_tmp):
    root = shared_tmp / "media"
    jpeg(root / "locked" / "x.jpg")
    (root / "locked").chmod(0)
    jpeg(root / "tree" / "a.jpg")
    jpeg(root / "tree" / "d1" / "locked" / "hidden.jpg")  # media the search cannot reach
    (root / "tree" / "d1" / "locked").chmod(0)
    for folder in (root, root / "tree", root / "tree" / "d1"):
        folder.chmod(0o755)

    result = _run_unprivileged(shared_tmp, root)

    assert result == {
        "locked": [str(root / "locked"), "not readable"],
        "tree": True,  # the first media file answers before the unreadable subfolder is reached
        "behind_locked": False,  # an unreadable subfolder is skipped, not an error
    }


def test_the_media_search_stops_at_the_first_media_file(tmp_path):
    jpeg(tmp_path / "a.jpg")
    for i in range(50):
        (tmp_path / f"d{i}").mkdir()
    assert folder_has_media(tmp_path) is True
    assert folder_has_media(tmp_path / "d1") is False


@pytest.mark.django_db
def test_an_api_key_is_required(root, anon_client):
    response = anon_client.get(URL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
