"""Measure 1 KPIs, exactly as DESIGN.md §4 defines them (DOMAIN.md "Branch queue times",
"Satisfaction"). Each is one grouped query over every branch; the bank figure is the sum of
the branches' numerators and denominators (correct for sums and counts). A contact belongs
to the period in which it arrived (ticket taken, call offered, chat opened); a rating to the
period in which it was given. Periods are half-open [start, end) in Asia/Shanghai.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum

from kpis.registry import BANK, Measurement, kpi
from qc_portal.periods import Period
from services.models import Channel, Feedback, Outcome, ServiceRecord


def _in(period: Period) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(arrived_at__gte=period.start, arrived_at__lt=period.end)


def _collect(rows, numerator: str, denominator: str, branch_field: str = "branch_id") -> dict:
    """Branch measurements from grouped rows, plus the bank total."""
    result: dict = {}
    total_numerator = total_denominator = 0
    for row in rows:
        num, den = row[numerator] or 0, row[denominator] or 0
        if not den:
            continue
        result[row[branch_field]] = Measurement(numerator=num, denominator=den, observations=den)
        total_numerator += num
        total_denominator += den
    result[BANK] = Measurement(
        numerator=total_numerator, denominator=total_denominator, observations=total_denominator
    )
    return result


def _mean_wait(period: Period, channel: str) -> dict:
    """Mean seconds from arrival to called / answered / first reply, over contacts that were
    called (a no-show called again counts to its last call)."""
    rows = (
        _in(period)
        .filter(channel=channel, wait_seconds__isnull=False)
        .values("branch_id")
        .annotate(total=Sum("wait_seconds"), n=Count("id"))
    )
    return _collect(rows, "total", "n")


@kpi(
    code="services.response_time.counter",
    measure=1,
    period_kind="month",
    unit="seconds",
    direction="lower",
    title_zh="柜面等候时间",
    title_en="Counter waiting time",
    definition_zh="从取号到叫号的平均秒数（按被叫号客户平均；过号重叫自最后一次叫号计）。",
    definition_en="Mean seconds from queue ticket to being called, over customers called "
    "(a no-show called again counts to the last call).",
)
def response_time_counter(period: Period) -> dict:
    return _mean_wait(period, Channel.COUNTER)


@kpi(
    code="services.response_time.phone",
    measure=1,
    period_kind="month",
    unit="seconds",
    direction="lower",
    title_zh="电话平均应答速度",
    title_en="Phone average speed of answer",
    definition_zh="从来电接入到人工接听的平均秒数（ASA），按已接听来电平均。",
    definition_en="Mean seconds from call offered to answered (ASA), over answered calls.",
)
def response_time_phone(period: Period) -> dict:
    return _mean_wait(period, Channel.PHONE)


@kpi(
    code="services.response_time.online",
    measure=1,
    period_kind="month",
    unit="seconds",
    direction="lower",
    title_zh="在线首次响应时间",
    title_en="Online first response time",
    definition_zh="在线咨询从发起到首次人工回复的平均秒数。",
    definition_en="Mean seconds from an online chat opened to its first response.",
)
def response_time_online(period: Period) -> dict:
    return _mean_wait(period, Channel.ONLINE)


@kpi(
    code="services.counter_handling_time",
    measure=1,
    period_kind="month",
    unit="seconds",
    direction="lower",
    title_zh="柜面平均办理时长",
    title_en="Counter handling time",
    definition_zh="柜面从叫号到办结的平均秒数，按已办结（服务完成）的客户平均。",
    definition_en="Mean seconds from called to finished at the counter, over customers served.",
)
def counter_handling_time(period: Period) -> dict:
    rows = (
        _in(period)
        .filter(channel=Channel.COUNTER, outcome=Outcome.SERVED, handling_seconds__isnull=False)
        .values("branch_id")
        .annotate(total=Sum("handling_seconds"), n=Count("id"))
    )
    return _collect(rows, "total", "n")


@kpi(
    code="services.csat",
    measure=1,
    period_kind="month",
    unit="percent",
    direction="higher",
    title_zh="客户满意度",
    title_en="Customer satisfaction (CSAT)",
    definition_zh="1–5 分评价中 4 分和 5 分的数量 / 全部评价数量（按评价时间归期）。",
    definition_en="Ratings of 4 or 5 on a 1–5 scale / all ratings given in the period.",
)
def csat(period: Period) -> dict:
    rows = (
        Feedback.objects.filter(rated_at__gte=period.start, rated_at__lt=period.end)
        .values("service_record__branch_id")
        .annotate(satisfied=Count("id", filter=Q(rating__gte=4)), n=Count("id"))
    )
    return _collect(rows, "satisfied", "n", branch_field="service_record__branch_id")


@kpi(
    code="services.bot_containment",
    measure=1,
    period_kind="month",
    unit="percent",
    direction="higher",
    title_zh="智能助手独立解决率",
    title_en="Assistant containment",
    definition_zh="智能助手会话中未转人工即结束的数量 / 已结束的全部智能助手会话。",
    definition_en="Chatbot sessions closed without hand-over to a person / all closed chatbot sessions.",
)
def bot_containment(period: Period) -> dict:
    rows = (
        _in(period)
        .filter(channel=Channel.CHATBOT)
        .exclude(outcome="")
        .values("branch_id")
        .annotate(contained=Count("id", filter=~Q(outcome=Outcome.TRANSFERRED)), n=Count("id"))
    )
    return _collect(rows, "contained", "n")


@kpi(
    code="services.abandon_rate",
    measure=1,
    period_kind="month",
    unit="percent",
    direction="lower",
    title_zh="放弃率",
    title_en="Abandon rate",
    definition_zh="柜面取号与电话来电中在服务前放弃的数量 / 全部已结束的取号与来电。",
    definition_en="Counter tickets and calls abandoned before service / all closed tickets and calls.",
)
def abandon_rate(period: Period) -> dict:
    rows = (
        _in(period)
        .filter(channel__in=[Channel.COUNTER, Channel.PHONE])
        .exclude(outcome="")
        .values("branch_id")
        .annotate(abandoned=Count("id", filter=Q(outcome=Outcome.ABANDONED)), n=Count("id"))
    )
    return _collect(rows, "abandoned", "n")
