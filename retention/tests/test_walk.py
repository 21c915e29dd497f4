"""The streaming walk and the oldest-first selection, on real directory trees."""

from __future__ import annotations

import os

import pytest

from retention import walk as walk_module
from retention.walk import Sink, Target, prune_oldest, walk


def _tree(root, files: dict[str, tuple[int, int]]):
    """{relative path: (mtime seconds, size)} -> files."""
    for rel, (mtime, size) in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
        os.utime(path, (mtime, mtime))


def _left(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def test_walk_offers_regular_files_only_and_deletes_in_batches(tmp_path):
    root = tmp_path / "cam"
    _tree(root, {f"d/{i}.jpg": (1000 + i, 1) for i in range(25)} | {".hidden/x.jpg": (1, 1), ".tmp.jpg": (1, 1)})
    outside = tmp_path / "outside"
    _tree(outside, {"secret.jpg": (1, 1)})
    (root / "link.jpg").symlink_to(outside / "secret.jpg")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    seen, batches = [], []

    class Recording(Sink):
        def remove(self, dir_fd, batch):
            batches.append(len(batch))
            return super().remove(dir_fd, batch)

    removed = walk(str(root), decide=lambda i: seen.append(i.rel) or True, sink=Recording(), batch_size=10)
    assert sorted(seen) == sorted(f"d/{i}.jpg" for i in range(25))
    assert batches == [10, 10, 5] and (removed.files, removed.bytes) == (25, 25)
    assert (outside / "secret.jpg").exists() and (root / "link.jpg").is_symlink() and (root / ".tmp.jpg").exists()


def test_a_root_that_is_a_symlink_is_not_walked(tmp_path):
    real = tmp_path / "real"
    _tree(real, {"a.jpg": (1, 1)})
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    assert walk(str(tmp_path / "alias"), decide=lambda i: True, sink=Sink()).files == 0
    assert (real / "a.jpg").exists()


def test_a_dry_sink_counts_and_deletes_nothing(tmp_path):
    _tree(tmp_path, {"a.jpg": (1, 3), "b.jpg": (2, 4)})
    removed = walk(str(tmp_path), decide=lambda i: True, sink=Sink(dry_run=True))
    assert (removed.files, removed.bytes) == (2, 7) and _left(tmp_path) == ["a.jpg", "b.jpg"]


@pytest.mark.parametrize("list_max", [20_000, 3])
def test_prune_oldest_takes_the_oldest_across_trees_by_count(tmp_path, monkeypatch, list_max):
    """With a small LIST_MAX the boundary bucket is narrowed by further passes: same result."""
    monkeypatch.setattr(walk_module, "LIST_MAX", list_max)
    a, b = tmp_path / "a", tmp_path / "b"
    _tree(a, {f"x/{t}.jpg": (t, 1) for t in range(0, 400, 2)})
    _tree(b, {f"{t}.jpg": (t, 1) for t in range(1, 400, 2)})
    targets = [
        Target(root=str(a), eligible=lambda i: True, sink=Sink()),
        Target(root=str(b), eligible=lambda i: True, sink=Sink()),
    ]
    assert prune_oldest(targets, need=101, by_bytes=False) == 101
    left = sorted(int(p.rsplit("/", 1)[-1][:-4]) for p in _left(a) + _left(b))
    assert left == list(range(101, 400))
    assert (targets[0].removed.files, targets[1].removed.files) == (51, 50)


def test_prune_oldest_by_bytes_respects_eligibility(tmp_path):
    _tree(tmp_path, {"keep.jpg": (1, 500), "a.jpg": (2, 100), "b.jpg": (3, 100), "c.jpg": (4, 100)})
    target = Target(root=str(tmp_path), eligible=lambda i: i.name != "keep.jpg", sink=Sink())
    assert prune_oldest([target], need=150, by_bytes=True) == 200
    assert _left(tmp_path) == ["c.jpg", "keep.jpg"]


def test_prune_oldest_with_more_same_mtime_files_than_it_lists(tmp_path, monkeypatch):
    monkeypatch.setattr(walk_module, "LIST_MAX", 5)
    _tree(tmp_path, {f"{n}.jpg": (100, 1) for n in range(30)} | {"new.jpg": (200, 1)})
    target = Target(root=str(tmp_path), eligible=lambda i: True, sink=Sink())
    assert prune_oldest([target], need=12, by_bytes=False) == 12
    left = _left(tmp_path)
    assert len(left) == 19 and "new.jpg" in left


def test_prune_oldest_when_everything_is_not_enough_takes_all_it_may(tmp_path):
    _tree(tmp_path, {"a.jpg": (1, 10), "b.jpg": (2, 10)})
    target = Target(root=str(tmp_path), eligible=lambda i: True, sink=Sink(dry_run=True))
    assert prune_oldest([target], need=1000, by_bytes=True) == 20
    assert _left(tmp_path) == ["a.jpg", "b.jpg"]
