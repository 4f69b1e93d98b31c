"""Read models of the dashboard. They read only KpiDefinition / KpiResult / KpiTarget and the
plan tables, never the measure apps' records, with a fixed number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kpis.models import KpiDefinition, KpiResult, KpiTarget
from kpis.queries import Scope, visible_results
from qc_portal.periods import Period

MEASURES = {
    1: (_("Service efficiency"), "customer_service"),
    2: (_("Process transparency"), "it"),
    3: (_("Risk control"), "risk"),
    4: (_("System integration"), "it"),
    5: (_("Staff training"), "hr"),
}
DEPARTMENT_NAMES = {
    "customer_service": _("Customer Service"),
    "it": _("IT"),
    "risk": _("Risk Management"),
    "hr": _("Human Resources"),
}
SPARK_PERIODS = 12


@dataclass
class Card:
    definition: KpiDefinition
    period: Period
    result: KpiResult | None = None
    bank_result: KpiResult | None = None
    previous: KpiResult | None = None
    series: list[tuple[str, float | None]] = field(default_factory=list)

    @property
    def change_previous(self) -> float | None:
        if self.result is None or self.previous is None:
            return None
        if self.result.value is None or self.previous.value is None:
            return None
        return self.result.value - self.previous.value

    @property
    def change_baseline(self) -> float | None:
        if self.result is None or self.result.value is None or self.result.baseline_value is None:
            return None
        return self.result.value - self.result.baseline_value


@dataclass
class MeasureBlock:
    number: int
    title: str
    department: str
    cards: list[Card]


def periods_for(month: Period) -> dict[str, Period]:
    """The overview shows month KPIs for the month and quarter KPIs for its quarter."""
    return {"month": month, "quarter": month.quarter()}


def overview(user, *, month: Period, scope: Scope) -> list[MeasureBlock]:
    """Two queries: the definitions, and every result row the cards need (12 periods back,
    the chosen scope plus the bank)."""
    definitions = list(KpiDefinition.objects.filter(is_registered=True).order_by("measure", "code"))
    periods = periods_for(month)
    windows = {
        kind: [period.shift(-n) for n in range(SPARK_PERIODS - 1, -1, -1)]
        for kind, period in periods.items()
    }
    keys = [str(p) for window in windows.values() for p in window]
    scope_filter = (
        Q(branch__isnull=True) if scope.is_bank else Q(branch=scope.branch) | Q(branch__isnull=True)
    )
    rows = visible_results(user).filter(scope_filter, period_key__in=keys, kpi__in=definitions)
    by_key: dict[tuple[int, str, int | None], KpiResult] = {
        (row.kpi_id, row.period_key, row.branch_id): row for row in rows
    }
    scope_id = None if scope.is_bank else scope.branch.pk
    blocks = []
    for number, (title, department) in MEASURES.items():
        cards = []
        for definition in definitions:
            if definition.measure != number:
                continue
            period = periods[definition.period_kind]
            card = Card(definition=definition, period=period)
            card.result = by_key.get((definition.pk, str(period), scope_id))
            card.previous = by_key.get((definition.pk, str(period.previous()), scope_id))
            if not scope.is_bank:
                card.bank_result = by_key.get((definition.pk, str(period), None))
            card.series = [
                (str(p), getattr(by_key.get((definition.pk, str(p), scope_id)), "value", None))
                for p in windows[definition.period_kind]
            ]
            cards.append(card)
        blocks.append(MeasureBlock(number, title, DEPARTMENT_NAMES[department], cards))
    return blocks


@dataclass
class ComparisonRow:
    branch: object
    cells: list[KpiResult | None]


def branch_comparison(
    user, *, month: Period, sort: str | None = None
) -> tuple[list[KpiDefinition], list]:
    """Branches × KPIs for the month (quarter KPIs: its quarter). Three queries."""
    from qc_portal.scoping import visible_branches

    definitions = list(KpiDefinition.objects.filter(is_registered=True).order_by("measure", "code"))
    periods = periods_for(month)
    keys = {str(p) for p in periods.values()}
    branches = list(visible_branches(user).filter(is_active=True).order_by("code"))
    rows = visible_results(user).filter(
        period_key__in=keys, branch__isnull=False, kpi__in=definitions
    )
    cells = {
        (row.branch_id, row.kpi_id): row
        for row in rows
        if row.period_key == str(periods[row.kpi.period_kind])
    }
    table = [
        ComparisonRow(branch, [cells.get((branch.pk, d.pk)) for d in definitions])
        for branch in branches
    ]
    if sort:
        index = next((i for i, d in enumerate(definitions) if d.code == sort.lstrip("-")), None)
        if index is not None:
            definition = definitions[index]
            descending = (definition.direction == "higher") != sort.startswith("-")

            def key(row):
                cell = row.cells[index]
                value = cell.value if cell is not None and cell.value is not None else None
                # Rows without a value always sort last.
                return (value is None, -(value or 0) if descending else (value or 0))

            table.sort(key=key)
    return definitions, table


def kpi_history(user, *, definition: KpiDefinition, period: Period, scope: Scope, length: int = 12):
    """The trend of one KPI for one scope (and the bank), `length` periods up to `period`."""
    window = [period.shift(-n) for n in range(length - 1, -1, -1)]
    scope_filter = (
        Q(branch__isnull=True) if scope.is_bank else Q(branch=scope.branch) | Q(branch__isnull=True)
    )
    rows = visible_results(user).filter(
        scope_filter, kpi=definition, period_key__in=[str(p) for p in window]
    )
    by_key = {(row.period_key, row.branch_id): row for row in rows}
    scope_id = None if scope.is_bank else scope.branch.pk
    return [(p, by_key.get((str(p), scope_id)), by_key.get((str(p), None))) for p in window]


def branch_ranking(user, *, definition: KpiDefinition, period: Period) -> list[KpiResult]:
    """Branch results of the period, best first (by the KPI's direction); only those the user
    may see, so a branch manager's "ranking" is their own branch."""
    order = (
        F("value").desc(nulls_last=True)
        if definition.direction == "higher"
        else F("value").asc(nulls_last=True)
    )
    return list(
        visible_results(user)
        .filter(kpi=definition, period_key=str(period), branch__isnull=False)
        .order_by(order, "branch__code")
    )


def target_history(definition: KpiDefinition) -> list[KpiTarget]:
    return list(
        KpiTarget.objects.filter(kpi=definition)
        .select_related("branch")
        .order_by("-effective_from", "id")
    )
