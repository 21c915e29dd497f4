"""Demo data for a local run: a few cameras with media, eight weeks of detections and one
scene change, so every screen and endpoint shows something on a fresh clone."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from baselines.demo import baselines_demo_seed
from cameras.media.demo import demo_media_write
from cameras.models import Camera
from scenechanges.demo import scenechanges_demo_seed

DEMO_CAMERAS = [
    ("front_door", "Front Door Camera"),
    ("driveway", "Driveway Camera"),
    ("backyard", "Backyard Camera"),
]


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
        demo_media_write(folder)
    if created:
        baselines_demo_seed(camera_ids=created)
        if "backyard" in created:
            scenechanges_demo_seed(camera_id="backyard", folder=root / "backyard")
    return created
