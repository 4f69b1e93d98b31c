"""Measure 3 KPIs (DESIGN.md §4). Each is one grouped query over every branch; the bank
figure is a separate aggregate of the same rows.

- credit.npl_ratio: balance classified substandard + doubtful + loss / total balance, read
  from the classification snapshot of the quarter's last day (DOMAIN.md worked example:
  50 / 1000 = 5.00 %). A running quarter without its snapshot yet reads the live book
  (provisional, like every running period).
- credit.approval_error_rate: decisions of the quarter marked erroneous in the quarterly
  review / decisions of the quarter reviewed.
- Monitor metrics, monthly: mean seconds at each approval stage (turnaround), the share of
  approvals that overrode the policy cut-off, the share of decisions that returned the
  application for information.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from credit.models import NON_PERFORMING, ClassificationSnapshot, Decision, Loan, ReviewItem, Stage
from kpis.registry import BANK, Measurement, kpi
from qc_portal.periods import Period

_ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=20, decimal_places=2))


def _ratio_by_branch(queryset: QuerySet, *, numerator, denominator, observations) -> dict:
    aggregates = {"num": numerator, "den": denominator, "n": observations}
    result = {
        row["branch_id"]: Measurement(
            numerator=row["num"], denominator=row["den"], observations=row["n"]
        )
        for row in queryset.values("branch_id").annotate(**aggregates).order_by("branch_id")
    }
    bank = queryset.aggregate(**aggregates)
    result[BANK] = Measurement(
        numerator=bank["num"] or 0, denominator=bank["den"] or 0, observations=bank["n"] or 0
    )
    return result


def _npl_sum(balance: str):
    return Coalesce(
        Sum(Case(When(category__in=NON_PERFORMING, then=F(balance)), default=_ZERO)), _ZERO
    )


@kpi(
    code="credit.npl_ratio",
    measure=3,
    period_kind="quarter",
    unit="percent",
    direction="lower",
    title_zh="不良贷款率",
    title_en="Non-performing loan ratio",
    definition_zh="季末次级、可疑、损失类贷款余额之和 / 贷款总余额（按季末五级分类快照）。",
    definition_en="Balance classified substandard, doubtful or loss / total loan balance, at quarter end "
    "(from the quarter-end classification snapshot).",
)
def npl_ratio(period: Period) -> dict:
    snapshots = ClassificationSnapshot.objects.filter(as_of=period.last_date)
    if period.is_running() and not snapshots.exists():
        return _ratio_by_branch(
            Loan.objects.filter(status=Loan.Status.ACTIVE),
            numerator=_npl_sum("outstanding_balance"),
            denominator=Coalesce(Sum("outstanding_balance"), _ZERO),
            observations=Count("id"),
        )
    return _ratio_by_branch(
        snapshots,
        numerator=_npl_sum("balance"),
        denominator=Coalesce(Sum("balance"), _ZERO),
        observations=Count("id"),
    )


@kpi(
    code="credit.approval_error_rate",
    measure=3,
    period_kind="quarter",
    unit="percent",
    direction="lower",
    title_zh="授信审批差错率",
    title_en="Credit approval error rate",
    definition_zh="季度信贷检查中认定有误的本季审批决定数 / 已检查的本季审批决定数。",
    definition_en="Decisions of the quarter found erroneous in the quarterly credit review / decisions of the "
    "quarter reviewed.",
)
def approval_error_rate(period: Period) -> dict:
    reviewed = ReviewItem.objects.filter(
        decision__decided_at__gte=period.start, decision__decided_at__lt=period.end
    ).exclude(outcome=ReviewItem.Outcome.PENDING)
    return _ratio_by_branch(
        reviewed,
        numerator=Count("id", filter=Q(outcome=ReviewItem.Outcome.ERRONEOUS)),
        denominator=Count("id"),
        observations=Count("id"),
    )


def _decisions(period: Period) -> QuerySet[Decision]:
    return Decision.objects.filter(decided_at__gte=period.start, decided_at__lt=period.end)


def _turnaround(stage: str):
    def compute(period: Period) -> dict:
        return _ratio_by_branch(
            _decisions(period).filter(stage=stage),
            numerator=Coalesce(Sum("seconds_waited"), 0),
            denominator=Count("id"),
            observations=Count("id"),
        )

    return compute


STAGE_TITLES = {
    Stage.INITIAL_REVIEW: ("初审", "initial review"),
    Stage.SECOND_REVIEW: ("复审", "second review"),
    Stage.FINAL_APPROVAL: ("终审", "final approval"),
}
for _stage, (_zh, _en) in STAGE_TITLES.items():
    kpi(
        code=f"credit.turnaround.{_stage}",
        measure=3,
        period_kind="month",
        unit="seconds",
        direction="lower",
        title_zh=f"{_zh}平均用时",
        title_en=f"Mean time at {_en}",
        definition_zh=f"本月{_zh}决定的平均等待秒数（自进入{_zh}环节到作出决定；退回补件后自重新提交起算）。监测指标。",
        definition_en=f"Mean seconds from entering {_en} to its decision, over the month's {_en} decisions "
        "(after a return, from the resubmission). Monitor metric.",
    )(_turnaround(_stage))


@kpi(
    code="credit.override_rate",
    measure=3,
    period_kind="month",
    unit="percent",
    direction="lower",
    title_zh="政策例外审批率",
    title_en="Policy override rate",
    definition_zh="评分低于政策门槛但被批准的决定数 / 批准决定数。监测指标。",
    definition_en="Approvals of applications scoring below the policy cut-off / all approvals. Monitor metric.",
)
def override_rate(period: Period) -> dict:
    return _ratio_by_branch(
        _decisions(period).filter(decision=Decision.Outcome.APPROVE),
        numerator=Count("id", filter=Q(is_override=True)),
        denominator=Count("id"),
        observations=Count("id"),
    )


@kpi(
    code="credit.return_rate",
    measure=3,
    period_kind="month",
    unit="percent",
    direction="lower",
    title_zh="退回补件率",
    title_en="Return-for-information rate",
    definition_zh="退回客户经理补充资料的决定数 / 全部审批决定数。监测指标。",
    definition_en="Decisions returning the application to the relationship manager for information / all "
    "decisions. Monitor metric.",
)
def return_rate(period: Period) -> dict:
    return _ratio_by_branch(
        _decisions(period),
        numerator=Count("id", filter=Q(decision=Decision.Outcome.RETURN)),
        denominator=Count("id"),
        observations=Count("id"),
    )
