"""Five-category floors (DOMAIN.md: "more than N" is exclusive) and manual judgement."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from credit import actions, classification
from credit.models import ClassificationChange, Loan
from tests.credit.factories import make_loan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "days, category",
    [
        (0, "normal"),
        (1, "special_mention"),
        (90, "special_mention"),
        (91, "substandard"),
        (270, "substandard"),
        (271, "doubtful"),
        (360, "doubtful"),
        (361, "loss"),
        (5000, "loss"),
    ],
)
def test_floor_at_the_exact_threshold_days(days, category):
    assert classification.floor_for(days) == category


def test_thresholds_are_configurable(settings):
    settings.QC_CREDIT_CLASSIFICATION_THRESHOLDS = {"substandard": 60}
    assert classification.floor_for(60) == "special_mention"
    assert classification.floor_for(61) == "substandard"
    assert classification.floor_for(271) == "doubtful"


@pytest.fixture
def loan(customer, relationship_manager):
    return make_loan(customer=customer.customer, officer=relationship_manager, balance="50000")


@pytest.mark.parametrize(
    "days, category",
    [
        (90, "special_mention"),
        (91, "substandard"),
        (270, "substandard"),
        (271, "doubtful"),
        (360, "doubtful"),
        (361, "loss"),
    ],
)
def test_a_status_update_classifies_by_the_floor(loan, days, category):
    loan = actions.update_loan_status(
        loan,
        balance=Decimal("40000"),
        days_past_due=days,
        as_of=date(2026, 2, 1),
        source_label="source:core",
    )
    assert loan.category == category
    change = ClassificationChange.objects.get(loan=loan)
    assert (change.from_category, change.to_category, change.days_past_due) == (
        "normal",
        category,
        days,
    )


def test_risk_manager_may_classify_worse_with_a_reason(loan, risk_manager):
    loan = actions.classify_loan(
        loan, category="doubtful", reason="borrower's business closed", actor=risk_manager
    )
    assert loan.category == "doubtful" and loan.manual_category == "doubtful"
    # A later status update keeps the judgement: the worse of floor and manual.
    loan = actions.update_loan_status(
        loan,
        balance=Decimal("50000"),
        days_past_due=0,
        as_of=date(2026, 2, 1),
        source_label="source:core",
    )
    assert loan.category == "doubtful"


def test_classifying_better_than_the_floor_is_refused(loan, risk_manager):
    loan = actions.update_loan_status(
        loan,
        balance=Decimal("50000"),
        days_past_due=91,
        as_of=date(2026, 2, 1),
        source_label="source:core",
    )
    with pytest.raises(ValidationError) as error:
        actions.classify_loan(
            loan, category="special_mention", reason="well secured", actor=risk_manager_user(loan)
        )
    assert "category" in error.value.message_dict
    loan.refresh_from_db()
    assert loan.category == "substandard"


def risk_manager_user(loan):
    from tests.factories import make_staff

    return make_staff(
        "risk_manager", branch=loan.branch, username="rm_judge", department_code="risk"
    )


def test_a_manual_downgrade_can_be_lifted_back_to_the_floor_but_no_further(loan, risk_manager):
    actions.classify_loan(loan, category="loss", reason="fraud suspected", actor=risk_manager)
    loan = actions.classify_loan(
        loan, category="normal", reason="fraud cleared", actor=risk_manager
    )
    assert loan.category == "normal" and loan.manual_category == ""


def test_classifying_needs_a_reason_and_the_risk_manager_role(loan, risk_manager, risk_final):
    with pytest.raises(ValidationError):
        actions.classify_loan(loan, category="loss", reason=" ", actor=risk_manager)
    with pytest.raises(PermissionDenied):
        actions.classify_loan(loan, category="loss", reason="x", actor=risk_final)


def test_daily_recompute_applies_changed_thresholds_and_keeps_history(loan, settings):
    Loan.objects.filter(pk=loan.pk).update(
        days_past_due=75, floor_category="special_mention", category="special_mention"
    )
    settings.QC_CREDIT_CLASSIFICATION_THRESHOLDS = {"substandard": 60}
    assert actions.recompute_classifications(as_of=date(2026, 2, 10)) == 1
    loan.refresh_from_db()
    assert loan.category == "substandard"
    assert ClassificationChange.objects.filter(loan=loan, source="daily").count() == 1
    assert actions.recompute_classifications(as_of=date(2026, 2, 11)) == 0


def test_the_daily_run_on_a_quarter_end_takes_the_snapshot(loan):
    from credit.models import ClassificationSnapshot

    actions.recompute_classifications(as_of=date(2026, 3, 30))
    assert not ClassificationSnapshot.objects.exists()
    actions.recompute_classifications(as_of=date(2026, 3, 31))
    assert ClassificationSnapshot.objects.filter(as_of=date(2026, 3, 31), loan=loan).count() == 1


def test_a_missed_quarter_end_is_snapshotted_on_the_next_quarter_s_first_day(loan):
    from credit.models import ClassificationSnapshot

    actions.recompute_classifications(as_of=date(2026, 4, 1))
    assert ClassificationSnapshot.objects.filter(as_of=date(2026, 3, 31)).count() == 1


def test_older_status_records_are_refused(loan):
    actions.update_loan_status(
        loan,
        balance=Decimal("1"),
        days_past_due=3,
        as_of=date(2026, 3, 1),
        source_label="source:core",
    )
    with pytest.raises(ValidationError):
        actions.update_loan_status(
            loan,
            balance=Decimal("1"),
            days_past_due=0,
            as_of=date(2026, 2, 1),
            source_label="source:core",
        )


def test_hand_updates_need_a_risk_manager(loan, relationship_manager, risk_manager):
    with pytest.raises(PermissionDenied):
        actions.update_loan_status(
            loan,
            balance=Decimal("1"),
            days_past_due=0,
            as_of=date(2026, 3, 1),
            actor=relationship_manager,
        )
    loan = actions.update_loan_status(
        loan, balance=Decimal("0"), days_past_due=0, as_of=date(2026, 3, 1), actor=risk_manager
    )
    assert loan.status == "repaid"


def test_the_loan_status_inbound_type_applies_a_record(loan):
    from integration.registry import discover, get

    discover()
    inbound = get("loan_status")
    assert inbound is not None
    data = inbound.serializer(
        data={
            "loan_number": loan.reference,
            "balance": "49000.00",
            "days_past_due": 95,
            "as_of": "2026-03-05",
        }
    )
    assert data.is_valid(), data.errors
    source = type("Source", (), {"code": "core"})()
    updated = inbound.apply(data.validated_data, source=source)
    assert updated.category == "substandard" and updated.outstanding_balance == Decimal("49000")
    with pytest.raises(ValidationError):
        inbound.apply({**data.validated_data, "loan_number": "NOPE"}, source=source)


def test_contagion_makes_all_of_a_borrower_s_loans_non_performing(customer, relationship_manager):
    borrower = customer.customer
    big = make_loan(customer=borrower, officer=relationship_manager, balance="890")
    bad = make_loan(
        customer=borrower, officer=relationship_manager, balance="110", days_past_due=100
    )  # 11 %
    actions.recompute_classifications(as_of=date(2026, 2, 10))
    big.refresh_from_db()
    assert big.category == "substandard" and big.contagion_floor
    assert (
        "Contagion" in ClassificationChange.objects.get(loan=big).reason
        or "传染" in ClassificationChange.objects.get(loan=big).reason
    )
    # A status update between daily runs keeps the contagion floor.
    big = actions.update_loan_status(
        big,
        balance=Decimal("890"),
        days_past_due=0,
        as_of=date(2026, 2, 11),
        source_label="source:core",
    )
    assert big.category == "substandard"
    # Once the bad loan is repaid, the next run lifts it.
    actions.update_loan_status(
        bad, balance=Decimal("0"), days_past_due=0, as_of=date(2026, 2, 12), source_label="core"
    )
    actions.recompute_classifications(as_of=date(2026, 2, 13))
    big.refresh_from_db()
    assert big.category == "normal" and not big.contagion_floor


def test_exactly_ten_percent_is_no_contagion(customer, relationship_manager):
    borrower = customer.customer
    good = make_loan(customer=borrower, officer=relationship_manager, balance="900")
    make_loan(customer=borrower, officer=relationship_manager, balance="100", days_past_due=100)
    actions.recompute_classifications(as_of=date(2026, 2, 10))
    good.refresh_from_db()
    assert good.category == "normal"
