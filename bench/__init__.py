"""Bank-scale benchmarks (`make bench`), run against PostgreSQL, not part of `make test`.

Each benchmark is a function registered with `@benchmark` that returns its own figure and a
baseline measured in the same run (raw SQL, a minimal view, COPY...): the ratio is the result,
since absolute times on a shared machine are noise. Results go to bench/results/latest.json.
See bench/README.md for the figures, the machine and how to reproduce.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

BENCHMARKS: dict[str, Callable[[], BenchResult]] = {}


@dataclass
class BenchResult:
    name: str
    figure: float
    baseline: float
    unit: str
    goal: str
    # Secondary figures (query counts, p50/p99, rows, the EXPLAIN verdict...), shown and stored.
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.figure / self.baseline if self.baseline else float("inf")


def benchmark(name: str):
    def register(function):
        BENCHMARKS[name] = function
        return function

    return register


def timed(function: Callable[[], object], *, repeat: int = 3, warmup: int = 1) -> float:
    """Median wall time of `repeat` runs after `warmup` unmeasured ones (warm caches for both
    the figure and its baseline, so neither is measured cold)."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def require_postgresql() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench: run against PostgreSQL (set DATABASE_URL=postgres://...)")
