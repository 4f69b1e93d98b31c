"""The engine: values, statuses, baselines, idempotent recompute, job runs, alerts."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from kpis import jobs, tasks
from kpis.engine import compute_kpi
from kpis.models import JobRun, KpiBaseline, KpiDefinition, KpiResult
from kpis.registry import BANK, Measurement
from qc_portal.models import Alert, Notification
from qc_portal.periods import Period
from tests.kpis.factories import target

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 15, 10, 0, tzinfo=SHANGHAI)


def _rows(code="test.csat", period="2026-10"):
    return list(
        KpiResult.objects.filter(kpi__code=code, period_key=period)
        .order_by("branch_id")
        .values(
            "branch_id",
            "numerator",
            "denominator",
            "value",
            "observations",
            "status",
            "provisional",
            "target_text",
            "baseline_value",
        )
    )


def test_sync_mirrors_registry_and_marks_unregistered(definitions):
    assert set(definitions) >= {"test.csat", "test.npl"}
    row = KpiDefinition.objects.get(code="test.csat")
    assert row.is_registered and row.unit == "percent" and row.scopes == ["bank", "branch"]
    # Codes seeded by the default-targets migration but not registered in this test run:
    assert KpiDefinition.objects.get(code="services.csat").is_registered is False


def test_default_targets_are_seeded_from_the_design_table(db):
    from kpis.models import KpiTarget

    texts = {t.kpi.code: [] for t in KpiTarget.objects.select_related("kpi")}
    for t in KpiTarget.objects.select_related("kpi").order_by("id"):
        texts[t.kpi.code].append(t.describe())
    assert texts["services.csat"] == ["≥ 85 %"]
    assert texts["services.response_time.phone"] == ["≤ 30 s", "≤ 0.8 × baseline"]
    assert texts["services.counter_handling_time"] == ["≤ 300 s"]
    assert texts["credit.npl_ratio"] == ["< 2 %"]
    assert texts["credit.approval_error_rate"] == ["≤ 0.5 %"]
    assert texts["integration.processing_time"] == ["≤ baseline / 1.3"]
    assert texts["transparency.inquiry_rate"] == ["≤ 0.7 × baseline"]
    assert texts["training.coverage"] == ["≥ 100 %"]
    for monitor in (
        "services.bot_containment",
        "services.abandon_rate",
        "transparency.tracking_usage",
        "transparency.steps_on_time",
    ):
        assert monitor not in texts
    assert len(texts) == 13


@time_machine.travel(NOW)
def test_compute_stores_ratio_values_and_statuses(definitions, fake_data, branch, other_branch):
    target("test.csat", "gte", "0.85")
    fake_data["2026-10"] = {
        BANK: Measurement(170, 200, 200),
        branch.pk: Measurement(90, 100, 100),  # 90 %: met
        other_branch.pk: Measurement(80, 100, 100),  # 80 %: missed
    }
    compute_kpi("test.csat", "2026-10")
    rows = {row["branch_id"]: row for row in _rows()}
    assert rows[None]["value"] == 0.85 and rows[None]["status"] == "met"
    assert rows[branch.pk]["status"] == "met"
    assert rows[other_branch.pk]["status"] == "missed"
    assert rows[None]["target_text"] == "≥ 85 %"
    assert not rows[None]["provisional"]


@time_machine.travel(NOW)
def test_fewer_observations_than_the_minimum_is_insufficient_data(
    definitions, fake_data, branch, settings
):
    settings.QC_MIN_OBSERVATIONS = 30
    target("test.csat", "gte", "0.85")
    fake_data["2026-10"] = {BANK: Measurement(29, 29, 29), branch.pk: Measurement(30, 30, 30)}
    compute_kpi("test.csat", "2026-10")
    rows = {row["branch_id"]: row for row in _rows()}
    assert rows[None]["status"] == "insufficient_data"
    assert rows[branch.pk]["status"] == "met"


@time_machine.travel(NOW)
def test_recompute_is_idempotent(definitions, fake_data, branch):
    target("test.csat", "gte", "0.85")
    fake_data["2026-10"] = {BANK: Measurement(90, 100, 100), branch.pk: Measurement(45, 50, 50)}
    compute_kpi("test.csat", "2026-10")
    first = _rows()
    compute_kpi("test.csat", "2026-10")
    assert _rows() == first
    assert KpiResult.objects.count() == 2


@time_machine.travel(NOW)
def test_recompute_replaces_rows_of_scopes_that_disappeared(definitions, fake_data, branch):
    fake_data["2026-10"] = {BANK: Measurement(90, 100, 100), branch.pk: Measurement(45, 50, 50)}
    compute_kpi("test.csat", "2026-10")
    fake_data["2026-10"] = {BANK: Measurement(91, 100, 100)}
    compute_kpi("test.csat", "2026-10")
    assert [row["branch_id"] for row in _rows()] == [None]


@time_machine.travel(NOW)
def test_running_period_is_provisional(definitions, fake_data):
    fake_data["2026-11"] = {BANK: Measurement(9, 10, 10)}
    compute_kpi("test.csat", "2026-11")
    assert _rows(period="2026-11")[0]["provisional"] is True


@time_machine.travel(NOW)
def test_target_in_force_is_the_one_effective_at_period_start(definitions, fake_data):
    target("test.csat", "gte", "0.95", effective_from=date(2026, 1, 1))
    target("test.csat", "gte", "0.80", effective_from=date(2026, 10, 1))
    fake_data["2026-09"] = {BANK: Measurement(85, 100, 100)}
    fake_data["2026-10"] = {BANK: Measurement(85, 100, 100)}
    compute_kpi("test.csat", "2026-09")
    compute_kpi("test.csat", "2026-10")
    assert _rows(period="2026-09")[0]["status"] == "missed"
    assert _rows(period="2026-10")[0]["status"] == "met"


@time_machine.travel(NOW)
def test_branch_target_replaces_the_bank_target_for_that_branch(
    definitions, fake_data, branch, other_branch
):
    target("test.csat", "gte", "0.85")
    target("test.csat", "gte", "0.75", branch=branch)
    fake_data["2026-10"] = {
        branch.pk: Measurement(80, 100, 100),
        other_branch.pk: Measurement(80, 100, 100),
    }
    compute_kpi("test.csat", "2026-10")
    rows = {row["branch_id"]: row for row in _rows()}
    assert rows[branch.pk]["status"] == "met"
    assert rows[other_branch.pk]["status"] == "missed"


@time_machine.travel(NOW)
def test_relative_target_uses_baseline_from_months_before_programme_start(
    definitions, fake_data, settings
):
    settings.QC_PROGRAMME_START = date(2026, 4, 1)
    target("test.wait", "lte", kind="relative", factor="0.8")
    # Baseline: Jan–Mar mean wait = (100*40 + 120*40 + 140*40) / 120 = 120 s.
    for month, mean in (("2026-01", 100), ("2026-02", 120), ("2026-03", 140)):
        fake_data[month] = {BANK: Measurement(mean * 40, 40, 40)}
    fake_data["2026-10"] = {BANK: Measurement(96 * 50, 50, 50)}  # exactly 0.8 × 120
    compute_kpi("test.wait", "2026-10")
    row = _rows("test.wait")[0]
    assert row["baseline_value"] == 120 and row["status"] == "met"
    baseline = KpiBaseline.objects.get(kpi__code="test.wait", branch=None)
    assert baseline.periods == "2026-01..2026-03" and baseline.observations == 120


@time_machine.travel(NOW)
def test_manual_baseline_wins_and_is_kept(definitions, fake_data, head_office):
    from kpis import actions

    target("test.wait", "lte", kind="relative", factor="0.8")
    actions.enter_baseline(
        KpiDefinition.objects.get(code="test.wait"),
        value=200,
        reason="legacy report",
        actor=head_office,
    )
    fake_data["2026-01"] = {BANK: Measurement(100 * 40, 40, 40)}
    fake_data["2026-10"] = {BANK: Measurement(150 * 50, 50, 50)}
    compute_kpi("test.wait", "2026-10")
    row = _rows("test.wait")[0]
    assert row["baseline_value"] == 200 and row["status"] == "met"


@time_machine.travel(NOW)
def test_missed_final_result_alerts_once_per_scope(
    definitions, fake_data, branch, branch_manager, other_branch_manager, head_office
):
    target("test.csat", "gte", "0.85")
    fake_data["2026-10"] = {BANK: Measurement(50, 100, 100), branch.pk: Measurement(50, 100, 100)}
    compute_kpi("test.csat", "2026-10")
    compute_kpi("test.csat", "2026-10")
    alerts = Alert.objects.filter(kind="kpi_missed")
    assert sorted(a.key for a in alerts) == [
        "kpi-missed:test.csat:2026-10:bank",
        f"kpi-missed:test.csat:2026-10:branch:{branch.code}",
    ]
    branch_alert = alerts.get(branch=branch)
    assert branch_alert.department.code == "customer_service"
    notified = set(
        Notification.objects.filter(alert=branch_alert).values_list("user__username", flat=True)
    )
    assert "branch_manager" in notified and "other_branch_manager" not in notified


@time_machine.travel(NOW)
def test_provisional_miss_raises_no_alert(definitions, fake_data):
    target("test.csat", "gte", "0.85")
    fake_data["2026-11"] = {BANK: Measurement(50, 100, 100)}
    compute_kpi("test.csat", "2026-11")
    assert not Alert.objects.filter(kind="kpi_missed").exists()


@time_machine.travel(NOW)
def test_failing_kpi_is_recorded_and_others_still_computed(definitions, fake_data):
    fake_data["2026-10"] = {BANK: Measurement(90, 100, 100)}
    run_id = tasks.compute_period.delay("month", "2026-10").get()
    run = JobRun.objects.get(pk=run_id)
    assert run.state == JobRun.State.PARTIAL
    assert (run.kpis_total, run.kpis_done, run.kpis_failed) == (5, 4, 1)
    assert "test.broken: RuntimeError: the source table is gone" in run.errors
    assert run.finished_at is not None and run.duration_seconds >= 0
    assert KpiResult.objects.filter(
        kpi__code="test.csat", period_key="2026-10", job_run=run
    ).exists()


def test_compute_period_refuses_a_period_of_the_wrong_kind(definitions):
    with pytest.raises(ValueError):
        tasks.compute_period("quarter", "2026-10")


@time_machine.travel(NOW)
def test_beat_entries_compute_previous_and_current_periods(definitions, fake_data):
    fake_data["2026-10"] = {BANK: Measurement(90, 100, 100)}
    tasks.compute_previous_period("month")
    assert JobRun.objects.filter(period_key="2026-10", trigger="beat").exists()
    tasks.refresh_current_periods()
    assert set(JobRun.objects.filter(trigger="refresh").values_list("period_key", flat=True)) == {
        "2026-11",
        "2026-Q4",
    }


def test_beat_schedule_has_the_kpi_jobs():
    from django.conf import settings

    schedule = settings.CELERY_BEAT_SCHEDULE
    month = schedule["kpis-previous-month"]["schedule"]
    assert month.hour == {1} and month.minute == {30} and month.day_of_month == {1}
    quarter = schedule["kpis-previous-quarter"]["schedule"]
    assert quarter.month_of_year == {1, 4, 7, 10} and quarter.hour == {2}
    assert schedule["kpis-provisional-refresh"]["schedule"].minute == set(range(0, 60, 15))


def test_period_boundaries_are_in_shanghai_time(definitions, branch):
    """23:59:59 on 31 October in Shanghai (15:59:59 UTC) is October; midnight is November."""
    for moment in (
        datetime(2026, 10, 31, 23, 59, 59, tzinfo=SHANGHAI),
        datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI),
        datetime(2026, 10, 1, 0, 0, tzinfo=SHANGHAI),
        datetime(2026, 9, 30, 23, 59, 59, tzinfo=SHANGHAI),
    ):
        Alert.objects.create(
            key=f"k{moment.isoformat()}",
            kind="x",
            title_zh="t",
            title_en="t",
            branch=branch,
            created_at=moment,
        )
    with time_machine.travel(NOW):
        compute_kpi("test.alerts", "2026-10")
        compute_kpi("test.alerts", "2026-11")
    october = {row["branch_id"]: row["value"] for row in _rows("test.alerts", "2026-10")}
    november = {row["branch_id"]: row["value"] for row in _rows("test.alerts", "2026-11")}
    assert october == {None: 2, branch.pk: 2}
    assert november == {None: 1, branch.pk: 1}


@time_machine.travel(NOW)
def test_period_without_data_gets_an_insufficient_bank_row(definitions):
    target("test.csat", "gte", "0.85")
    compute_kpi("test.csat", "2026-10")
    assert _rows()[0]["status"] == "insufficient_data" and _rows()[0]["observations"] == 0


def test_compute_ignores_branches_that_do_not_exist(definitions, fake_data):
    fake_data["2026-10"] = {BANK: Measurement(1, 1, 1), 999999: Measurement(1, 1, 1)}
    compute_kpi("test.csat", "2026-10")
    assert [row["branch_id"] for row in _rows()] == [None]


@time_machine.travel(NOW)
def test_recompute_command_covers_months_and_quarters(definitions, fake_data, capsys):
    fake_data["2026-10"] = {BANK: Measurement(90, 100, 100)}
    fake_data["2026-Q3"] = {BANK: Measurement(1, 100, 100)}
    with pytest.raises(CommandError):  # test.broken fails; the others are still written
        call_command("recompute_kpis", "--from", "2026-07", "--to", "2026-10")
    assert set(
        KpiResult.objects.filter(kpi__code="test.csat").values_list("period_key", flat=True)
    ) == {"2026-07", "2026-08", "2026-09", "2026-10"}
    # 2026-Q4 has no data yet: its bank row says so.
    npl = dict(KpiResult.objects.filter(kpi__code="test.npl").values_list("period_key", "status"))
    assert npl == {"2026-Q3": "no_target", "2026-Q4": "no_target"}
    assert KpiResult.objects.get(kpi__code="test.csat", period_key="2026-07").value is None
    call_command("recompute_kpis", "--from", "2026-07", "--to", "2026-10", "--kpi", "test.npl")
    assert JobRun.objects.filter(period_key="2026-Q4", trigger="command").exists()


def test_recompute_command_rejects_bad_input(definitions):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("recompute_kpis", "--from", "2026-13x", "--to", "2026-10")
    with pytest.raises(CommandError, match="after"):
        call_command("recompute_kpis", "--from", "2026-10", "--to", "2026-01")
    with pytest.raises(CommandError, match="unknown KPI"):
        call_command("recompute_kpis", "--from", "2026-01", "--to", "2026-02", "--kpi", "nope")


def test_jobs_compute_period_now_with_no_kpis_finishes_the_run(definitions, monkeypatch):
    from kpis import registry

    monkeypatch.setattr(registry, "_REGISTRY", {})
    run = jobs.compute_period_now(Period.parse("2026-10"))
    assert run.state == JobRun.State.SUCCEEDED and run.kpis_total == 0


@time_machine.travel(NOW)
def test_bank_only_kpi_stores_no_branch_rows(definitions, fake_data, branch):
    fake_data["2026-10"] = {BANK: Measurement(9, 10, 10), branch.pk: Measurement(1, 2, 2)}
    compute_kpi("test.bank_only", "2026-10")
    assert [row["branch_id"] for row in _rows("test.bank_only")] == [None]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_steps_of_one_run_count_every_kpi(definitions, fake_data):
    """Workers finishing KPIs of the same run at the same moment lose no count."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    fake_data["2026-10"] = {BANK: Measurement(9, 10, 10)}
    codes = jobs.codes_for("month")
    run = jobs.start_job_run(Period.parse("2026-10"), codes * 3, trigger="test")

    def step(code):
        try:
            return jobs.run_kpi_step(code, "2026-10", run.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(step, codes * 3))
    run.refresh_from_db()
    assert run.kpis_done + run.kpis_failed == len(codes) * 3
    assert run.kpis_failed == outcomes.count(False)
    assert run.state == JobRun.State.PARTIAL and run.finished_at is not None
    assert KpiResult.objects.filter(kpi__code="test.csat", period_key="2026-10").count() == 1


@time_machine.travel(NOW)
def test_baseline_follows_recomputed_baseline_periods(definitions, fake_data, settings):
    settings.QC_PROGRAMME_START = date(2026, 4, 1)
    for month, mean in (("2026-01", 100), ("2026-02", 120), ("2026-03", 140)):
        fake_data[month] = {BANK: Measurement(mean * 40, 40, 40)}
    for month in ("2026-01", "2026-02", "2026-03"):
        compute_kpi("test.wait", month)
    assert KpiBaseline.objects.get(kpi__code="test.wait", branch=None).value == 120
    fake_data["2026-02"] = {BANK: Measurement(180 * 40, 40, 40)}  # a data correction
    compute_kpi("test.wait", "2026-02")
    assert KpiBaseline.objects.get(kpi__code="test.wait", branch=None).value == 140


@time_machine.travel(NOW)
def test_baseline_of_a_statistic_is_the_observation_weighted_mean(definitions, fake_data, settings):
    settings.QC_PROGRAMME_START = date(2026, 4, 1)
    fake_data["2026-01"] = {BANK: Measurement(0, 0, 10, value=100)}
    fake_data["2026-02"] = {BANK: Measurement(0, 0, 30, value=200)}
    fake_data["2026-03"] = {BANK: Measurement(0, 0, 60, value=300)}
    for month in ("2026-01", "2026-02", "2026-03"):
        compute_kpi("test.wait", month)
    assert (
        KpiBaseline.objects.get(kpi__code="test.wait", branch=None).value == 250
    )  # (1000+6000+18000)/100
