"""``python scripts/mutants.py [NAME ...]``: prove that the tests catch the faults they exist for.

Each mutant is one textual change to the committed tree (a time window moved off its setting, a
cache invalidation removed). For each, a throwaway clone of HEAD gets the change and runs the
tests named for it; the mutant is *killed* when at least one of them fails. A mutant that
survives means a test that cannot fail: the script exits 1 and names it. The change must match
exactly once, so a refactoring that moves the code makes the mutant fail loudly here instead of
silently testing nothing.

Runs on the embedded default (SQLite, local cache) with this checkout's interpreter.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = (
    Mutant(
        "purge-cutoff-1-day",
        "cameras/services.py",
        "cutoff = timezone.now() - dt.timedelta(days=older_than_days)",
        "cutoff = timezone.now() - dt.timedelta(days=1)",
        ("cameras/tests/test_commands.py", "cameras/tests/test_services.py"),
    ),
    Mutant(
        "purge-task-ignores-retention-setting",
        "cameras/tasks.py",
        "older_than_days=settings.NEM_TRASH_RETENTION_DAYS",
        "older_than_days=1",
        ("cameras/tests/test_commands.py", "cameras/tests/test_services.py", "nem/tests/test_jobs.py"),
    ),
    Mutant(
        "idempotency-window-1-hour",
        "baselines/services/ingest.py",
        "dt.timedelta(hours=settings.NEM_DETECTION_IDEMPOTENCY_HOURS)",
        "dt.timedelta(hours=1)",
        ("baselines/tests/test_ingest.py", "baselines/tests/test_tasks.py"),
    ),
    Mutant(
        "list-cache-not-invalidated-on-save",
        "cameras/models.py",
        "        super().save(*args, **kwargs)\n        camera_list_changed()",
        "        super().save(*args, **kwargs)",
        ("cameras/tests/test_list_cache.py", "cameras/tests/test_admin.py"),
    ),
    Mutant(
        "list-cache-batch-never-invalidates",
        "cameras/cache.py",
        "        if pending[0]:\n            camera_list_invalidate()",
        "        if pending[0]:\n            pass",
        ("cameras/tests/test_list_cache.py",),
    ),
    Mutant(
        "list-cache-no-after-commit-bump",
        "cameras/cache.py",
        "    transaction.on_commit(invalidate_now)",
        "    pass",
        ("cameras/tests/test_list_cache.py",),
    ),
)


def run(mutant: Mutant, workdir: Path) -> tuple[bool, str]:
    clone = workdir / mutant.name
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    target = clone / mutant.path
    text = target.read_text()
    count = text.count(mutant.old)
    if count != 1:
        return False, f"the change matches {count} times in {mutant.path}: update the mutant"
    target.write_text(text.replace(mutant.old, mutant.new))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "--create-db", "-p", "no:cacheprovider", *mutant.tests],
        cwd=clone,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(workdir), "NEM_EXPECTED_SKIPS": ""},
    )
    last = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    if result.returncode == 1:
        return True, last
    return False, f"pytest exit {result.returncode}: {last}"


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTANTS if not argv or m.name in argv]
    survivors = 0
    with tempfile.TemporaryDirectory(prefix="nem-mutants-") as tmp:
        for mutant in chosen:
            started = time.monotonic()
            killed, summary = run(mutant, Path(tmp))
            survivors += not killed
            verdict = "killed" if killed else "SURVIVED"
            print(f"{verdict:9} {mutant.name:40} {time.monotonic() - started:6.1f}s  {summary}", flush=True)
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
