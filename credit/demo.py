"""Demo data for measure 3: two policy versions, a year of credit applications across every
stage and outcome (returns, rejections, overrides), the loan book they became with a realistic
overdue distribution (a few branches above the 2 % NPL limit), quarter-end snapshots, two
quarters of credit review, the early warnings they raise, and one application of the
`customer` login waiting at initial review for the demo journey.

History is written in bulk (rows, not actions: the actions are for live changes); the open
applications get real transparency cases through `transparency.actions`, so customers can
follow them. Deterministic for a seed; skipped when the demo applications already exist.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from credit import actions, cases, classification, scoring
from credit.models import (
    NON_PERFORMING,
    Application,
    ClassificationChange,
    ClassificationSnapshot,
    CreditPolicy,
    Decision,
    Loan,
    Product,
    ReviewItem,
    Stage,
)
from qc_portal.demo import DemoContext
from qc_portal.models import Customer, StaffProfile
from qc_portal.periods import Period, bank_tz
from qc_portal.roles import Role

APPLICATIONS_PER_BRANCH = {"small": 40, "medium": 260, "bank": 60}
OPEN_CASES_LIMIT = {"small": 30, "medium": 400, "bank": 800}
PRODUCT_MIX = {Product.CONSUMER_LOAN: 0.55, Product.MORTGAGE: 0.25, Product.BUSINESS_LOAN: 0.20}
AMOUNTS = {  # (low, high) in CNY, kept within the demo final approver's 5,000,000 limit
    Product.CONSUMER_LOAN: (30_000, 500_000),
    Product.MORTGAGE: (400_000, 3_000_000),
    Product.BUSINESS_LOAN: (200_000, 4_800_000),
}
TERMS = {
    Product.CONSUMER_LOAN: (12, 60),
    Product.MORTGAGE: (120, 360),
    Product.BUSINESS_LOAN: (12, 84),
}
PURPOSES = [
    "装修 / renovation",
    "购车 / car",
    "首套住房 / first home",
    "经营周转 / working capital",
    "设备采购 / equipment",
    "教育 / education",
]
DEMO_PREFIX = "CAD"


def seed(context: DemoContext) -> None:
    if Application.objects.filter(reference__startswith=DEMO_PREFIX).exists():
        _note(context)
        return
    with transaction.atomic():
        policies = _seed_policies(context)
        _seed_history(context, policies)
    with transaction.atomic():
        _seed_open_cases(context)
        _seed_demo_journey(context)
        for quarter in (Period.parse("2026-Q2"), Period.parse("2026-Q3")):
            if quarter.end <= context.now:
                _seed_review(context, quarter)
        today = timezone.localtime(context.now, bank_tz()).date()
        actions.run_early_warnings(as_of=today)
        actions.escalate_overdue_applications(now=context.now)
    _note(context)


def _note(context: DemoContext) -> None:
    waiting = (
        Application.objects.filter(
            relationship_manager=context.logins.get(Role.RELATIONSHIP_MANAGER),
            stage=Stage.INITIAL_REVIEW,
            status=Application.Status.IN_REVIEW,
            customer__user=context.logins.get(Role.CUSTOMER),
        )
        .order_by("-submitted_at")
        .first()
    )
    context.notes.append(
        f"credit: {Application.objects.count()} applications, {Loan.objects.count()} loans, "
        f"{Decision.objects.count()} decisions"
        + (
            f"; demo journey: {waiting.reference} (case {waiting.case_reference}) waits at initial review — "
            "log in as risk_initial, risk_review, risk_final in turn"
            if waiting
            else ""
        )
    )


# --- policy -----------------------------------------------------------------------------------


def _seed_policies(context: DemoContext) -> list[CreditPolicy]:
    manager = context.logins[Role.RISK_MANAGER]
    first = CreditPolicy.objects.order_by("version").first()
    if first is None:
        first = actions.publish_policy(
            actor=manager,
            effective_from=date(2025, 1, 1),
            scorecard=scoring.DEFAULT_SCORECARD,
            grade_bands=scoring.DEFAULT_GRADE_BANDS,
            cutoff_score=45,
            amount_tiers=[],
            note="初版评分卡 / First scorecard",
            allow_backdating=True,
        )
    second = CreditPolicy.objects.filter(version=2).first()
    if second is None:
        second = actions.publish_policy(
            actor=manager,
            effective_from=context.programme_start,
            scorecard=scoring.DEFAULT_SCORECARD,
            grade_bands=scoring.DEFAULT_GRADE_BANDS,
            cutoff_score=scoring.DEFAULT_CUTOFF,
            amount_tiers=scoring.DEFAULT_AMOUNT_TIERS,
            note="质量控制计划：提高大额门槛 / QC programme: higher cut-off for large amounts",
            allow_backdating=True,
        )
    return [first, second]


# --- applications, decisions, loans -----------------------------------------------------------


def _inputs(rng) -> dict:
    quality = rng.random()
    return {
        "debt_to_income": round(
            rng.uniform(0.05, 0.35) if quality > 0.2 else rng.uniform(0.3, 0.8), 2
        ),
        "credit_history_years": rng.randrange(0, 20) if quality > 0.15 else rng.randrange(0, 2),
        "collateral_cover": round(rng.uniform(0.3, 2.2), 2),
        "employment": rng.choices(
            ["permanent", "self_employed", "contract", "none"], [60, 20, 15, 5]
        )[0],
        "existing_exposure_ratio": round(rng.uniform(0, 2.5), 2),
    }


def _working_gap(rng, moment: datetime, days: float) -> datetime:
    """`days` working days after `moment`, skipping weekends (demo approximation)."""
    result = moment + timedelta(days=days)
    while result.astimezone(bank_tz()).weekday() >= 5:
        result += timedelta(days=1)
    return result


def _seed_history(context: DemoContext, policies: list[CreditPolicy]) -> None:
    rng = context.rng
    now = context.now
    tz = bank_tz()
    programme = datetime.combine(context.programme_start, time(9), tzinfo=tz)
    officers = {
        Stage.INITIAL_REVIEW: context.logins[Role.RISK_INITIAL],
        Stage.SECOND_REVIEW: context.logins[Role.RISK_REVIEW],
        Stage.FINAL_APPROVAL: context.logins[Role.RISK_FINAL],
    }
    limits = dict(
        StaffProfile.objects.filter(user_id__in=[u.pk for u in officers.values()]).values_list(
            "user_id", "credit_authority_limit"
        )
    )
    rms_by_branch: dict[int, list[int]] = {}
    for user_id, branch_id in StaffProfile.objects.filter(
        user__groups__name=Role.RELATIONSHIP_MANAGER
    ).values_list("user_id", "branch_id"):
        rms_by_branch.setdefault(branch_id, []).append(user_id)
    demo_rm = context.logins[Role.RELATIONSHIP_MANAGER]
    customers_by_branch: dict[int, list[int]] = {}
    for pk, branch_id in Customer.objects.values_list("pk", "home_branch_id"):
        customers_by_branch.setdefault(branch_id, []).append(pk)
    # A few branches run a riskier book: their NPL ends above the 2 % limit.
    risky = {b.pk for b in context.branches[1::4]}
    products, weights = list(PRODUCT_MIX), list(PRODUCT_MIX.values())
    start = now - timedelta(days=400)
    per_branch = APPLICATIONS_PER_BRANCH[context.scale]

    applications, plans = [], []
    number = 0
    for branch in context.progress(context.branches, desc="credit applications"):
        customers = customers_by_branch.get(branch.pk)
        rms = rms_by_branch.get(branch.pk) or [demo_rm.pk]
        if not customers:
            continue
        for _n in range(per_branch):
            number += 1
            product = rng.choices(products, weights)[0]
            low, high = AMOUNTS[product]
            amount = Decimal(
                round(math.exp(rng.uniform(math.log(low), math.log(high))) / 1000) * 1000
            )
            submitted = start + timedelta(seconds=rng.uniform(0, 400 * 86400))
            if rng.random() < 0.05:  # this week's work, so the queues have something in them
                submitted = now - timedelta(days=rng.uniform(0, 7))
            if submitted > now - timedelta(hours=2):
                submitted = now - timedelta(hours=rng.uniform(2, 48))
            policy = policies[1] if submitted.date() >= context.programme_start else policies[0]
            inputs = _inputs(rng)
            points, grade = scoring.score(policy, inputs)
            rm_id = (
                demo_rm.pk
                if branch.pk == context.branches[0].pk and rng.random() < 0.3
                else rng.choice(rms)
            )
            applications.append(
                Application(
                    reference=f"{DEMO_PREFIX}{number:09d}",
                    customer_id=rng.choice(customers),
                    relationship_manager_id=rm_id,
                    branch=branch,
                    product=product,
                    amount=amount,
                    term_months=rng.randrange(*TERMS[product]),
                    purpose=rng.choice(PURPOSES),
                    scorecard_inputs=inputs,
                    documents=["身份证 / ID", "收入证明 / income proof"],
                    policy=policy,
                    score=points,
                    grade=grade,
                    cutoff_score=policy.cutoff_for(amount),
                    submitted_at=submitted,
                    stage_entered_at=submitted,
                    stage=Stage.INITIAL_REVIEW,
                )
            )
            plans.append(branch.pk in risky)
    decisions, loans = [], []
    for application, risky_branch in zip(applications, plans, strict=True):
        after = application.submitted_at >= programme
        moment = application.submitted_at
        version = 1
        returned_once = False
        for stage in (Stage.INITIAL_REVIEW, Stage.SECOND_REVIEW, Stage.FINAL_APPROVAL):
            wait_days = rng.uniform(0.2, 2.2) if after else rng.uniform(0.5, 4.5)
            decided = _working_gap(rng, moment, wait_days)
            if decided > now:
                application.stage, application.stage_entered_at = stage, moment
                break
            roll = rng.random()
            below = application.score < application.cutoff_score
            officer = officers[stage]
            if not returned_once and roll < 0.07:
                outcome = Decision.Outcome.RETURN
            elif below and roll < 0.75:
                outcome = Decision.Outcome.REJECT
            elif roll > (0.93 if stage == Stage.INITIAL_REVIEW else 0.97):
                outcome = Decision.Outcome.REJECT
            elif stage == Stage.FINAL_APPROVAL and application.amount > limits.get(officer.pk, 0):
                outcome = Decision.Outcome.REJECT
            else:
                outcome = Decision.Outcome.APPROVE
            decisions.append(
                Decision(
                    application=application,
                    application_version=version,
                    stage=stage,
                    decision=outcome,
                    reason=_reason(outcome),
                    override_reason="担保充足 / strong guarantor"
                    if outcome == "approve" and below
                    else "",
                    is_override=outcome == "approve" and below,
                    score=application.score,
                    grade=application.grade,
                    cutoff_score=application.cutoff_score,
                    policy_version=application.policy.version,
                    amount=application.amount,
                    decider=officer,
                    decider_limit=limits.get(officer.pk),
                    stage_entered_at=moment,
                    seconds_waited=int((decided - moment).total_seconds()),
                    decided_at=decided,
                    branch_id=application.branch_id,
                )
            )
            version += 1
            if outcome == Decision.Outcome.RETURN:
                returned_once = True
                resubmitted = decided + timedelta(days=rng.uniform(0.5, 3))
                if resubmitted > now:
                    application.stage, application.stage_entered_at = stage, decided
                    application.status = Application.Status.RETURNED
                    break
                version += 1
                moment = resubmitted
                decided = _working_gap(rng, moment, rng.uniform(0.2, 1.5))
                if decided > now:
                    application.stage, application.stage_entered_at = stage, moment
                    break
                outcome = (
                    Decision.Outcome.REJECT
                    if below and rng.random() < 0.6
                    else Decision.Outcome.APPROVE
                )
                decisions.append(
                    Decision(
                        application=application,
                        application_version=version,
                        stage=stage,
                        decision=outcome,
                        reason=_reason(outcome),
                        override_reason="补充抵押 / extra collateral"
                        if outcome == "approve" and below
                        else "",
                        is_override=outcome == "approve" and below,
                        score=application.score,
                        grade=application.grade,
                        cutoff_score=application.cutoff_score,
                        policy_version=application.policy.version,
                        amount=application.amount,
                        decider=officer,
                        decider_limit=limits.get(officer.pk),
                        stage_entered_at=moment,
                        seconds_waited=int((decided - moment).total_seconds()),
                        decided_at=decided,
                        branch_id=application.branch_id,
                    )
                )
                version += 1
            if outcome == Decision.Outcome.REJECT:
                application.stage, application.status, application.closed_at = (
                    stage,
                    Application.Status.REJECTED,
                    decided,
                )
                break
            moment = decided
            application.stage, application.stage_entered_at = Stage(stage), decided
        else:
            application.stage, application.status, application.closed_at = (
                Stage.APPROVED,
                Application.Status.APPROVED,
                moment,
            )
            loans.append(_loan(context, application, moment.astimezone(tz).date(), risky_branch))
        application.version = version
    # Written once, in their final state (a bulk update of thousands of rows is far slower).
    Application.objects.bulk_create(
        context.progress(applications, desc="credit applications"), batch_size=2000
    )
    Decision.objects.bulk_create(
        context.progress(decisions, desc="credit decisions"), batch_size=5000
    )
    loans += _legacy_loans(
        context,
        risky=risky,
        customers_by_branch=customers_by_branch,
        rms_by_branch=rms_by_branch,
        fallback_officer=demo_rm.pk,
    )
    Loan.objects.bulk_create(context.progress(loans, desc="loans"), batch_size=5000)
    _seed_book_history(context, loans)


def _reason(outcome: str) -> str:
    return {
        "approve": "资料齐全，符合政策 / complete file, within policy",
        "reject": "还款能力不足 / repayment capacity insufficient",
        "return": "请补充近六个月流水 / please add six months of statements",
    }[outcome]


def _loan(context: DemoContext, application: Application, disbursed: date, risky: bool) -> Loan:
    return _make_loan(
        context,
        reference=f"LND{application.reference[len(DEMO_PREFIX) :]}",
        application=application,
        customer_id=application.customer_id,
        branch_id=application.branch_id,
        product=application.product,
        officer_id=application.relationship_manager_id,
        amount=application.amount,
        term_months=application.term_months,
        disbursed=disbursed,
        risky=risky,
    )


def _make_loan(
    context: DemoContext,
    *,
    reference: str,
    application,
    customer_id: int,
    branch_id: int,
    product: str,
    officer_id: int,
    amount: Decimal,
    term_months: int,
    disbursed: date,
    risky: bool,
) -> Loan:
    rng = context.rng
    term_days = term_months * 30
    today = timezone.localtime(context.now, bank_tz()).date()
    elapsed = (today - disbursed).days
    # Overdue episodes: most loans pay; some fall behind at some point of their life (more in
    # the risky branches), and a third of those are cured later (paid up).
    roll = rng.random()
    default_share = 0.06 if risky else 0.012
    overdue_start = cured_on = None
    if elapsed > 60 and roll < 0.04 + default_share:
        if roll < default_share:
            # Most defaults show early in a loan's life.
            overdue_start = disbursed + timedelta(days=rng.randrange(45, min(240, elapsed)))
            if rng.random() < 0.3:
                cured_on = overdue_start + timedelta(days=rng.randrange(30, 200))
        else:  # currently a little behind: special mention
            overdue_start = today - timedelta(days=rng.randrange(1, 90))
    dpd = _days_past_due(overdue_start, cured_on, today)
    floor = classification.floor_for(dpd)
    matured = elapsed >= term_days and dpd == 0
    paid = min(0.95, elapsed / term_days) if term_days else 0
    balance = (
        Decimal("0")
        if matured
        else (amount * Decimal(str(round(1 - paid, 4)))).quantize(Decimal("0.01"))
    )
    loan = Loan(
        reference=reference,
        application=application,
        customer_id=customer_id,
        branch_id=branch_id,
        product=product,
        officer_id=officer_id,
        principal=amount,
        outstanding_balance=balance,
        disbursed_on=disbursed,
        maturity_on=actions._add_months(disbursed, term_months),
        days_past_due=dpd,
        status_as_of=today - timedelta(days=1),
        floor_category=floor,
        category=floor,
        status=Loan.Status.REPAID if matured else Loan.Status.ACTIVE,
    )
    loan._overdue = (overdue_start, cured_on)
    return loan


def _legacy_loans(
    context: DemoContext,
    *,
    risky: set[int],
    customers_by_branch: dict,
    rms_by_branch: dict,
    fallback_officer: int,
) -> list[Loan]:
    """The seasoned book lent before the portal: loans disbursed one to four years ago."""
    rng = context.rng
    products, weights = list(PRODUCT_MIX), list(PRODUCT_MIX.values())
    today = timezone.localtime(context.now, bank_tz()).date()
    loans, number = [], 0
    for branch in context.branches:
        customers = customers_by_branch.get(branch.pk)
        if not customers:
            continue
        for _n in range(APPLICATIONS_PER_BRANCH[context.scale]):
            number += 1
            product = rng.choices(products, weights)[0]
            low, high = AMOUNTS[product]
            amount = Decimal(
                round(math.exp(rng.uniform(math.log(low), math.log(high))) / 1000) * 1000
            )
            loans.append(
                _make_loan(
                    context,
                    reference=f"LNL{number:09d}",
                    application=None,
                    customer_id=rng.choice(customers),
                    branch_id=branch.pk,
                    product=product,
                    officer_id=rng.choice(rms_by_branch.get(branch.pk) or [fallback_officer]),
                    amount=amount,
                    term_months=rng.randrange(*TERMS[product]),
                    disbursed=today - timedelta(days=rng.randrange(400, 1460)),
                    risky=branch.pk in risky,
                )
            )
    return loans


def _days_past_due(start: date | None, cured_on: date | None, on: date) -> int:
    if start is None or on < start or (cured_on is not None and on >= cured_on):
        return 0
    return (on - start).days


def _seed_book_history(context: DemoContext, loans: list[Loan]) -> None:
    """Classification changes as they happened, and the snapshots of past quarter ends."""
    changes, snapshots = [], []
    today = timezone.localtime(context.now, bank_tz()).date()
    limits = classification.thresholds()
    quarter_ends = []
    quarter = Period.containing(today, "quarter").previous()
    for _n in range(4):
        quarter_ends.append(quarter.last_date)
        quarter = quarter.previous()
    for loan in loans:
        start, cured_on = getattr(loan, "_overdue", (None, None))
        if start is not None and not cured_on:
            previous = "normal"
            for category, days in (
                ("special_mention", 1),
                ("substandard", limits["substandard"] + 1),
                ("doubtful", limits["doubtful"] + 1),
                ("loss", limits["loss"] + 1),
            ):
                on = start + timedelta(days=days - 1)
                if on > today or days > loan.days_past_due:
                    break
                changes.append(
                    ClassificationChange(
                        loan=loan,
                        changed_on=on,
                        from_category=previous,
                        to_category=category,
                        days_past_due=days,
                        outstanding_balance=loan.outstanding_balance,
                        source=ClassificationChange.Source.STATUS_UPDATE,
                    )
                )
                previous = category
        for end in quarter_ends:
            if loan.disbursed_on > end or (
                loan.status == Loan.Status.REPAID and loan.maturity_on <= end
            ):
                continue
            dpd = _days_past_due(start, cured_on, end)
            elapsed = (end - loan.disbursed_on).days
            share = min(Decimal("0.95"), Decimal(elapsed) / Decimal(loan_term_days(loan)))
            snapshots.append(
                ClassificationSnapshot(
                    as_of=end,
                    loan=loan,
                    branch_id=loan.branch_id,
                    product=loan.product,
                    officer_id=loan.officer_id,
                    customer_id=loan.customer_id,
                    vintage=loan.vintage,
                    category=classification.floor_for(dpd, limits),
                    days_past_due=dpd,
                    balance=(loan.principal * (1 - share)).quantize(Decimal("0.01")),
                )
            )
    ClassificationChange.objects.bulk_create(changes, batch_size=5000)
    ClassificationSnapshot.objects.bulk_create(
        context.progress(snapshots, desc="classification snapshots"), batch_size=5000
    )


def loan_term_days(loan: Loan) -> int:
    return max(30, (loan.maturity_on - loan.disbursed_on).days)


# --- open applications get real cases ---------------------------------------------------------


def _seed_open_cases(context: DemoContext) -> None:
    if not cases.available():
        return
    open_ones = (
        Application.objects.filter(
            status__in=[Application.Status.IN_REVIEW, Application.Status.RETURNED],
            case_reference="",
            reference__startswith=DEMO_PREFIX,
        )
        .select_related("customer", "branch", "relationship_manager")
        .order_by("-submitted_at")[: OPEN_CASES_LIMIT[context.scale]]
    )
    after_approval = {Stage.SECOND_REVIEW: "second_review", Stage.FINAL_APPROVAL: "final_approval"}
    for application in context.progress(list(open_ones), desc="credit cases"):
        actor = application.relationship_manager
        reference, _code = cases.open_for(application, actor=actor)
        if not reference:
            continue
        application.case_reference = reference
        application.save(update_fields=["case_reference"])
        cases.post_submitted(application, actor=actor)
        if application.stage in after_approval:
            cases._call(
                application, "advance_case", actor=actor, to_step=after_approval[application.stage]
            )


def _seed_demo_journey(context: DemoContext) -> None:
    """One application of the `customer` login at initial review, submitted by the
    `relationship_manager` login, for the walk-through in the README."""
    user = context.logins.get(Role.CUSTOMER)
    customer = getattr(user, "customer", None) if user else None
    rm = context.logins.get(Role.RELATIONSHIP_MANAGER)
    if customer is None or rm is None:
        return
    if Application.objects.filter(
        customer=customer,
        relationship_manager=rm,
        stage=Stage.INITIAL_REVIEW,
        status=Application.Status.IN_REVIEW,
        decisions__isnull=True,
    ).exists():
        return
    application = actions.submit_application(
        customer,
        actor=rm,
        product=Product.CONSUMER_LOAN,
        amount=Decimal("180000"),
        term_months=36,
        purpose="购车 / car purchase",
        scorecard_inputs={
            "debt_to_income": 0.25,
            "credit_history_years": 6,
            "collateral_cover": 1.2,
            "employment": "permanent",
            "existing_exposure_ratio": 0.4,
        },
        documents=["身份证 / ID", "收入证明 / income proof", "购车合同 / purchase contract"],
    )
    context.notes.append(
        f"credit: demo application {application.reference} for the customer login is at initial review."
    )


# --- quarterly review -------------------------------------------------------------------------


def _seed_review(context: DemoContext, quarter: Period) -> None:
    sample = actions.propose_review_sample(quarter, random_share=Decimal("0.10"))
    items = list(sample.items.filter(outcome=ReviewItem.Outcome.PENDING).order_by("id"))
    rng = context.rng
    # Before the programme's effect shows (Q2) about 1.2 % of reviewed decisions are wrong; by
    # Q3 about 0.4 %, inside the 0.5 % target.
    wrong_count = round(len(items) * (0.012 if quarter.index == 2 else 0.004))
    wrong = set(rng.sample(range(len(items)), min(wrong_count, len(items))))
    reviewer = context.logins[Role.RISK_MANAGER]
    reviewed_at = quarter.end + timedelta(days=10)
    categories = [c for c, _label in ReviewItem.ErrorCategory.choices]
    for index, item in enumerate(items):
        item.outcome = (
            ReviewItem.Outcome.ERRONEOUS if index in wrong else ReviewItem.Outcome.CORRECT
        )
        item.error_category = rng.choice(categories) if index in wrong else ""
        item.reviewed_by, item.reviewed_at = reviewer, min(reviewed_at, context.now)
    ReviewItem.objects.bulk_update(
        items, ["outcome", "error_category", "reviewed_by", "reviewed_at"], batch_size=2000
    )


__all__ = ["NON_PERFORMING", "seed"]
