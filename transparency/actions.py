"""Progress transparency: a customer's business runs as a *case* through the ordered steps of
its process template. Staff (or another system, or the credit app's stage decisions) open a
case, move it step by step, add notes and close it; every change appends timeline events,
recomputes the expected completion on the working calendar, writes the customer's notification
to the outbox in the same transaction and is audited. Customers look cases up with a
reference and an access code (shown once, stored only as a keyed hash).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qc_portal.audit import record_event
from qc_portal.models import Customer, Department
from qc_portal.roles import Role
from qc_portal.scoping import staff_profile
from transparency import permissions
from transparency.calendar import add_working_hours
from transparency.models import (
    Case,
    CaseEvent,
    CaseStep,
    Manual,
    Outbox,
    ProcessTemplate,
    ProgressInquiry,
    TemplateStep,
    TrackingView,
)

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: readable over the phone and on a small screen.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 10
ACCESS_CODE_LENGTH = 8
MAX_DELIVERY_ATTEMPTS = 8


# --- references and access codes -------------------------------------------------------------


def _random_string(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_reference() -> str:
    """10 random characters (~49 bits): short, not sequential, not guessable."""
    while True:
        reference = _random_string(REFERENCE_LENGTH)
        if not Case.objects.filter(reference=reference).exists():
            return reference


def new_access_code() -> str:
    return _random_string(ACCESS_CODE_LENGTH)


def normalise_code(value: str) -> str:
    return "".join(value.split()).replace("-", "").upper()


def hash_access_code(reference: str, code: str) -> str:
    """Keyed HMAC (SECRET_KEY) bound to the reference: fast enough to check on every lookup,
    useless to whoever reads the database without the key."""
    return salted_hmac(
        "transparency.access_code", f"{reference}:{normalise_code(code)}", algorithm="sha256"
    ).hexdigest()


def access_code_matches(case: Case | None, code: str) -> bool:
    """Constant-time check; also spends the same work when there is no case, so a wrong
    reference cannot be told from a wrong code by timing."""
    reference = case.reference if case is not None else "-" * REFERENCE_LENGTH
    expected = case.access_code_hash if case is not None and case.access_code_hash else "x" * 64
    return (
        hmac.compare_digest(hash_access_code(reference, code or ""), expected) and case is not None
    )


# --- helpers ---------------------------------------------------------------------------------


def _actor_name(actor) -> str:
    """What a customer sees of who acted: the staff member's name only."""
    if actor is None:
        return ""
    profile = staff_profile(actor)
    if profile is not None:
        return profile.full_name
    return actor.get_full_name() or ""


def _audit(action: str, case: Case, *, actor, actor_label: str, before=None, after=None) -> None:
    record_event(
        action, actor=actor, actor_label=actor_label, target=case, before=before, after=after
    )


def _event(case, kind, *, actor, step=None, text="", customer_visible=True, at=None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        step=step,
        text=text,
        customer_visible=customer_visible,
        actor=actor,
        actor_name=_actor_name(actor),
        created_at=at or timezone.now(),
    )


def _start_step(case: Case, step: TemplateStep, *, actor, now: datetime) -> CaseStep:
    run = CaseStep.objects.create(
        case=case, step=step, started_at=now, due_at=add_working_hours(now, step.working_hours)
    )
    _event(case, CaseEvent.Kind.STEP_STARTED, actor=actor, step=step, at=now)
    case.current_step = run
    return run


def _finish_current(case: Case, *, actor, now: datetime, outcome: str) -> None:
    run = case.current_step
    if run is None:
        return
    run.finished_at, run.outcome = now, outcome
    run.finished_by = actor if getattr(actor, "is_authenticated", False) else None
    run.save(update_fields=["finished_at", "outcome", "finished_by"])
    if outcome == CaseStep.Outcome.DONE:
        _event(case, CaseEvent.Kind.STEP_FINISHED, actor=actor, step=run.step, at=now)


def expected_completion(case: Case, *, now: datetime) -> datetime | None:
    """The current step's due time (or now, if it is already late), then every later step's
    standard duration on the working calendar."""
    run = case.current_step
    if run is None:
        return None
    moment = max(run.due_at, now)
    for step in case.template.steps.filter(position__gt=run.step.position).order_by("position"):
        moment = add_working_hours(moment, step.working_hours)
    return moment


def _lock(case: Case) -> Case:
    # Lock the row alone, then read it with its relations: a locking read joined to other
    # tables may see those tables as they were before the lock was granted.
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").get()
    locked = Case.objects.select_related(
        "customer", "branch", "template", "current_step__step"
    ).get(pk=case.pk)
    if locked.status != Case.Status.OPEN:
        raise ValidationError({"status": _("This case is already closed.")})
    return locked


def _check_worker(actor, branch) -> None:
    if not permissions.can_work_at(actor, branch):
        raise PermissionDenied(_("You may not work on cases of this branch."))


# --- templates -------------------------------------------------------------------------------


@transaction.atomic
def publish_template_version(
    business_type: str,
    *,
    name_zh: str,
    name_en: str,
    steps: list[dict],
    actor,
    effective_from: date | None = None,
) -> ProcessTemplate:
    """Make a new version of a business type's process current. Cases already open keep the
    version they started with; new cases use this one. Each step dict has code, name_zh,
    name_en, department_code, duration, duration_unit and optionally description_zh/_en and
    manual_anchor."""
    if actor is not None and not (
        permissions.has_role(actor, Role.HEAD_OFFICE) or getattr(actor, "is_superuser", False)
    ):
        raise PermissionDenied(_("Only head office may change a process."))
    if not steps:
        raise ValidationError({"steps": _("This process has no steps.")})
    codes = [step["code"] for step in steps]
    if len(set(codes)) != len(codes):
        raise ValidationError({"steps": _("Each step code may appear once.")})
    for step in steps:
        if step.get("department_code") not in Department.Code.values:
            raise ValidationError({"steps": _("Unknown department.")})
        if (
            step.get("duration_unit") not in TemplateStep.DurationUnit.values
            or int(step.get("duration", 0)) < 1
        ):
            raise ValidationError({"steps": _("Each step needs a standard duration.")})
    previous = (
        ProcessTemplate.objects.select_for_update()
        .filter(business_type=business_type)
        .order_by("-version")
        .first()
    )
    ProcessTemplate.objects.filter(business_type=business_type, is_current=True).update(
        is_current=False
    )
    template = ProcessTemplate.objects.create(
        business_type=business_type,
        version=(previous.version + 1) if previous else 1,
        name_zh=name_zh,
        name_en=name_en,
        is_current=True,
        effective_from=effective_from or timezone.localdate(),
    )
    TemplateStep.objects.bulk_create(
        TemplateStep(
            template=template,
            position=position,
            code=step["code"],
            name_zh=step["name_zh"],
            name_en=step["name_en"],
            description_zh=step.get("description_zh", ""),
            description_en=step.get("description_en", ""),
            department_code=step["department_code"],
            duration=int(step["duration"]),
            duration_unit=step["duration_unit"],
            manual_anchor=step.get("manual_anchor", step["code"]),
        )
        for position, step in enumerate(steps, start=1)
    )
    record_event(
        "transparency.template_published",
        actor=actor,
        target=template,
        after={"business_type": business_type, "version": template.version, "steps": codes},
    )
    return template


# --- cases -----------------------------------------------------------------------------------


@transaction.atomic
def open_case(
    customer: Customer,
    *,
    business_type: str,
    branch,
    actor,
    title: str = "",
    actor_label: str = "",
) -> tuple[Case, str]:
    """Open a case on the current template of `business_type` and start its first step.
    Returns the case and its access code in plain text: show it to the customer once."""
    _check_worker(actor, branch)
    template = ProcessTemplate.objects.filter(business_type=business_type, is_current=True).first()
    if template is None:
        raise ValidationError({"business_type": _("Unknown business type.")})
    first = template.steps.order_by("position").first()
    if first is None:
        raise ValidationError({"business_type": _("This process has no steps.")})
    now = timezone.now()
    reference, code = new_reference(), new_access_code()
    case = Case.objects.create(
        reference=reference,
        access_code_hash=hash_access_code(reference, code),
        customer=customer,
        branch=branch,
        template=template,
        business_type=business_type,
        title=title[:200],
        opened_at=now,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _event(case, CaseEvent.Kind.OPENED, actor=actor, at=now)
    _start_step(case, first, actor=actor, now=now)
    case.expected_completion_at = expected_completion(case, now=now)
    case.save(update_fields=["current_step", "expected_completion_at"])
    _audit(
        "transparency.case_opened",
        case,
        actor=actor,
        actor_label=actor_label,
        after={"reference": reference, "business_type": business_type, "template": template.pk},
    )
    _notify(case)
    return case, code


@transaction.atomic
def advance_case(
    case: Case,
    *,
    actor,
    to_step: str | None = None,
    note: str = "",
    actor_label: str = "",
) -> Case:
    """Finish the current step and start `to_step` (a step code of the case's template,
    e.g. back to `submitted` when credit returns an application) or the next one."""
    case = _lock(case)
    _check_worker(actor, case.branch_id)
    steps = list(case.template.steps.order_by("position"))
    current = case.current_step.step if case.current_step else None
    if to_step:
        target = next((step for step in steps if step.code == to_step), None)
        if target is None:
            raise ValidationError({"to_step": _("This process has no such step.")})
    else:
        later = [step for step in steps if current is None or step.position > current.position]
        if not later:
            raise ValidationError({"to_step": _("This is the last step: complete the case.")})
        target = later[0]
    now = timezone.now()
    before = {"step": current.code if current else None}
    _finish_current(case, actor=actor, now=now, outcome=CaseStep.Outcome.DONE)
    _start_step(case, target, actor=actor, now=now)
    if note.strip():
        _event(case, CaseEvent.Kind.NOTE, actor=actor, text=note.strip(), at=now)
    case.expected_completion_at = expected_completion(case, now=now)
    case.save(update_fields=["current_step", "expected_completion_at"])
    _audit(
        "transparency.case_advanced",
        case,
        actor=actor,
        actor_label=actor_label,
        before=before,
        after={"step": target.code},
    )
    _notify(case)
    return case


@transaction.atomic
def add_note(
    case: Case, *, actor, text: str, customer_visible: bool = True, actor_label: str = ""
) -> CaseEvent:
    """A note on the timeline; internal notes (customer_visible=False) are for staff only."""
    if not permissions.can_work_case(actor, case):
        raise PermissionDenied(_("You may not work on cases of this branch."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    event = _event(
        case, CaseEvent.Kind.NOTE, actor=actor, text=text, customer_visible=customer_visible
    )
    _audit(
        "transparency.note_added",
        case,
        actor=actor,
        actor_label=actor_label,
        after={"event": event.pk, "customer_visible": customer_visible},
    )
    return event


def _close(case, *, actor, actor_label, status, event_kind, outcome, text, visible) -> Case:
    case = _lock(case)
    _check_worker(actor, case.branch_id)
    if status not in Case.TRANSITIONS[case.status]:
        raise ValidationError({"status": _("This change of status is not allowed.")})
    now = timezone.now()
    before = {
        "status": case.status,
        "step": case.current_step.step.code if case.current_step else None,
    }
    _finish_current(case, actor=actor, now=now, outcome=outcome)
    _event(case, event_kind, actor=actor, at=now)
    if text:
        _event(case, CaseEvent.Kind.NOTE, actor=actor, text=text, customer_visible=visible, at=now)
    case.status, case.closed_at = status, now
    case.expected_completion_at = (
        now if status == Case.Status.COMPLETED else case.expected_completion_at
    )
    case.save(update_fields=["status", "closed_at", "expected_completion_at"])
    _audit(
        f"transparency.case_{status}",
        case,
        actor=actor,
        actor_label=actor_label,
        before=before,
        after={"status": status, "reason": text},
    )
    _notify(case)
    return case


@transaction.atomic
def complete_case(case: Case, *, actor, note: str = "", actor_label: str = "") -> Case:
    return _close(
        case,
        actor=actor,
        actor_label=actor_label,
        status=Case.Status.COMPLETED,
        event_kind=CaseEvent.Kind.COMPLETED,
        outcome=CaseStep.Outcome.DONE,
        text=note.strip(),
        visible=True,
    )


@transaction.atomic
def reject_case(case: Case, *, actor, reason: str, actor_label: str = "") -> Case:
    """The reason stays internal (it may quote scores and policy); the customer sees that
    the application was declined and is told the details by their relationship manager."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason.")})
    return _close(
        case,
        actor=actor,
        actor_label=actor_label,
        status=Case.Status.REJECTED,
        event_kind=CaseEvent.Kind.REJECTED,
        outcome=CaseStep.Outcome.STOPPED,
        text=reason.strip(),
        visible=False,
    )


@transaction.atomic
def cancel_case(case: Case, *, actor, reason: str, actor_label: str = "") -> Case:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason.")})
    return _close(
        case,
        actor=actor,
        actor_label=actor_label,
        status=Case.Status.CANCELLED,
        event_kind=CaseEvent.Kind.CANCELLED,
        outcome=CaseStep.Outcome.STOPPED,
        text=reason.strip(),
        visible=False,
    )


# --- tracking views and inquiries ------------------------------------------------------------


def record_tracking_view(case: Case, *, channel: str) -> TrackingView:
    """A successful look at a case online (tracking-usage KPI). Not audited: it changes
    nothing and would drown the trail."""
    return TrackingView.objects.create(
        case=case, customer_id=case.customer_id, branch_id=case.branch_id, channel=channel
    )


def record_tracking_views(cases, *, channel: str) -> int:
    """One view per case shown with its progress on a list (my applications)."""
    rows = [
        TrackingView(
            case=case, customer_id=case.customer_id, branch_id=case.branch_id, channel=channel
        )
        for case in cases
    ]
    TrackingView.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def record_inquiry(
    case: Case,
    *,
    channel: str,
    actor,
    actor_label: str = "",
    received_at: datetime | None = None,
    agent=None,
) -> ProgressInquiry:
    """A customer asked where their application is (agent at the counter or phone, or a
    record from the call-centre system: actor None, `agent` the call-centre agent if known)."""
    if not permissions.can_record_inquiry(actor, case):
        raise PermissionDenied(_("You may not record inquiries for this branch."))
    if channel not in ProgressInquiry.Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"received_at": _("The time lies in the future.")})
    inquiry = ProgressInquiry.objects.create(
        case=case,
        branch_id=case.branch_id,
        channel=channel,
        received_at=received_at,
        agent=agent or (actor if getattr(actor, "is_authenticated", False) else None),
        source=actor_label,
    )
    record_event(
        "transparency.inquiry_recorded",
        actor=actor,
        actor_label=actor_label,
        target=inquiry,
        after={"case": case.reference, "channel": channel},
    )
    return inquiry


# --- notifications ---------------------------------------------------------------------------


def _message(case: Case, language: str) -> tuple[str, str]:
    with translation.override(language):
        if case.status == Case.Status.OPEN:
            step = case.current_step.step.name if case.current_step else ""
            expected = (
                formats.date_format(timezone.localtime(case.expected_completion_at), "DATE_FORMAT")
                if case.expected_completion_at
                else "-"
            )
            state = gettext("now at step “%(step)s”; expected completion %(date)s") % {
                "step": step,
                "date": expected,
            }
        else:
            state = str(Case.Status(case.status).label)
        subject = gettext("Your application %(reference)s: %(state)s") % {
            "reference": case.reference,
            "state": str(Case.Status(case.status).label),
        }
        body = gettext(
            "Your application %(reference)s (%(business)s) is %(state)s. Track it at %(url)s/track/"
        ) % {
            "reference": case.reference,
            "business": case.template.name,
            "state": state,
            "url": settings.QC_PORTAL_URL,
        }
    return subject, body


def _notify(case: Case) -> None:
    """Write the customer's notifications in this transaction; hand them to Celery after
    commit. If the broker is down the rows stay pending for the sweeper."""
    customer = case.customer
    language = customer.preferred_language or "zh-hans"
    subject, body = _message(case, language)
    now = timezone.now()
    # The task normally delivers at once; the sweeper only picks up what it left.
    later = now + timedelta(minutes=2)
    rows = []
    if customer.email:
        rows.append(
            Outbox(
                case=case,
                kind=Outbox.Kind.EMAIL,
                recipient=customer.email,
                language=language,
                subject=subject,
                body=body,
                created_at=now,
                next_attempt_at=later,
            )
        )
    if customer.phone:
        rows.append(
            Outbox(
                case=case,
                kind=Outbox.Kind.SMS,
                recipient=customer.phone,
                language=language,
                body=body,
                created_at=now,
                next_attempt_at=later,
            )
        )
    for row in rows:
        row.save()
        transaction.on_commit(lambda pk=row.pk: enqueue_delivery(pk))


def enqueue_delivery(outbox_id: int) -> bool:
    from transparency import tasks

    try:
        tasks.deliver_notification.delay(outbox_id)
    except Exception as error:  # noqa: BLE001 - broker down: the sweeper delivers later
        logger.warning("outbox %s not enqueued (%s); the sweeper will deliver it", outbox_id, error)
        return False
    return True


def deliver_outbox(outbox_id: int) -> bool:
    """Send one pending notification. True when sent (or already sent); on failure the row
    stays pending with a later next attempt (exponential back-off), then fails for good."""
    from transparency import sms

    with transaction.atomic():
        row = Outbox.objects.select_for_update().filter(pk=outbox_id).first()
        if row is None or row.status == Outbox.Status.SENT:
            return True
        if row.status == Outbox.Status.FAILED:
            return False
        try:
            if row.kind == Outbox.Kind.EMAIL:
                send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.recipient])
            else:
                sms.get_backend().send(row.recipient, row.body)
        except Exception as error:  # noqa: BLE001 - any transport failure: try again later
            row.attempts += 1
            row.last_error = str(error)[:1000]
            if row.attempts >= MAX_DELIVERY_ATTEMPTS:
                row.status = Outbox.Status.FAILED
                logger.error("outbox %s failed for good: %s", row.pk, error)
                _alert_failed_notification(row)
            row.next_attempt_at = timezone.now() + timedelta(minutes=2**row.attempts)
            row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return False
        row.status, row.sent_at = Outbox.Status.SENT, timezone.now()
        row.attempts += 1
        row.save(update_fields=["status", "sent_at", "attempts"])
        return True


def _alert_failed_notification(row: Outbox) -> None:
    """The customer was not told: their branch should call them."""
    from qc_portal.alerts import raise_alert

    case = Case.objects.select_related("branch").get(pk=row.case_id)
    raise_alert(
        kind="transparency.notification_failed",
        key=f"transparency.notification_failed:{row.pk}",
        title=_("A customer notification could not be delivered (%(reference)s)"),
        message=_(
            "The %(kind)s about case %(reference)s failed %(attempts)s times; please contact the customer."
        ),
        params={"reference": case.reference, "kind": row.kind, "attempts": row.attempts},
        roles=[Role.BRANCH_MANAGER],
        branch=case.branch,
        link=f"/transparency/cases/{case.reference}/",
    )


def sweep_outbox(*, now: datetime | None = None, limit: int = 500) -> int:
    """Deliver pending notifications whose next attempt is due; returns how many were sent."""
    now = now or timezone.now()
    ids = list(
        Outbox.objects.filter(status=Outbox.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver_outbox(pk) for pk in ids)


# --- manuals ---------------------------------------------------------------------------------


@transaction.atomic
def publish_manual(
    business_type: str,
    *,
    title_zh: str,
    title_en: str,
    body_zh: str,
    body_en: str,
    department_code: str,
    next_review_on: date,
    actor,
    published_on: date | None = None,
) -> Manual:
    """Publish a new version of a business type's manual (earlier versions stay readable)."""
    if actor is not None and not permissions.can_publish_manuals(actor):
        raise PermissionDenied(_("You may not publish manuals."))
    if not (title_zh.strip() and title_en.strip() and body_zh.strip() and body_en.strip()):
        raise ValidationError({"body_zh": _("Give the title and text in both languages.")})
    if not Department.objects.filter(code=department_code).exists():
        raise ValidationError({"department_code": _("Unknown department.")})
    published_on = published_on or timezone.localdate()
    if next_review_on <= published_on:
        raise ValidationError({"next_review_on": _("The review date must follow publication.")})
    last = Manual.objects.filter(business_type=business_type).order_by("-version").first()
    manual = Manual.objects.create(
        business_type=business_type,
        version=(last.version + 1) if last else 1,
        title_zh=title_zh,
        title_en=title_en,
        body_zh=body_zh,
        body_en=body_en,
        department_code=department_code,
        published_on=published_on,
        next_review_on=next_review_on,
    )
    record_event(
        "transparency.manual_published",
        actor=actor,
        target=manual,
        after={"business_type": business_type, "version": manual.version},
    )
    return manual


def flag_overdue_manuals(*, today: date | None = None) -> int:
    """Alert each manual's owning department when its current version is past review."""
    from qc_portal.alerts import raise_alert
    from transparency.queries import current_manuals

    today = today or timezone.localdate()
    raised = 0
    for manual in current_manuals().filter(next_review_on__lt=today):
        _alert, created = raise_alert(
            kind="transparency.manual_review",
            key=f"transparency.manual_review:{manual.business_type}:v{manual.version}",
            title=_("Manual “%(title)s” is overdue for review"),
            message=_("Version %(version)s was due for review on %(due)s."),
            params={
                "title": manual.title_en,
                "version": manual.version,
                "due": manual.next_review_on.isoformat(),
            },
            roles=[Role.BRANCH_MANAGER, Role.RISK_MANAGER, Role.HEAD_OFFICE],
            department_code=manual.department_code,
            link=f"/transparency/manuals/{manual.business_type}/",
        )
        raised += created
    return raised
