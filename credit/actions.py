"""Credit risk control, as the bank runs it (DESIGN.md §5).

A relationship manager submits an application for a customer; it is scored under the credit
policy in force and the customer's case opens so they can follow it. Three officers decide it
in turn — initial review, second review, final approval — each with the role for that stage.
Any stage may approve (it moves on), reject (it ends) or return it to the relationship
manager for information (resubmitted into the same stage). The rules hold here, in the
action, whatever the caller: nobody decides two stages of one application, the submitter
decides none, the final approver's authority limit must cover the amount, an approval below
the policy cut-off needs an override reason, and an officer whose risk-control training has
lapsed may not decide. Two officers deciding the same stage at once: the application row is
locked and the stage compared, so exactly one decision is stored and the other gets a
conflict. An approved application becomes a loan; the loan book is kept current by the core
banking system (inbound `loan_status`), classified daily into the five categories, watched by
the early-warning job and sampled by the quarterly credit review.
"""

from __future__ import annotations

import calendar
import random
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit import cases, classification, permissions, scoring
from credit.calendar import add_working_days
from credit.models import (
    DECISION_STAGES,
    NEXT_STAGE,
    NON_PERFORMING,
    SEVERITY,
    STAGE_ROLES,
    Application,
    Category,
    ClassificationChange,
    ClassificationSnapshot,
    CreditPolicy,
    Decision,
    Loan,
    Product,
    ReviewItem,
    ReviewSample,
    Stage,
)
from credit.training_gate import training_has_lapsed
from qc_portal.alerts import raise_alert
from qc_portal.audit import record_event
from qc_portal.exceptions import ConflictError
from qc_portal.models import Customer
from qc_portal.periods import Period, bank_tz
from qc_portal.roles import Role, has_role
from qc_portal.scoping import staff_profile, visible_customers


def local_today() -> date:
    return timezone.localtime(timezone.now(), bank_tz()).date()


# --- policy ---------------------------------------------------------------------------------


@transaction.atomic
def publish_policy(
    *,
    actor,
    effective_from: date,
    scorecard: dict,
    grade_bands: list,
    cutoff_score: int,
    amount_tiers: list | None = None,
    note: str = "",
    allow_backdating: bool = False,
) -> CreditPolicy:
    """Publish a new policy version. Versions are never edited; applications already scored
    keep theirs. A version may not take effect in the past (that would pretend past
    applications were scored under it) unless seeding history (`allow_backdating`)."""
    if not permissions.can_manage_policy(actor):
        raise PermissionDenied(_("Only risk managers may change the credit policy."))
    amount_tiers = amount_tiers or []
    scoring.validate_policy(scorecard, grade_bands, cutoff_score, amount_tiers)
    if effective_from < local_today() and not allow_backdating:
        raise ValidationError({"effective_from": _("A policy cannot take effect in the past.")})
    latest = CreditPolicy.objects.select_for_update().order_by("-version").first()
    if latest is not None and effective_from < latest.effective_from:
        raise ValidationError(
            {"effective_from": _("A new version must take effect on or after the previous one.")}
        )
    policy = CreditPolicy.objects.create(
        version=(latest.version + 1) if latest else 1,
        effective_from=effective_from,
        scorecard=scorecard,
        grade_bands=grade_bands,
        cutoff_score=cutoff_score,
        amount_tiers=amount_tiers,
        note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_event(
        "credit.policy_published",
        actor=actor,
        target=policy,
        before={"version": latest.version} if latest else None,
        after={
            "version": policy.version,
            "effective_from": effective_from,
            "cutoff_score": cutoff_score,
            "scorecard": scorecard,
            "grade_bands": grade_bands,
            "amount_tiers": amount_tiers,
        },
    )
    return policy


def policy_in_force(on: date | None = None) -> CreditPolicy | None:
    on = on or local_today()
    return (
        CreditPolicy.objects.filter(effective_from__lte=on)
        .order_by("-effective_from", "-version")
        .first()
    )


# --- applications ---------------------------------------------------------------------------


def _new_reference(prefix: str, model) -> str:
    while True:
        reference = f"{prefix}{local_today():%Y%m%d}{secrets.randbelow(10**6):06d}"
        if not model.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def submit_application(
    customer: Customer,
    *,
    actor,
    product: str,
    amount: Decimal,
    term_months: int,
    purpose: str,
    scorecard_inputs: dict,
    documents: list | None = None,
) -> Application:
    """A relationship manager submits an application for a customer of their branch."""
    if not permissions.can_submit_application(actor):
        raise PermissionDenied(_("Only relationship managers may submit credit applications."))
    profile = staff_profile(actor)
    if profile is None:
        raise PermissionDenied(_("You need a staff profile to submit applications."))
    if not visible_customers(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer is not a customer of your branch."))
    if product not in Product.values:
        raise ValidationError({"product": _("Unknown product.")})
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    if not term_months or int(term_months) <= 0:
        raise ValidationError({"term_months": _("The term must be at least one month.")})
    if not (purpose or "").strip():
        raise ValidationError({"purpose": _("State the purpose of the loan.")})
    policy = policy_in_force()
    if policy is None:
        raise ValidationError(_("No credit policy is in force; a risk manager must publish one."))
    points, grade = scoring.score(policy, scorecard_inputs)
    now = timezone.now()
    application = Application.objects.create(
        reference=_new_reference("CA", Application),
        customer=customer,
        relationship_manager=actor,
        branch=profile.branch,
        product=product,
        amount=amount,
        term_months=int(term_months),
        purpose=purpose.strip(),
        scorecard_inputs=scorecard_inputs,
        documents=[str(d) for d in (documents or [])],
        policy=policy,
        score=points,
        grade=grade,
        cutoff_score=policy.cutoff_for(amount),
        stage=NEXT_STAGE[Stage.SUBMITTED],
        status=Application.Status.IN_REVIEW,
        submitted_at=now,
        stage_entered_at=now,
    )
    reference, _access_code = cases.open_for(application, actor=actor)
    if reference:
        application.case_reference = reference
        application.save(update_fields=["case_reference"])
        cases.post_submitted(application, actor=actor)
    record_event(
        "credit.application_submitted",
        actor=actor,
        target=application,
        after={
            "reference": application.reference,
            "amount": amount,
            "product": product,
            "score": points,
            "grade": grade,
            "policy_version": policy.version,
            "stage": application.stage,
        },
    )
    return application


def refusal_reason(application: Application, *, stage: str, decision: str, actor) -> str | None:
    """Why `actor` may not take this decision now (None when they may). The same checks
    `decide_stage` enforces, so a page can show the reason before anyone clicks."""
    if not has_role(actor, STAGE_ROLES[stage]):
        return str(
            _("Only an officer with the %(role)s role may decide this stage.")
            % {"role": Role(STAGE_ROLES[stage]).label}
        )
    if application.relationship_manager_id == actor.pk:
        return str(_("You submitted this application, so you may not decide any of its stages."))
    other = (
        Decision.objects.filter(application=application, decider=actor)
        .exclude(stage=stage)
        .values_list("stage", flat=True)
        .first()
    )
    if other is not None:
        return str(
            _("Four eyes: you already decided the %(stage)s stage of this application.")
            % {"stage": Stage(other).label}
        )
    if training_has_lapsed(actor):
        return str(
            _(
                "Your mandatory risk-control training has lapsed; renew it before deciding credit applications."
            )
        )
    if stage == Stage.FINAL_APPROVAL and decision == Decision.Outcome.APPROVE:
        profile = staff_profile(actor)
        limit = profile.credit_authority_limit if profile else Decimal("0")
        if application.amount > limit:
            return str(
                _(
                    "The amount %(amount)s exceeds your credit authority limit of %(limit)s; an approver with a higher limit must decide."
                )
                % {"amount": f"{application.amount:,.2f}", "limit": f"{limit:,.2f}"}
            )
    return None


@transaction.atomic
def decide_stage(
    application: Application,
    *,
    stage: str,
    decision: str,
    reason: str,
    actor,
    override_reason: str = "",
) -> Decision:
    """Record one officer's decision on the stage the application is at."""
    if stage not in DECISION_STAGES:
        raise ValidationError({"stage": _("Not a decision stage.")})
    if decision not in Decision.Outcome.values:
        raise ValidationError({"decision": _("The decision must be approve, reject or return.")})
    reason = (reason or "").strip()
    override_reason = (override_reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    if not has_role(actor, STAGE_ROLES[stage]):
        raise PermissionDenied(
            refusal_reason(application, stage=stage, decision=decision, actor=actor)
        )
    # The lock makes concurrent deciders queue here; whoever comes second sees the new stage.
    locked = Application.objects.select_for_update().select_related("policy").get(pk=application.pk)
    if locked.status != Application.Status.IN_REVIEW or locked.stage != stage:
        raise ConflictError(
            _(
                "The application is no longer waiting for %(stage)s (now: %(now)s). Refresh and try again."
            )
            % {"stage": Stage(stage).label, "now": _current_state_label(locked)}
        )
    refusal = refusal_reason(locked, stage=stage, decision=decision, actor=actor)
    if refusal:
        raise PermissionDenied(refusal)
    is_override = decision == Decision.Outcome.APPROVE and locked.below_cutoff
    if is_override and not override_reason:
        raise ValidationError(
            {
                "override_reason": _(
                    "The score %(score)s is below the policy cut-off %(cutoff)s: approving needs an override reason."
                )
                % {"score": locked.score, "cutoff": locked.cutoff_score}
            }
        )
    now = timezone.now()
    profile = staff_profile(actor)
    try:
        with transaction.atomic():
            record = Decision.objects.create(
                application=locked,
                application_version=locked.version,
                stage=stage,
                decision=decision,
                reason=reason,
                override_reason=override_reason if is_override else "",
                is_override=is_override,
                score=locked.score,
                grade=locked.grade,
                cutoff_score=locked.cutoff_score,
                policy_version=locked.policy.version,
                amount=locked.amount,
                decider=actor,
                decider_limit=profile.credit_authority_limit if profile else None,
                stage_entered_at=locked.stage_entered_at,
                seconds_waited=max(0, int((now - locked.stage_entered_at).total_seconds())),
                decided_at=now,
                branch_id=locked.branch_id,
            )
    except IntegrityError:
        raise ConflictError() from None
    before = {"stage": locked.stage, "status": locked.status, "version": locked.version}
    if decision == Decision.Outcome.APPROVE:
        locked.stage = NEXT_STAGE[stage]
        locked.stage_entered_at = now
        if locked.stage == Stage.APPROVED:
            locked.status = Application.Status.APPROVED
            locked.closed_at = now
    elif decision == Decision.Outcome.REJECT:
        locked.status = Application.Status.REJECTED
        locked.closed_at = now
    else:
        locked.status = Application.Status.RETURNED
    locked.version = F("version") + 1
    locked.save(update_fields=["stage", "status", "stage_entered_at", "closed_at", "version"])
    locked.refresh_from_db(fields=["version"])
    record_event(
        "credit.stage_decided",
        actor=actor,
        target=locked,
        before=before,
        after={
            "stage": locked.stage,
            "status": locked.status,
            "decision": decision,
            "decided_stage": stage,
            "reason": reason,
            "override_reason": record.override_reason,
            "score": locked.score,
            "policy_version": locked.policy.version,
        },
    )
    if locked.status == Application.Status.APPROVED:
        _open_loan(locked, actor=actor, on=timezone.localtime(now, bank_tz()).date())
    cases.post_decision(locked, stage=stage, decision=decision, actor=actor)
    application.stage, application.status, application.version = (
        locked.stage,
        locked.status,
        locked.version,
    )
    return record


def _current_state_label(application: Application) -> str:
    if application.status == Application.Status.IN_REVIEW:
        return str(Stage(application.stage).label)
    return str(Application.Status(application.status).label)


@transaction.atomic
def resubmit_application(
    application: Application,
    *,
    actor,
    note: str = "",
    documents: list | None = None,
    scorecard_inputs: dict | None = None,
) -> Application:
    """The relationship manager answers a return: the application goes back into the stage
    that returned it. New scorecard inputs are scored under the policy now in force."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.relationship_manager_id != actor.pk:
        raise PermissionDenied(_("Only the relationship manager who submitted it may resubmit it."))
    if locked.status != Application.Status.RETURNED:
        raise ConflictError(_("The application is not waiting for more information."))
    before = {"status": locked.status, "score": locked.score, "documents": locked.documents}
    if documents is not None:
        locked.documents = [str(d) for d in documents]
    if scorecard_inputs is not None:
        policy = policy_in_force() or locked.policy
        locked.score, locked.grade = scoring.score(policy, scorecard_inputs)
        locked.scorecard_inputs = scorecard_inputs
        locked.policy = policy
        locked.cutoff_score = policy.cutoff_for(locked.amount)
    locked.status = Application.Status.IN_REVIEW
    locked.stage_entered_at = timezone.now()
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db()
    record_event(
        "credit.application_resubmitted",
        actor=actor,
        target=locked,
        before=before,
        after={
            "status": locked.status,
            "stage": locked.stage,
            "score": locked.score,
            "documents": locked.documents,
            "note": note,
        },
    )
    cases.post_resubmitted(locked, actor=actor)
    return locked


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _open_loan(application: Application, *, actor, on: date) -> Loan:
    loan = Loan.objects.create(
        reference=_new_reference("LN", Loan),
        application=application,
        customer_id=application.customer_id,
        branch_id=application.branch_id,
        product=application.product,
        officer_id=application.relationship_manager_id,
        principal=application.amount,
        outstanding_balance=application.amount,
        disbursed_on=on,
        maturity_on=_add_months(on, application.term_months),
        status_as_of=on,
    )
    record_event(
        "credit.loan_opened",
        actor=actor,
        target=loan,
        after={"application": application.reference, "principal": application.amount},
    )
    return loan


# --- turnaround standards -------------------------------------------------------------------

DEFAULT_STAGE_STANDARD_DAYS = {
    Stage.INITIAL_REVIEW: 2,
    Stage.SECOND_REVIEW: 2,
    Stage.FINAL_APPROVAL: 3,
}


def stage_standard_days() -> dict[str, int]:
    configured = getattr(settings, "QC_CREDIT_STAGE_STANDARD_DAYS", None) or {}
    merged = {str(k): v for k, v in DEFAULT_STAGE_STANDARD_DAYS.items()}
    merged.update({str(k): int(v) for k, v in configured.items()})
    return merged


def stage_due_on(application: Application) -> date:
    """The last working day the application may spend at its current stage."""
    entered = timezone.localtime(application.stage_entered_at, bank_tz()).date()
    return add_working_days(entered, stage_standard_days()[application.stage])


def escalate_overdue_applications(*, now: datetime | None = None) -> int:
    """Sweep: every application past its stage's turnaround standard is escalated to the risk
    managers, once per application and stage (the alert key makes a second sweep silent)."""
    now = now or timezone.now()
    today = timezone.localtime(now, bank_tz()).date()
    standards = stage_standard_days()
    raised = 0
    waiting = Application.objects.filter(
        status=Application.Status.IN_REVIEW, stage__in=DECISION_STAGES
    ).select_related("branch")
    # A stage is overdue only after at least `standard` calendar days, so older entries only.
    for application in waiting.filter(
        stage_entered_at__lt=now - timedelta(days=min(standards.values()))
    ).iterator():
        due = stage_due_on(application)
        if today <= due:
            continue
        _alert, created = raise_alert(
            kind="credit.stage_overdue",
            key=f"credit.stage_overdue:{application.pk}:{application.stage}",
            title=_("Credit application %(reference)s overdue at %(stage)s"),
            message=_(
                "Application %(reference)s (%(amount)s) has waited at %(stage)s since %(since)s; "
                "the standard of %(days)s working days ended on %(due)s."
            ),
            params={
                "reference": application.reference,
                "stage": Stage(application.stage).label,
                "amount": f"{application.amount:,.2f}",
                "since": timezone.localtime(application.stage_entered_at, bank_tz()).strftime(
                    "%Y-%m-%d"
                ),
                "days": standards[application.stage],
                "due": due.isoformat(),
            },
            roles=[Role.RISK_MANAGER],
            link=f"/credit/applications/{application.pk}/",
            evidence={
                "application": application.reference,
                "stage": application.stage,
                "stage_entered_at": application.stage_entered_at.isoformat(),
                "due_on": due.isoformat(),
                "standard_working_days": standards[application.stage],
            },
        )
        raised += int(created)
    return raised


# --- loan book and classification -----------------------------------------------------------


def _apply_category(
    loan: Loan, *, on: date, source: str, actor=None, reason: str = ""
) -> ClassificationChange | None:
    """Set the loan's floor from its days past due and its category to the worse of floor
    and manual judgement; record a change row when the category moves. The caller saves."""
    loan.floor_category = classification.floor_for(loan.days_past_due)
    if loan.contagion_floor:
        loan.floor_category = classification.worse(loan.floor_category, Category.SUBSTANDARD)
    effective = loan.floor_category
    if loan.manual_category:
        effective = classification.worse(loan.floor_category, loan.manual_category)
    if effective == loan.category:
        return None
    change = ClassificationChange.objects.create(
        loan=loan,
        changed_on=on,
        from_category=loan.category,
        to_category=effective,
        days_past_due=loan.days_past_due,
        outstanding_balance=loan.outstanding_balance,
        source=source,
        reason=reason,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    loan.category = effective
    return change


@transaction.atomic
def update_loan_status(
    loan: Loan,
    *,
    balance: Decimal,
    days_past_due: int,
    as_of: date,
    actor=None,
    source_label: str = "",
) -> Loan:
    """A balance and days-past-due record from the core banking system (or by hand in
    development). An older record than the one applied is refused, so the book never moves
    back in time when records arrive out of order."""
    if actor is not None and not source_label and not permissions.can_update_loans_by_hand(actor):
        raise PermissionDenied(_("Only risk managers may update loans by hand."))
    balance = Decimal(str(balance))
    if balance < 0:
        raise ValidationError({"balance": _("The balance cannot be negative.")})
    if int(days_past_due) < 0:
        raise ValidationError({"days_past_due": _("Days past due cannot be negative.")})
    locked = Loan.objects.select_for_update().get(pk=loan.pk)
    if as_of < locked.status_as_of:
        raise ValidationError(
            {
                "as_of": _("A newer status (%(date)s) is already applied.")
                % {"date": locked.status_as_of}
            }
        )
    if locked.status == Loan.Status.WRITTEN_OFF:
        raise ValidationError(_("The loan was written off."))
    before = {
        "balance": locked.outstanding_balance,
        "days_past_due": locked.days_past_due,
        "category": locked.category,
        "as_of": locked.status_as_of,
    }
    locked.outstanding_balance = balance
    locked.days_past_due = int(days_past_due)
    locked.status_as_of = as_of
    if balance == 0 and locked.days_past_due == 0:
        locked.status = Loan.Status.REPAID
    elif locked.status == Loan.Status.REPAID:
        locked.status = Loan.Status.ACTIVE
    _apply_category(locked, on=as_of, source=ClassificationChange.Source.STATUS_UPDATE, actor=actor)
    locked.save()
    record_event(
        "credit.loan_status_updated",
        actor=actor,
        actor_label=source_label,
        target=locked,
        before=before,
        after={
            "balance": balance,
            "days_past_due": locked.days_past_due,
            "category": locked.category,
            "as_of": as_of,
        },
    )
    return locked


@transaction.atomic
def classify_loan(loan: Loan, *, category: str, reason: str, actor) -> Loan:
    """A risk manager's judgement: worse than the overdue floor, with a reason — never better.
    Setting the floor's own category clears an earlier manual downgrade."""
    if not permissions.can_classify_loans(actor):
        raise PermissionDenied(_("Only risk managers may classify loans."))
    if category not in Category.values:
        raise ValidationError({"category": _("Unknown category.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the classification.")})
    locked = Loan.objects.select_for_update().get(pk=loan.pk)
    floor = classification.floor_for(locked.days_past_due)
    if SEVERITY[category] < SEVERITY[floor]:
        raise ValidationError(
            {
                "category": _(
                    "%(days)s days past due make %(floor)s the best category this loan may hold; it cannot be classified better."
                )
                % {"days": locked.days_past_due, "floor": Category(floor).label}
            }
        )
    before = {
        "category": locked.category,
        "manual_category": locked.manual_category,
        "manual_reason": locked.manual_reason,
    }
    locked.manual_category = "" if category == floor else category
    locked.manual_reason = reason.strip()
    _apply_category(
        locked,
        on=local_today(),
        source=ClassificationChange.Source.MANUAL,
        actor=actor,
        reason=reason.strip(),
    )
    locked.save()
    record_event(
        "credit.loan_classified",
        actor=actor,
        target=locked,
        before=before,
        after={
            "category": locked.category,
            "manual_category": locked.manual_category,
            "manual_reason": locked.manual_reason,
        },
    )
    return locked


@transaction.atomic
def write_off_loan(loan: Loan, *, actor, reason: str, on: date | None = None) -> Loan:
    if not permissions.can_classify_loans(actor):
        raise PermissionDenied(_("Only risk managers may write loans off."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the write-off.")})
    locked = Loan.objects.select_for_update().get(pk=loan.pk)
    if locked.category not in NON_PERFORMING:
        raise ValidationError(_("Only non-performing loans may be written off."))
    on = on or local_today()
    before = {"balance": locked.outstanding_balance, "status": locked.status}
    locked.written_off_amount = locked.outstanding_balance
    locked.outstanding_balance = Decimal("0")
    locked.written_off_on = on
    locked.status = Loan.Status.WRITTEN_OFF
    locked.save()
    record_event(
        "credit.loan_written_off",
        actor=actor,
        target=locked,
        before=before,
        after={"written_off_amount": locked.written_off_amount, "reason": reason, "on": on},
    )
    return locked


def book_loans():
    """Loans that count in the book: active ones with a balance."""
    return Loan.objects.filter(status=Loan.Status.ACTIVE)


@transaction.atomic
def recompute_classifications(*, as_of: date | None = None) -> int:
    """Daily: recompute every active loan's floor (thresholds may have changed), apply the
    contagion rule, and take the day's snapshot when it closes a quarter. Returns the number
    of loans whose category moved.

    Contagion (商业银行金融资产风险分类办法 art. 12): when more than
    settings.QC_CREDIT_CONTAGION_SHARE (default 10 %) of a borrower's balance at the bank is
    non-performing on its own terms, all the borrower's loans are at least substandard."""
    as_of = as_of or local_today()
    limits = classification.thresholds()
    share = Decimal(str(_setting("QC_CREDIT_CONTAGION_SHARE", "0.10")))
    loans = list(book_loans().select_for_update().order_by("id"))
    totals: dict[int, Decimal] = {}
    bad: dict[int, Decimal] = {}
    for loan in loans:
        own = classification.floor_for(loan.days_past_due, limits)
        if loan.manual_category:
            own = classification.worse(own, loan.manual_category)
        totals[loan.customer_id] = (
            totals.get(loan.customer_id, Decimal("0")) + loan.outstanding_balance
        )
        if own in NON_PERFORMING:
            bad[loan.customer_id] = (
                bad.get(loan.customer_id, Decimal("0")) + loan.outstanding_balance
            )
    contagious = {c for c, total in totals.items() if total and bad.get(c, 0) / total > share}
    changed = []
    for loan in loans:
        before = (loan.floor_category, loan.category, loan.contagion_floor)
        loan.contagion_floor = loan.customer_id in contagious
        reason = (
            str(
                _("Contagion: more than %(share)s of the borrower's balance is non-performing.")
                % {"share": f"{share:.0%}"}
            )
            if loan.contagion_floor
            else ""
        )
        _apply_category(loan, on=as_of, source=ClassificationChange.Source.DAILY, reason=reason)
        if (loan.floor_category, loan.category, loan.contagion_floor) != before:
            changed.append(loan)
    Loan.objects.bulk_update(
        changed, ["floor_category", "category", "contagion_floor"], batch_size=2000
    )
    quarter = Period.containing(as_of, "quarter")
    if quarter.last_date == as_of:
        take_snapshot(as_of=as_of)
    elif as_of == quarter.start_date:
        # The run on the quarter's last day was missed: the book now is the closest record
        # of it (nothing has been applied for the new quarter yet).
        previous_end = quarter.previous().last_date
        if not ClassificationSnapshot.objects.filter(as_of=previous_end).exists():
            take_snapshot(as_of=previous_end)
    record_event(
        "credit.classifications_recomputed",
        actor_label="job:credit.daily",
        target_type="credit.loan",
        after={"as_of": as_of, "changed": len(changed)},
    )
    return len(changed)


@transaction.atomic
def take_snapshot(*, as_of: date) -> int:
    """Record the book as it stands, dated `as_of` (replacing that day's earlier snapshot)."""
    ClassificationSnapshot.objects.filter(as_of=as_of).delete()
    rows = [
        ClassificationSnapshot(
            as_of=as_of,
            loan_id=loan["id"],
            branch_id=loan["branch_id"],
            product=loan["product"],
            officer_id=loan["officer_id"],
            customer_id=loan["customer_id"],
            vintage=f"{loan['disbursed_on'].year}-Q{(loan['disbursed_on'].month - 1) // 3 + 1}",
            category=loan["category"],
            days_past_due=loan["days_past_due"],
            balance=loan["outstanding_balance"],
        )
        for loan in book_loans()
        .filter(disbursed_on__lte=as_of)
        .values(
            "id",
            "branch_id",
            "product",
            "officer_id",
            "customer_id",
            "disbursed_on",
            "category",
            "days_past_due",
            "outstanding_balance",
        )
        .iterator(chunk_size=5000)
    ]
    ClassificationSnapshot.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


# --- early warning ----------------------------------------------------------------------------

DPD_WARNING_DAYS = (30, 60, 90)


def _setting(name: str, default):
    return getattr(settings, name, default)


def _known_alert_keys(prefix: str) -> set[str]:
    from qc_portal.models import Alert

    return set(Alert.objects.filter(key__startswith=prefix).values_list("key", flat=True))


def run_early_warnings(*, as_of: date | None = None) -> dict[str, int]:
    """Daily: raise each early warning once, with its evidence, to the risk managers."""
    from credit import queries

    as_of = as_of or local_today()
    quarter = Period.containing(as_of, "quarter")
    counts = {"dpd": 0, "downgrade": 0, "concentration": 0, "npl_near_limit": 0, "npl_growth": 0}
    risk = [Role.RISK_MANAGER]

    # 1. Loans crossing 30 / 60 / 90 days past due: one alert per loan and threshold (the
    # highest crossed, so a first record at 95 days does not also report 30 and 60).
    known = _known_alert_keys("credit.dpd:")
    overdue = (
        book_loans()
        .filter(days_past_due__gte=DPD_WARNING_DAYS[0])
        .select_related("branch", "customer")
    )
    for loan in overdue.iterator(chunk_size=2000):
        crossed = max(days for days in DPD_WARNING_DAYS if loan.days_past_due >= days)
        key = f"credit.dpd:{loan.pk}:{crossed}"
        if key in known:
            continue
        _alert, created = raise_alert(
            kind="credit.days_past_due",
            key=key,
            title=_("Loan %(loan)s is %(days)s days past due"),
            message=_(
                "Loan %(loan)s of %(customer)s (balance %(balance)s) crossed %(threshold)s days past due on %(as_of)s."
            ),
            params={
                "loan": loan.reference,
                "days": loan.days_past_due,
                "customer": loan.customer.name,
                "balance": f"{loan.outstanding_balance:,.2f}",
                "threshold": crossed,
                "as_of": loan.status_as_of.isoformat(),
            },
            severity="critical" if crossed >= 90 else "warning",
            roles=risk,
            branch=loan.branch,
            link=f"/credit/loans/{loan.pk}/",
            evidence={
                "loan": loan.reference,
                "days_past_due": loan.days_past_due,
                "threshold": crossed,
                "balance": str(loan.outstanding_balance),
                "as_of": loan.status_as_of.isoformat(),
            },
        )
        counts["dpd"] += int(created)

    # 2. Downgrades in the last week (a missed daily run is caught up by the next one).
    known = _known_alert_keys("credit.downgrade:")
    recent = ClassificationChange.objects.filter(
        changed_on__gte=as_of - timedelta(days=7), changed_on__lte=as_of
    )
    for change in recent.select_related("loan", "loan__branch").iterator():
        key = f"credit.downgrade:{change.pk}"
        if not change.is_downgrade or key in known:
            continue
        _alert, created = raise_alert(
            kind="credit.downgrade",
            key=key,
            title=_("Loan %(loan)s downgraded to %(to)s"),
            message=_(
                "Loan %(loan)s moved from %(from)s to %(to)s on %(on)s (%(days)s days past due, balance %(balance)s)."
            ),
            params={
                "loan": change.loan.reference,
                "from": Category(change.from_category).label,
                "to": Category(change.to_category).label,
                "on": change.changed_on.isoformat(),
                "days": change.days_past_due,
                "balance": f"{change.outstanding_balance:,.2f}",
            },
            severity="critical" if change.to_category in NON_PERFORMING else "warning",
            roles=risk,
            branch=change.loan.branch,
            link=f"/credit/loans/{change.loan_id}/",
            evidence={
                "loan": change.loan.reference,
                "from": change.from_category,
                "to": change.to_category,
                "changed_on": change.changed_on.isoformat(),
                "source": change.source,
                "reason": change.reason,
            },
        )
        counts["downgrade"] += int(created)

    # 3. Single-borrower concentration above the configured share of the book.
    share_limit = Decimal(str(_setting("QC_CREDIT_CONCENTRATION_SHARE", "0.10")))
    total = book_loans().aggregate(total=Sum("outstanding_balance"))["total"] or Decimal("0")
    if total > 0:
        heavy = (
            book_loans()
            .values("customer_id", "customer__name", "customer__customer_number")
            .annotate(balance=Sum("outstanding_balance"))
            .filter(balance__gt=total * share_limit)
        )
        for row in heavy:
            share = row["balance"] / total
            _alert, created = raise_alert(
                kind="credit.concentration",
                key=f"credit.concentration:{row['customer_id']}:{quarter}",
                title=_("Borrower %(customer)s holds %(share)s of the loan book"),
                message=_(
                    "Loans to %(customer)s total %(balance)s, %(share)s of the book (limit %(limit)s)."
                ),
                params={
                    "customer": row["customer__name"],
                    "share": f"{share:.1%}",
                    "balance": f"{row['balance']:,.2f}",
                    "limit": f"{share_limit:.1%}",
                },
                severity="critical",
                roles=risk,
                link="/credit/loans/?customer=" + row["customer__customer_number"],
                evidence={
                    "customer": row["customer__customer_number"],
                    "balance": str(row["balance"]),
                    "book": str(total),
                    "share": float(share),
                    "limit": float(share_limit),
                },
            )
            counts["concentration"] += int(created)

    # 4. Branch or product NPL ratio approaching (or above) the 2 % limit.
    warn_at = Decimal(str(_setting("QC_CREDIT_NPL_WARNING_RATIO", "0.018")))
    limit = Decimal(str(_setting("QC_CREDIT_NPL_LIMIT", "0.02")))
    for dimension, rows in (
        ("branch", queries.live_npl_by("branch")),
        ("product", queries.live_npl_by("product")),
    ):
        for row in rows:
            if not row.total or row.ratio < warn_at:
                continue
            _alert, created = raise_alert(
                kind="credit.npl_near_limit",
                key=f"credit.npl_near_limit:{dimension}:{row.key}:{quarter}",
                title=_("NPL ratio of %(scope)s at %(ratio)s"),
                message=_(
                    "Non-performing %(npl)s of %(total)s: %(ratio)s against the %(limit)s limit (warning from %(warn)s)."
                ),
                params={
                    "scope": row.label,
                    "ratio": f"{row.ratio:.2%}",
                    "npl": f"{row.npl:,.2f}",
                    "total": f"{row.total:,.2f}",
                    "limit": f"{limit:.0%}",
                    "warn": f"{warn_at:.1%}",
                },
                severity="critical" if row.ratio >= limit else "warning",
                roles=risk,
                branch=row.branch,
                link="/credit/npl/",
                evidence={
                    "dimension": dimension,
                    "scope": str(row.key),
                    "npl": str(row.npl),
                    "total": str(row.total),
                    "ratio": float(row.ratio),
                    "as_of": as_of.isoformat(),
                },
            )
            counts["npl_near_limit"] += int(created)

    # 5. NPL balance growing since the last quarter end.
    previous_end = quarter.previous().last_date
    before = ClassificationSnapshot.objects.filter(
        as_of=previous_end, category__in=NON_PERFORMING
    ).aggregate(total=Sum("balance"))["total"]
    now_npl = book_loans().filter(category__in=NON_PERFORMING).aggregate(
        total=Sum("outstanding_balance")
    )["total"] or Decimal("0")
    if before is not None and now_npl > before:
        _alert, created = raise_alert(
            kind="credit.npl_growth",
            key=f"credit.npl_growth:{quarter}",
            title=_("NPL balance growing in %(quarter)s"),
            message=_(
                "Non-performing balance %(now)s on %(as_of)s, up from %(before)s at %(previous)s."
            ),
            params={
                "quarter": str(quarter),
                "now": f"{now_npl:,.2f}",
                "before": f"{before:,.2f}",
                "as_of": as_of.isoformat(),
                "previous": previous_end.isoformat(),
            },
            roles=risk,
            link="/credit/npl/",
            evidence={
                "npl_now": str(now_npl),
                "npl_previous_quarter_end": str(before),
                "previous_quarter_end": previous_end.isoformat(),
                "as_of": as_of.isoformat(),
            },
        )
        counts["npl_growth"] += int(created)
    return counts


# --- quarterly credit review ------------------------------------------------------------------


@transaction.atomic
def propose_review_sample(
    quarter: Period, *, random_share: Decimal | float | None = None
) -> ReviewSample:
    """The quarter's review sample: every override, plus a random share of the other approve
    and reject decisions drawn in each branch (stratified, so small branches are reviewed
    too). Deterministic for a quarter, and proposed once: a second call returns the sample."""
    if quarter.kind != "quarter":
        raise ValidationError({"quarter": _("The review is quarterly.")})
    existing = ReviewSample.objects.filter(quarter=str(quarter)).first()
    if existing is not None:
        return existing
    share = Decimal(
        str(
            random_share if random_share is not None else _setting("QC_CREDIT_REVIEW_SHARE", "0.05")
        )
    )
    if not 0 <= share <= 1:
        raise ValidationError({"random_share": _("The share must be between 0 and 1.")})
    sample = ReviewSample.objects.create(quarter=str(quarter), random_share=share)
    decisions = Decision.objects.filter(
        decided_at__gte=quarter.start,
        decided_at__lt=quarter.end,
        decision__in=[Decision.Outcome.APPROVE, Decision.Outcome.REJECT],
        review__isnull=True,
    ).values_list("id", "branch_id", "is_override")
    items, by_branch = [], {}
    for decision_id, branch_id, is_override in decisions.order_by("id"):
        if is_override:
            items.append(
                ReviewItem(
                    sample=sample,
                    decision_id=decision_id,
                    branch_id=branch_id,
                    selection=ReviewItem.Selection.OVERRIDE,
                )
            )
        else:
            by_branch.setdefault(branch_id, []).append(decision_id)
    for branch_id, ids in sorted(by_branch.items()):
        count = min(len(ids), int((share * len(ids)).to_integral_value(rounding="ROUND_CEILING")))
        chosen = random.Random(f"{quarter}-{branch_id}").sample(ids, count)
        items.extend(
            ReviewItem(
                sample=sample,
                decision_id=decision_id,
                branch_id=branch_id,
                selection=ReviewItem.Selection.RANDOM,
            )
            for decision_id in sorted(chosen)
        )
    ReviewItem.objects.bulk_create(items, batch_size=2000)
    record_event(
        "credit.review_sample_proposed",
        actor_label="job:credit.quarterly_review",
        target=sample,
        after={"quarter": str(quarter), "items": len(items), "random_share": share},
    )
    return sample


@transaction.atomic
def review_decision(
    item: ReviewItem, *, outcome: str, actor, error_category: str = "", note: str = ""
) -> ReviewItem:
    if not permissions.can_review_decisions(actor):
        raise PermissionDenied(_("Only risk managers review credit decisions."))
    locked = ReviewItem.objects.select_for_update().select_related("decision").get(pk=item.pk)
    if locked.decision.decider_id == actor.pk:
        raise PermissionDenied(_("You may not review your own decision."))
    if outcome not in (ReviewItem.Outcome.CORRECT, ReviewItem.Outcome.ERRONEOUS):
        raise ValidationError({"outcome": _("Mark the decision correct or erroneous.")})
    if (
        outcome == ReviewItem.Outcome.ERRONEOUS
        and error_category not in ReviewItem.ErrorCategory.values
    ):
        raise ValidationError(
            {"error_category": _("An erroneous decision needs an error category.")}
        )
    before = {"outcome": locked.outcome, "error_category": locked.error_category}
    locked.outcome = outcome
    locked.error_category = error_category if outcome == ReviewItem.Outcome.ERRONEOUS else ""
    locked.note = (note or "").strip()
    locked.reviewed_by, locked.reviewed_at = actor, timezone.now()
    locked.save()
    record_event(
        "credit.decision_reviewed",
        actor=actor,
        target=locked,
        before=before,
        after={"outcome": outcome, "error_category": locked.error_category, "note": locked.note},
    )
    return locked
