"""Two (here ten) officers deciding the same stage at the same moment: exactly one decision."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from credit import actions
from credit.models import Decision
from qc_portal.exceptions import ConflictError
from qc_portal.roles import Role
from tests.credit.factories import make_policy, submit
from tests.factories import make_customer_user, make_staff


@pytest.fixture
def role_groups():
    """A transactional test flushes the database, groups included (they come from a data
    migration): make sure they exist before, and put them back for the tests after."""

    def ensure():
        for role in Role:
            Group.objects.get_or_create(name=role)

    ensure()
    yield
    ensure()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_officers_race_for_one_stage_and_exactly_one_wins(role_groups, branch):
    make_policy()
    submitter = make_staff("relationship_manager", branch=branch, username="race_rm")
    _user, customer = make_customer_user(branch=branch, username="race_customer")
    application = submit(submitter, customer=customer)
    officers = [
        make_staff(
            "risk_initial", branch=branch, username=f"race_officer_{n}", department_code="risk"
        )
        for n in range(10)
    ]
    barrier = threading.Barrier(len(officers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def decide(officer):
        try:
            barrier.wait(timeout=10)
            actions.decide_stage(
                application,
                stage="initial_review",
                decision="approve",
                reason="race",
                actor=officer,
            )
            result = "ok"
        except ConflictError:
            result = "conflict"
        except Exception as error:  # noqa: BLE001 - reported in the assertion below
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=decide, args=(officer,)) for officer in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict"] * 9 + ["ok"], outcomes
    assert Decision.objects.filter(application=application).count() == 1
    application.refresh_from_db()
    assert application.stage == "second_review"
