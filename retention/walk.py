"""Streaming walks of a folder tree for retention: never a symlink followed, never a step outside
the tree, never a listing held in memory.

Every directory is opened relative to its parent's descriptor with ``O_NOFOLLOW``, and files are
unlinked by name relative to the descriptor of the directory they were listed in. So a directory
swapped for a symlink between the listing and the deletion cannot send a deletion elsewhere (the
open fails with ELOOP), and a symlink inside the tree is at most unlinked itself, never its target
(symlinks are not even offered for deletion). Entries come from ``os.scandir`` one at a time;
what to delete is queued per directory and handed to a ``Sink`` in batches of at most
``batch_size`` names while that directory's descriptor is open.

``prune_oldest`` deletes the oldest eligible files of several trees until an amount (a count or
bytes) is freed, in a bounded number of streaming passes: a histogram of modification times
narrows down to the boundary bucket, which alone is listed and sorted.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
BUCKETS = 1024  # histogram resolution of one selection pass
LIST_MAX = 20_000  # a boundary bucket at most this full is listed and sorted in memory


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs several times more per file
class FileInfo:
    rel: str  # path relative to the walked root, "/"-separated
    name: str
    size: int
    mtime_ns: int


class Sink:
    """Where a walk's deletions go. ``remove`` unlinks a batch of files of one directory
    (``dir_fd``) and returns those it removed; a dry sink removes nothing and returns them all."""

    def __init__(self, *, dry_run: bool = False):
        self.dry_run = dry_run
        self.errors: list[str] = []

    def remove(self, dir_fd: int, batch: list[FileInfo]) -> list[FileInfo]:
        if self.dry_run:
            return batch
        return unlink_batch(dir_fd, batch, self.errors)

    def prune_dir(self, rel: str) -> bool:
        """Whether the directory ``rel``, once walked, is to be removed if it is empty."""
        return False


def unlink_batch(dir_fd: int, batch: list[FileInfo], errors: list[str]) -> list[FileInfo]:
    removed = []
    for info in batch:
        try:
            os.unlink(info.name, dir_fd=dir_fd)
        except FileNotFoundError:
            continue  # gone since the listing: someone else freed it
        except OSError as exc:
            if len(errors) < 20:
                errors.append(f"cannot delete {info.rel}: {exc.strerror}")
            continue
        removed.append(info)
    return removed


@dataclass
class Tally:
    files: int = 0
    bytes: int = 0

    def add(self, infos: list[FileInfo]) -> None:
        self.files += len(infos)
        self.bytes += sum(i.size for i in infos)


def _visit(fd: int, rel: str, decide, sink: Sink | None, batch_size: int, removed: Tally) -> list[str]:
    subdirs: list[str] = []
    batch: list[FileInfo] = []
    with os.scandir(fd) as it:
        for entry in it:
            name = entry.name
            if name.startswith("."):
                continue  # temp files of writers (atomic_write, uploads in progress), never media
            try:
                if entry.is_dir(follow_symlinks=False):
                    subdirs.append(name)
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue  # symlinks, sockets, devices: never ours to delete
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            info = FileInfo(f"{rel}/{name}" if rel else name, name, st.st_size, st.st_mtime_ns)
            if decide(info) and sink is not None:
                batch.append(info)
                if len(batch) >= batch_size:
                    removed.add(sink.remove(fd, batch))
                    batch = []
    if batch:
        removed.add(sink.remove(fd, batch))
    return subdirs


def walk(
    root: str,
    *,
    decide: Callable[[FileInfo], bool],
    sink: Sink | None = None,
    batch_size: int = 1000,
    skip: frozenset[tuple[int, int]] = frozenset(),
) -> Tally:
    """Offer every regular, non-hidden file under ``root`` to ``decide``; with a ``sink``, the
    files it returns True for are deleted. ``skip``: (st_dev, st_ino) of directories not to enter
    (another camera's folder nested in this one). Returns what was removed."""
    removed = Tally()
    try:
        root_fd = os.open(root, _DIR_FLAGS)
    except OSError:
        return removed  # missing, unreadable, or a symlink: nothing to walk
    stack: list[tuple[int, str, object]] = []
    try:
        stack.append((root_fd, "", None))
        stack[-1] = (root_fd, "", iter(_visit(root_fd, "", decide, sink, batch_size, removed)))
        while stack:
            fd, rel, names = stack[-1]
            name = next(names, None)
            if name is None:
                stack.pop()
                os.close(fd)
                if sink is not None and stack and not sink.dry_run and sink.prune_dir(rel):
                    try:
                        os.rmdir(rel.rsplit("/", 1)[-1], dir_fd=stack[-1][0])
                    except OSError:
                        pass  # not empty (held files, a new frame), or gone already
                continue
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError:
                continue  # gone, replaced by a symlink (ELOOP) or unreadable
            try:
                st = os.fstat(child)
                if (st.st_dev, st.st_ino) in skip:
                    os.close(child)
                    continue
                child_rel = f"{rel}/{name}" if rel else name
                subdirs = _visit(child, child_rel, decide, sink, batch_size, removed)
            except BaseException:
                os.close(child)
                raise
            stack.append((child, child_rel, iter(subdirs)))
    finally:
        for fd, _rel, _names in stack:
            os.close(fd)
    return removed


@dataclass
class Target:
    """One tree for ``prune_oldest``: where, which files may go, and the sink that deletes them."""

    root: str
    eligible: Callable[[FileInfo], bool]
    sink: Sink
    skip: frozenset[tuple[int, int]] = frozenset()
    removed: Tally = field(default_factory=Tally)


def _walk_all(targets: list[Target], decide_for: Callable[[int, Target], Callable], *, delete: bool, batch_size: int):
    freed = Tally()
    for index, target in enumerate(targets):
        got = walk(
            target.root,
            decide=decide_for(index, target),
            sink=target.sink if delete else None,
            batch_size=batch_size,
            skip=target.skip,
        )
        target.removed.files += got.files
        target.removed.bytes += got.bytes
        freed.files += got.files
        freed.bytes += got.bytes
    return freed


def prune_oldest(targets: list[Target], *, need: int, by_bytes: bool, batch_size: int = 1000) -> int:
    """Delete the oldest eligible files (by mtime, then path) of ``targets`` until ``need`` files
    (``by_bytes`` False) or bytes (True) are freed, or nothing eligible is left. Returns what was
    freed, in the same unit (a dry sink counts what it would free).

    1. One pass finds the eligible files' oldest and newest mtime.
    2. A pass counts the amount per mtime bucket (``BUCKETS`` of them) over the current range.
       Buckets wholly below the boundary bucket (the one where the running sum reaches ``need``)
       are deleted by one more pass.
    3. If the boundary bucket holds at most ``LIST_MAX`` files, they are listed, sorted and the
       oldest deleted; otherwise the range narrows to that bucket and step 2 repeats.
    """

    def weight(info: FileInfo) -> int:
        return info.size if by_bytes else 1

    remaining = need
    freed = 0
    if remaining <= 0 or not targets:
        return 0
    bounds = [None, None]

    def span(_index, target):
        def decide(info):
            if target.eligible(info):
                t = info.mtime_ns
                bounds[0] = t if bounds[0] is None or t < bounds[0] else bounds[0]
                bounds[1] = t if bounds[1] is None or t > bounds[1] else bounds[1]
            return False

        return decide

    _walk_all(targets, span, delete=False, batch_size=batch_size)
    if bounds[0] is None:
        return 0
    lo, hi = bounds[0], bounds[1] + 1

    def in_range(a: int, b: int):
        def factory(_index, target):
            return lambda info: a <= info.mtime_ns < b and target.eligible(info)

        return factory

    def amount(tally: Tally) -> int:
        return tally.bytes if by_bytes else tally.files

    while remaining > 0:
        step = max(1, -(-(hi - lo) // BUCKETS))
        amounts = [0] * BUCKETS
        counts = [0] * BUCKETS

        def histogram(_index, target, lo=lo, hi=hi, step=step, amounts=amounts, counts=counts):
            def decide(info):
                if lo <= info.mtime_ns < hi and target.eligible(info):
                    b = (info.mtime_ns - lo) // step
                    amounts[b] += weight(info)
                    counts[b] += 1
                return False

            return decide

        _walk_all(targets, histogram, delete=False, batch_size=batch_size)
        running, cut = 0, None
        for b in range(BUCKETS):
            if running + amounts[b] >= remaining:
                cut = b
                break
            running += amounts[b]
        if cut is None:  # the whole range is not enough: all of it goes
            got = amount(_walk_all(targets, in_range(lo, hi), delete=True, batch_size=batch_size))
            return freed + got
        below = lo + cut * step
        if cut > 0:
            got = amount(_walk_all(targets, in_range(lo, below), delete=True, batch_size=batch_size))
            freed += got
            remaining -= got
        lo, hi = below, min(below + step, hi)
        if remaining <= 0:
            break
        if counts[cut] > LIST_MAX and step == 1:
            # Too many files with the very same mtime to list: all equally old, take them as found.
            taken = [0]

            def take(_index, target, lo=lo, hi=hi, remaining=remaining, taken=taken):
                def decide(info):
                    if taken[0] < remaining and lo <= info.mtime_ns < hi and target.eligible(info):
                        taken[0] += weight(info)
                        return True
                    return False

                return decide

            return freed + amount(_walk_all(targets, take, delete=True, batch_size=batch_size))
        if counts[cut] <= LIST_MAX:
            listed: list[tuple[int, int, str, int]] = []

            def collect(index, target, lo=lo, hi=hi, listed=listed):
                def decide(info):
                    if lo <= info.mtime_ns < hi and target.eligible(info):
                        listed.append((info.mtime_ns, index, info.rel, weight(info)))
                    return False

                return decide

            _walk_all(targets, collect, delete=False, batch_size=batch_size)
            listed.sort()
            chosen: set[tuple[int, str]] = set()
            running = 0
            for _mtime, index, rel, w in listed:
                if running >= remaining:
                    break
                chosen.add((index, rel))
                running += w

            def pick(index, target, chosen=chosen):
                return lambda info: (index, info.rel) in chosen and target.eligible(info)

            got = amount(_walk_all(targets, pick, delete=True, batch_size=batch_size))
            return freed + got
    return freed
