"""training.coverage on hand-made staff, and the other KPI formulas."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kpis.registry import BANK
from qc_portal.periods import Period
from tests.factories import make_staff
from tests.training.factories import CourseFactory, RequirementFactory, SessionFactory, complete
from training import actions, metrics
from training.models import Course, Enrollment
from training.queries import coverage_by, people_behind

pytestmark = pytest.mark.django_db
Q4 = Period.parse("2026-Q4")
Q3 = Period.parse("2026-Q3")
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-12-15T02:00:00Z", tick=False):
        yield


@pytest.fixture
def agent_course(db):
    course = CourseFactory(code="SVC", category=Course.Category.SERVICE_SKILLS)
    RequirementFactory(course=course, role="service_agent")
    return course


def is_covered(user, period=Q4) -> bool:
    from training.queries import active_staff_in, annotate_coverage

    return annotate_coverage(active_staff_in(period), period).get(user=user).is_covered


def agent(branch, **profile):
    return make_staff("service_agent", branch=branch, department_code="customer_service", **profile)


def test_joiner_mid_quarter_counts_and_leaver_before_quarter_does_not(branch, agent_course):
    covered = agent(branch)
    complete(covered, agent_course, date(2026, 10, 20))
    agent(branch, hired_on=date(2026, 11, 10))  # joined mid-quarter, not trained yet
    agent(branch, hired_on=date(2019, 1, 1), left_on=date(2026, 9, 30))  # left before Q4
    leaver_in_quarter = agent(branch, hired_on=date(2019, 1, 1), left_on=date(2026, 10, 15))
    complete(leaver_in_quarter, agent_course, date(2026, 10, 2))
    agent(branch, hired_on=date(2027, 1, 5))  # joins next quarter

    result = metrics.coverage(Q4)
    assert result[branch.pk].denominator == 3
    assert result[branch.pk].numerator == 2
    assert result[BANK].denominator == 3


def test_completion_in_an_earlier_quarter_does_not_cover_a_quarterly_course(branch, agent_course):
    person = agent(branch)
    complete(person, agent_course, date(2026, 9, 30))
    assert metrics.coverage(Q4)[branch.pk].numerator == 0
    assert metrics.coverage(Q3)[branch.pk].numerator == 1


def test_role_whose_mandatory_course_changed(branch, risk_initial):
    old = CourseFactory(code="RISK-OLD")
    new = CourseFactory(code="RISK-NEW")
    RequirementFactory(course=old, role="risk_initial", active_until=date(2026, 10, 1))
    RequirementFactory(course=new, role="risk_initial", active_from=date(2026, 10, 1))
    complete(risk_initial, old, date(2026, 8, 1))
    complete(risk_initial, old, date(2026, 10, 8))  # took the old course again in Q4

    assert metrics.coverage(Q3)[branch.pk].numerator == 1  # the old rule was in force then
    assert metrics.coverage(Q4)[branch.pk].numerator == 0  # now only the new course counts
    behind = people_behind(Q4, user=risk_initial, limit=None)
    assert [c.code for c in behind[0].missing] == ["RISK-NEW"]
    complete(risk_initial, new, date(2026, 10, 9))
    assert metrics.coverage(Q4)[branch.pk].numerator == 1


def test_failed_post_test_gives_no_completion(branch, hr_trainer, agent_course):
    person = agent(branch)
    session = SessionFactory(course=agent_course, starts_at=datetime(2026, 11, 2, 9, 30, tzinfo=SH))
    enrollment = Enrollment.objects.create(
        session=session, user=person, status="enrolled", source="automatic"
    )
    actions.record_attendance(enrollment, attended=True, actor=hr_trainer)
    actions.record_assessment(enrollment, pre_score=40, post_score=59, actor=hr_trainer)
    enrollment.refresh_from_db()
    assert enrollment.passed is False
    assert not hasattr(enrollment, "completion")
    assert not is_covered(person)
    # Exactly the pass mark passes.
    actions.record_assessment(enrollment, post_score=60, actor=hr_trainer)
    assert is_covered(person)


def test_pass_without_attendance_is_not_a_completion(branch, hr_trainer, agent_course):
    person = agent(branch)
    session = SessionFactory(course=agent_course, starts_at=datetime(2026, 11, 2, 9, 30, tzinfo=SH))
    enrollment = Enrollment.objects.create(
        session=session, user=person, status="enrolled", source="automatic"
    )
    actions.record_assessment(enrollment, pre_score=50, post_score=90, actor=hr_trainer)
    assert not is_covered(person)
    actions.record_attendance(enrollment, attended=True, actor=hr_trainer)
    assert is_covered(person)
    enrollment.refresh_from_db()
    assert enrollment.completion.completed_on == date(2026, 11, 2)


def test_staff_without_mandatory_course_count_as_covered(
    branch, relationship_manager, agent_course
):
    result = metrics.coverage(Q4)
    assert (result[branch.pk].numerator, result[branch.pk].denominator) == (1, 1)


def test_department_rule_and_yearly_course(branch, risk_review, risk_manager):
    from tests.factories import department

    yearly = CourseFactory(code="AML", category="compliance", frequency="yearly")
    RequirementFactory(course=yearly, role="", department=department("risk"))
    complete(risk_review, yearly, date(2026, 2, 1))
    complete(risk_manager, yearly, date(2025, 12, 31))
    assert metrics.coverage(Q4)[branch.pk].numerator == 1


def test_coverage_groups_per_branch_and_bank_sums(branch, other_branch, agent_course):
    for _n in range(3):
        complete(agent(branch), agent_course, date(2026, 10, 5))
    agent(branch)
    agent(other_branch)
    result = metrics.coverage(Q4)
    assert (result[branch.pk].numerator, result[branch.pk].denominator) == (3, 4)
    assert (result[other_branch.pk].numerator, result[other_branch.pk].denominator) == (0, 1)
    assert (result[BANK].numerator, result[BANK].denominator) == (3, 5)
    assert result[branch.pk].computed_value() == 0.75


def test_coverage_query_count_does_not_grow_with_branches(
    branch, other_branch, agent_course, django_assert_num_queries
):
    for b in (branch, other_branch):
        agent(b)
    with django_assert_num_queries(1):
        metrics.coverage(Q4)


def test_empty_quarter_gives_zero_bank_denominator(db):
    result = metrics.coverage(Period.parse("2010-Q1"))
    assert result[BANK].denominator == 0
    assert result[BANK].computed_value() is None


def test_coverage_by_scopes_to_the_managers_branch(
    branch, other_branch, branch_manager, hr_trainer, agent_course
):
    agent(branch)
    agent(other_branch)
    mine = coverage_by(Q4, user=branch_manager)
    assert [row.key for row in mine] == [branch.pk]
    assert {row.key for row in coverage_by(Q4, user=hr_trainer)} == {branch.pk, other_branch.pk}
    assert [p.profile.branch_id for p in people_behind(Q4, user=branch_manager)] == [branch.pk]


def test_pass_rate_and_learning_gain(branch, hr_trainer, agent_course):
    session = SessionFactory(course=agent_course, starts_at=datetime(2026, 11, 2, 9, 30, tzinfo=SH))
    for pre, post in ((40, 80), (50, 55), (60, 90)):
        enrollment = Enrollment.objects.create(
            session=session, user=agent(branch), status="enrolled", source="automatic"
        )
        actions.record_attendance(enrollment, attended=True, actor=hr_trainer)
        actions.record_assessment(enrollment, pre_score=pre, post_score=post, actor=hr_trainer)
    rate = metrics.pass_rate(Q4)[BANK]
    assert (rate.numerator, rate.denominator) == (2, 3)
    gain = metrics.learning_gain(Q4)[branch.pk]
    assert (gain.numerator, gain.denominator) == (75, 3)
    assert gain.computed_value() == 25


def test_idea_counts(branch, service_agent, hr_trainer):
    ideas = [
        actions.submit_idea(
            title=f"Idea {n}", description="A longer description", actor=service_agent
        )
        for n in range(3)
    ]
    actions.review_idea(ideas[0], decision="adopted", note="Good", actor=hr_trainer)
    assert metrics.ideas_submitted(Q4)[branch.pk].computed_value() == 3
    assert metrics.ideas_adopted(Q4)[BANK].computed_value() == 1
