"""Run by the dashboard benchmark in a subprocess, once per database (DATABASE_URL): response
times and query counts of the dashboard pages for the head-office demo login, as JSON."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qc_portal.settings.base")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from kpis.models import KpiResult  # noqa: E402
from qc_portal.periods import Period  # noqa: E402
from qc_portal.roles import Role  # noqa: E402

REPEAT = int(os.environ.get("BENCH_DASHBOARD_REPEAT", "15"))


def main() -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=Role.HEAD_OFFICE)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    month = str(Period.current("month").previous())
    code = "services.response_time.counter"
    pages = {
        "overview": f"/dashboard/?month={month}",
        "drill_down": f"/dashboard/kpi/{code}/?month={month}",
        "branches": f"/dashboard/branches/?month={month}",
    }
    out = {
        "kpi_results": KpiResult.objects.count(),
        "service_records": _count("services_servicerecord"),
        "branch_count": _count("qc_portal_branch"),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries: list[str] = []

        def count(run, sql, *args, queries=queries):
            queries.append(sql)
            return run(sql, *args)

        with connection.execute_wrapper(count):
            client.get(url)
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
        out[name] = {"median_s": statistics.median(times), "queries": len(queries)}
    json.dump(out, sys.stdout)


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        # The planner's estimate (exact counts of 10 M rows cost more than the pages), or
        # the exact count where the table was never analysed.
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
        if row and row[0] >= 0:
            return int(row[0])
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
