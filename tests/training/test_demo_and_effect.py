"""The demo seed (small scale) and the Kirkpatrick course report."""

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from qc_portal.demo import DemoContext, seed_organisation
from qc_portal.periods import Period
from qc_portal.roles import Role
from tests.training.factories import CourseFactory, SessionFactory, complete
from training import demo, metrics, queries
from training.models import Course, Enrollment, Question, TrainingPlan

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@time_machine.travel("2026-11-30T04:00:00Z", tick=False)
def test_demo_seeds_a_year_and_keeps_demo_risk_officers_current(db):
    context = DemoContext(seed=7, scale="small", rng=random.Random(7), now=timezone.now())
    seed_organisation(context)
    demo.seed(context)
    assert TrainingPlan.objects.count() == 4
    for role in (Role.RISK_INITIAL, Role.RISK_REVIEW, Role.RISK_FINAL, Role.RISK_MANAGER):
        assert queries.has_lapsed_mandatory_training(context.logins[role]) is False
    agent = context.logins[Role.SERVICE_AGENT]
    waiting = Enrollment.objects.filter(user=agent, session__is_online=True, attended__isnull=True)
    assert (
        waiting.exists() and Question.objects.filter(course=waiting.first().session.course).exists()
    )
    coverage = metrics.coverage(Period.parse("2026-Q4"))[None]
    assert 0.8 < coverage.computed_value() < 1  # a few laggards
    assert metrics.employee_satisfaction(Period.parse("2026-Q3"))[None].denominator > 0
    # Idempotent: a second run adds nothing.
    count = Enrollment.objects.count()
    demo.seed(context)
    assert Enrollment.objects.count() == count


@pytest.fixture
def service_course(hr_trainer):
    return CourseFactory(code="SVC", category=Course.Category.SERVICE_SKILLS)


@time_machine.travel("2026-11-20T02:00:00Z", tick=False)
def test_course_effect_levels_one_and_two(service_course, service_agent, hr_trainer, monkeypatch):
    from training import actions

    monkeypatch.setattr(queries, "_services_stats", lambda: None)
    session = SessionFactory(
        course=service_course, starts_at=datetime(2026, 11, 2, 9, 0, tzinfo=SH)
    )
    enrollment = Enrollment.objects.create(
        session=session, user=service_agent, status="enrolled", source="manual"
    )
    actions.record_attendance(enrollment, attended=True, actor=hr_trainer)
    actions.record_assessment(enrollment, pre_score=50, post_score=80, actor=hr_trainer)
    actions.give_feedback(enrollment, rating=4, actor=service_agent)
    effect = queries.course_effect(service_course)
    assert (effect.feedback_mean, effect.gain_mean, effect.pass_rate) == (4, 30, 1)
    assert effect.feedback_distribution == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}
    assert effect.behaviour == {"available": False, "reason": "services"}


@time_machine.travel("2026-11-20T02:00:00Z", tick=False)
def test_behaviour_compares_months_before_and_after(service_course, service_agent, monkeypatch):
    calls = []

    def fake_stats(user_ids, start, end):
        calls.append((list(user_ids), start.date(), end.date()))
        before = start.date() < date(2026, 6, 1)
        return {
            service_agent.pk: {
                "mean_handling_seconds": 300 if before else 240,
                "csat": 0.8 if before else 0.9,
                "records": 10,
            }
        }

    monkeypatch.setattr(queries, "_services_stats", lambda: fake_stats)
    complete(service_agent, service_course, date(2026, 6, 10))
    effect = queries.behaviour_effect(service_course, months=3)
    assert calls[0] == ([service_agent.pk], date(2026, 3, 1), date(2026, 6, 1))
    assert calls[1] == ([service_agent.pk], date(2026, 7, 1), date(2026, 10, 1))
    assert (
        effect["before"]["handling_seconds"] == 300 and effect["after"]["handling_seconds"] == 240
    )
    assert effect["after"]["csat"] == 0.9 and effect["agents"] == 1


def test_behaviour_uses_the_real_services_query(service_course):
    assert queries._services_stats() is not None, "services.queries.agent_service_stats is gone"
    assert queries.behaviour_effect(service_course)["available"] is True


def test_non_service_course_has_no_behaviour_level(db):
    course = CourseFactory(code="RISK", category=Course.Category.RISK_CONTROL)
    assert queries.course_effect(course).behaviour is None
