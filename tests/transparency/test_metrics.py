"""KPI formulas on hand-made data (DESIGN.md §4)."""

from datetime import datetime, timedelta

import pytest

from kpis.registry import BANK
from qc_portal.periods import Period
from tests.factories import CustomerFactory
from transparency import metrics
from transparency.calendar import SHANGHAI
from transparency.models import Case, CaseStep, ProcessTemplate, ProgressInquiry, TrackingView

OCTOBER = Period.parse("2026-10")


def at(day, hour=10, month=10):
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


_n = 0


def make_case(branch, customer=None, *, opened, closed=None, code=True):
    global _n
    _n += 1
    customer = customer or CustomerFactory(home_branch=branch)
    return Case.objects.create(
        reference=f"REF{_n:07d}",
        access_code_hash="h" * 64 if code else "",
        customer=customer,
        branch=branch,
        template=ProcessTemplate.objects.get(business_type="mortgage"),
        business_type="mortgage",
        status=Case.Status.COMPLETED if closed else Case.Status.OPEN,
        opened_at=opened,
        closed_at=closed,
    )


@pytest.fixture
def cases(branch, other_branch):
    """branch: 4 customers with active cases (one has two), 1 of them not trackable;
    other_branch: 1 active trackable; plus cases outside October that do not count."""
    shared = CustomerFactory(home_branch=branch)
    active = [
        make_case(branch, shared, opened=at(1)),
        make_case(branch, shared, opened=at(2)),
        make_case(
            branch, opened=at(20, month=9), closed=at(1, 0)
        ),  # closed at 00:00 on 1 Oct: active
        make_case(branch, opened=at(31, 23)),  # opened on the last evening: active
        make_case(branch, opened=at(3), code=False),  # legacy: no code, customer without login
        make_case(other_branch, opened=at(5)),
    ]
    make_case(branch, opened=at(1, month=9), closed=at(30, 23, month=9))  # closed in September
    make_case(branch, opened=datetime(2026, 11, 1, 0, tzinfo=SHANGHAI))  # opened in November
    return active


def test_tracking_coverage(cases, branch, other_branch):
    result = metrics.tracking_coverage(OCTOBER)
    assert (result[branch.pk].numerator, result[branch.pk].denominator) == (3, 4)
    assert (result[other_branch.pk].numerator, result[other_branch.pk].denominator) == (1, 1)
    assert (result[BANK].numerator, result[BANK].denominator, result[BANK].observations) == (
        4,
        5,
        5,
    )


def test_a_customer_login_makes_a_case_trackable(cases, branch, customer):
    legacy = cases[4]
    legacy.customer = customer.customer
    legacy.save()
    assert metrics.tracking_coverage(OCTOBER)[branch.pk].numerator == 4


def test_tracking_usage_counts_customers_who_viewed_in_the_period(cases, branch, other_branch):
    shared_first, shared_second = cases[0], cases[1]
    for case, moment in [
        (shared_first, at(2)),
        (shared_second, at(3)),  # the same customer again: counted once
        (cases[3], datetime(2026, 11, 1, 0, tzinfo=SHANGHAI)),  # November: not October
        (cases[5], at(31, 23)),
    ]:
        TrackingView.objects.create(
            case=case, customer=case.customer, branch=case.branch, channel="web", viewed_at=moment
        )
    result = metrics.tracking_usage(OCTOBER)
    assert (result[branch.pk].numerator, result[branch.pk].denominator) == (1, 4)
    assert (result[other_branch.pk].numerator, result[other_branch.pk].denominator) == (1, 1)
    assert (result[BANK].numerator, result[BANK].denominator) == (2, 5)


def test_inquiry_rate_per_100_active_cases(cases, branch, other_branch):
    for case, moment in [
        (cases[0], at(4)),
        (cases[0], at(5)),
        (cases[4], at(31, 23)),
        (cases[5], at(30, 23, month=9)),
    ]:
        ProgressInquiry.objects.create(
            case=case, branch=case.branch, channel="phone", received_at=moment
        )
    result = metrics.inquiry_rate(OCTOBER)
    assert (result[branch.pk].numerator, result[branch.pk].denominator) == (3, 5)
    assert (result[other_branch.pk].numerator, result[other_branch.pk].denominator) == (0, 1)
    assert (result[BANK].numerator, result[BANK].denominator) == (3, 6)
    from kpis.evaluation import value_of

    assert value_of(result[branch.pk], "per_100") == pytest.approx(60.0)


def test_steps_on_time(cases, branch, other_branch):
    step = ProcessTemplate.objects.get(business_type="mortgage").steps.first()

    def run(case, due, finished, outcome="done"):
        CaseStep.objects.create(
            case=case,
            step=step,
            started_at=due - timedelta(days=1),
            due_at=due,
            finished_at=finished,
            outcome=outcome,
        )

    run(cases[0], at(10), at(10))  # exactly at the due time: on time
    run(cases[1], at(10), at(10) + timedelta(seconds=1))  # one second late
    run(cases[3], at(10), at(9))
    run(cases[2], at(10), at(9), outcome="stopped")  # rejected/cancelled: not a finished step
    run(cases[5], at(10), at(11))
    run(cases[5], at(30, month=9), at(30, 23, month=9))  # finished in September
    result = metrics.steps_on_time(OCTOBER)
    assert (result[branch.pk].numerator, result[branch.pk].denominator) == (2, 3)
    assert (result[other_branch.pk].numerator, result[other_branch.pk].denominator) == (0, 1)
    assert (result[BANK].numerator, result[BANK].denominator) == (2, 4)


@pytest.mark.django_db
def test_empty_period_gives_zero_observations():
    for compute in (
        metrics.tracking_coverage,
        metrics.tracking_usage,
        metrics.inquiry_rate,
        metrics.steps_on_time,
    ):
        result = compute(OCTOBER)
        assert list(result) == [BANK] and result[BANK].observations == 0


def test_kpis_are_registered():
    from kpis import registry

    registry.discover()
    codes = set(registry.definitions())
    assert {
        "transparency.tracking_coverage",
        "transparency.tracking_usage",
        "transparency.inquiry_rate",
        "transparency.steps_on_time",
    } <= codes


def test_each_kpi_is_a_fixed_number_of_queries(cases, django_assert_max_num_queries):
    for compute in (
        metrics.tracking_coverage,
        metrics.tracking_usage,
        metrics.inquiry_rate,
        metrics.steps_on_time,
    ):
        with django_assert_max_num_queries(2):
            compute(OCTOBER)
