"""Reads: who sees which application and loan, work queues, the NPL analysis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from credit.models import (
    DECISION_STAGES,
    NON_PERFORMING,
    STAGE_ROLES,
    Application,
    Category,
    ClassificationSnapshot,
    Decision,
    Loan,
    Product,
)
from qc_portal.models import Branch
from qc_portal.periods import Period, bank_tz
from qc_portal.roles import Role, roles_of

ALL_READERS = {Role.RISK_MANAGER, Role.HEAD_OFFICE, Role.AUDITOR}


def officer_stages(user) -> list[str]:
    roles = roles_of(user)
    return [stage for stage, role in STAGE_ROLES.items() if role in roles]


def visible_applications(user) -> QuerySet[Application]:
    """Risk managers, head office and auditors see every application; an officer sees those
    waiting at their stage and those they decided; a relationship manager their own;
    customers follow theirs on the case timeline, never here."""
    base = Application.objects.select_related(
        "customer", "branch", "policy", "relationship_manager"
    )
    roles = roles_of(user)
    if roles & ALL_READERS:
        return base
    condition = Q(pk__in=[])
    stages = officer_stages(user)
    if stages:
        condition |= Q(
            stage__in=stages, status__in=[Application.Status.IN_REVIEW, Application.Status.RETURNED]
        )
        condition |= Q(pk__in=Decision.objects.filter(decider=user).values("application_id"))
    if Role.RELATIONSHIP_MANAGER in roles:
        condition |= Q(relationship_manager=user)
    if condition == Q(pk__in=[]):
        return base.none()
    return base.filter(condition)


def decidable_applications(user) -> QuerySet[Application]:
    """Where a risk officer's decision request is looked up: every application (risk officers
    work bank-wide). Wider than the reading scope, so a decision on a stage that has just
    moved on answers 409 and one on another role's stage 403 with the reason, not 404; the
    action enforces every rule."""
    if not officer_stages(user):
        return Application.objects.none()
    return Application.objects.all()


def work_queue(stage: str) -> QuerySet[Application]:
    """Applications waiting at `stage`, oldest first."""
    if stage not in DECISION_STAGES:
        return Application.objects.none()
    return (
        Application.objects.filter(stage=stage, status=Application.Status.IN_REVIEW)
        .select_related("customer", "branch", "relationship_manager")
        .order_by("stage_entered_at", "id")
    )


def visible_loans(user) -> QuerySet[Loan]:
    base = Loan.objects.select_related("customer", "branch", "officer")
    roles = roles_of(user)
    if roles & ALL_READERS:
        return base
    if Role.RELATIONSHIP_MANAGER in roles:
        return base.filter(officer=user)
    return base.none()


# --- NPL figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NplRow:
    key: object
    label: str
    npl: Decimal
    total: Decimal
    loans: int
    branch: Branch | None = None

    @property
    def ratio(self) -> Decimal:
        return self.npl / self.total if self.total else Decimal("0")


_ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=20, decimal_places=2))


def _grouped(queryset: QuerySet, field: str, balance: str) -> list[dict]:
    return list(
        queryset.values(field)
        .annotate(
            total=Coalesce(Sum(balance), _ZERO),
            npl=Coalesce(
                Sum(Case(When(category__in=NON_PERFORMING, then=F(balance)), default=_ZERO)), _ZERO
            ),
            loans=Count("id"),
        )
        .order_by(field)
    )


def _labels(dimension: str, keys: list) -> dict:
    if dimension == "branch":
        return {b.pk: b for b in Branch.objects.filter(pk__in=keys)}
    if dimension == "product":
        return {k: Product(k).label for k in keys if k in Product.values}
    if dimension == "officer":
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.filter(pk__in=keys).select_related("staff_profile")
        return {
            u.pk: getattr(getattr(u, "staff_profile", None), "full_name", None) or u.username
            for u in users
        }
    return {k: k for k in keys}


def _rows(dimension: str, raw: list[dict], field: str) -> list[NplRow]:
    labels = _labels(dimension, [r[field] for r in raw])
    rows = []
    for r in raw:
        label = labels.get(r[field], r[field])
        branch = label if dimension == "branch" else None
        rows.append(
            NplRow(
                key=r[field],
                label=str(label),
                npl=r["npl"],
                total=r["total"],
                loans=r["loans"],
                branch=branch,
            )
        )
    return rows


DIMENSION_FIELDS = {
    "branch": "branch_id",
    "product": "product",
    "officer": "officer_id",
    "vintage": "vintage",
}


def live_npl_by(dimension: str) -> list[NplRow]:
    """NPL by branch or product on the live book (early warning between quarter ends)."""
    field = DIMENSION_FIELDS[dimension]
    raw = _grouped(Loan.objects.filter(status=Loan.Status.ACTIVE), field, "outstanding_balance")
    return _rows(dimension, raw, field)


def snapshot_dates() -> list[date]:
    return list(
        ClassificationSnapshot.objects.values_list("as_of", flat=True).distinct().order_by("-as_of")
    )


def npl_by(dimension: str, *, as_of: date) -> list[NplRow]:
    """NPL by branch, product, vintage or officer in the snapshot of `as_of`."""
    field = DIMENSION_FIELDS[dimension]
    raw = _grouped(ClassificationSnapshot.objects.filter(as_of=as_of), field, "balance")
    return _rows(dimension, raw, field)


def npl_total(*, as_of: date) -> NplRow:
    figures = ClassificationSnapshot.objects.filter(as_of=as_of).aggregate(
        total=Coalesce(Sum("balance"), _ZERO),
        npl=Coalesce(
            Sum(Case(When(category__in=NON_PERFORMING, then=F("balance")), default=_ZERO)), _ZERO
        ),
        loans=Count("id"),
    )
    return NplRow(
        key=None, label="bank", npl=figures["npl"], total=figures["total"], loans=figures["loans"]
    )


def migration_matrix(*, start: date, end: date) -> dict:
    """Balances (at `end`) and counts of loans by category at `start` → category at `end`.
    Loans new since `start` come from "new"; loans in `start` missing at `end` (repaid or
    written off) go to "exited" with their `start` balance."""
    from django.db.models import OuterRef, Subquery

    earlier = ClassificationSnapshot.objects.filter(
        as_of=start, loan_id=OuterRef("loan_id")
    ).values("category")[:1]
    later = ClassificationSnapshot.objects.filter(as_of=end, loan_id=OuterRef("loan_id")).values(
        "category"
    )[:1]
    cells: dict[tuple[str, str], dict] = {}
    for row in (
        ClassificationSnapshot.objects.filter(as_of=end)
        .annotate(before=Coalesce(Subquery(earlier), Value("new")))
        .values("before", "category")
        .annotate(balance=Sum("balance"), loans=Count("id"))
    ):
        cells[(row["before"], row["category"])] = {"balance": row["balance"], "loans": row["loans"]}
    for row in (
        ClassificationSnapshot.objects.filter(as_of=start)
        .annotate(after=Coalesce(Subquery(later), Value("exited")))
        .filter(after="exited")
        .values("category")
        .annotate(balance=Sum("balance"), loans=Count("id"))
    ):
        cells[(row["category"], "exited")] = {"balance": row["balance"], "loans": row["loans"]}
    origins = [*Category.values, "new"]
    destinations = [*Category.values, "exited"]
    return {"origins": origins, "destinations": destinations, "cells": cells}


@dataclass(frozen=True)
class NplMovement:
    start: date
    end: date
    npl_start: Decimal
    npl_end: Decimal
    book_start: Decimal
    book_end: Decimal
    new_defaults: Decimal  # balance at `end` of loans non-performing at `end` but not at `start`
    cured: Decimal  # balance at `start` of NPLs performing again at `end`
    repaid: Decimal  # NPLs repaid in full, and repayments on NPLs that stayed non-performing
    written_off: Decimal  # balance at `start` of NPLs written off in between

    @property
    def ratio_start(self) -> Decimal:
        return self.npl_start / self.book_start if self.book_start else Decimal("0")

    @property
    def ratio_end(self) -> Decimal:
        return self.npl_end / self.book_end if self.book_end else Decimal("0")

    @property
    def book_growth(self) -> Decimal:
        return self.book_end - self.book_start


def npl_movement(*, start: date, end: date) -> NplMovement:
    """The causes of NPL growth between two snapshots: new defaults vs. recoveries (cures and
    repayments) vs. write-offs, next to the growth of the book (the ratio's denominator)."""
    from django.db.models import OuterRef, Subquery

    before_category = ClassificationSnapshot.objects.filter(
        as_of=start, loan_id=OuterRef("loan_id")
    ).values("category")[:1]
    before_balance = ClassificationSnapshot.objects.filter(
        as_of=start, loan_id=OuterRef("loan_id")
    ).values("balance")[:1]
    after_category = ClassificationSnapshot.objects.filter(
        as_of=end, loan_id=OuterRef("loan_id")
    ).values("category")[:1]
    after_balance = ClassificationSnapshot.objects.filter(
        as_of=end, loan_id=OuterRef("loan_id")
    ).values("balance")[:1]
    a, b = npl_total(as_of=start), npl_total(as_of=end)
    new_defaults = (
        ClassificationSnapshot.objects.filter(as_of=end, category__in=NON_PERFORMING)
        .annotate(before=Subquery(before_category))
        .exclude(before__in=NON_PERFORMING)
        .aggregate(total=Coalesce(Sum("balance"), _ZERO))["total"]
    )
    npl_at_start = ClassificationSnapshot.objects.filter(
        as_of=start, category__in=NON_PERFORMING
    ).annotate(after=Subquery(after_category), after_balance=Subquery(after_balance))
    cured = (
        npl_at_start.exclude(after__isnull=True)
        .exclude(after__in=NON_PERFORMING)
        .aggregate(total=Coalesce(Sum("balance"), _ZERO))["total"]
    )
    gone = npl_at_start.filter(after__isnull=True)
    written_off = gone.filter(loan__status=Loan.Status.WRITTEN_OFF).aggregate(
        total=Coalesce(Sum("balance"), _ZERO)
    )["total"]
    repaid_in_full = gone.exclude(loan__status=Loan.Status.WRITTEN_OFF).aggregate(
        total=Coalesce(Sum("balance"), _ZERO)
    )["total"]
    stayed = (
        ClassificationSnapshot.objects.filter(as_of=end, category__in=NON_PERFORMING)
        .annotate(before=Subquery(before_category), before_balance=Subquery(before_balance))
        .filter(before__in=NON_PERFORMING)
    )
    paid_down = stayed.aggregate(
        total=Coalesce(
            Sum(
                F("before_balance") - F("balance"),
                output_field=DecimalField(max_digits=20, decimal_places=2),
            ),
            _ZERO,
        )
    )["total"]
    return NplMovement(
        start=start,
        end=end,
        npl_start=a.npl,
        npl_end=b.npl,
        book_start=a.total,
        book_end=b.total,
        new_defaults=new_defaults,
        cured=cured,
        repaid=repaid_in_full + paid_down,
        written_off=written_off,
    )


def quarter_ends(count: int = 4, *, today: date | None = None) -> list[date]:
    """The last `count` quarter ends with a snapshot, newest first."""
    available = snapshot_dates()
    ends = [d for d in available if Period.containing(d, "quarter").last_date == d]
    return ends[:count]


def age_in_days(application: Application) -> int:
    now = timezone.localtime(timezone.now(), bank_tz()).date()
    return (now - timezone.localtime(application.stage_entered_at, bank_tz()).date()).days
