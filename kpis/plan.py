"""The programme plan (seed section 3) laid out in calendar months from the programme start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kpis.models import Initiative, PlanStep
from qc_portal.periods import Period


def programme_month(number: int) -> Period:
    """Month `number` of the programme (1 is the start month)."""
    return Period.containing(settings.QC_PROGRAMME_START, "month").shift(number - 1)


@dataclass(frozen=True)
class StepState:
    step: PlanStep
    starts: date
    due: date  # exclusive: the first day after the step's last month
    state: str  # done, overdue, in_progress, planned

    @property
    def last_day(self) -> date:
        return programme_month(self.step.last_month).last_date


def step_state(step: PlanStep, now: datetime | None = None) -> StepState:
    today = timezone.localdate(now or timezone.now())
    starts = programme_month(step.first_month).start_date
    due = programme_month(step.last_month).end_date
    if step.done_at is not None:
        state = "done"
    elif today >= due:
        state = "overdue"
    elif today >= starts:
        state = "in_progress"
    else:
        state = "planned"
    return StepState(step=step, starts=starts, due=due, state=state)


def plan_with_states(now: datetime | None = None) -> list[tuple[Initiative, list[StepState]]]:
    """Two queries: initiatives with departments, and their steps with who did them."""
    steps = Prefetch("steps", queryset=PlanStep.objects.select_related("done_by").order_by("order"))
    initiatives = list(Initiative.objects.select_related("department").prefetch_related(steps))
    return [
        (initiative, [step_state(step, now) for step in initiative.steps.all()])
        for initiative in initiatives
    ]


@transaction.atomic
def alert_overdue_steps(now: datetime | None = None) -> int:
    """Raise one alert per overdue step for its department (raise_alert deduplicates by key)."""
    from django.urls import reverse

    from kpis.engine import DEPARTMENT_ROLES
    from qc_portal.alerts import raise_alert

    raised = 0
    steps = PlanStep.objects.filter(done_at__isnull=True).select_related("initiative__department")
    for step in steps:
        state = step_state(step, now)
        if state.state != "overdue":
            continue
        department = step.initiative.department.code
        _alert, created = raise_alert(
            kind="plan_step_overdue",
            key=f"plan-step-overdue:{step.pk}",
            title=_("Programme step overdue: initiative %(initiative)s, step %(order)s"),
            message=_("“%(step)s” was due by %(due)s and is not marked done."),
            params={
                "initiative": step.initiative.number,
                "order": step.order,
                "step": f"{step.title_zh} / {step.title_en}",
                "due": state.last_day.isoformat(),
            },
            roles=DEPARTMENT_ROLES.get(department, ["head_office"]),
            department_code=department,
            link=reverse("kpis:plan") + f"#step-{step.pk}",
            evidence={
                "step": step.pk,
                "initiative": step.initiative.number,
                "due": state.last_day.isoformat(),
            },
        )
        raised += created
    return raised
