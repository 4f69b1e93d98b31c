"""The credit gate's question: has this officer's mandatory risk-control training lapsed?"""

from datetime import date

import pytest
import time_machine

from tests.training.factories import CourseFactory, RequirementFactory, complete
from training.models import Course
from training.queries import has_lapsed_mandatory_training

pytestmark = pytest.mark.django_db

# Wednesday 2026-11-18 09:00 in Shanghai: mid-Q4, outside the grace period.
MID_Q4 = "2026-11-18T01:00:00Z"


@pytest.fixture
def risk_course(db):
    course = CourseFactory(code="RISK-Q", category=Course.Category.RISK_CONTROL)
    RequirementFactory(course=course, role="risk_initial")
    return course


@time_machine.travel(MID_Q4, tick=False)
def test_nothing_required_is_not_lapsed(risk_initial, service_agent):
    assert has_lapsed_mandatory_training(risk_initial) is False
    assert has_lapsed_mandatory_training(service_agent) is False


@time_machine.travel(MID_Q4, tick=False)
def test_required_and_never_completed_is_lapsed(risk_course, risk_initial, service_agent):
    assert has_lapsed_mandatory_training(risk_initial) is True
    # The rule names another role: the agent needs nothing.
    assert has_lapsed_mandatory_training(service_agent) is False


@time_machine.travel(MID_Q4, tick=False)
def test_completion_this_quarter_is_current(risk_course, risk_initial):
    complete(risk_initial, risk_course, date(2026, 10, 1))
    assert has_lapsed_mandatory_training(risk_initial) is False


@time_machine.travel(MID_Q4, tick=False)
def test_last_quarter_completion_lapses_after_grace(risk_course, risk_initial):
    complete(risk_initial, risk_course, date(2026, 9, 30))
    assert has_lapsed_mandatory_training(risk_initial) is True


@pytest.mark.parametrize(
    "moment, lapsed",
    [
        ("2026-10-30T15:59:59Z", False),  # 30 Oct 23:59:59 Shanghai: day 30 of Q4, in grace
        ("2026-10-30T16:00:00Z", True),  # 31 Oct 00:00 Shanghai: grace over
    ],
)
def test_grace_covers_first_thirty_days_of_quarter(risk_course, risk_initial, moment, lapsed):
    complete(risk_initial, risk_course, date(2026, 7, 15))
    with time_machine.travel(moment, tick=False):
        assert has_lapsed_mandatory_training(risk_initial) is lapsed


@time_machine.travel("2026-10-10T01:00:00Z", tick=False)
def test_completion_two_quarters_ago_is_lapsed_even_in_grace(risk_course, risk_initial):
    complete(risk_initial, risk_course, date(2026, 6, 30))
    assert has_lapsed_mandatory_training(risk_initial) is True


@time_machine.travel(MID_Q4, tick=False)
def test_other_category_does_not_count(risk_initial):
    course = CourseFactory(code="COMP", category=Course.Category.COMPLIANCE)
    RequirementFactory(course=course, role="risk_initial")
    assert has_lapsed_mandatory_training(risk_initial) is False
    assert has_lapsed_mandatory_training(risk_initial, category="compliance") is True


@time_machine.travel(MID_Q4, tick=False)
def test_rule_not_yet_in_force_or_expired_requires_nothing(risk_initial):
    future = CourseFactory(code="FUT")
    RequirementFactory(course=future, role="risk_initial", active_from=date(2027, 1, 1))
    old = CourseFactory(code="OLD")
    RequirementFactory(
        course=old,
        role="risk_initial",
        active_from=date(2025, 1, 1),
        active_until=date(2026, 10, 1),
    )
    assert has_lapsed_mandatory_training(risk_initial) is False


@time_machine.travel(MID_Q4, tick=False)
def test_department_rule_applies_to_everyone_in_the_department(
    risk_review, risk_manager, branch_manager
):
    from tests.factories import department

    course = CourseFactory(code="DEPT")
    RequirementFactory(course=course, role="", department=department("risk"))
    assert has_lapsed_mandatory_training(risk_review) is True
    assert has_lapsed_mandatory_training(risk_manager) is True
    assert has_lapsed_mandatory_training(branch_manager) is False


@time_machine.travel(MID_Q4, tick=False)
def test_yearly_and_once_courses(risk_initial):
    yearly = CourseFactory(code="Y", frequency=Course.Frequency.YEARLY)
    once = CourseFactory(code="O", frequency=Course.Frequency.ONCE)
    RequirementFactory(course=yearly, role="risk_initial")
    RequirementFactory(course=once, role="risk_initial")
    complete(risk_initial, once, date(2019, 5, 1))
    complete(risk_initial, yearly, date(2025, 12, 20))
    assert has_lapsed_mandatory_training(risk_initial) is True
    complete(risk_initial, yearly, date(2026, 2, 1))
    assert has_lapsed_mandatory_training(risk_initial) is False


def test_user_without_staff_profile_is_not_lapsed(customer, risk_course):
    assert has_lapsed_mandatory_training(customer) is False
