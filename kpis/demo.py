"""Demo: compute the KPI results of the last 12 months and 4 quarters up to context.now, after
every measure app has seeded its data (kpis is last in DEMO_APP_ORDER)."""

from __future__ import annotations

from kpis import jobs
from kpis.engine import sync_definitions
from kpis.models import KpiResult
from qc_portal.demo import DemoContext
from qc_portal.periods import Period


def seed(context: DemoContext) -> None:
    sync_definitions()
    month, quarter = (
        Period.containing(context.now, "month"),
        Period.containing(context.now, "quarter"),
    )
    periods = [month.shift(-n) for n in range(11, -1, -1)] + [
        quarter.shift(-n) for n in range(3, -1, -1)
    ]
    work = [(period, code) for period in periods for code in jobs.codes_for(period.kind)]
    if not work:
        context.notes.append("kpis: no KPI registered yet, no results computed.")
        return
    runs = {}
    failed = 0
    for period, code in context.progress(work, total=len(work), desc="KPI results"):
        if period not in runs:
            runs[period] = jobs.start_job_run(period, jobs.codes_for(period.kind), trigger="demo")
        failed += not jobs.run_kpi_step(code, str(period), runs[period].pk)
    context.notes.append(
        f"kpis: {KpiResult.objects.count()} KPI results for {len(periods)} periods"
        + (f", {failed} computations FAILED (see admin → KPI job runs)" if failed else "")
    )
