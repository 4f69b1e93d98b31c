"""Server-rendered pages of measure 3 (thin: permission → query / action → template)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credit import actions, permissions, queries, scoring
from credit.models import (
    DECISION_STAGES,
    Application,
    Category,
    CreditPolicy,
    Decision,
    Loan,
    Product,
    ReviewItem,
    ReviewSample,
    Stage,
)
from qc_portal.exceptions import ConflictError
from qc_portal.periods import Period, bank_tz
from qc_portal.scoping import visible_customers


def _messages_from(request, error: Exception) -> None:
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    elif isinstance(error, ConflictError):
        messages.error(request, str(error.message))
    else:
        messages.error(request, str(error) or _("You may not do this."))


# --- work queues ------------------------------------------------------------------------------


@login_required
def queue(request):
    """Applications waiting at a stage, oldest first, with their age and amount."""
    stages = queries.officer_stages(request.user)
    if permissions.can_read_all_credit(request.user):
        stages = list(DECISION_STAGES)
    if not stages:
        raise PermissionDenied
    stage = request.GET.get("stage") or stages[0]
    if stage not in stages:
        raise Http404
    waiting = queries.work_queue(stage)
    page = Paginator(waiting, 50).get_page(request.GET.get("page"))
    today = timezone.localtime(timezone.now(), bank_tz()).date()
    rows = []
    for application in page:
        due = actions.stage_due_on(application)
        rows.append(
            {
                "application": application,
                "age": queries.age_in_days(application),
                "due": due,
                "overdue": today > due,
            }
        )
    return render(
        request,
        "credit/queue.html",
        {
            "stage": stage,
            "stage_label": Stage(stage).label,
            "stages": [(s, Stage(s).label) for s in stages],
            "rows": rows,
            "page": page,
            "total": page.paginator.count,
            "standard_days": actions.stage_standard_days()[stage],
        },
    )


# --- applications -----------------------------------------------------------------------------


@login_required
def application_list(request):
    applications = queries.visible_applications(request.user)
    if not (
        permissions.can_submit_application(request.user)
        or permissions.can_read_all_credit(request.user)
        or queries.officer_stages(request.user)
    ):
        raise PermissionDenied
    status = request.GET.get("status", "")
    if status in Application.Status.values:
        applications = applications.filter(status=status)
    page = Paginator(applications.order_by("-submitted_at", "-id"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "credit/application_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Application.Status.choices,
            "can_submit": permissions.can_submit_application(request.user),
        },
    )


def _form_inputs(post) -> dict:
    inputs = {}
    for factor in (
        actions.policy_in_force().scorecard["factors"] if actions.policy_in_force() else []
    ):
        inputs[factor["code"]] = post.get(f"input_{factor['code']}", "").strip()
    return inputs


@login_required
def application_submit(request):
    if not permissions.can_submit_application(request.user):
        raise PermissionDenied(_("Only relationship managers may submit credit applications."))
    policy = actions.policy_in_force()
    customers = visible_customers(request.user).order_by("name")
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        customer = customers.filter(
            customer_number=request.POST.get("customer_number", "").strip()
        ).first()
        try:
            if customer is None:
                raise ValidationError({"customer_number": _("No such customer at your branch.")})
            try:
                amount = Decimal(request.POST.get("amount", "").replace(",", ""))
                term = int(request.POST.get("term_months", ""))
            except (InvalidOperation, ValueError):
                raise ValidationError(_("Amount and term must be numbers.")) from None
            documents = [
                d.strip() for d in request.POST.get("documents", "").splitlines() if d.strip()
            ]
            application = actions.submit_application(
                customer,
                actor=request.user,
                product=request.POST.get("product", ""),
                amount=amount,
                term_months=term,
                purpose=request.POST.get("purpose", ""),
                scorecard_inputs=_form_inputs(request.POST),
                documents=documents,
            )
        except (ValidationError, PermissionDenied) as error:
            _messages_from(request, error)
        else:
            messages.success(
                request,
                _("Application %(reference)s submitted; score %(score)s (grade %(grade)s).")
                % {
                    "reference": application.reference,
                    "score": application.score,
                    "grade": application.grade,
                },
            )
            return redirect("credit:application", pk=application.pk)
    factors = [
        {**factor, "value": values.get(f"input_{factor['code']}", "") if values else ""}
        for factor in (policy.scorecard["factors"] if policy else [])
    ]
    return render(
        request,
        "credit/application_submit.html",
        {
            "policy": policy,
            "factors": factors,
            "products": Product.choices,
            "values": values,
            "customer_count": customers.count(),
        },
    )


@login_required
def application_detail(request, pk: int):
    application = get_object_or_404(queries.visible_applications(request.user), pk=pk)
    decisions = application.decisions.select_related("decider", "decider__staff_profile")
    can_decide, refusal = False, None
    if application.status == Application.Status.IN_REVIEW and application.stage in DECISION_STAGES:
        if application.stage in queries.officer_stages(request.user):
            refusal = actions.refusal_reason(
                application, stage=application.stage, decision="approve", actor=request.user
            )
            can_decide = True
    due = (
        actions.stage_due_on(application)
        if application.stage in DECISION_STAGES and application.is_open
        else None
    )
    return render(
        request,
        "credit/application_detail.html",
        {
            "application": application,
            "decisions": decisions,
            "can_decide": can_decide,
            "refusal": refusal,
            "outcomes": Decision.Outcome.choices,
            "due": due,
            "can_resubmit": application.status == Application.Status.RETURNED
            and application.relationship_manager_id == request.user.pk,
            "inputs": scoring.breakdown(application.policy, application.scorecard_inputs),
            "loan": Loan.objects.filter(application=application).first(),
        },
    )


@login_required
@require_POST
def application_decide(request, pk: int):
    scope = Q(pk__in=queries.visible_applications(request.user).values("pk")) | Q(
        pk__in=queries.decidable_applications(request.user).values("pk")
    )
    application = get_object_or_404(Application.objects.filter(scope), pk=pk)
    try:
        actions.decide_stage(
            application,
            stage=request.POST.get("stage", ""),
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            override_reason=request.POST.get("override_reason", ""),
            actor=request.user,
        )
    except (ValidationError, PermissionDenied, ConflictError) as error:
        _messages_from(request, error)
    else:
        messages.success(request, _("Decision recorded."))
    if queries.visible_applications(request.user).filter(pk=pk).exists():
        return redirect("credit:application", pk=pk)
    return redirect("credit:queue")


@login_required
@require_POST
def application_resubmit(request, pk: int):
    application = get_object_or_404(queries.visible_applications(request.user), pk=pk)
    documents = [d.strip() for d in request.POST.get("documents", "").splitlines() if d.strip()]
    try:
        actions.resubmit_application(
            application,
            actor=request.user,
            note=request.POST.get("note", ""),
            documents=documents or None,
        )
    except (ValidationError, PermissionDenied, ConflictError) as error:
        _messages_from(request, error)
    else:
        messages.success(
            request, _("Resubmitted into %(stage)s.") % {"stage": Stage(application.stage).label}
        )
    return redirect("credit:application", pk=pk)


# --- loan book --------------------------------------------------------------------------------


@login_required
def loan_list(request):
    loans = queries.visible_loans(request.user)
    if not (
        permissions.can_read_all_credit(request.user)
        or permissions.can_submit_application(request.user)
    ):
        raise PermissionDenied
    category = request.GET.get("category", "")
    if category in Category.values:
        loans = loans.filter(category=category)
    if customer := request.GET.get("customer", "").strip():
        loans = loans.filter(customer__customer_number=customer)
    if request.GET.get("overdue"):
        loans = loans.filter(days_past_due__gt=0)
    counts = dict(
        queries.visible_loans(request.user)
        .filter(status=Loan.Status.ACTIVE)
        .values_list("category")
        .annotate(n=Count("id"))
    )
    page = Paginator(loans.order_by("-days_past_due", "reference"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "credit/loan_list.html",
        {
            "page": page,
            "category": category,
            "categories": [(c, label, counts.get(c, 0)) for c, label in Category.choices],
        },
    )


@login_required
def loan_detail(request, pk: int):
    loan = get_object_or_404(queries.visible_loans(request.user), pk=pk)
    if request.method == "POST":
        if not permissions.can_classify_loans(request.user):
            raise PermissionDenied
        try:
            if request.POST.get("action") == "classify":
                actions.classify_loan(
                    loan,
                    category=request.POST.get("category", ""),
                    reason=request.POST.get("reason", ""),
                    actor=request.user,
                )
            elif request.POST.get("action") == "write_off":
                actions.write_off_loan(
                    loan, actor=request.user, reason=request.POST.get("reason", "")
                )
            elif request.POST.get("action") == "status":
                try:
                    balance = Decimal(request.POST.get("balance", ""))
                    days = int(request.POST.get("days_past_due", ""))
                    as_of = date.fromisoformat(request.POST.get("as_of", ""))
                except (InvalidOperation, ValueError):
                    raise ValidationError(
                        _("Balance, days past due and date must be valid.")
                    ) from None
                actions.update_loan_status(
                    loan, balance=balance, days_past_due=days, as_of=as_of, actor=request.user
                )
            else:
                raise ValidationError(_("Unknown action."))
        except (ValidationError, PermissionDenied) as error:
            _messages_from(request, error)
        else:
            messages.success(request, _("Loan updated."))
        return redirect("credit:loan", pk=pk)
    return render(
        request,
        "credit/loan_detail.html",
        {
            "loan": loan,
            "changes": loan.classification_changes.select_related("actor")[:50],
            "categories": Category.choices,
            "can_classify": permissions.can_classify_loans(request.user),
            "today": timezone.localtime(timezone.now(), bank_tz()).date(),
        },
    )


# --- NPL analysis -----------------------------------------------------------------------------


@login_required
def npl_analysis(request):
    if not permissions.can_read_all_credit(request.user):
        raise PermissionDenied
    ends = queries.quarter_ends(8)
    chosen = request.GET.get("as_of", "")
    as_of = next((d for d in ends if d.isoformat() == chosen), ends[0] if ends else None)
    context = {
        "ends": ends,
        "as_of": as_of,
        "live": {d: queries.live_npl_by(d) for d in ("branch", "product")},
    }
    limit = Decimal("0.02")
    if as_of is not None:
        context["total"] = queries.npl_total(as_of=as_of)
        context["tables"] = [
            (label, queries.npl_by(dimension, as_of=as_of))
            for dimension, label in (
                ("branch", _("Branch")),
                ("product", _("Product")),
                ("vintage", _("Vintage (quarter disbursed)")),
                ("officer", _("Relationship manager")),
            )
        ]
        previous = next((d for d in ends if d < as_of), None)
        context["previous"] = previous
        if previous is not None:
            matrix = queries.migration_matrix(start=previous, end=as_of)
            context["matrix"] = {
                "origins": [(o, _label(o)) for o in matrix["origins"]],
                "destinations": [(d, _label(d)) for d in matrix["destinations"]],
                "rows": [
                    (
                        _label(o),
                        [
                            matrix["cells"].get((o, d), {"balance": 0, "loans": 0})
                            for d in matrix["destinations"]
                        ],
                    )
                    for o in matrix["origins"]
                ],
            }
            context["movement"] = queries.npl_movement(start=previous, end=as_of)
        context["chart"] = [
            {"name": row.label, "ratio": float(row.ratio * 100)} for row in context["tables"][0][1]
        ]
    context["limit"] = limit
    return render(request, "credit/npl.html", context)


def _label(code: str) -> str:
    if code in Category.values:
        return str(Category(code).label)
    return {"new": _("New loans"), "exited": _("Repaid or written off")}.get(code, code)


# --- quarterly review -------------------------------------------------------------------------


@login_required
def review(request):
    if not permissions.can_read_all_credit(request.user):
        raise PermissionDenied
    samples = list(ReviewSample.objects.all()[:12])
    chosen = request.GET.get("quarter", "")
    sample = next((s for s in samples if s.quarter == chosen), samples[0] if samples else None)
    if request.method == "POST":
        item = get_object_or_404(ReviewItem, pk=request.POST.get("item"))
        try:
            actions.review_decision(
                item,
                outcome=request.POST.get("outcome", ""),
                actor=request.user,
                error_category=request.POST.get("error_category", ""),
                note=request.POST.get("note", ""),
            )
        except (ValidationError, PermissionDenied) as error:
            _messages_from(request, error)
        else:
            messages.success(request, _("Review result recorded."))
        return redirect(
            f"{request.path}?quarter={item.sample.quarter}&show={request.GET.get('show', '')}"
        )
    items, summary = None, None
    if sample is not None:
        all_items = sample.items.select_related(
            "decision__application", "decision__decider", "branch"
        )
        summary = all_items.aggregate(
            total=Count("id"),
            reviewed=Count("id", filter=~Q(outcome=ReviewItem.Outcome.PENDING)),
            erroneous=Count("id", filter=Q(outcome=ReviewItem.Outcome.ERRONEOUS)),
            overrides=Count("id", filter=Q(selection=ReviewItem.Selection.OVERRIDE)),
        )
        summary["rate"] = (
            summary["erroneous"] / summary["reviewed"] if summary["reviewed"] else None
        )
        show = request.GET.get("show", "pending")
        if show == "pending":
            all_items = all_items.filter(outcome=ReviewItem.Outcome.PENDING)
        items = Paginator(all_items.order_by("selection", "branch__code", "id"), 50).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "credit/review.html",
        {
            "samples": samples,
            "sample": sample,
            "items": items,
            "summary": summary,
            "show": request.GET.get("show", "pending"),
            "error_categories": ReviewItem.ErrorCategory.choices,
            "can_review": permissions.can_review_decisions(request.user),
            "previous_quarter": str(Period.current("quarter").previous()),
        },
    )


# --- policy -----------------------------------------------------------------------------------


@login_required
def policy(request):
    if not permissions.can_read_all_credit(request.user):
        raise PermissionDenied
    current = actions.policy_in_force()
    if request.method == "POST":
        if not permissions.can_manage_policy(request.user):
            raise PermissionDenied
        try:
            try:
                payload = {
                    "scorecard": json.loads(request.POST.get("scorecard", "")),
                    "grade_bands": json.loads(request.POST.get("grade_bands", "")),
                    "amount_tiers": json.loads(request.POST.get("amount_tiers", "") or "[]"),
                    "cutoff_score": int(request.POST.get("cutoff_score", "")),
                    "effective_from": date.fromisoformat(request.POST.get("effective_from", "")),
                }
            except (ValueError, TypeError):
                raise ValidationError(
                    _(
                        "The scorecard, grades and tiers must be valid JSON; the cut-off a whole number; the date YYYY-MM-DD."
                    )
                ) from None
            new = actions.publish_policy(
                actor=request.user, note=request.POST.get("note", ""), **payload
            )
        except (ValidationError, PermissionDenied) as error:
            _messages_from(request, error)
        else:
            messages.success(
                request, _("Policy version %(version)s published.") % {"version": new.version}
            )
            return redirect("credit:policy")
    base = current or CreditPolicy(
        scorecard=scoring.DEFAULT_SCORECARD,
        grade_bands=scoring.DEFAULT_GRADE_BANDS,
        cutoff_score=scoring.DEFAULT_CUTOFF,
        amount_tiers=scoring.DEFAULT_AMOUNT_TIERS,
    )
    return render(
        request,
        "credit/policy.html",
        {
            "current": current,
            "versions": CreditPolicy.objects.select_related("created_by")[:20],
            "can_manage": permissions.can_manage_policy(request.user),
            "draft": {
                "scorecard": request.POST.get("scorecard")
                or json.dumps(base.scorecard, ensure_ascii=False, indent=2),
                "grade_bands": request.POST.get("grade_bands")
                or json.dumps(base.grade_bands, indent=2),
                "amount_tiers": request.POST.get("amount_tiers")
                or json.dumps(base.amount_tiers, indent=2),
                "cutoff_score": request.POST.get("cutoff_score") or base.cutoff_score,
                "effective_from": request.POST.get("effective_from")
                or timezone.localdate().isoformat(),
            },
        },
    )
