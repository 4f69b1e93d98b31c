"""Job bookkeeping around the engine: a `JobRun` per computation, one step per KPI, so a
failing KPI is recorded and the others still finish."""

from __future__ import annotations

import logging
import traceback

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kpis import registry
from kpis.engine import compute_kpi, sync_definitions
from kpis.models import JobRun
from qc_portal.periods import Period

logger = logging.getLogger(__name__)


def codes_for(kind: str, only: list[str] | None = None) -> list[str]:
    codes = sorted(code for code, d in registry.definitions().items() if d.period_kind == kind)
    if only:
        unknown = set(only) - set(registry.definitions())
        if unknown:
            raise ValueError(f"unknown KPI code(s): {', '.join(sorted(unknown))}")
        codes = [code for code in codes if code in only]
    return codes


def start_job_run(period: Period, codes: list[str], *, trigger: str) -> JobRun:
    sync_definitions()
    run = JobRun.objects.create(
        period_kind=period.kind, period_key=str(period), trigger=trigger, kpis_total=len(codes)
    )
    if not codes:
        _finish(run.pk)
    return run


def run_kpi_step(code: str, period: str, job_run_id: int | None) -> bool:
    """Compute one KPI inside a job run; never raises, so the job's other KPIs go on."""
    run = JobRun.objects.filter(pk=job_run_id).first() if job_run_id else None
    try:
        compute_kpi(code, period, job_run=run)
    except Exception as error:  # noqa: BLE001 - one KPI's bug must not stop the period
        logger.exception("KPI %s for %s failed", code, period)
        if run is not None:
            _record(run.pk, failed=f"{code}: {type(error).__name__}: {error}\n{_last_frame()}")
        return False
    if run is not None:
        _record(run.pk)
    return True


def _last_frame() -> str:
    return "".join(traceback.format_exc().strip().splitlines(keepends=True)[-3:])


def _record(run_id: int, failed: str | None = None) -> None:
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(pk=run_id)
        if failed:
            run.kpis_failed = F("kpis_failed") + 1
            run.errors = (run.errors + "\n" if run.errors else "") + failed
            run.save(update_fields=["kpis_failed", "errors"])
        else:
            JobRun.objects.filter(pk=run_id).update(kpis_done=F("kpis_done") + 1)
    _finish(run_id)


def _finish(run_id: int) -> None:
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(pk=run_id)
        if run.finished_at is not None or run.kpis_done + run.kpis_failed < run.kpis_total:
            return
        run.finished_at = timezone.now()
        run.duration_seconds = (run.finished_at - run.started_at).total_seconds()
        if run.kpis_failed == 0:
            run.state = JobRun.State.SUCCEEDED
        elif run.kpis_done == 0:
            run.state = JobRun.State.FAILED
        else:
            run.state = JobRun.State.PARTIAL
        run.save(update_fields=["finished_at", "duration_seconds", "state"])


def compute_period_now(
    period: Period, *, codes: list[str] | None = None, trigger: str = "manual"
) -> JobRun:
    """Compute a period in this process (backfills, the demo); same bookkeeping as the task."""
    selected = codes_for(period.kind, codes)
    run = start_job_run(period, selected, trigger=trigger)
    for code in selected:
        run_kpi_step(code, str(period), run.pk)
    run.refresh_from_db()
    return run
