"""Storage retention: prune each camera's files and rows by its policy, keep the free-space floor,
measure what is used. ``prune_storage`` is the one job (command, Celery task, hourly beat entry).

Categories of files, per camera:

- ``frames``: NEM's own grabbed frames in the camera folder (``cameras.media.paths.is_grabbed_frame``);
- ``uploads``: every other media file in the camera folder (what the camera uploaded);
- ``snapshot_cache``: frames extracted from videos (``NEM_SNAPSHOT_CACHE_DIR/<camera>``);
- ``references``: reference images and scene-change frame copies (``NEM_SCENE_REFERENCE_DIR/<camera>``).

Evidence hold: a file that a scene change, a scene reference or an alert points at is never
deleted while that row exists (trashed rows included: a restore brings them back), whatever the
policy and the floor. The camera's newest image and newest video are kept by the age and count
policies (the snapshot of an idle camera keeps working); only the floor may take them.
"""

from retention.services.camera import CameraReport, prune_camera
from retention.services.common import (
    CATEGORIES,
    FRAMES,
    REFERENCES,
    SNAPSHOT_CACHE,
    UPLOADS,
    Usage,
    cache_root,
    camera_store_dir,
    held_paths,
    reference_store,
    storage_measure,
)
from retention.services.floor import FloorState, disk_probe, floor_restore, floor_state
from retention.services.job import (
    PruneIncomplete,
    PruneReport,
    prune_storage,
    storage_system_summary,
    storage_usage_get,
)

__all__ = [
    "CATEGORIES",
    "FRAMES",
    "REFERENCES",
    "SNAPSHOT_CACHE",
    "UPLOADS",
    "CameraReport",
    "FloorState",
    "PruneIncomplete",
    "PruneReport",
    "Usage",
    "cache_root",
    "camera_store_dir",
    "disk_probe",
    "floor_restore",
    "floor_state",
    "held_paths",
    "prune_camera",
    "prune_storage",
    "reference_store",
    "storage_measure",
    "storage_system_summary",
    "storage_usage_get",
]
