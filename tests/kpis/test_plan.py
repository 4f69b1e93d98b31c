"""The programme plan: seeded from the seed's section 3, steps marked done, overdue alerts."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kpis import actions, tasks
from kpis.models import Initiative, PlanStep
from kpis.plan import alert_overdue_steps, step_state
from qc_portal.models import Alert, AuditEvent, Notification
from tests.factories import make_staff

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_plan_is_seeded_with_the_five_initiatives():
    rows = [
        (i.number, i.department.code, i.duration_months, i.steps.count())
        for i in Initiative.objects.order_by("number")
    ]
    assert rows == [
        (1, "customer_service", 3, 3),
        (2, "it", 4, 4),
        (3, "risk", 2, 2),
        (4, "it", 6, 3),
        (5, "hr", None, 5),
    ]
    integration = Initiative.objects.get(number=4)
    assert [(s.first_month, s.last_month) for s in integration.steps.all()] == [
        (1, 2),
        (3, 3),
        (4, 6),
    ]


def test_step_months_follow_the_programme_start(settings):
    step = PlanStep.objects.get(initiative__number=2, order=4)  # M4: go live
    settings.QC_PROGRAMME_START = date(2026, 4, 1)
    state = step_state(step, datetime(2026, 7, 31, 23, 59, tzinfo=SHANGHAI))
    assert (state.starts, state.last_day, state.state) == (
        date(2026, 7, 1),
        date(2026, 7, 31),
        "in_progress",
    )
    # Shanghai midnight on 1 August: overdue.
    assert step_state(step, datetime(2026, 8, 1, 0, 0, tzinfo=SHANGHAI)).state == "overdue"
    settings.QC_PROGRAMME_START = date(2027, 1, 1)
    assert step_state(step, datetime(2026, 8, 1, tzinfo=SHANGHAI)).state == "planned"


def test_overdue_step_alerts_its_department_once(settings, risk_manager, integration_admin):
    settings.QC_PROGRAMME_START = date(2026, 4, 1)
    with time_machine.travel(datetime(2026, 5, 2, 9, 0, tzinfo=SHANGHAI)):
        first = tasks.alert_overdue_plan_steps()
        again = alert_overdue_steps()
    # The April steps (M1) of initiatives 1–3 are overdue; 4's first step runs M1–M2, 5's to June.
    assert (first, again) == (3, 0)
    risk = Alert.objects.get(kind="plan_step_overdue", department__code="risk")
    assert Notification.objects.filter(alert=risk, user=risk_manager).exists()
    assert not Notification.objects.filter(alert=risk, user=integration_admin).exists()
    assert risk.link.startswith("/dashboard/plan/#step-")


def test_done_step_is_never_overdue(settings, risk_manager):
    settings.QC_PROGRAMME_START = date(2026, 4, 1)
    step = PlanStep.objects.get(initiative__number=3, order=1)
    actions.mark_step_done(
        step,
        note="standards approved",
        evidence_url="https://intranet.bank/risk/std",
        actor=risk_manager,
    )
    with time_machine.travel(datetime(2026, 5, 2, tzinfo=SHANGHAI)):
        alert_overdue_steps()
    assert not Alert.objects.filter(key=f"plan-step-overdue:{step.pk}").exists()
    assert AuditEvent.objects.filter(action="plan.step_done", target_id=str(step.pk)).exists()


def test_only_the_responsible_department_marks_a_step(hr_trainer, branch_manager, risk_manager):
    step = PlanStep.objects.get(initiative__number=3, order=1)
    for outsider in (hr_trainer, branch_manager):
        with pytest.raises(PermissionDenied):
            actions.mark_step_done(step, note="x", actor=outsider)
    with pytest.raises(ValidationError):
        actions.mark_step_done(step, note=" ", actor=risk_manager)
    with pytest.raises(ValidationError):
        actions.mark_step_done(
            step, note="ok", evidence_url="javascript:alert(1)", actor=risk_manager
        )
    actions.mark_step_done(step, note="ok", actor=risk_manager)
    with pytest.raises(ValidationError):
        actions.mark_step_done(step, note="again", actor=risk_manager)


def test_customer_service_staff_own_initiative_one(branch):
    agent = make_staff(
        "service_agent", branch=branch, username="cs", department_code="customer_service"
    )
    step = PlanStep.objects.get(initiative__number=1, order=1)
    actions.mark_step_done(step, note="survey done", actor=agent)


def test_plan_page_and_marking_done_through_the_form(head_office, risk_manager, hr_trainer):
    page = Client()
    page.force_login(head_office)
    response = page.get("/dashboard/plan/")
    assert response.status_code == 200
    assert len(response.context["timeline"]) == 17
    step = PlanStep.objects.get(initiative__number=3, order=2)
    owner = Client()
    owner.force_login(risk_manager)
    assert (
        f'action="/dashboard/plan/steps/{step.pk}/done/"'
        in owner.get("/dashboard/plan/").content.decode()
    )
    response = owner.post(f"/dashboard/plan/steps/{step.pk}/done/", {"note": "all staff trained"})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.done_at is not None and step.done_by == risk_manager
    other = Client()
    other.force_login(hr_trainer)
    assert other.post(f"/dashboard/plan/steps/{step.pk}/done/", {"note": "x"}).status_code == 403
    assert other.get(f"/dashboard/plan/steps/{step.pk}/done/").status_code == 405


def test_customers_cannot_see_the_plan(customer):
    client = Client()
    client.force_login(customer)
    assert client.get("/dashboard/plan/").status_code == 403
