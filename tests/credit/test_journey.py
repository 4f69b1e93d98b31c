"""Issue #6 "done when", through the public APIs: the relationship manager submits, the three
officers approve in turn, the customer sees each stage on their timeline, and the same
officer cannot decide twice."""

import pytest

from tests.credit.factories import GOOD_INPUTS

pytestmark = pytest.mark.django_db


def test_the_demo_journey_through_the_api(
    api_as, policy, relationship_manager, customer, risk_initial, risk_review, risk_final
):
    response = api_as(relationship_manager).post(
        "/api/v1/credit/applications/",
        {
            "customer": customer.customer.pk,
            "product": "consumer_loan",
            "amount": "180000.00",
            "term_months": 36,
            "purpose": "car",
            "scorecard_inputs": GOOD_INPUTS,
            "documents": ["id"],
        },
        format="json",
    )
    assert response.status_code == 201
    application = response.json()
    reference = application["case_reference"]
    decisions_url = f"/api/v1/credit/applications/{application['id']}/decisions/"

    def customer_sees():
        body = api_as(customer).get(f"/api/v1/me/cases/{reference}/").json()
        return body["current_step"]["code"] if body["current_step"] else body["status"]

    assert customer_sees() == "initial_review"
    for officer, stage, next_step in (
        (risk_initial, "initial_review", "second_review"),
        (risk_review, "second_review", "final_approval"),
        (risk_final, "final_approval", "disbursement"),
    ):
        response = api_as(officer).post(
            decisions_url, {"stage": stage, "decision": "approve", "reason": "ok"}, format="json"
        )
        assert response.status_code == 201, response.json()
        assert customer_sees() == next_step
        # The same officer cannot decide the next stage (four eyes) nor this one again (moved on).
        again = api_as(officer).post(
            decisions_url, {"stage": stage, "decision": "approve", "reason": "again"}, format="json"
        )
        assert again.status_code == 409
    # The customer never reads the credit file itself.
    assert (
        api_as(customer).get(f"/api/v1/credit/applications/{application['id']}/").status_code == 404
    )
