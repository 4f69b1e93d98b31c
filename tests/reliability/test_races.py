"""Races on PostgreSQL with real threads (each thread its own connection), released together by
a threading.Barrier so they really collide on the row locks.

- 10 officers deciding one credit stage, 50 times: exactly 1 success and 9 ConflictError, one
  decision row and one `credit.stage_decided` audit event each time;
- 8 deliveries of the same ingest record (same idempotency key) at once: applied once;
- 6 officers advancing one case at once: a consistent timeline (no step started twice, exactly
  one running step, positions contiguous);
- 6 recomputations of one KPI period at once: one consistent set of result rows, no
  IntegrityError leaking.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection

from qc_portal.exceptions import ConflictError
from qc_portal.models import AuditEvent, Department
from qc_portal.roles import Role
from tests.factories import BranchFactory, make_customer_user, make_staff

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CREDIT_REPETITIONS = 50
CREDIT_THREADS = 10


@pytest.fixture(autouse=True)
def _reference_data():
    """Groups and departments come from data migrations; a transactional flush may have removed
    them: make sure they exist."""
    for role in Role:
        Group.objects.get_or_create(name=role)
    for code in ["customer_service", "it", "risk", "hr", "retail", "head_office"]:
        Department.objects.get_or_create(code=code, defaults={"name_zh": code, "name_en": code})


def race(functions, timeout=30):
    """Run each function in its own thread, all released at once; return their results (the
    exception object where one raised)."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=timeout)
            results[index] = function()
        except BaseException as error:  # noqa: BLE001 - returned to the test
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, function))
        for index, function in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * 2)
    assert not any(thread.is_alive() for thread in threads), "a racer hung"
    return results


def test_ten_officers_decide_one_stage_fifty_times_and_exactly_one_wins_each_time():
    from credit import actions
    from credit.models import Decision
    from tests.credit.factories import make_policy, submit

    branch = BranchFactory(code="RC001")
    make_policy()
    submitter = make_staff("relationship_manager", branch=branch, username="race_rm")
    _user, customer = make_customer_user(branch=branch, username="race_customer")
    officers = [
        make_staff("risk_initial", branch=branch, username=f"race_r1_{n}", department_code="risk")
        for n in range(CREDIT_THREADS)
    ]
    tally = Counter()
    for repetition in range(CREDIT_REPETITIONS):
        application = submit(submitter, customer=customer, amount="50000.00")

        def decide(officer, application=application):
            return actions.decide_stage(
                application,
                stage="initial_review",
                decision="approve",
                reason="race",
                actor=officer,
            )

        results = race([lambda o=o: decide(o) for o in officers])
        wins = [r for r in results if isinstance(r, Decision)]
        conflicts = [r for r in results if isinstance(r, ConflictError)]
        others = [r for r in results if r not in wins and r not in conflicts]
        assert (len(wins), len(conflicts), others) == (1, CREDIT_THREADS - 1, []), (
            repetition,
            results,
        )
        assert Decision.objects.filter(application=application).count() == 1
        assert (
            AuditEvent.objects.filter(
                action="credit.stage_decided", target_id=str(application.pk)
            ).count()
            == 1
        )
        application.refresh_from_db()
        assert application.stage == "second_review"
        tally["races"] += 1
        tally["conflicts"] += len(conflicts)
    assert tally == {"races": CREDIT_REPETITIONS, "conflicts": CREDIT_REPETITIONS * 9}


def test_the_same_ingest_record_delivered_eight_times_at_once_is_applied_once():
    from integration import actions
    from services.models import ServiceRecord

    BranchFactory(code="BJ001")
    admin = make_staff("integration_admin", branch=BranchFactory(code="HQ001"), username="ia")
    source, _secret = actions.create_source_system(
        code="RACEQ",
        name="Queue system",
        owning_department=Department.objects.get(code="customer_service"),
        allowed_record_types=["service_record"],
        expected_frequency_minutes=60,
        actor=admin,
    )
    record = {
        "idempotency_key": "race-key-1",
        "external_id": "RACE-1",
        "branch": "BJ001",
        "channel": "counter",
        "service_type": "card",
        "arrived_at": "2026-10-15T09:00:00+08:00",
        "called_at": "2026-10-15T09:05:00+08:00",
        "finished_at": "2026-10-15T09:10:00+08:00",
        "outcome": "served",
    }
    results = race(
        [
            lambda: actions.receive_batch(source, record_type="service_record", records=[record])
            for _ in range(8)
        ]
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    outcomes = Counter(r.outcomes[0].outcome for r in results)
    assert outcomes["accepted"] == 1, outcomes
    assert outcomes["accepted"] + outcomes["duplicate"] + outcomes["conflict"] == 8, outcomes
    assert ServiceRecord.objects.filter(external_id="RACE-1").count() == 1
    assert AuditEvent.objects.filter(action="services.record_stored").count() == 1


def test_six_officers_advance_one_case_at_once_and_the_timeline_stays_consistent():
    from transparency import actions
    from transparency.models import CaseStep

    branch = BranchFactory(code="RC002")
    _user, customer = make_customer_user(branch=branch, username="race_case_customer")
    officers = [
        make_staff("relationship_manager", branch=branch, username=f"race_case_rm_{n}")
        for n in range(6)
    ]
    case, _code = actions.open_case(
        customer, business_type="mortgage", branch=branch, actor=officers[0]
    )
    before = CaseStep.objects.filter(case=case).count()
    results = race([lambda o=o: actions.advance_case(case, actor=o) for o in officers])
    # The advances queue on the case's row lock: each moves one step on, and once the last
    # step is reached the rest get a clear ValidationError ("complete the case").
    unexpected = [
        r
        for r in results
        if isinstance(r, BaseException) and not isinstance(r, ConflictError | ValidationError)
    ]
    assert unexpected == []
    advanced = len([r for r in results if not isinstance(r, BaseException)])
    assert advanced >= 1
    steps = list(CaseStep.objects.filter(case=case).order_by("pk"))
    # One step started per successful advance, never the same step twice, in template order.
    assert len(steps) == before + advanced
    positions = [step.step.position for step in steps]
    assert positions == sorted(set(positions)), positions
    assert sum(1 for step in steps if step.outcome == "running") <= 1
    assert all(step.finished_at for step in steps if step.outcome == "done")


def test_six_recomputations_of_one_kpi_period_leave_one_set_of_rows():
    from kpis import engine
    from kpis.models import KpiResult
    from tests.services.factories import at, make_feedback, make_record

    branches = [BranchFactory(code=f"RK{n:03d}") for n in range(3)]
    for index, branch in enumerate(branches):
        for n in range(40):
            record = make_record(branch, arrived=at(2026, 10, 2 + n % 20, 10, index), wait=60)
            make_feedback(record, rating=5 if n % 4 else 2)
    engine.sync_definitions()
    results = race([lambda: engine.compute_kpi("services.csat", "2026-10") for _ in range(6)])
    assert [r for r in results if isinstance(r, BaseException)] == []
    rows = KpiResult.objects.filter(kpi__code="services.csat", period_key="2026-10")
    scopes = list(rows.values_list("branch_id", flat=True))
    assert len(scopes) == len(set(scopes)) == 1 + len(branches)
    bank = rows.get(branch__isnull=True)
    assert (bank.numerator, bank.denominator) == (90.0, 120.0)
    assert {r.rows for r in results} == {1 + len(branches)}
