"""Scene-change workflows, one module per part: ``compare`` (one new frame against the reference),
``ptz`` (pause while the view moves on purpose), ``camera_events`` (tampering the camera reports),
``acknowledge``, ``listing``, ``sweep`` (``manage.py detect_scene_changes``), with ``frames`` (files
and the frame cache) and ``references`` (references and the per-camera monitor row) under them.
Image work is in ``scenechanges.detector``.

The public names are re-exported here: other apps (alerts, cameras' tests, the admin) import them
from ``scenechanges.services``."""

from scenechanges.services.acknowledge import scenechange_acknowledge
from scenechanges.services.camera_events import scenechange_camera_event
from scenechanges.services.compare import CompareResult, scenechange_compare
from scenechanges.services.frames import (
    detector_config,
    media_file,
    reference_store,
    scene_cache_clear,
    store_file,
)
from scenechanges.services.listing import SceneChangePage, scenechange_page
from scenechanges.services.lookup import camera_live, scenechange_get
from scenechanges.services.ptz import scenechange_pause, scenechange_view_settled
from scenechanges.services.sweep import (
    SweepSummary,
    camera_media_folder,
    newest_image,
    scenechanges_detect_pending,
)

__all__ = [
    "CompareResult",
    "SceneChangePage",
    "SweepSummary",
    "camera_live",
    "camera_media_folder",
    "detector_config",
    "media_file",
    "newest_image",
    "reference_store",
    "scene_cache_clear",
    "scenechange_acknowledge",
    "scenechange_camera_event",
    "scenechange_compare",
    "scenechange_get",
    "scenechange_page",
    "scenechange_pause",
    "scenechange_view_settled",
    "scenechanges_detect_pending",
    "store_file",
]
