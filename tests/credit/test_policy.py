"""The versioned credit policy: risk managers publish, audited, past decisions untouched."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from credit import actions, scoring
from credit.models import Decision
from qc_portal.models import AuditEvent
from tests.credit.factories import GOOD_INPUTS, submit

pytestmark = pytest.mark.django_db


def publish(actor, **overrides):
    values = dict(
        effective_from=timezone.localdate(),
        scorecard=scoring.DEFAULT_SCORECARD,
        grade_bands=scoring.DEFAULT_GRADE_BANDS,
        cutoff_score=60,
        amount_tiers=scoring.DEFAULT_AMOUNT_TIERS,
        note="tighter",
    )
    values.update(overrides)
    return actions.publish_policy(actor=actor, **values)


def test_risk_manager_publishes_a_new_version_and_it_is_audited(policy, risk_manager):
    new = publish(risk_manager)
    assert new.version == 2
    event = AuditEvent.objects.get(action="credit.policy_published")
    assert event.actor == risk_manager and event.changes["after"]["cutoff_score"] == 60


def test_only_risk_managers_publish(policy, risk_final):
    with pytest.raises(PermissionDenied):
        publish(risk_final)


def test_a_policy_cannot_take_effect_in_the_past(policy, risk_manager):
    with pytest.raises(ValidationError):
        publish(risk_manager, effective_from=timezone.localdate() - timedelta(days=1))


@pytest.mark.parametrize(
    "overrides",
    [
        {"scorecard": {"factors": []}},
        {"grade_bands": [{"grade": "A", "min_score": 10}]},
        {"cutoff_score": -1},
        {"amount_tiers": [{"up_to": "100", "cutoff": 10}]},
        {
            "scorecard": {
                "factors": [{"code": "x", "kind": "range", "bands": [{"below": 1, "points": 1}]}]
            }
        },
    ],
)
def test_malformed_policies_are_refused(policy, risk_manager, overrides):
    with pytest.raises(ValidationError):
        publish(risk_manager, **overrides)


def test_a_new_version_never_changes_past_decisions(
    policy, relationship_manager, customer, risk_initial, risk_manager
):
    application = submit(relationship_manager, customer=customer.customer)
    decision = actions.decide_stage(
        application, stage="initial_review", decision="approve", reason="ok", actor=risk_initial
    )
    publish(risk_manager, cutoff_score=95, amount_tiers=[])
    decision.refresh_from_db()
    application.refresh_from_db()
    assert decision.policy_version == 1 and decision.cutoff_score == 50
    assert application.policy.version == 1
    # New applications are scored under the new version.
    newer = submit(relationship_manager, customer=customer.customer)
    assert newer.policy.version == 2 and newer.cutoff_score == 95
    assert Decision.objects.count() == 1


def test_a_future_version_applies_from_its_date(
    policy, risk_manager, relationship_manager, customer
):
    publish(risk_manager, effective_from=timezone.localdate() + timedelta(days=10))
    assert submit(relationship_manager, customer=customer.customer).policy.version == 1


def test_amount_tiers_raise_the_cut_off_for_large_amounts(policy):
    policy.amount_tiers = scoring.DEFAULT_AMOUNT_TIERS
    assert policy.cutoff_for(500000) == 50
    assert policy.cutoff_for(500000.01) == 60
    assert policy.cutoff_for(10**8) == 70


def test_scorecard_bands(policy):
    assert scoring.score(policy, GOOD_INPUTS) == (100, "A")
    inputs = dict(GOOD_INPUTS, debt_to_income=0.2)  # 0.2 is not below 0.2: next band
    assert scoring.score(policy, inputs) == (92, "A")
    with pytest.raises(ValidationError):
        scoring.score(policy, dict(GOOD_INPUTS, employment="astronaut"))
    with pytest.raises(ValidationError):
        scoring.score(policy, dict(GOOD_INPUTS, debt_to_income="lots"))
    assert date(2020, 1, 1) == policy.effective_from
