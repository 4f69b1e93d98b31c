"""Demo: compute the KPI results of the last 12 months and 4 quarters up to context.now, after
every measure app has seeded its data (kpis is last in DEMO_APP_ORDER)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from kpis import jobs
from kpis.engine import sync_definitions
from kpis.models import KpiResult, PlanStep
from kpis.plan import alert_overdue_steps, step_state
from qc_portal.demo import DemoContext
from qc_portal.periods import Period, bank_tz

# Who reports each department's steps in the demo.
STEP_OWNERS = {
    "customer_service": "service_agent",
    "it": "integration_admin",
    "risk": "risk_manager",
    "hr": "hr_trainer",
}
# A step left undone on purpose, so the plan shows an overdue step and its alert.
LATE_STEP = (4, 3)


def seed_plan(context: DemoContext) -> None:
    """Steps due before now are done (a few days before their due date), except LATE_STEP."""
    if PlanStep.objects.filter(done_at__isnull=False).exists():
        return
    for step in PlanStep.objects.select_related("initiative__department"):
        state = step_state(step, context.now)
        if state.state != "overdue" or (step.initiative.number, step.order) == LATE_STEP:
            continue
        owner = context.logins.get(STEP_OWNERS[step.initiative.department.code])
        done_on = state.due - timedelta(days=context.rng.randrange(2, 9))
        PlanStep.objects.filter(pk=step.pk).update(
            done_at=datetime.combine(done_on, time(17, 0), tzinfo=bank_tz()),
            done_by=owner,
            note=f"完成：{step.title_zh}",
            evidence_url=f"https://intranet.bank.example/qc/plan/{step.initiative.number}-{step.order}",
        )
    raised = alert_overdue_steps(context.now)
    context.notes.append(f"kpis: programme plan seeded, {raised} overdue step alert(s)")


def seed(context: DemoContext) -> None:
    sync_definitions()
    seed_plan(context)
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
