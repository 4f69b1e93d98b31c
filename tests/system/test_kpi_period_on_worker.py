"""A KPI period computed end to end by a real worker: the beat task's path through Redis."""

import time

import pytest

from kpis import registry
from kpis.models import JobRun, KpiResult
from kpis.tasks import compute_period
from tests.factories import BranchFactory

pytestmark = [pytest.mark.system, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout: float = 60.0):
    """Poll the database until the worker has finished (bounded; no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("the worker did not finish in time")


def test_a_worker_computes_every_monthly_kpi_of_a_period_through_redis(real_broker):
    BranchFactory(code="SYS01")
    monthly = sorted(c for c, d in registry.definitions().items() if d.period_kind == "month")
    assert monthly, "no monthly KPI is registered"

    compute_period.delay("month", "2026-10", trigger="system-test")

    finished = JobRun.objects.filter(trigger="system-test", period_key="2026-10").exclude(
        state=JobRun.State.RUNNING
    )
    run = wait_for(finished.first)
    assert run.kpis_total == len(monthly)
    assert run.kpis_failed == 0, run.errors
    assert run.kpis_done == len(monthly)
    bank_rows = KpiResult.objects.filter(period_key="2026-10", branch__isnull=True)
    assert sorted(bank_rows.values_list("kpi__code", flat=True)) == monthly
    # An empty month is "insufficient data", never a misleading 100 %.
    assert set(bank_rows.values_list("status", flat=True)) <= {"insufficient_data", "no_target"}
