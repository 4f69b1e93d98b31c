"""Bank-scale benchmarks (`make bench`), run against PostgreSQL, not part of `make test`.

Each benchmark is a function registered with `@benchmark` that returns its own figure and a
baseline measured in the same run (raw SQL, a minimal view, COPY...): the ratio is the result,
since absolute times on a shared machine are noise. Results go to bench/results/latest.json.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

BENCHMARKS: dict[str, Callable[[], BenchResult]] = {}


@dataclass
class BenchResult:
    name: str
    figure: float
    baseline: float
    unit: str
    goal: str

    @property
    def ratio(self) -> float:
        return self.figure / self.baseline if self.baseline else float("inf")


def benchmark(name: str):
    def register(function):
        BENCHMARKS[name] = function
        return function

    return register
