"""Measure 2 KPIs, exactly as DESIGN.md §4 defines them.

A case is *active* in a period when it was open for some of it: opened before the period's end
and not closed before its start. Periods are half-open [start, end) in Asia/Shanghai. Each KPI
is one grouped query per quantity over all branches (the case's branch); the bank figure is a
separate aggregate where customers are counted (a customer with cases at two branches is one
customer for the bank), the sum of the branches where rows are counted.
"""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from kpis.registry import BANK, Measurement, kpi
from qc_portal.periods import Period
from transparency.models import Case, CaseStep, ProgressInquiry, TrackingView


def active_cases(period: Period) -> QuerySet[Case]:
    return Case.objects.filter(opened_at__lt=period.end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=period.start)
    )


# Online tracking is possible when the customer holds an access code for the case or can log
# in to see it (web or app).
TRACKABLE = Q(access_code_hash__gt="") | Q(customer__user__isnull=False)


def _customers(period: Period, numerator: Q) -> dict:
    """customers meeting `numerator` / customers with an active case, per branch and bank."""
    cases = active_cases(period)
    per_branch = cases.values("branch_id").annotate(
        num=Count("customer_id", distinct=True, filter=numerator),
        den=Count("customer_id", distinct=True),
    )
    result = {
        row["branch_id"]: Measurement(row["num"], row["den"], observations=row["den"])
        for row in per_branch
    }
    bank = cases.aggregate(
        num=Count("customer_id", distinct=True, filter=numerator),
        den=Count("customer_id", distinct=True),
    )
    result[BANK] = Measurement(bank["num"], bank["den"], observations=bank["den"])
    return result


@kpi(
    code="transparency.tracking_coverage",
    measure=2,
    period_kind="month",
    unit="percent",
    direction="higher",
    title_zh="进度可在线查询覆盖率",
    title_en="Online tracking coverage",
    definition_zh="当月有在办业务的客户中，其业务可在网上或手机银行实时查询进度的客户占比。",
    definition_en="Customers with an active case that can be tracked online (web or app) / "
    "customers with an active case.",
)
def tracking_coverage(period: Period) -> dict:
    return _customers(period, TRACKABLE)


@kpi(
    code="transparency.tracking_usage",
    measure=2,
    period_kind="month",
    unit="percent",
    direction="higher",
    title_zh="在线查询使用率",
    title_en="Online tracking usage",
    definition_zh="当月有在办业务的客户中，当月在网上或手机银行查看过业务进度的客户占比。",
    definition_en="Customers who viewed progress online in the month / customers with an "
    "active case.",
)
def tracking_usage(period: Period) -> dict:
    viewed = TrackingView.objects.filter(
        case=OuterRef("pk"), viewed_at__gte=period.start, viewed_at__lt=period.end
    )
    # Exists() per case keeps the join from multiplying rows; counted per distinct customer.
    cases_viewed = Q(pk__in=active_cases(period).filter(Exists(viewed)).values("pk"))
    return _customers(period, cases_viewed)


@kpi(
    code="transparency.inquiry_rate",
    measure=2,
    period_kind="month",
    unit="per_100",
    direction="lower",
    title_zh="进度咨询率",
    title_en="Progress inquiry rate",
    definition_zh="当月客户就业务进度的咨询次数（每百件在办业务）。",
    definition_en="Progress inquiries in the month per 100 active cases.",
)
def inquiry_rate(period: Period) -> dict:
    inquiries = dict(
        ProgressInquiry.objects.filter(received_at__gte=period.start, received_at__lt=period.end)
        .values("branch_id")
        .annotate(n=Count("pk"))
        .values_list("branch_id", "n")
    )
    cases = dict(
        active_cases(period)
        .values("branch_id")
        .annotate(n=Count("pk"))
        .values_list("branch_id", "n")
    )
    result = {
        branch_id: Measurement(inquiries.get(branch_id, 0), active, observations=active)
        for branch_id, active in cases.items()
    }
    total_inquiries, total_cases = sum(inquiries.values()), sum(cases.values())
    result[BANK] = Measurement(total_inquiries, total_cases, observations=total_cases)
    return result


@kpi(
    code="transparency.steps_on_time",
    measure=2,
    period_kind="month",
    unit="percent",
    direction="higher",
    title_zh="环节按时完成率",
    title_en="Steps finished on time",
    definition_zh="当月完成的环节中，在标准时限（工作日历）内完成的占比。",
    definition_en="Steps finished within their standard duration (working calendar) / steps "
    "finished in the month.",
)
def steps_on_time(period: Period) -> dict:
    rows = (
        CaseStep.objects.filter(
            outcome=CaseStep.Outcome.DONE,
            finished_at__gte=period.start,
            finished_at__lt=period.end,
        )
        .values("case__branch_id")
        .annotate(
            num=Count("pk", filter=Q(finished_at__lte=F("due_at"))),
            den=Count("pk"),
        )
    )
    result, total_num, total_den = {}, 0, 0
    for row in rows:
        result[row["case__branch_id"]] = Measurement(
            row["num"], row["den"], observations=row["den"]
        )
        total_num, total_den = total_num + row["num"], total_den + row["den"]
    result[BANK] = Measurement(total_num, total_den, observations=total_den)
    return result
