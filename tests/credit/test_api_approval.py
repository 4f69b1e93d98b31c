"""The approval rules of DESIGN.md §5, through the public API."""

from decimal import Decimal

import pytest

from credit.models import Application, Decision, Loan
from tests.credit.factories import GOOD_INPUTS, WEAK_INPUTS, submit
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

URL = "/api/v1/credit/applications/"


def decide(client, application, stage, decision="approve", reason="meets policy", **extra):
    return client.post(
        f"{URL}{application.pk}/decisions/",
        {"stage": stage, "decision": decision, "reason": reason, **extra},
        format="json",
    )


def payload(customer, **overrides):
    body = {
        "customer": customer.pk,
        "product": "consumer_loan",
        "amount": "200000.00",
        "term_months": 36,
        "purpose": "home renovation",
        "scorecard_inputs": GOOD_INPUTS,
        "documents": ["id_card", "payslips"],
    }
    body.update(overrides)
    return body


# --- submitting -------------------------------------------------------------------------------


def test_relationship_manager_submits_and_the_application_is_scored(
    api_as, relationship_manager, customer, policy
):
    response = api_as(relationship_manager).post(URL, payload(customer.customer), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stage"] == "initial_review"
    assert body["status"] == "in_review"
    assert body["score"] == 100 and body["grade"] == "A"
    assert body["policy_version"] == policy.version
    assert body["relationship_manager"] == relationship_manager.username
    assert body["branch"] == relationship_manager.staff_profile.branch.code


def test_protected_fields_in_the_payload_are_ignored(
    api_as, relationship_manager, customer, policy, risk_final
):
    body = payload(
        customer.customer,
        stage="approved",
        status="approved",
        score=999,
        grade="A+",
        relationship_manager=risk_final.pk,
        policy_version=99,
        version=50,
        decisions=[],
    )
    response = api_as(relationship_manager).post(URL, body, format="json")
    assert response.status_code == 201
    application = Application.objects.get(pk=response.json()["id"])
    assert (application.stage, application.status, application.score) == (
        "initial_review",
        "in_review",
        100,
    )
    assert application.relationship_manager == relationship_manager
    assert application.version == 1


def test_submitting_needs_the_relationship_manager_role(api_as, risk_initial, customer, policy):
    response = api_as(risk_initial).post(URL, payload(customer.customer), format="json")
    assert response.status_code == 403


def test_submitting_for_another_branch_customer_is_refused(
    api_as, relationship_manager, other_customer, policy
):
    response = api_as(relationship_manager).post(
        URL, payload(other_customer.customer), format="json"
    )
    assert response.status_code == 400
    assert "customer" in response.json()["errors"]


@pytest.mark.parametrize(
    "field, value",
    [("amount", "0"), ("amount", "-5"), ("term_months", 0), ("product", "yacht"), ("purpose", "")],
)
def test_bad_input_is_refused(api_as, relationship_manager, customer, policy, field, value):
    response = api_as(relationship_manager).post(
        URL, payload(customer.customer, **{field: value}), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_missing_scorecard_input_is_refused(api_as, relationship_manager, customer, policy):
    inputs = dict(GOOD_INPUTS)
    del inputs["employment"]
    response = api_as(relationship_manager).post(
        URL, payload(customer.customer, scorecard_inputs=inputs), format="json"
    )
    assert response.status_code == 400
    assert "employment" in response.json()["message"]


def test_without_a_policy_nothing_can_be_submitted(api_as, relationship_manager, customer):
    response = api_as(relationship_manager).post(URL, payload(customer.customer), format="json")
    assert response.status_code == 400


def test_anonymous_cannot_submit(api, customer, policy):
    assert api.post(URL, payload(customer.customer), format="json").status_code in (401, 403)


# --- the three stages -------------------------------------------------------------------------


def test_three_officers_approve_in_turn_and_a_loan_opens(
    api_as, application, risk_initial, risk_review, risk_final
):
    assert decide(api_as(risk_initial), application, "initial_review").status_code == 201
    assert decide(api_as(risk_review), application, "second_review").status_code == 201
    response = decide(api_as(risk_final), application, "final_approval")
    assert response.status_code == 201
    body = response.json()
    assert body["stage"] == "approved" and body["status"] == "approved"
    assert [d["stage"] for d in body["decisions"]] == [
        "initial_review",
        "second_review",
        "final_approval",
    ]
    decision = Decision.objects.get(application=application, stage="final_approval")
    assert decision.reason == "meets policy"
    assert decision.score == 100 and decision.policy_version == 1 and decision.decider == risk_final
    loan = Loan.objects.get(application=application)
    assert loan.principal == application.amount == loan.outstanding_balance
    assert loan.category == "normal"


def test_each_stage_needs_its_own_role(api_as, application, risk_review):
    response = decide(api_as(risk_review), application, "initial_review")
    assert response.status_code == 403
    assert "初审" in response.json()["message"] or "Initial" in response.json()["message"]


def test_same_officer_cannot_decide_two_stages(api_as, application, branch):
    officer = make_staff(
        "risk_initial", branch=branch, username="double_hat", department_code="risk"
    )
    officer.groups.add(
        *__import__("django.contrib.auth.models", fromlist=["Group"]).Group.objects.filter(
            name="risk_review"
        )
    )
    client = api_as(officer)
    assert decide(client, application, "initial_review").status_code == 201
    response = decide(client, application, "second_review")
    assert response.status_code == 403
    assert "Four eyes" in response.json()["message"] or "四眼" in response.json()["message"]
    assert Decision.objects.filter(application=application).count() == 1


def test_submitter_may_decide_no_stage(api_as, policy, branch, customer):
    submitter = make_staff("relationship_manager", branch=branch, username="rm_officer")
    from django.contrib.auth.models import Group

    submitter.groups.add(Group.objects.get(name="risk_initial"))
    application = submit(submitter, customer=customer.customer)
    response = decide(api_as(submitter), application, "initial_review")
    assert response.status_code == 403
    assert "submitted" in response.json()["message"] or "提交" in response.json()["message"]


def test_relationship_manager_cannot_decide_their_application(
    api_as, application, relationship_manager
):
    response = decide(api_as(relationship_manager), application, "initial_review")
    assert response.status_code == 403


def _to_final(api_as, application, risk_initial, risk_review):
    assert decide(api_as(risk_initial), application, "initial_review").status_code == 201
    assert decide(api_as(risk_review), application, "second_review").status_code == 201


def test_final_approver_may_approve_exactly_their_limit(
    api_as, policy, relationship_manager, customer, risk_initial, risk_review, risk_final
):
    application = submit(relationship_manager, customer=customer.customer, amount="1000000.00")
    _to_final(api_as, application, risk_initial, risk_review)
    response = decide(api_as(risk_final), application, "final_approval")
    assert response.status_code == 201
    assert Decision.objects.get(
        application=application, stage="final_approval"
    ).decider_limit == Decimal("1000000")


def test_one_cent_above_the_limit_is_refused_with_the_reason(
    api_as, policy, relationship_manager, customer, risk_initial, risk_review, risk_final
):
    application = submit(relationship_manager, customer=customer.customer, amount="1000000.01")
    _to_final(api_as, application, risk_initial, risk_review)
    response = decide(api_as(risk_final), application, "final_approval")
    assert response.status_code == 403
    assert "1,000,000.01" in response.json()["message"]
    application.refresh_from_db()
    assert application.stage == "final_approval" and application.status == "in_review"
    # An approver with a higher limit may approve it.
    senior = make_staff(
        "risk_final",
        branch=application.branch,
        username="senior_final",
        department_code="risk",
        credit_authority_limit=5_000_000,
    )
    assert decide(api_as(senior), application, "final_approval").status_code == 201


def test_a_final_approver_below_the_amount_may_still_reject(
    api_as, policy, relationship_manager, customer, risk_initial, risk_review, risk_final
):
    application = submit(relationship_manager, customer=customer.customer, amount="2000000.00")
    _to_final(api_as, application, risk_initial, risk_review)
    response = decide(
        api_as(risk_final), application, "final_approval", decision="reject", reason="too large"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "rejected"


def test_approving_below_the_cut_off_needs_an_override_reason(
    api_as, policy, relationship_manager, customer, risk_initial
):
    application = submit(relationship_manager, customer=customer.customer, inputs=WEAK_INPUTS)
    response = decide(api_as(risk_initial), application, "initial_review")
    assert response.status_code == 400
    assert "override_reason" in response.json()["errors"]
    response = decide(
        api_as(risk_initial),
        application,
        "initial_review",
        override_reason="guarantor from parent company",
    )
    assert response.status_code == 201
    decision = Decision.objects.get(application=application)
    assert decision.is_override and decision.override_reason == "guarantor from parent company"
    assert decision.score == 0 and decision.cutoff_score == 50


def test_rejecting_below_the_cut_off_is_no_override(
    api_as, policy, relationship_manager, customer, risk_initial
):
    application = submit(relationship_manager, customer=customer.customer, inputs=WEAK_INPUTS)
    assert (
        decide(
            api_as(risk_initial), application, "initial_review", decision="reject", reason="weak"
        ).status_code
        == 201
    )
    assert not Decision.objects.get(application=application).is_override


def test_any_stage_may_reject_and_that_ends_it(api_as, application, risk_initial, risk_review):
    assert decide(api_as(risk_initial), application, "initial_review").status_code == 201
    response = decide(
        api_as(risk_review),
        application,
        "second_review",
        decision="reject",
        reason="income unverifiable",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "rejected"
    assert not Loan.objects.exists()


def test_a_stale_stage_answers_409(api_as, application, risk_initial, branch):
    colleague = make_staff(
        "risk_initial", branch=branch, username="colleague", department_code="risk"
    )
    assert decide(api_as(risk_initial), application, "initial_review").status_code == 201
    response = decide(api_as(colleague), application, "initial_review")
    assert response.status_code == 409
    assert Decision.objects.filter(application=application).count() == 1


def test_deciding_a_stage_not_reached_answers_409(api_as, application, risk_review):
    response = decide(api_as(risk_review), application, "second_review")
    assert response.status_code == 409


def test_deciding_a_closed_application_answers_409(api_as, application, risk_initial):
    decide(api_as(risk_initial), application, "initial_review", decision="reject", reason="no")
    response = decide(api_as(risk_initial), application, "initial_review")
    assert response.status_code == 409


@pytest.mark.parametrize(
    "body, field",
    [
        ({"stage": "approved", "decision": "approve", "reason": "x"}, "stage"),
        ({"stage": "initial_review", "decision": "maybe", "reason": "x"}, "decision"),
        ({"stage": "initial_review", "decision": "approve", "reason": ""}, "reason"),
    ],
)
def test_bad_decision_input_is_refused(api_as, application, risk_initial, body, field):
    response = api_as(risk_initial).post(f"{URL}{application.pk}/decisions/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_decider_cannot_be_set_by_the_client(api_as, application, risk_initial, risk_manager):
    response = decide(
        api_as(risk_initial),
        application,
        "initial_review",
        decider=risk_manager.pk,
        is_override=True,
    )
    assert response.status_code == 201
    decision = Decision.objects.get(application=application)
    assert decision.decider == risk_initial and not decision.is_override


def test_deciding_an_unknown_application_is_404(api_as, risk_initial, policy):
    assert (
        api_as(risk_initial).post(f"{URL}999999/decisions/", {}, format="json").status_code == 404
    )


def test_customers_and_strangers_cannot_decide(
    api_as, application, customer, no_role_user, branch_manager
):
    for user in (customer, no_role_user, branch_manager):
        assert decide(api_as(user), application, "initial_review").status_code == 404


# --- return and resubmit ----------------------------------------------------------------------


def test_return_and_resubmit_into_the_same_stage(
    api_as, application, relationship_manager, risk_initial, risk_review
):
    response = decide(
        api_as(risk_initial),
        application,
        "initial_review",
        decision="return",
        reason="need latest payslips",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "returned"
    assert response.json()["stage"] == "initial_review"
    # While returned, nobody can decide it.
    assert decide(api_as(risk_initial), application, "initial_review").status_code == 409
    response = api_as(relationship_manager).post(
        f"{URL}{application.pk}/resubmit/",
        {"note": "payslips added", "documents": ["id_card", "payslips_2026"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_review" and response.json()["stage"] == "initial_review"
    assert response.json()["documents"] == ["id_card", "payslips_2026"]
    # The officer who returned it decides the same stage again: that is one stage, not two.
    assert decide(api_as(risk_initial), application, "initial_review").status_code == 201
    assert decide(api_as(risk_review), application, "second_review").status_code == 201


def test_resubmitting_with_new_inputs_rescores(
    api_as, application, relationship_manager, risk_initial
):
    decide(
        api_as(risk_initial),
        application,
        "initial_review",
        decision="return",
        reason="check income",
    )
    response = api_as(relationship_manager).post(
        f"{URL}{application.pk}/resubmit/", {"scorecard_inputs": WEAK_INPUTS}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["score"] == 0


def test_only_the_submitter_resubmits(api_as, application, risk_initial, risk_manager):
    decide(
        api_as(risk_initial), application, "initial_review", decision="return", reason="more info"
    )
    assert (
        api_as(risk_manager).post(f"{URL}{application.pk}/resubmit/", {}, format="json").status_code
        == 403
    )


def test_resubmitting_an_application_in_review_is_a_conflict(
    api_as, application, relationship_manager
):
    assert (
        api_as(relationship_manager)
        .post(f"{URL}{application.pk}/resubmit/", {}, format="json")
        .status_code
        == 409
    )


# --- reading: scoping -------------------------------------------------------------------------


def test_who_sees_an_application(
    api_as,
    application,
    relationship_manager,
    risk_initial,
    risk_review,
    risk_final,
    risk_manager,
    head_office,
    auditor,
    customer,
    other_customer,
    branch_manager,
    no_role_user,
    branch,
):
    url = f"{URL}{application.pk}/"
    other_rm = make_staff("relationship_manager", branch=branch, username="other_rm")
    expected = {
        relationship_manager: 200,
        risk_initial: 200,
        risk_manager: 200,
        head_office: 200,
        auditor: 200,
        risk_review: 404,
        risk_final: 404,
        customer: 404,
        other_customer: 404,
        branch_manager: 404,
        no_role_user: 404,
        other_rm: 404,
    }
    for user, code in expected.items():
        assert api_as(user).get(url).status_code == code, user.username


def test_officers_see_the_application_move_to_the_next_stage(
    api_as, application, risk_initial, risk_review
):
    decide(api_as(risk_initial), application, "initial_review")
    assert api_as(risk_review).get(f"{URL}{application.pk}/").status_code == 200
    # The initial officer still sees what they decided.
    assert api_as(risk_initial).get(f"{URL}{application.pk}/").status_code == 200


def test_the_list_is_scoped(
    api_as, application, relationship_manager, risk_review, branch, policy, customer
):
    other_rm = make_staff("relationship_manager", branch=branch, username="other_rm2")
    submit(other_rm, customer=customer.customer)
    mine = api_as(relationship_manager).get(URL).json()
    assert [row["reference"] for row in mine["results"]] == [application.reference]
    assert api_as(risk_review).get(URL).json()["count"] == 0


def test_the_application_api_is_described_in_the_schema(api_as, risk_manager):
    response = api_as(risk_manager).get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/credit/applications/{id}/decisions/" in text
