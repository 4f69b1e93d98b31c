"""Credit test data: a policy, scorecard inputs, applications walked through stages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from credit import scoring
from credit.models import Application, CreditPolicy, Loan
from qc_portal.models import Customer

GOOD_INPUTS = {
    "debt_to_income": 0.1,
    "credit_history_years": 10,
    "collateral_cover": 2,
    "employment": "permanent",
    "existing_exposure_ratio": 0.2,
}  # 100 points, grade A
WEAK_INPUTS = {
    "debt_to_income": 0.6,
    "credit_history_years": 0,
    "collateral_cover": 0,
    "employment": "none",
    "existing_exposure_ratio": 2,
}  # 0 points, below every cut-off


def make_policy(
    *, version: int = 1, effective_from: date = date(2020, 1, 1), cutoff: int = 50
) -> CreditPolicy:
    return CreditPolicy.objects.create(
        version=version,
        effective_from=effective_from,
        scorecard=scoring.DEFAULT_SCORECARD,
        grade_bands=scoring.DEFAULT_GRADE_BANDS,
        cutoff_score=cutoff,
        amount_tiers=[],
    )


def submit(
    relationship_manager,
    *,
    customer: Customer | None = None,
    amount="100000.00",
    inputs=None,
    product="consumer_loan",
):
    from credit import actions

    customer = (
        customer
        or Customer.objects.filter(home_branch=relationship_manager.staff_profile.branch).first()
    )
    return actions.submit_application(
        customer,
        actor=relationship_manager,
        product=product,
        amount=Decimal(amount),
        term_months=24,
        purpose="renovation",
        scorecard_inputs=inputs or GOOD_INPUTS,
        documents=["id_card", "income_proof"],
    )


def make_loan(
    *,
    customer,
    officer,
    branch=None,
    balance="1000",
    days_past_due=0,
    product="consumer_loan",
    disbursed_on=date(2025, 1, 10),
    as_of=date(2026, 1, 1),
    reference=None,
) -> Loan:
    from credit import classification

    floor = classification.floor_for(days_past_due)
    count = Loan.objects.count()
    return Loan.objects.create(
        reference=reference or f"LNT{count + 1:06d}",
        customer=customer,
        branch=branch or customer.home_branch,
        product=product,
        officer=officer,
        principal=Decimal(balance),
        outstanding_balance=Decimal(balance),
        disbursed_on=disbursed_on,
        maturity_on=date(2030, 1, 1),
        days_past_due=days_past_due,
        status_as_of=as_of,
        floor_category=floor,
        category=floor,
    )


__all__ = ["Application", "GOOD_INPUTS", "WEAK_INPUTS", "make_loan", "make_policy", "submit"]
