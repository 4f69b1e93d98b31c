"""Four eyes and authority limits, as properties (credit.actions, DESIGN.md §5).

A hypothesis state machine (500 runs) submits applications, decides their stages with random
officers and outcomes, returns and resubmits them. The officers hold all three risk roles and the
submitter holds them too, so every decision is a real four-eyes temptation. After every step:
no application has a decider who decided two different stages, nor one who submitted it, and a
decision the model says must be refused was refused.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from credit import actions
from credit.models import DECISION_STAGES, Application, Decision
from qc_portal.exceptions import ConflictError
from tests.credit.factories import make_policy, submit
from tests.factories import BranchFactory, make_customer_user, make_staff

RUNS = 500
LIMIT = Decimal("1000000.00")
RISK_ROLES = ["risk_initial", "risk_review", "risk_final"]


@pytest.fixture(autouse=True)
def _no_training_gate(settings):
    settings.QC_CREDIT_TRAINING_GATE = False


def _officer(username, branch, *, roles, limit=LIMIT):
    user = make_staff(
        roles[0],
        branch=branch,
        username=username,
        department_code="risk",
        credit_authority_limit=limit,
    )
    from django.contrib.auth.models import Group

    user.groups.add(*Group.objects.filter(name__in=roles))
    return user


@pytest.fixture
def people(db):
    branch = BranchFactory(code="FE001")
    make_policy()
    _user, customer = make_customer_user(branch=branch, username="fe_customer")
    # The submitter also holds every risk role: the rules, not the roles, must stop them.
    submitter = _officer("fe_rm", branch, roles=["relationship_manager", *RISK_ROLES])
    officers = [_officer(f"fe_officer_{n}", branch, roles=RISK_ROLES) for n in range(4)]
    return customer, submitter, officers


class FourEyes(RuleBasedStateMachine):
    customer = submitter = officers = None  # set by the test
    tally: Counter = Counter()

    def __init__(self):
        super().__init__()
        self.applications: list[int] = []

    @rule(amount=st.sampled_from(["1000.00", "999999.99", "1000000.00", "1000000.01"]))
    def submit(self, amount):
        application = submit(self.submitter, customer=self.customer, amount=amount)
        self.applications.append(application.pk)

    @precondition(lambda self: self.applications)
    @rule(
        index=st.integers(min_value=0, max_value=50),
        who=st.integers(min_value=-1, max_value=3),
        decision=st.sampled_from(["approve", "approve", "reject", "return"]),
    )
    def decide(self, index, who, decision):
        application = Application.objects.get(pk=self.applications[index % len(self.applications)])
        actor = self.submitter if who < 0 else self.officers[who]
        stage, was_in_review = application.stage, application.status == "in_review"
        if stage not in DECISION_STAGES:
            stage = "initial_review"
        earlier = set(
            Decision.objects.filter(application=application, decider=actor).values_list(
                "stage", flat=True
            )
        )
        must_refuse = (
            actor == self.submitter
            or bool(earlier - {stage})
            or (stage == "final_approval" and decision == "approve" and application.amount > LIMIT)
        )
        try:
            actions.decide_stage(
                application, stage=stage, decision=decision, reason="state machine", actor=actor
            )
        except (PermissionDenied, ValidationError, ConflictError):
            self.tally["refused"] += 1
            return
        self.tally["decided"] += 1
        assert was_in_review
        assert not must_refuse, (application.pk, actor.username, stage, decision, earlier)

    @precondition(lambda self: self.applications)
    @rule(index=st.integers(min_value=0, max_value=50))
    def resubmit(self, index):
        application = Application.objects.get(pk=self.applications[index % len(self.applications)])
        try:
            actions.resubmit_application(application, actor=self.submitter, note="more documents")
        except (PermissionDenied, ValidationError, ConflictError):
            assert application.status != Application.Status.RETURNED

    @invariant()
    def deciders_never_repeat_across_stages_nor_include_the_submitter(self):
        for pk in self.applications:
            stages_by_decider: dict[int, set[str]] = {}
            for decider, stage in Decision.objects.filter(application_id=pk).values_list(
                "decider_id", "stage"
            ):
                stages_by_decider.setdefault(decider, set()).add(stage)
            assert self.submitter.pk not in stages_by_decider
            assert all(len(stages) == 1 for stages in stages_by_decider.values()), (
                pk,
                stages_by_decider,
            )


def test_four_eyes_state_machine(people):
    FourEyes.customer, FourEyes.submitter, FourEyes.officers = people
    run_state_machine_as_test(
        FourEyes,
        settings=settings(
            max_examples=RUNS,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The machine really decided stages and really was refused (not only one or the other).
    print(f"four eyes: {RUNS} runs, {dict(FourEyes.tally)}")
    assert FourEyes.tally["decided"] >= RUNS // 2
    assert FourEyes.tally["refused"] >= RUNS // 5


def _to_final_approval(application, officers):
    for stage, officer in zip(["initial_review", "second_review"], officers, strict=True):
        actions.decide_stage(
            application, stage=stage, decision="approve", reason="ok", actor=officer
        )
    application.refresh_from_db()
    assert application.stage == "final_approval"


@pytest.mark.parametrize(
    "amount,status", [("1000000.00", 201), ("1000000.01", 403), ("999999.99", 201)]
)
def test_authority_limit_boundary_through_the_api(people, api_as, amount, status):
    """At the final approver's limit: allowed; one cent above: 403 and nothing stored."""
    customer, submitter, officers = people
    application = submit(submitter, customer=customer, amount=amount)
    _to_final_approval(application, officers[:2])
    before = Decision.objects.filter(application=application).count()
    response = api_as(officers[2]).post(
        f"/api/v1/credit/applications/{application.pk}/decisions/",
        json.dumps({"stage": "final_approval", "decision": "approve", "reason": "limit"}),
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    after = Decision.objects.filter(application=application).count()
    assert after - before == (1 if status == 201 else 0)
    if status == 403:
        assert set(response.json()) >= {"code", "message", "errors"}
