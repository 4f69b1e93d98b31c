"""Five-category loan classification floors by days past due.

Rule: 商业银行金融资产风险分类办法 (China Banking and Insurance Regulatory Commission and
People's Bank of China, order 2023 No. 1, in force 2023-07-01; existing assets reclassified by
2025-12-31), articles 9–12: a loan overdue (principal, interest or fees) is at least special
mention; overdue *more than* 90 days at least substandard (even when fully collateralised);
more than 270 days at least doubtful; more than 360 days loss. "More than N" is exclusive:
day 90 is special mention, day 91 substandard. Credit cards follow a different rule and are
not mixed in here.

The thresholds are configuration: settings.QC_CREDIT_CLASSIFICATION_THRESHOLDS may override
the defaults below (a mapping category -> "more than N days").
"""

from __future__ import annotations

from django.conf import settings

from credit.models import SEVERITY, Category

DEFAULT_THRESHOLDS = {
    Category.SPECIAL_MENTION: 0,  # more than 0 days: any overdue
    Category.SUBSTANDARD: 90,
    Category.DOUBTFUL: 270,
    Category.LOSS: 360,
}


def thresholds() -> dict[str, int]:
    configured = getattr(settings, "QC_CREDIT_CLASSIFICATION_THRESHOLDS", None) or {}
    merged = {str(k): int(v) for k, v in DEFAULT_THRESHOLDS.items()}
    merged.update({str(k): int(v) for k, v in configured.items()})
    return merged


def floor_for(days_past_due: int, limits: dict[str, int] | None = None) -> str:
    """The least severe category a loan `days_past_due` overdue may hold."""
    limits = limits or thresholds()
    floor = Category.NORMAL
    for category in (
        Category.SPECIAL_MENTION,
        Category.SUBSTANDARD,
        Category.DOUBTFUL,
        Category.LOSS,
    ):
        if days_past_due > limits[category]:
            floor = category
    return str(floor)


def worse(first: str, second: str) -> str:
    return first if SEVERITY[first] >= SEVERITY[second] else second
