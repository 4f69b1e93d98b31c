"""Celery entry points (thin): each takes strings, calls `kpis.jobs`."""

from __future__ import annotations

from celery import group, shared_task

from kpis import jobs
from qc_portal.periods import Period


def _parse(kind: str, period: str) -> Period:
    parsed = Period.parse(period)
    if parsed.kind != kind:
        raise ValueError(f"period {period} is not a {kind}")
    return parsed


# The JobRun id is returned (ignore_result=False) so a caller can follow the run.
@shared_task(name="kpis.compute_period", ignore_result=False)
def compute_period(
    kind: str, period: str, trigger: str = "task", codes: list[str] | None = None
) -> int:
    """Fan out one idempotent task per KPI of the period's kind; returns the JobRun id."""
    parsed = _parse(kind, period)
    selected = jobs.codes_for(kind, codes)
    run = jobs.start_job_run(parsed, selected, trigger=trigger)
    if selected:
        group(compute_kpi.si(code, str(parsed), run.pk) for code in selected).apply_async()
    return run.pk


@shared_task(name="kpis.compute_kpi")
def compute_kpi(code: str, period: str, job_run_id: int | None = None) -> bool:
    return jobs.run_kpi_step(code, period, job_run_id)


@shared_task(name="kpis.compute_previous_period")
def compute_previous_period(kind: str) -> int:
    """Beat: the period that just ended, final."""
    period = Period.current(kind).previous()
    return compute_period(kind, str(period), trigger="beat")


@shared_task(name="kpis.refresh_current_periods")
def refresh_current_periods() -> list[int]:
    """Beat: provisional figures of the running month and quarter."""
    return [
        compute_period(kind, str(Period.current(kind)), trigger="refresh")
        for kind in ("month", "quarter")
    ]


@shared_task(name="kpis.alert_overdue_plan_steps")
def alert_overdue_plan_steps() -> int:
    """Beat, daily: programme steps past their month and not done."""
    from kpis.plan import alert_overdue_steps

    return alert_overdue_steps()
