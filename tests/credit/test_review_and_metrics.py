"""NPL ratio (DOMAIN.md worked example), the quarterly review and the approval error rate."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from credit import actions, metrics
from credit.models import Decision, ReviewItem
from kpis.registry import BANK
from qc_portal.periods import Period
from tests.credit.factories import WEAK_INPUTS, make_loan, submit
from tests.factories import CustomerFactory, make_staff

pytestmark = pytest.mark.django_db
Q3 = Period.parse("2026-Q3")


def worked_example_book(branch, officer, *, as_of=date(2026, 9, 30)):
    """DOMAIN.md: normal 900, special mention 50, substandard 20, doubtful 20, loss 10."""
    for balance, days in (("900", 0), ("50", 30), ("20", 100), ("20", 300), ("10", 400)):
        make_loan(
            customer=CustomerFactory(home_branch=branch),
            officer=officer,
            balance=balance,
            days_past_due=days,
        )
    actions.take_snapshot(as_of=as_of)


def test_npl_ratio_of_the_worked_example_is_5_percent(branch, relationship_manager):
    worked_example_book(branch, relationship_manager)
    result = metrics.npl_ratio(Q3)
    assert result[BANK].numerator == Decimal("50") and result[BANK].denominator == Decimal("1000")
    assert round(result[BANK].computed_value(), 4) == 0.05
    assert result[branch.pk].computed_value() == pytest.approx(0.05)
    assert result[BANK].observations == 5


def test_npl_ratio_is_per_branch(branch, other_branch, relationship_manager):
    worked_example_book(branch, relationship_manager, as_of=date(2026, 6, 30))
    make_loan(
        customer=CustomerFactory(home_branch=other_branch),
        officer=relationship_manager,
        balance="1000",
    )
    actions.take_snapshot(as_of=date(2026, 9, 30))
    result = metrics.npl_ratio(Q3)
    assert result[other_branch.pk].computed_value() == 0
    assert result[BANK].computed_value() == pytest.approx(50 / 2000)


def test_npl_ratio_of_a_quarter_without_a_book_is_empty(db):
    result = metrics.npl_ratio(Q3)
    assert result[BANK].denominator == 0 and result[BANK].computed_value() is None


def test_a_past_quarter_reads_its_snapshot_not_today_s_book(branch, relationship_manager):
    worked_example_book(branch, relationship_manager)
    from credit.models import Loan

    Loan.objects.update(category="loss")
    assert metrics.npl_ratio(Q3)[BANK].computed_value() == pytest.approx(0.05)


def _decided(relationship_manager, customer, officer, n, *, inputs=None, override=False):
    decisions = []
    for _ in range(n):
        application = submit(relationship_manager, customer=customer, inputs=inputs)
        decisions.append(
            actions.decide_stage(
                application,
                stage="initial_review",
                decision="approve",
                reason="ok",
                actor=officer,
                override_reason="collateral" if override else "",
            )
        )
    return decisions


def test_the_sample_holds_every_override_and_a_stratified_random_share(
    policy, branch, other_branch, relationship_manager, customer, risk_initial
):
    other_rm = make_staff("relationship_manager", branch=other_branch, username="rm2")
    other_customer = CustomerFactory(home_branch=other_branch)
    overrides = _decided(
        relationship_manager, customer.customer, risk_initial, 2, inputs=WEAK_INPUTS, override=True
    )
    _decided(relationship_manager, customer.customer, risk_initial, 10)
    _decided(other_rm, other_customer, risk_initial, 3)
    sample = actions.propose_review_sample(Period.current("quarter"), random_share=Decimal("0.2"))
    items = list(sample.items.all())
    assert {i.decision_id for i in items if i.selection == "override"} == {d.pk for d in overrides}
    randoms = [i for i in items if i.selection == "random"]
    assert sum(1 for i in randoms if i.branch_id == branch.pk) == 2  # ceil(0.2 × 10)
    assert sum(1 for i in randoms if i.branch_id == other_branch.pk) == 1  # ceil(0.2 × 3)
    # Proposed once: a second run returns the same sample.
    assert actions.propose_review_sample(Period.current("quarter")).pk == sample.pk
    assert ReviewItem.objects.count() == len(items)


def test_returns_are_not_sampled(policy, relationship_manager, customer, risk_initial):
    application = submit(relationship_manager, customer=customer.customer)
    actions.decide_stage(
        application, stage="initial_review", decision="return", reason="docs", actor=risk_initial
    )
    assert (
        actions.propose_review_sample(Period.current("quarter"), random_share=1).items.count() == 0
    )


def test_error_rate_is_erroneous_over_reviewed(
    policy, branch, relationship_manager, customer, risk_initial, risk_manager
):
    _decided(relationship_manager, customer.customer, risk_initial, 4)
    sample = actions.propose_review_sample(Period.current("quarter"), random_share=1)
    first, second, third, _pending = sample.items.order_by("id")
    actions.review_decision(
        first,
        outcome="erroneous",
        error_category="documents",
        note="no income proof",
        actor=risk_manager,
    )
    actions.review_decision(second, outcome="correct", actor=risk_manager)
    actions.review_decision(third, outcome="correct", actor=risk_manager)
    result = metrics.approval_error_rate(Period.current("quarter"))
    assert (result[BANK].numerator, result[BANK].denominator) == (1, 3)
    assert result[branch.pk].computed_value() == pytest.approx(1 / 3)
    assert metrics.approval_error_rate(Q3)[BANK].denominator == 0


def test_review_rules(policy, relationship_manager, customer, risk_initial, risk_manager, branch):
    _decided(relationship_manager, customer.customer, risk_initial, 1)
    item = actions.propose_review_sample(Period.current("quarter"), random_share=1).items.get()
    with pytest.raises(ValidationError):
        actions.review_decision(item, outcome="erroneous", actor=risk_manager)  # needs a category
    with pytest.raises(ValidationError):
        actions.review_decision(item, outcome="maybe", actor=risk_manager)
    with pytest.raises(PermissionDenied):
        actions.review_decision(item, outcome="correct", actor=risk_initial)
    from django.contrib.auth.models import Group

    risk_initial.groups.add(Group.objects.get(name="risk_manager"))
    risk_initial._qc_roles = None
    with pytest.raises(PermissionDenied):
        actions.review_decision(item, outcome="correct", actor=risk_initial)  # their own decision


def test_monitor_metrics(policy, branch, relationship_manager, customer, risk_initial, risk_review):
    application = submit(relationship_manager, customer=customer.customer)
    actions.decide_stage(
        application, stage="initial_review", decision="return", reason="docs", actor=risk_initial
    )
    actions.resubmit_application(application, actor=relationship_manager)
    actions.decide_stage(
        application, stage="initial_review", decision="approve", reason="ok", actor=risk_initial
    )
    weak = submit(relationship_manager, customer=customer.customer, inputs=WEAK_INPUTS)
    actions.decide_stage(
        weak,
        stage="initial_review",
        decision="approve",
        reason="ok",
        override_reason="guarantee",
        actor=risk_initial,
    )
    month = Period.current("month")
    assert (
        metrics.return_rate(month)[BANK].numerator,
        metrics.return_rate(month)[BANK].denominator,
    ) == (1, 3)
    assert (
        metrics.override_rate(month)[BANK].numerator,
        metrics.override_rate(month)[BANK].denominator,
    ) == (1, 2)
    turnaround = metrics._turnaround("initial_review")(month)
    assert turnaround[BANK].denominator == 3 and turnaround[BANK].numerator >= 0
    assert Decision.objects.filter(is_override=True).count() == 1


def test_credit_kpis_are_registered():
    from kpis.registry import definitions, discover

    discover()
    codes = set(definitions())
    assert {
        "credit.npl_ratio",
        "credit.approval_error_rate",
        "credit.override_rate",
        "credit.return_rate",
        "credit.turnaround.initial_review",
        "credit.turnaround.second_review",
        "credit.turnaround.final_approval",
    } <= codes
