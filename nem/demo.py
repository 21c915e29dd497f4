"""Demo data for a local run: a few cameras with media, eight weeks of detections and one
scene change, so every screen and endpoint shows something on a fresh clone."""

from __future__ import annotations

import importlib
from pathlib import Path

from django.conf import settings

from cameras.cache import camera_list_invalidate
from cameras.models import Camera

DEMO_CAMERAS = [
    ("front_door", "Front Door Camera"),
    ("driveway", "Driveway Camera"),
    ("backyard", "Backyard Camera"),
]


def _step(dotted: str):
    module, _, func = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError):
        return None


def demo_seed() -> list[str]:
    """Create the demo cameras that do not exist yet (live or trashed) and their data; returns
    the ids created. Running it again changes nothing."""
    root = Path(settings.NEM_MEDIA_ROOT)
    created = []
    for camera_id, name in DEMO_CAMERAS:
        if Camera.all_objects.filter(pk=camera_id).exists():
            continue
        folder = root / camera_id
        folder.mkdir(parents=True, exist_ok=True)
        Camera.objects.create(id=camera_id, name=name, folder_path=str(folder))
        created.append(camera_id)
        write_media = _step("cameras.media.demo.demo_media_write")
        if write_media:
            write_media(folder)
    if created:
        seed_baselines = _step("baselines.demo.baselines_demo_seed")
        if seed_baselines:
            seed_baselines(camera_ids=created)
        seed_scene = _step("scenechanges.demo.scenechanges_demo_seed")
        if seed_scene and "backyard" in created:
            seed_scene(camera_id="backyard", folder=root / "backyard")
        camera_list_invalidate()
    return created
