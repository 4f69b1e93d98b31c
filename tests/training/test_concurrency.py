"""Races on PostgreSQL: the last seat of a session, and one survey answer per employee."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from qc_portal.models import Department
from qc_portal.roles import Role
from tests.factories import make_staff
from tests.training.factories import SessionFactory
from training import actions
from training.models import Enrollment, SurveyParticipation


@pytest.fixture
def role_groups():
    """A transactional test flushes the groups and departments the data migrations made:
    make sure they exist before, and put them back for the tests after."""

    def ensure():
        for role in Role:
            Group.objects.get_or_create(name=role)
        for code, label in Department.Code.choices:
            Department.objects.get_or_create(
                code=code, defaults={"name_zh": str(label), "name_en": code}
            )

    ensure()
    yield
    ensure()


def race(callables) -> list[str]:
    barrier = threading.Barrier(len(callables))
    outcomes, lock = [], threading.Lock()

    def run(function):
        try:
            barrier.wait(timeout=10)
            result = function()
        except ValidationError:
            result = "refused"
        except Exception as error:  # noqa: BLE001 - reported in the assertion
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(function,)) for function in callables]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_people_race_for_three_seats(role_groups, branch):
    session = SessionFactory(capacity=3, starts_at=timezone.now() + timedelta(days=3))
    people = [
        make_staff(
            "service_agent", branch=branch, username=f"seat_{n}", department_code="customer_service"
        )
        for n in range(8)
    ]
    outcomes = race(
        [
            lambda person=person: actions.enroll(session, user=person, actor=person).status
            for person in people
        ]
    )
    assert sorted(outcomes) == ["enrolled"] * 3 + ["waitlisted"] * 5, outcomes
    assert Enrollment.objects.filter(session=session, status="enrolled").count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_survey_answer_when_submitted_twice_at_once(role_groups, branch):
    hr = make_staff("hr_trainer", branch=branch, username="race_hr", department_code="hr")
    person = make_staff(
        "service_agent", branch=branch, username="race_agent", department_code="customer_service"
    )
    today = timezone.localdate()
    survey = actions.create_survey(
        quarter="2026-Q4",
        title_zh="满意度",
        title_en="Satisfaction",
        questions=[("环境", "Workplace")],
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=1),
        actor=hr,
    )
    question = survey.questions.get()
    outcomes = race(
        [
            lambda: actions.submit_survey(survey, scores={question.pk: 4}, actor=person) and "ok"
            for _n in range(4)
        ]
    )
    assert sorted(outcomes) == ["ok"] + ["refused"] * 3, outcomes
    assert SurveyParticipation.objects.filter(survey=survey).count() == 1
    assert survey.responses.count() == 1
