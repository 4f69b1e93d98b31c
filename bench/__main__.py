"""`python -m bench [name ...]`: run the registered benchmarks (all, or those named) against
PostgreSQL and write bench/results/latest.json (merged with earlier results of the others)."""

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qc_portal.settings.base")
django.setup()

import bench.dashboard  # noqa: E402,F401
import bench.ingest  # noqa: E402,F401
import bench.kpi_month  # noqa: E402,F401
import bench.seeding  # noqa: E402,F401
import bench.tracking  # noqa: E402,F401
from bench import BENCHMARKS  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "latest.json"


def _session_settings() -> dict:
    """BENCH_RANDOM_PAGE_COST (e.g. 1.1 for SSD / a cached database) is applied to this
    process's connection, so the engine and its raw-SQL baseline plan alike."""
    from django.db import connection

    cost = os.environ.get("BENCH_RANDOM_PAGE_COST")
    if cost:
        with connection.cursor() as cursor:
            cursor.execute("SET random_page_cost = %s", [float(cost)])
        return {"random_page_cost": float(cost)}
    return {}


def main(names: list[str]) -> int:
    from django.conf import settings

    # No query log in the measured process (the demo settings run with DEBUG on).
    settings.DEBUG = False
    session = _session_settings()
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"bench: unknown benchmark(s) {sorted(unknown)}; known: {sorted(BENCHMARKS)}")
        return 2
    previous = {}
    if names and RESULTS.exists():
        previous = {row["name"]: row for row in json.loads(RESULTS.read_text())}
    for name, run in BENCHMARKS.items():
        if names and name not in names:
            continue
        result = run()
        result.extra.update(session)
        previous[name] = {**asdict(result), "ratio": result.ratio}
        print(
            f"{name}: {result.figure:.4g} {result.unit} vs baseline {result.baseline:.4g} "
            f"= {result.ratio:.2f}x (goal {result.goal}) {json.dumps(result.extra, default=str)}",
            flush=True,
        )
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(list(previous.values()), indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
