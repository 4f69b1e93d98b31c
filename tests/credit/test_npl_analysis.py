"""NPL analysis: ratios by dimension, the migration matrix and the causes of NPL growth."""

from datetime import date
from decimal import Decimal

import pytest

from credit import actions, queries
from credit.models import Loan
from tests.credit.factories import make_loan
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
Q2_END, Q3_END = date(2026, 6, 30), date(2026, 9, 30)


@pytest.fixture
def two_quarters(branch, relationship_manager, risk_manager):
    def loan(balance, days):
        return make_loan(
            customer=CustomerFactory(home_branch=branch),
            officer=relationship_manager,
            balance=balance,
            days_past_due=days,
            as_of=date(2026, 6, 1),
        )

    a, b, c, d = loan("100", 0), loan("50", 100), loan("30", 100), loan("20", 300)
    actions.take_snapshot(as_of=Q2_END)
    actions.update_loan_status(
        a, balance=Decimal("100"), days_past_due=120, as_of=Q3_END, source_label="core"
    )
    actions.update_loan_status(
        b, balance=Decimal("50"), days_past_due=0, as_of=Q3_END, source_label="core"
    )
    actions.update_loan_status(
        c, balance=Decimal("25"), days_past_due=150, as_of=Q3_END, source_label="core"
    )
    actions.write_off_loan(d, actor=risk_manager, reason="uncollectable", on=date(2026, 8, 1))
    loan("200", 0)
    actions.take_snapshot(as_of=Q3_END)
    return a, b, c, d


def test_causes_of_npl_growth_reconcile(two_quarters):
    movement = queries.npl_movement(start=Q2_END, end=Q3_END)
    assert (movement.npl_start, movement.npl_end) == (100, 125)
    assert movement.new_defaults == 100
    assert movement.cured == 50
    assert movement.repaid == 5
    assert movement.written_off == 20
    assert (
        movement.npl_start
        + movement.new_defaults
        - movement.cured
        - movement.repaid
        - movement.written_off
        == movement.npl_end
    )
    assert (movement.book_start, movement.book_end) == (200, 375)


def test_migration_matrix(two_quarters):
    cells = queries.migration_matrix(start=Q2_END, end=Q3_END)["cells"]
    assert cells[("normal", "substandard")]["balance"] == 100
    assert cells[("substandard", "normal")]["balance"] == 50
    assert cells[("substandard", "substandard")]["balance"] == 25
    assert cells[("doubtful", "exited")]["balance"] == 20
    assert cells[("new", "normal")]["balance"] == 200


def test_npl_by_dimension(two_quarters, branch):
    by_branch = queries.npl_by("branch", as_of=Q3_END)
    assert [(row.key, row.npl, row.total) for row in by_branch] == [(branch.pk, 125, 375)]
    assert by_branch[0].ratio == Decimal("125") / Decimal("375")
    assert {row.key for row in queries.npl_by("vintage", as_of=Q3_END)} == {"2025-Q1"}
    assert queries.npl_by("product", as_of=Q3_END)[0].label
    assert queries.npl_by("officer", as_of=Q3_END)[0].npl == 125


def test_written_off_loans_leave_the_book(two_quarters):
    assert Loan.objects.get(pk=two_quarters[3].pk).status == "written_off"
    assert queries.quarter_ends() == [Q3_END, Q2_END]
