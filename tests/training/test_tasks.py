"""The periodic jobs (thin Celery tasks) and the KPI registrations."""

from datetime import date

import pytest
import time_machine

from kpis import registry
from qc_portal.models import AuditEvent
from tests.factories import make_staff
from tests.training.factories import CourseFactory, RequirementFactory
from training import tasks
from training.models import TrainingPlan

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-11-20T02:00:00Z", tick=False)
def test_plan_task_proposes_the_current_quarter(branch):
    course = CourseFactory(code="SVC")
    RequirementFactory(course=course, role="service_agent")
    make_staff("service_agent", branch=branch, department_code="customer_service")
    plan_id = tasks.propose_quarter_plan()
    plan = TrainingPlan.objects.get(pk=plan_id)
    assert plan.quarter == "2026-Q4" and plan.needs[0]["needed"] == 1
    assert (
        AuditEvent.objects.get(action="training.plan_proposed").actor_label == "job:training-plan"
    )


@time_machine.travel("2026-11-20T02:00:00Z", tick=False)
def test_reminder_task(branch):
    course = CourseFactory(code="SVC")
    RequirementFactory(course=course, role="service_agent")
    make_staff("service_agent", branch=branch, department_code="customer_service")
    assert tasks.send_training_reminders("2026-Q4")["reminders"] == 1
    assert tasks.send_training_reminders("2026-Q4")["reminders"] == 0


@time_machine.travel("2026-11-20T02:00:00Z", tick=False)
def test_departed_logins_are_closed_after_the_leaving_day(branch):
    gone = make_staff(
        "service_agent",
        branch=branch,
        department_code="customer_service",
        left_on=date(2026, 11, 19),
    )
    today = make_staff(
        "service_agent",
        branch=branch,
        department_code="customer_service",
        left_on=date(2026, 11, 20),
    )
    assert tasks.close_departed_logins() == 1
    gone.refresh_from_db()
    today.refresh_from_db()
    assert (gone.is_active, today.is_active) == (False, True)
    assert tasks.close_departed_logins() == 0


def test_training_kpis_are_registered():
    registry.discover()
    definitions = registry.definitions()
    coverage = definitions["training.coverage"]
    assert (coverage.period_kind, coverage.unit, coverage.direction, coverage.measure) == (
        "quarter",
        "percent",
        "higher",
        5,
    )
    assert definitions["training.employee_satisfaction"].unit == "percent"
    for code in (
        "training.pass_rate",
        "training.learning_gain",
        "training.ideas_submitted",
        "training.ideas_adopted",
    ):
        assert definitions[code].period_kind == "quarter"
