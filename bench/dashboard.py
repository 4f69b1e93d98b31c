"""Dashboard: overview, KPI drill-down and branch comparison for head office at bank scale
(this run's DATABASE_URL) vs. the same pages on a small demo bank (BENCH_SMALL_DATABASE_URL,
`seed_demo --scale small`), each measured in a subprocess of the same run. The pages read
stored KPI results, never records: the goal is <= 1.2x and the same query count."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench import BenchResult, benchmark, require_postgresql

SMALL = os.environ.get(
    "BENCH_SMALL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qc_bench_small"
)


_PROBES: dict[str, dict] = {}


def _probe(database_url: str) -> dict:
    """One subprocess per database per run; the three page benchmarks share it."""
    if database_url not in _PROBES:
        _PROBES[database_url] = _run_probe(database_url)
    return _PROBES[database_url]


def _run_probe(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url}
    out = subprocess.run(
        [sys.executable, "-m", "bench.dashboard_probe"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def _result(name: str, page: str) -> BenchResult:
    require_postgresql()
    big = _probe(os.environ["DATABASE_URL"])
    small = _probe(SMALL)
    return BenchResult(
        name,
        big[page]["median_s"],
        small[page]["median_s"],
        "s",
        "<= 1.2x small bank, same query count",
        extra={
            "queries_bank": big[page]["queries"],
            "queries_small": small[page]["queries"],
            "records_bank": big["service_records"],
            "records_small": small["service_records"],
            "branches_bank": big["branch_count"],
            "branches_small": small["branch_count"],
            "kpi_results_bank": big["kpi_results"],
            "kpi_results_small": small["kpi_results"],
        },
    )


@benchmark("dashboard_overview")
def dashboard_overview() -> BenchResult:
    return _result("dashboard_overview", "overview")


@benchmark("dashboard_drill_down")
def dashboard_drill_down() -> BenchResult:
    return _result("dashboard_drill_down", "drill_down")


@benchmark("dashboard_branches")
def dashboard_branches() -> BenchResult:
    return _result("dashboard_branches", "branches")
