"""Shared pieces of the benchmarks. Each ``bench/bench_*.py`` module has ``run() -> list[Row]``;
``python -m bench.run`` runs them all and writes one Markdown report (reports/bench.md).

Benchmarks measure a figure and, in the same run, the reference it is compared with, so the
ratio means something on a noisy shared machine. They never assert: a missed target is reported.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    figure: str  # what was measured, e.g. "snapshot median, 100,000 files"
    value: float
    unit: str  # "ms", "req/s", "x"...
    reference: str  # what it is compared with, e.g. "snapshot median, 1,000 files"
    reference_value: float | None
    target: str  # human-readable target, e.g. "ratio <= 1.5"
    ok: bool | None  # None when there is no pass/fail target (reported figure)

    @property
    def ratio(self) -> float | None:
        if self.reference_value in (None, 0):
            return None
        return self.value / self.reference_value


def setup_django() -> None:
    """Configure Django for a benchmark: the test overlay's settings on the given DATABASE_URL
    (PostgreSQL when make bench provides it), real Redis when REDIS_URL is set."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nem.settings.test")
    import django

    django.setup()


def timed(func: Callable[[], object], *, repeat: int, warmup: int = 3) -> list[float]:
    """Wall times in ms of ``repeat`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        func()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def median(values: list[float]) -> float:
    return statistics.median(values)


def interleaved(items: list, funcs: dict[str, Callable[[object], object]], *, rounds: int) -> dict[str, float]:
    """Median ms per call of each function, calling them in turn on each item, round after round,
    so the figure and its reference see the same machine load."""
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for item in items[:3]:  # warm-up
        for func in funcs.values():
            func(item)
    for _ in range(rounds):
        for item in items:
            for name, func in funcs.items():
                t0 = time.perf_counter()
                func(item)
                times[name].append((time.perf_counter() - t0) * 1000)
    return {name: median(values) for name, values in times.items()}
