"""Detector settings, the files a comparison may read (NEM_MEDIA_ROOT) and write (the reference
store), and the per-process cache of prepared frames."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections import OrderedDict
from pathlib import Path

from django.conf import settings

from cameras.media.paths import inside, media_root
from scenechanges import detector


def detector_config() -> detector.DetectorConfig:
    return detector.DetectorConfig(
        min_changed_fraction=settings.NEM_SCENE_MIN_CHANGED_FRACTION,
        tile_correlation=settings.NEM_SCENE_TILE_CORRELATION,
        flat_std=settings.NEM_SCENE_FLAT_STD,
        blocked_entropy=settings.NEM_SCENE_BLOCKED_ENTROPY,
        detail_loss_ratio=settings.NEM_SCENE_DETAIL_LOSS_RATIO,
        min_shift_fraction=settings.NEM_SCENE_MIN_SHIFT_FRACTION,
        min_rotation_degrees=settings.NEM_SCENE_MIN_ROTATION_DEGREES,
        ir_chroma_max=settings.NEM_SCENE_IR_CHROMA_MAX,
    )


def reference_store() -> Path:
    return Path(settings.NEM_SCENE_REFERENCE_DIR).resolve()


def media_file(path: str | os.PathLike) -> Path | None:
    """The real path of a file inside NEM_MEDIA_ROOT (symlinks resolved), or None."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):
        return None
    return resolved if inside(resolved, media_root()) and resolved.is_file() else None


def store_file(relative: str) -> Path | None:
    """The real path of a file inside the reference store, or None (never a file outside it)."""
    if not relative:
        return None
    store = reference_store()
    try:
        resolved = (store / relative).resolve()
    except (OSError, RuntimeError):
        return None
    return resolved if inside(resolved, store) and resolved.is_file() else None


def store_copy(source: Path, *, camera_id: str, prefix: str) -> str:
    """Copy a frame into the reference store (write to a temporary name, then rename, so a reader
    never sees half a file); returns its path relative to the store."""
    relative = f"{camera_id}/{prefix}-{uuid.uuid4().hex}{source.suffix.lower() or '.jpg'}"
    target = reference_store() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)
    return relative


class FrameCache:
    """Prepared frames by (path, mtime, size): references are decoded once per process, not once
    per comparison. Only an accelerator: every entry can be rebuilt from its file."""

    def __init__(self, size: int = 64):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def load(self, path: Path, config: detector.DetectorConfig) -> detector.Frame:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size, config)
        with self._lock:
            frame = self._items.get(key)
            if frame is not None:
                self._items.move_to_end(key)
                return frame
        frame = detector.load_frame(path, config=config)
        with self._lock:
            self._items[key] = frame
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return frame

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


frame_cache = FrameCache()


def scene_cache_clear() -> None:
    """Forget every prepared frame (what a process restart does)."""
    frame_cache.clear()
