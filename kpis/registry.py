"""The KPI registry. Each measure app declares its KPIs in its own `metrics.py`:

    from kpis.registry import Measurement, kpi

    @kpi(
        code="services.csat", measure=1, period_kind="month", unit="percent",
        direction="higher", title_zh="客户满意度", title_en="Customer satisfaction",
        definition_zh="...", definition_en="...", scopes=("bank", "branch"),
    )
    def csat(period: Period) -> dict[int | None, Measurement]:
        ...  # one grouped query over all branches; key None is the whole bank

A compute function receives a `qc_portal.periods.Period` and returns a dict keyed by branch id,
with the key `None` for the whole bank, of `Measurement`s. It computes in the database: one
grouped pass over the period's rows (never one query per branch, never a Python loop over
rows); the bank figure is the sum of the branches where that is correct, or a separate
aggregate where it is not (a median is not the mean of medians).

How the engine turns a Measurement into the stored value (kpis.evaluation.value_of):
- `value` given (a median, any statistic that is not a ratio): stored as is;
- percent, ratio: numerator / denominator (a percent is stored as a ratio 0..1);
- seconds: numerator / denominator (sum of seconds / count: a mean);
- per_100: 100 × numerator / denominator;
- count: the numerator.
A denominator of 0 gives no value. `observations` below settings.QC_MIN_OBSERVATIONS gives the
status "insufficient data". Branch keys that are not existing branches are ignored; a missing
bank key gets an empty bank row.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

BANK = None  # the key of the bank-wide measurement

UNITS = ("percent", "seconds", "per_100", "count", "ratio")
DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True)
class Measurement:
    numerator: Decimal | float | int
    denominator: Decimal | float | int
    observations: int
    # For statistics that are not numerator / denominator (a median): the value itself.
    value: Decimal | float | None = None

    def computed_value(self) -> float | None:
        if self.value is not None:
            return float(self.value)
        if not self.denominator:
            return None
        return float(self.numerator) / float(self.denominator)


@dataclass(frozen=True)
class KpiDefinition:
    code: str
    measure: int
    period_kind: str
    unit: str
    direction: str
    title_zh: str
    title_en: str
    definition_zh: str
    definition_en: str
    scopes: tuple[str, ...]
    compute: Callable

    # Display multiplier: a "percent" KPI stores a ratio (0.85) and shows 85 %.
    @property
    def display_factor(self) -> int:
        return 100 if self.unit == "percent" else 1


_REGISTRY: dict[str, KpiDefinition] = {}


def kpi(
    *,
    code: str,
    measure: int,
    period_kind: str,
    unit: str,
    direction: str,
    title_zh: str,
    title_en: str,
    definition_zh: str,
    definition_en: str,
    scopes: tuple[str, ...] = ("bank", "branch"),
):
    if unit not in UNITS:
        raise ValueError(f"{code}: unit must be one of {UNITS}")
    if direction not in DIRECTIONS:
        raise ValueError(f"{code}: direction must be one of {DIRECTIONS}")
    if period_kind not in ("month", "quarter"):
        raise ValueError(f"{code}: period_kind must be month or quarter")
    if not 1 <= measure <= 5:
        raise ValueError(f"{code}: measure must be 1 to 5")

    def register(function: Callable) -> Callable:
        if code in _REGISTRY and _REGISTRY[code].compute is not function:
            raise ValueError(f"KPI {code} registered twice")
        _REGISTRY[code] = KpiDefinition(
            code=code,
            measure=measure,
            period_kind=period_kind,
            unit=unit,
            direction=direction,
            title_zh=title_zh,
            title_en=title_en,
            definition_zh=definition_zh,
            definition_en=definition_en,
            scopes=tuple(scopes),
            compute=function,
        )
        return function

    return register


def discover() -> None:
    """Import every installed local app's metrics.py (as admin does with admin.py)."""
    for label in settings.LOCAL_APPS:
        try:
            importlib.import_module(f"{label}.metrics")
        except ModuleNotFoundError as error:
            if error.name != f"{label}.metrics":
                raise


def definitions() -> dict[str, KpiDefinition]:
    return dict(_REGISTRY)


def get(code: str) -> KpiDefinition:
    return _REGISTRY[code]
