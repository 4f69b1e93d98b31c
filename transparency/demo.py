"""Demo data for measure 2: a year of cases in every state on the templates of the migration,
tracking views and progress inquiries (the inquiry rate falls and online tracking rises after
the programme start), manuals, and one open case of the `customer` login whose reference and
access code `make demo` prints."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from qc_portal.demo import DemoContext
from qc_portal.models import Customer, StaffProfile
from transparency import actions
from transparency.calendar import SHANGHAI, add_working_hours
from transparency.models import (
    Case,
    CaseEvent,
    CaseStep,
    Manual,
    ProcessTemplate,
    ProgressInquiry,
    TrackingView,
)

DEMO_REFERENCE = "TRACKDEM26"
DEMO_ACCESS_CODE = "TRACK2026"
CASES_PER_BRANCH = {"small": 40, "medium": 450, "bank": 400}
# business type → share of new cases
MIX = {
    "consumer_loan": 0.25,
    "mortgage": 0.12,
    "business_loan": 0.08,
    "account_opening": 0.25,
    "card_application": 0.2,
    "wealth_product": 0.1,
}
INQUIRY_CHANNELS = ["counter", "phone", "phone", "call_centre", "call_centre", "online"]


def seed(context: DemoContext) -> None:
    if not Manual.objects.exists():
        _seed_manuals(context)
    if not ProgressInquiry.objects.filter(source="demo").exists():
        with transaction.atomic():
            _seed_cases(context)
    _seed_demo_case(context)
    flagged = actions.flag_overdue_manuals(today=context.now.date())
    context.notes.append(
        f"transparency: {Case.objects.count()} cases, {ProgressInquiry.objects.count()} inquiries, "
        f"{TrackingView.objects.count()} tracking views, {Manual.objects.count()} manual versions"
        + (f" ({flagged} overdue for review flagged)" if flagged else "")
    )


# --- manuals ---------------------------------------------------------------------------------


def manual_markdown(template: ProcessTemplate, language: str, *, revised: bool = False) -> str:
    zh = language == "zh"
    lines = [f"# {template.name_zh if zh else template.name_en}", ""]
    lines.append(
        "本手册说明办理流程的每个环节、标准时限以及您需要准备的材料。"
        if zh
        else "This manual explains each step of the process, its standard time and what you "
        "may need to bring."
    )
    for step in template.steps.order_by("position"):
        unit = {"hours": ("个工作小时", "working hours"), "days": ("个工作日", "working days")}[
            step.duration_unit
        ]
        lines += [
            "",
            f"## {step.position}. {step.name_zh if zh else step.name_en} {{#{step.manual_anchor}}}",
            "",
            step.description_zh if zh else step.description_en,
            "",
            (
                f"- 标准时限：{step.duration}{unit[0]}"
                if zh
                else f"- Standard time: {step.duration} {unit[1]}"
            ),
            (
                "- 请准备：有效身份证件原件"
                + ("及收入证明、银行流水" if "loan" in template.business_type else "")
                if zh
                else "- Please bring: your identity card"
                + (
                    ", proof of income and bank statements"
                    if "loan" in template.business_type
                    else ""
                )
            ),
        ]
        if revised:
            lines.append(
                "- 您可随时通过网站“进度查询”或手机银行查看本环节进度。"
                if zh
                else "- You can follow this step at any time under “Track” on our website or in the app."
            )
    return "\n".join(lines) + "\n"


def _seed_manuals(context: DemoContext) -> None:
    programme = context.programme_start
    for number, template in enumerate(ProcessTemplate.objects.filter(is_current=True)):
        owner = template.steps.order_by("position").first().department_code
        first = date(2025, 6, 2)
        actions.publish_manual(
            template.business_type,
            title_zh=f"{template.name_zh}办理手册",
            title_en=f"{template.name_en} manual",
            body_zh=manual_markdown(template, "zh"),
            body_en=manual_markdown(template, "en"),
            department_code=owner,
            published_on=first,
            # Each is revised after the programme start, except one, left overdue for review
            # so the daily job has something to flag.
            next_review_on=date(2026, 6, 1),
            actor=None,
        )
        if number == 0:
            continue
        actions.publish_manual(
            template.business_type,
            title_zh=f"{template.name_zh}办理手册",
            title_en=f"{template.name_en} manual",
            body_zh=manual_markdown(template, "zh", revised=True),
            body_en=manual_markdown(template, "en", revised=True),
            department_code=owner,
            published_on=programme + timedelta(days=14),
            next_review_on=date(2027, 4, 15),
            actor=None,
        )


# --- a year of cases -------------------------------------------------------------------------


def _reference(rng, used: set[str]) -> str:
    while True:
        reference = "D" + "".join(rng.choices(actions.ALPHABET, k=actions.REFERENCE_LENGTH - 1))
        if reference not in used:
            used.add(reference)
            return reference


def _seed_cases(context: DemoContext) -> None:
    rng = context.rng
    now = context.now
    programme = datetime.combine(context.programme_start, time(0), tzinfo=SHANGHAI)
    templates = {t.business_type: t for t in ProcessTemplate.objects.filter(is_current=True)}
    steps_of = {bt: list(t.steps.order_by("position")) for bt, t in templates.items()}
    customers_by_branch: dict[int, list[tuple[int, bool]]] = {}
    for pk, branch_id, user_id in Customer.objects.values_list("pk", "home_branch_id", "user_id"):
        customers_by_branch.setdefault(branch_id, []).append((pk, user_id is not None))
    names_by_branch: dict[int, list[str]] = {}
    for branch_id, name in StaffProfile.objects.values_list("branch_id", "full_name"):
        names_by_branch.setdefault(branch_id, []).append(name)
    risk_names = list(
        StaffProfile.objects.filter(department__code="risk").values_list("full_name", flat=True)
    ) or ["—"]
    start = now - timedelta(days=365)
    per_branch = CASES_PER_BRANCH[context.scale]
    used: set[str] = set()
    cases, plans = [], []
    kinds, weights = list(MIX), list(MIX.values())

    for branch in context.branches:
        customers = customers_by_branch.get(branch.pk) or []
        if not customers:
            continue
        staff_names = names_by_branch.get(branch.pk) or ["—"]
        for _n in range(per_branch):
            business_type = rng.choices(kinds, weights)[0]
            customer_id, has_login = rng.choice(customers)
            opened = start + timedelta(seconds=rng.uniform(0, 365 * 86400 - 3600))
            after = opened >= programme
            # Before the programme half the cases were given no access code (legacy, counter only).
            trackable = rng.random() < (0.95 if after else 0.5)
            reference = _reference(rng, used)
            code = "".join(rng.choices(actions.ALPHABET, k=actions.ACCESS_CODE_LENGTH))
            on_time = 0.85 if after else 0.65
            moment, runs = opened, []
            ending = rng.random()
            steps = steps_of[business_type]
            reject_at = rng.randrange(1, len(steps)) if ending < 0.1 else None
            status, closed = Case.Status.OPEN, None
            for index, step in enumerate(steps):
                due = add_working_hours(moment, step.working_hours)
                factor = rng.uniform(0.3, 1.0) if rng.random() < on_time else rng.uniform(1.1, 2.5)
                finished = add_working_hours(moment, step.working_hours * factor)
                who = rng.choice(risk_names if step.department_code == "risk" else staff_names)
                if finished > now:
                    runs.append((step, moment, due, None, "running", who))
                    break
                if reject_at == index:
                    runs.append((step, moment, due, finished, "stopped", who))
                    status, closed = Case.Status.REJECTED, finished
                    break
                if ending > 0.97 and index == 1:
                    runs.append((step, moment, due, finished, "stopped", who))
                    status, closed = Case.Status.CANCELLED, finished
                    break
                runs.append((step, moment, due, finished, "done", who))
                moment = finished
            else:
                status, closed = Case.Status.COMPLETED, moment
            cases.append(
                Case(
                    reference=reference,
                    access_code_hash=actions.hash_access_code(reference, code) if trackable else "",
                    customer_id=customer_id,
                    branch=branch,
                    template=templates[business_type],
                    business_type=business_type,
                    status=status,
                    opened_at=opened,
                    closed_at=closed,
                )
            )
            plans.append((runs, trackable or has_login, after, rng.choice(staff_names)))

    Case.objects.bulk_create(context.progress(cases, desc="cases"), batch_size=2000)
    step_rows, events, views, inquiries = [], [], [], []
    for case, (runs, online, after, opener) in zip(cases, plans, strict=True):
        events.append(
            CaseEvent(case=case, kind="opened", actor_name=opener, created_at=case.opened_at)
        )
        for step, started, due, finished, outcome, who in runs:
            step_rows.append(
                CaseStep(
                    case=case,
                    step=step,
                    started_at=started,
                    due_at=due,
                    finished_at=finished,
                    outcome=outcome,
                )
            )
            events.append(CaseEvent(case=case, kind="step_started", step=step, created_at=started))
            if outcome == "done":
                events.append(
                    CaseEvent(
                        case=case,
                        kind="step_finished",
                        step=step,
                        actor_name=who,
                        created_at=finished,
                    )
                )
            if rng.random() < 0.15:
                events.append(
                    CaseEvent(
                        case=case,
                        kind="note",
                        text="请补充近六个月银行流水。 / Please add six months of bank statements.",
                        actor_name=who,
                        created_at=started + (due - started) / 2,
                    )
                )
            if rng.random() < 0.1:
                events.append(
                    CaseEvent(
                        case=case,
                        kind="note",
                        text="内部：已电话核实工作单位。",
                        customer_visible=False,
                        actor_name=who,
                        created_at=started + (due - started) / 3,
                    )
                )
        if case.status != Case.Status.OPEN:
            events.append(
                CaseEvent(
                    case=case, kind=case.status, actor_name=runs[-1][5], created_at=case.closed_at
                )
            )
        end = case.closed_at or now
        span = max((end - case.opened_at).total_seconds(), 60)
        if online:
            expected_views = 1.6 if after else 0.25
            for _view in range(_poisson(rng, expected_views)):
                views.append(
                    TrackingView(
                        case=case,
                        customer_id=case.customer_id,
                        branch_id=case.branch_id,
                        channel="app" if rng.random() < 0.6 else "web",
                        viewed_at=case.opened_at + timedelta(seconds=rng.uniform(0, span)),
                    )
                )
        expected_inquiries = (0.22 if online else 0.4) if after else 0.45
        for _inquiry in range(_poisson(rng, expected_inquiries)):
            inquiries.append(
                ProgressInquiry(
                    case=case,
                    branch_id=case.branch_id,
                    channel=rng.choice(INQUIRY_CHANNELS),
                    received_at=case.opened_at + timedelta(seconds=rng.uniform(0, span)),
                    source="demo",
                )
            )
    CaseStep.objects.bulk_create(context.progress(step_rows, desc="case steps"), batch_size=5000)
    CaseEvent.objects.bulk_create(context.progress(events, desc="timeline events"), batch_size=5000)
    TrackingView.objects.bulk_create(views, batch_size=5000)
    ProgressInquiry.objects.bulk_create(inquiries, batch_size=5000)

    # Point open cases at their running step and compute their expected completion.
    running = {
        run.case_id: run
        for run in CaseStep.objects.filter(
            case__in=[c for c in cases if c.status == "open"], outcome="running"
        ).select_related("step")
    }
    open_cases = []
    for case in cases:
        if case.status == Case.Status.OPEN and case.pk in running:
            case.current_step = running[case.pk]
            case.expected_completion_at = actions.expected_completion(case, now=now)
            open_cases.append(case)
    Case.objects.bulk_update(
        open_cases, ["current_step", "expected_completion_at"], batch_size=2000
    )


def _poisson(rng, mean: float) -> int:
    """Knuth's method: fine for the small means used here."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


# --- the newcomer's case ---------------------------------------------------------------------


def _seed_demo_case(context: DemoContext) -> None:
    user = context.logins.get("customer")
    customer = getattr(user, "customer", None) if user else None
    if customer is None:
        return
    case = Case.objects.filter(reference=DEMO_REFERENCE).first()
    if case is None:
        officer = context.logins.get("relationship_manager")
        case, _code = actions.open_case(
            customer,
            business_type="consumer_loan",
            branch=customer.home_branch,
            actor=officer,
            title="购车贷款 / Car loan",
        )
        case.reference = DEMO_REFERENCE
        case.access_code_hash = actions.hash_access_code(DEMO_REFERENCE, DEMO_ACCESS_CODE)
        case.save(update_fields=["reference", "access_code_hash"])
        actions.advance_case(
            case,
            actor=officer,
            note="材料齐全，已提交初审。/ Documents complete; sent to initial review.",
        )
        actions.add_note(
            case, actor=officer, text="内部：客户为代发工资客户。", customer_visible=False
        )
    context.notes.append(
        f"transparency: try /track/ with reference {DEMO_REFERENCE} and access code "
        f"{DEMO_ACCESS_CODE} (or log in as 'customer' → My applications). Opened "
        f"{timezone.localtime(case.opened_at):%Y-%m-%d}."
    )
