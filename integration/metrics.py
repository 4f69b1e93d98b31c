"""Measure 4's KPIs (DESIGN.md §4), bank-wide only."""

from __future__ import annotations

from integration.models import InboundRecord
from integration.queries import percentile, sharing_rate
from kpis.registry import BANK, Measurement, kpi
from qc_portal.periods import Period


@kpi(
    code="integration.processing_time",
    measure=4,
    period_kind="month",
    unit="seconds",
    direction="lower",
    title_zh="信息处理时效",
    title_en="Information processing time",
    definition_zh="当月入库并生效的记录，从平台收到到生效的用时中位数（秒，全行）。目标：不高于基线的 1/1.3（效率提升 30%）。",
    definition_en=(
        "Median seconds from a record's receipt by the platform to its being applied, over the "
        "records applied in the month (whole bank). Target: at most baseline / 1.3 (30 % faster)."
    ),
    scopes=("bank",),
)
def processing_time(period: Period) -> dict[int | None, Measurement]:
    applied = InboundRecord.objects.filter(
        status=InboundRecord.Status.APPLIED,
        applied_at__gte=period.start,
        applied_at__lt=period.end,
    )
    median, count = percentile(applied, "processing_seconds", 0.5)
    if median is None:
        return {BANK: Measurement(numerator=0, denominator=0, observations=0)}
    # A median is not a ratio: the value is the statistic; numerator / denominator mirror it.
    return {BANK: Measurement(numerator=median, denominator=1, observations=count, value=median)}


@kpi(
    code="integration.data_sharing_rate",
    measure=4,
    period_kind="month",
    unit="percent",
    direction="higher",
    title_zh="数据共享率",
    title_en="Data-sharing rate",
    definition_zh="月末时，数据共享矩阵中“需要且已在平台授权”的（数据集，部门）组合数 / “需要”的组合数（全行）。内部指标，监管指引未规定公式。",
    definition_en=(
        "At the end of the month: (data set, department) pairs that are required and granted on "
        "the platform / pairs required (whole bank). An internal KPI: the data-governance "
        "guideline defines no formula."
    ),
    scopes=("bank",),
)
def data_sharing_rate(period: Period) -> dict[int | None, Measurement]:
    row = sharing_rate(period.end)
    return {
        BANK: Measurement(
            numerator=row["granted"], denominator=row["required"], observations=row["required"]
        )
    }
