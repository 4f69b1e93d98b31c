"""Reads: who sees which case, the customer-safe timeline, manuals and their sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import markdown
import nh3
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from qc_portal.roles import Role, has_role
from qc_portal.scoping import customer_of, scope_to_branches
from transparency import permissions
from transparency.models import Case, CaseEvent, CaseStep, Manual, ProgressInquiry, TemplateStep


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related("customer", "branch", "template", "current_step__step")


def visible_cases_for(user) -> QuerySet[Case]:
    """Customers: their own cases. Staff who read cases: their branches' (bank-wide roles:
    all). Anyone else: none."""
    if permissions.can_read_cases(user):
        return scope_to_branches(_cases(), user)
    if has_role(user, Role.CUSTOMER) and (customer := customer_of(user)) is not None:
        return _cases().filter(customer=customer)
    return Case.objects.none()


def customer_cases(user) -> QuerySet[Case]:
    """A logged-in customer's own cases (never a staff member's branch view)."""
    customer = customer_of(user) if has_role(user, Role.CUSTOMER) else None
    if customer is None:
        return Case.objects.none()
    return _cases().filter(customer=customer)


def find_case_by_reference(reference: str) -> Case | None:
    reference = "".join((reference or "").split()).replace("-", "").upper()
    if not reference or len(reference) > 16:
        return None
    return _cases().filter(reference=reference).first()


def customer_timeline(case: Case) -> QuerySet[CaseEvent]:
    """Only events the customer may see: never an internal note."""
    return (
        CaseEvent.objects.filter(case=case, customer_visible=True)
        .select_related("step")
        .order_by("created_at", "id")
    )


def staff_timeline(case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).select_related("step").order_by("created_at", "id")


@dataclass(frozen=True)
class Progress:
    """What a customer needs on one screen."""

    case: Case
    steps: list[dict]
    current: TemplateStep | None
    next_step: TemplateStep | None
    expected_completion_at: datetime | None
    manual_section_html: str
    manual_url: str


def progress_of(case: Case) -> Progress:
    template_steps = list(case.template.steps.order_by("position"))
    runs = {}
    for run in CaseStep.objects.filter(case=case).order_by("started_at", "id"):
        runs[run.step_id] = run  # the latest run of each step
    current = case.current_step.step if case.current_step and case.is_open else None
    steps = []
    for step in template_steps:
        run = runs.get(step.pk)
        if current is not None and step.pk == current.pk:
            state = "current"
        elif (
            run is not None
            and run.outcome == CaseStep.Outcome.DONE
            and (current is None or step.position < current.position)
        ):
            state = "done"
        else:
            state = "pending"
        steps.append({"step": step, "state": state, "run": run})
    next_step = None
    if current is not None:
        next_step = next((s for s in template_steps if s.position > current.position), None)
    section, url = "", ""
    manual = current_manual(case.business_type)
    if manual is not None:
        url = f"/transparency/manuals/{case.business_type}/"
        if current is not None and current.manual_anchor:
            section = manual_section_html(manual, current.manual_anchor)
            url += f"#{current.manual_anchor}"
    return Progress(
        case=case,
        steps=steps,
        current=current,
        next_step=next_step,
        expected_completion_at=case.expected_completion_at if case.is_open else None,
        manual_section_html=section,
        manual_url=url,
    )


# --- staff lists -----------------------------------------------------------------------------


def staff_case_list(
    user, *, status: str = "", business_type: str = "", overdue: bool = False, search: str = ""
) -> QuerySet[Case]:
    """My branch's cases, overdue steps first, then the oldest due."""
    now = timezone.now()
    cases = (
        scope_to_branches(_cases(), user)
        if permissions.can_read_cases(user)
        else Case.objects.none()
    )
    if status in Case.Status.values:
        cases = cases.filter(status=status)
    if business_type:
        cases = cases.filter(business_type=business_type)
    if search:
        cases = cases.filter(
            Q(reference__iexact=search.strip()) | Q(customer__name__icontains=search.strip())
        )
    cases = cases.annotate(
        overdue_flag=Count("pk", filter=Q(status=Case.Status.OPEN, current_step__due_at__lt=now))
    )
    if overdue:
        cases = cases.filter(overdue_flag__gt=0)
    return cases.order_by("-overdue_flag", "current_step__due_at", "-opened_at")


def overdue_by_department(user) -> list[dict]:
    """Running steps past their due time, per responsible department (one grouped query)."""
    now = timezone.now()
    runs = scope_to_branches(
        CaseStep.objects.filter(outcome=CaseStep.Outcome.RUNNING, case__status=Case.Status.OPEN),
        user,
        field="case__branch",
    )
    return list(
        runs.values("step__department_code")
        .annotate(
            running=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            oldest_due=Min("due_at", filter=Q(due_at__lt=now)),
        )
        .order_by("-overdue", "step__department_code")
    )


def overdue_steps(user, *, department_code: str = "", limit: int = 200) -> QuerySet[CaseStep]:
    runs = scope_to_branches(
        CaseStep.objects.filter(
            outcome=CaseStep.Outcome.RUNNING,
            case__status=Case.Status.OPEN,
            due_at__lt=timezone.now(),
        ),
        user,
        field="case__branch",
    ).select_related("case", "case__customer", "case__branch", "step")
    if department_code:
        runs = runs.filter(step__department_code=department_code)
    return runs.order_by("due_at")[:limit]


def inquiries_of(case: Case) -> QuerySet[ProgressInquiry]:
    return ProgressInquiry.objects.filter(case=case).select_related("agent")


# --- manuals ---------------------------------------------------------------------------------


def current_manuals() -> QuerySet[Manual]:
    """The latest published version of each business type's manual."""
    today = timezone.localdate()
    latest = (
        Manual.objects.filter(
            business_type=OuterRef("business_type"),
            published_on__isnull=False,
            published_on__lte=today,
        )
        .order_by("-version")
        .values("pk")[:1]
    )
    return Manual.objects.filter(pk=Subquery(latest)).order_by("business_type")


def current_manual(business_type: str) -> Manual | None:
    return (
        Manual.objects.filter(
            business_type=business_type,
            published_on__isnull=False,
            published_on__lte=timezone.localdate(),
        )
        .order_by("-version")
        .first()
    )


def manual_versions(business_type: str) -> QuerySet[Manual]:
    return Manual.objects.filter(business_type=business_type, published_on__isnull=False).order_by(
        "-version"
    )


ALLOWED_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "hr",
    "br",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}}


def render_markdown(text: str) -> str:
    """Markdown → HTML, then sanitised: manuals are written by staff but shown to the public."""
    html = markdown.markdown(text, extensions=["attr_list", "tables", "sane_lists"])
    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener noreferrer"
    )


_HEADING = re.compile(r"^(#{1,6})\s+.*?(?:\{#([\w-]+)\})?\s*$")


def markdown_section(text: str, anchor: str) -> str:
    """The Markdown of the section whose heading carries `{#anchor}`, up to the next heading
    of the same or a higher level."""
    lines = text.splitlines()
    start, level = None, 0
    for index, line in enumerate(lines):
        match = _HEADING.match(line)
        if not match:
            continue
        if start is None and match.group(2) == anchor:
            start, level = index, len(match.group(1))
        elif start is not None and len(match.group(1)) <= level:
            return "\n".join(lines[start:index])
    return "\n".join(lines[start:]) if start is not None else ""


def manual_section_html(manual: Manual, anchor: str) -> str:
    section = markdown_section(manual.body, anchor)
    return render_markdown(section) if section else ""


def latest_view_at(case: Case):
    return case.views.aggregate(latest=Max("viewed_at"))["latest"]
