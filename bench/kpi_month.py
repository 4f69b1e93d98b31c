"""KPI month: every monthly services KPI computed by the engine for one month (compute, evaluate
against targets and baselines, store 500 branch rows + the bank row) vs. hand-written SQL doing
the same aggregations (one query per KPI, results fetched). Also: every monthly KPI of every app
vs. the SELECTs their compute functions send, executed raw (the engine's own overhead)."""

from __future__ import annotations

import resource

from django.db import connection

from bench import BenchResult, benchmark, require_postgresql, timed
from qc_portal.periods import Period

RECORDS = "services_servicerecord"
SERVICES_SQL = {
    "services.response_time.counter": f"""
        SELECT branch_id, sum(wait_seconds), count(*) FROM {RECORDS}
        WHERE arrived_at >= %(start)s AND arrived_at < %(end)s
          AND channel = 'counter' AND wait_seconds IS NOT NULL GROUP BY branch_id""",
    "services.response_time.phone": f"""
        SELECT branch_id, sum(wait_seconds), count(*) FROM {RECORDS}
        WHERE arrived_at >= %(start)s AND arrived_at < %(end)s
          AND channel = 'phone' AND wait_seconds IS NOT NULL GROUP BY branch_id""",
    "services.response_time.online": f"""
        SELECT branch_id, sum(wait_seconds), count(*) FROM {RECORDS}
        WHERE arrived_at >= %(start)s AND arrived_at < %(end)s
          AND channel = 'online' AND wait_seconds IS NOT NULL GROUP BY branch_id""",
    "services.counter_handling_time": f"""
        SELECT branch_id, sum(handling_seconds), count(*) FROM {RECORDS}
        WHERE arrived_at >= %(start)s AND arrived_at < %(end)s AND channel = 'counter'
          AND outcome = 'served' AND handling_seconds IS NOT NULL GROUP BY branch_id""",
    "services.csat": f"""
        SELECT r.branch_id, count(*) FILTER (WHERE f.rating >= 4), count(*)
        FROM services_feedback f JOIN {RECORDS} r ON r.id = f.service_record_id
        WHERE f.rated_at >= %(start)s AND f.rated_at < %(end)s GROUP BY r.branch_id""",
    "services.bot_containment": f"""
        SELECT branch_id, count(*) FILTER (WHERE outcome <> 'transferred'), count(*)
        FROM {RECORDS} WHERE arrived_at >= %(start)s AND arrived_at < %(end)s
          AND channel = 'chatbot' AND outcome <> '' GROUP BY branch_id""",
    "services.abandon_rate": f"""
        SELECT branch_id, count(*) FILTER (WHERE outcome = 'abandoned'), count(*)
        FROM {RECORDS} WHERE arrived_at >= %(start)s AND arrived_at < %(end)s
          AND channel IN ('counter', 'phone') AND outcome <> '' GROUP BY branch_id""",
}


def bench_period() -> Period:
    """The last complete month (the current one is provisional and partly seeded)."""
    return Period.current("month").previous()


def _run_sql(statements, params) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def _compute(codes, period) -> None:
    from kpis.engine import compute_kpi

    for code in codes:
        compute_kpi(code, period)


def services_codes() -> list[str]:
    from kpis import registry

    return [c for c in sorted(registry.definitions()) if c in SERVICES_SQL]


@benchmark("kpi_month_services")
def kpi_month_services() -> BenchResult:
    require_postgresql()
    period = bench_period()
    codes = services_codes()
    params = {"start": period.start, "end": period.end}
    missing = sorted(set(SERVICES_SQL) - set(codes))
    figure = timed(lambda: _compute(codes, period))
    baseline = timed(lambda: _run_sql([SERVICES_SQL[c] for c in codes], params))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {RECORDS} WHERE arrived_at >= %(start)s AND arrived_at < %(end)s",
            params,
        )
        rows = cursor.fetchone()[0]
    return BenchResult(
        "kpi_month_services",
        figure,
        baseline,
        "s",
        "<= 1.5x raw SQL",
        extra={
            "period": str(period),
            "kpis": len(codes),
            "records_in_month": rows,
            # Peak RSS of this process so far: the KPI job's when run alone.
            "process_peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
            "not_registered": missing,
        },
    )


@benchmark("kpi_month_all")
def kpi_month_all() -> BenchResult:
    """All monthly KPIs of all apps vs. their own SELECTs replayed raw: what the engine adds
    (evaluation, storing, baselines) on top of the aggregation queries themselves."""
    from kpis import jobs, registry

    require_postgresql()
    period = bench_period()
    codes = jobs.codes_for("month")
    selects: list[tuple[str, object]] = []

    def capture(run, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT"):
            selects.append((sql, params))
        return run(sql, params, many, context)

    for code in codes:
        with connection.execute_wrapper(capture):
            registry.get(code).compute(period)

    def replay():
        with connection.cursor() as cursor:
            for sql, params in selects:
                cursor.execute(sql, params)
                cursor.fetchall()

    figure = timed(lambda: _compute(codes, period))
    baseline = timed(replay)
    return BenchResult(
        "kpi_month_all",
        figure,
        baseline,
        "s",
        "<= 1.5x the compute functions' own SQL",
        extra={"period": str(period), "kpis": len(codes), "selects": len(selects)},
    )


@benchmark("kpi_backfill_12_services")
def kpi_backfill_services() -> BenchResult:
    """The 12-month backfill of the services KPIs vs. the 12-month SQL (same queries per month)."""
    require_postgresql()
    last = bench_period()
    periods = [last.shift(-n) for n in range(11, -1, -1)]
    codes = services_codes()

    def engine():
        for period in periods:
            _compute(codes, period)

    def sql():
        for period in periods:
            _run_sql([SERVICES_SQL[c] for c in codes], {"start": period.start, "end": period.end})

    figure = timed(engine, repeat=1, warmup=0)
    baseline = timed(sql, repeat=1, warmup=0)
    return BenchResult(
        "kpi_backfill_12_services",
        figure,
        baseline,
        "s",
        "<= 1.5x raw SQL",
        extra={"periods": f"{periods[0]}..{periods[-1]}"},
    )
