"""Each stage change posts a customer-visible step on the application's case."""

import pytest

from credit import actions
from transparency import queries as case_queries

pytestmark = pytest.mark.django_db


def timeline(application):
    case = case_queries.find_case_by_reference(application.case_reference)
    return case, list(case_queries.customer_timeline(case))


def current_step(case):
    case.refresh_from_db()
    return case.current_step.step.code if case.current_step else None


def test_submitting_opens_the_customer_s_case_at_initial_review(application, customer):
    assert application.case_reference
    case, _events = timeline(application)
    assert case.customer == customer.customer
    assert case.business_type == "consumer_loan"
    assert current_step(case) == "initial_review"
    assert case_queries.customer_cases(customer).filter(pk=case.pk).exists()


def test_the_customer_sees_each_stage(application, risk_initial, risk_review, risk_final):
    case, _ = timeline(application)
    actions.decide_stage(
        application, stage="initial_review", decision="approve", reason="ok", actor=risk_initial
    )
    assert current_step(case) == "second_review"
    actions.decide_stage(
        application, stage="second_review", decision="approve", reason="ok", actor=risk_review
    )
    assert current_step(case) == "final_approval"
    actions.decide_stage(
        application, stage="final_approval", decision="approve", reason="ok", actor=risk_final
    )
    assert current_step(case) == "disbursement"
    _case, events = timeline(application)
    started = [e.step.code for e in events if e.kind == "step_started"]
    assert started[-4:] == ["initial_review", "second_review", "final_approval", "disbursement"]
    # Internal reasons stay internal.
    assert not any("ok" == e.text for e in events)


def test_a_rejection_closes_the_case(application, risk_initial):
    actions.decide_stage(
        application,
        stage="initial_review",
        decision="reject",
        reason="internal: fraud flags",
        actor=risk_initial,
    )
    case, events = timeline(application)
    assert case.status == "rejected"
    assert all("fraud" not in e.text for e in events)


def test_a_return_and_resubmission_are_customer_visible_notes(
    application, risk_initial, relationship_manager
):
    actions.decide_stage(
        application,
        stage="initial_review",
        decision="return",
        reason="payslips",
        actor=risk_initial,
    )
    actions.resubmit_application(application, actor=relationship_manager)
    case, events = timeline(application)
    notes = [e for e in events if e.kind == "note"]
    assert len(notes) >= 2
    assert current_step(case) == "initial_review"


def test_a_case_closed_by_hand_does_not_block_the_decision(application, risk_initial, risk_manager):
    from transparency import actions as case_actions

    case, _ = timeline(application)
    case_actions.cancel_case(case, actor=risk_manager, reason="customer withdrew by phone")
    decision = actions.decide_stage(
        application, stage="initial_review", decision="approve", reason="ok", actor=risk_initial
    )
    assert decision.pk
