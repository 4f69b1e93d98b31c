"""The KPI engine: from a registered compute function and a period to stored `KpiResult` rows.

`compute_kpi(code, period)` is idempotent: it replaces the KPI's rows for that period in one
transaction, so running it twice leaves the same rows and a crash leaves the previous ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kpis import registry
from kpis.evaluation import describe_targets, evaluate, format_value, value_of
from kpis.models import JobRun, KpiBaseline, KpiDefinition, KpiResult, KpiTarget, Status
from kpis.registry import BANK, Measurement
from qc_portal.models import Branch
from qc_portal.periods import Period

logger = logging.getLogger(__name__)

# Who answers for each measure (seed section 3).
MEASURE_DEPARTMENTS = {1: "customer_service", 2: "it", 3: "risk", 4: "it", 5: "hr"}
# The bank-wide roles that work for each department and receive its missed-KPI alerts.
DEPARTMENT_ROLES = {
    "customer_service": ["head_office"],
    "it": ["integration_admin", "head_office"],
    "risk": ["risk_manager", "head_office"],
    "hr": ["hr_trainer", "head_office"],
}


def sync_definitions() -> dict[str, KpiDefinition]:
    """Mirror the registry into KpiDefinition rows; returns them by code."""
    existing = {row.code: row for row in KpiDefinition.objects.all()}
    now = timezone.now()
    fields = [
        "measure",
        "period_kind",
        "unit",
        "direction",
        "title_zh",
        "title_en",
        "definition_zh",
        "definition_en",
        "scopes",
    ]
    to_create, to_update = [], []
    for code, definition in registry.definitions().items():
        values = {name: getattr(definition, name) for name in fields}
        values["scopes"] = list(definition.scopes)
        row = existing.get(code)
        if row is None:
            to_create.append(KpiDefinition(code=code, is_registered=True, synced_at=now, **values))
            continue
        if row.is_registered and all(getattr(row, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.is_registered, row.synced_at = True, now
        to_update.append(row)
    KpiDefinition.objects.bulk_create(to_create, ignore_conflicts=True)
    if to_update:
        KpiDefinition.objects.bulk_update(to_update, [*fields, "is_registered", "synced_at"])
    registered = set(registry.definitions())
    KpiDefinition.objects.filter(is_registered=True).exclude(code__in=registered).update(
        is_registered=False
    )
    return {row.code: row for row in KpiDefinition.objects.all()}


def targets_in_force(kpi: KpiDefinition, on: date) -> dict[int | None, list[KpiTarget]]:
    """The target set in force on a day, per branch id (None: the bank-level set). The set is
    every row sharing the latest effective date not after `on`."""
    rows = list(
        KpiTarget.objects.filter(kpi=kpi, effective_from__lte=on).order_by(
            "branch_id", "-effective_from", "id"
        )
    )
    sets: dict[int | None, list[KpiTarget]] = {}
    for row in rows:
        current = sets.setdefault(row.branch_id, [])
        if not current or current[0].effective_from == row.effective_from:
            current.append(row)
    return sets


def baseline_periods(period_kind: str) -> list[Period]:
    """The periods before the programme start that define the baseline: the three months
    (or the one quarter) before settings.QC_PROGRAMME_START."""
    start = settings.QC_PROGRAMME_START
    first_of_programme = Period.containing(start, period_kind)
    count = getattr(settings, "QC_BASELINE_MONTHS", 3) if period_kind == "month" else 1
    return [first_of_programme.shift(-n) for n in range(count, 0, -1)]


def _combine(measurements: list[Measurement], unit: str) -> tuple[float | None, float, float, int]:
    numerator = sum(float(m.numerator) for m in measurements)
    denominator = sum(float(m.denominator) for m in measurements)
    observations = sum(m.observations for m in measurements)
    if any(m.value is not None for m in measurements):
        # A statistic that is not a ratio (a median): observation-weighted mean of the periods.
        weighted = [(float(m.value), m.observations) for m in measurements if m.value is not None]
        weight = sum(w for _v, w in weighted)
        value = sum(v * w for v, w in weighted) / weight if weight else None
    else:
        value = value_of(Measurement(numerator, denominator, observations), unit)
    return value, numerator, denominator, observations


def refresh_computed_baselines(kpi: KpiDefinition) -> None:
    """Compute the baseline of every scope from the baseline periods' data. Manual baselines
    stay as entered."""
    periods = baseline_periods(kpi.period_kind)
    by_scope = _measurements_from_results(kpi, periods)
    if by_scope is None:
        definition = registry.get(kpi.code)
        by_scope = {}
        for period in periods:
            for scope, measurement in definition.compute(period).items():
                by_scope.setdefault(scope, []).append(measurement)
    known = set(
        Branch.objects.filter(pk__in=[s for s in by_scope if s is not BANK]).values_list(
            "pk", flat=True
        )
    )
    by_scope = {scope: m for scope, m in by_scope.items() if scope is BANK or scope in known}
    manual = set(
        KpiBaseline.objects.filter(kpi=kpi, source=KpiBaseline.Source.MANUAL).values_list(
            "branch_id", flat=True
        )
    )
    label = f"{periods[0]}..{periods[-1]}" if len(periods) > 1 else str(periods[0])
    with transaction.atomic():
        # Two first computations of a KPI refresh its baselines at once: take turns on the
        # definition's row (as compute_kpi does), so the second replaces the first's rows
        # instead of inserting beside them (IntegrityError on the one-baseline constraint).
        KpiDefinition.objects.select_for_update().filter(pk=kpi.pk).first()
        KpiBaseline.objects.filter(kpi=kpi, source=KpiBaseline.Source.COMPUTED).delete()
        rows = []
        for scope, measurements in by_scope.items():
            if scope in manual:
                continue
            value, numerator, denominator, observations = _combine(measurements, kpi.unit)
            rows.append(
                KpiBaseline(
                    kpi=kpi,
                    branch_id=scope,
                    value=value,
                    numerator=numerator,
                    denominator=denominator,
                    observations=observations,
                    periods=label,
                    source=KpiBaseline.Source.COMPUTED,
                )
            )
        if BANK not in by_scope and BANK not in manual:
            # Remember that the baseline periods had no data, so it is not recomputed each time.
            rows.append(
                KpiBaseline(
                    kpi=kpi,
                    branch=None,
                    value=None,
                    periods=label,
                    source=KpiBaseline.Source.COMPUTED,
                )
            )
        KpiBaseline.objects.bulk_create(rows)


def _measurements_from_results(kpi: KpiDefinition, periods: list[Period]) -> dict | None:
    """The baseline periods' stored final results as measurements, or None when any of them
    has not been computed yet (then the compute function is asked instead)."""
    keys = [str(period) for period in periods]
    rows = list(
        KpiResult.objects.filter(
            kpi=kpi, period_kind=periods[0].kind, period_key__in=keys, provisional=False
        )
    )
    if {row.period_key for row in rows if row.branch_id is None} != set(keys):
        return None
    by_scope: dict[int | None, list[Measurement]] = {}
    for row in rows:
        ratio = value_of(Measurement(row.numerator, row.denominator, row.observations), kpi.unit)
        # A statistic that is not numerator / denominator (a median) was stored as its value.
        statistic = row.value is not None and (
            ratio is None or abs(ratio - row.value) > 1e-9 * max(1, abs(row.value))
        )
        by_scope.setdefault(row.branch_id, []).append(
            Measurement(
                row.numerator,
                row.denominator,
                row.observations,
                value=row.value if statistic else None,
            )
        )
    return by_scope


def baselines_for(kpi: KpiDefinition, *, lazy: bool = True) -> dict[int | None, KpiBaseline]:
    rows = {row.branch_id: row for row in KpiBaseline.objects.filter(kpi=kpi)}
    if not rows and lazy and kpi.is_registered:
        refresh_computed_baselines(kpi)
        rows = {row.branch_id: row for row in KpiBaseline.objects.filter(kpi=kpi)}
    return rows


def _usable_baseline(baseline: KpiBaseline | None, minimum: int) -> float | None:
    if baseline is None or baseline.value is None:
        return None
    if baseline.source == KpiBaseline.Source.COMPUTED and baseline.observations < minimum:
        return None  # a baseline from a handful of cases would make any target arbitrary
    return baseline.value


@dataclass(frozen=True)
class ComputeOutcome:
    code: str
    period: str
    rows: int
    missed_final: int


def compute_kpi(
    code: str, period: Period | str, *, job_run: JobRun | None = None, now=None
) -> ComputeOutcome:
    """Compute one KPI for one period and replace its stored results."""
    period = Period.parse(period) if isinstance(period, str) else period
    definition = registry.get(code)
    if definition.period_kind != period.kind:
        raise ValueError(f"{code} is a {definition.period_kind} KPI, not {period.kind}")
    kpi = (
        KpiDefinition.objects.filter(code=code, is_registered=True).first()
        or sync_definitions()[code]
    )
    now = now or timezone.now()
    provisional = period.is_running(now)
    minimum = settings.QC_MIN_OBSERVATIONS

    refresh_baselines = period in baseline_periods(period.kind) and not provisional
    measurements = dict(definition.compute(period))
    # The bank row always exists, so an empty period reads "insufficient data", not "missing".
    measurements.setdefault(BANK, Measurement(0, 0, 0))
    targets = targets_in_force(kpi, period.start_date)
    # A baseline period does not trigger the baseline's computation: it is part of it.
    baselines = baselines_for(kpi, lazy=not refresh_baselines)
    known_branches = set(
        Branch.objects.filter(pk__in=[s for s in measurements if s is not BANK]).values_list(
            "pk", flat=True
        )
    )

    rows = []
    for scope, measurement in measurements.items():
        if scope is not BANK and (scope not in known_branches or "branch" not in definition.scopes):
            continue
        if scope is BANK and "bank" not in definition.scopes:
            continue
        scope_targets = (
            targets.get(scope) if scope is not BANK and scope in targets else targets.get(None, [])
        )
        specs = [target.as_spec() for target in scope_targets]
        baseline = _usable_baseline(baselines.get(scope), minimum)
        value = value_of(measurement, definition.unit)
        status, resolved = evaluate(
            value=value,
            observations=measurement.observations,
            specs=specs,
            baseline=baseline,
            minimum_observations=minimum,
        )
        rows.append(
            KpiResult(
                kpi=kpi,
                period_kind=period.kind,
                period_key=str(period),
                period_start=period.start_date,
                branch_id=scope,
                numerator=float(measurement.numerator),
                denominator=float(measurement.denominator),
                value=value,
                observations=measurement.observations,
                target_text=describe_targets(specs, definition.unit),
                target_snapshot=resolved,
                baseline_value=baselines[scope].value if scope in baselines else None,
                status=status,
                provisional=provisional,
                computed_at=now,
                job_run=job_run,
            )
        )
    with transaction.atomic():
        # Two runs of the same KPI (a beat refresh and a backfill) take turns, never interleave.
        KpiDefinition.objects.select_for_update().filter(pk=kpi.pk).first()
        KpiResult.objects.filter(kpi=kpi, period_kind=period.kind, period_key=str(period)).delete()
        KpiResult.objects.bulk_create(rows)
        if refresh_baselines:
            # The baseline follows its periods' results; recomputed from them once all exist,
            # else lazily by the next computation that needs it.
            if _measurements_from_results(kpi, baseline_periods(period.kind)) is not None:
                refresh_computed_baselines(kpi)
            else:
                KpiBaseline.objects.filter(kpi=kpi, source=KpiBaseline.Source.COMPUTED).delete()
        missed = [row for row in rows if row.status == Status.MISSED and not row.provisional]
        if missed:
            _alert_missed(kpi, period, missed)
    return ComputeOutcome(code=code, period=str(period), rows=len(rows), missed_final=len(missed))


def _alert_missed(kpi: KpiDefinition, period: Period, rows: list[KpiResult]) -> None:
    """One alert per (KPI, period, scope), however often the period is recomputed."""
    from django.urls import reverse

    from qc_portal.alerts import raise_alert
    from qc_portal.models import Alert, Department

    department_code = MEASURE_DEPARTMENTS[kpi.measure]
    department = Department.objects.filter(code=department_code).first()
    branches = Branch.objects.in_bulk([row.branch_id for row in rows if row.branch_id])
    link = reverse("kpis:kpi-detail", args=[kpi.code]) + f"?period={period}"
    for row in rows:
        branch = branches.get(row.branch_id)
        roles = list(DEPARTMENT_ROLES[department_code])
        if branch is not None:
            roles.append("branch_manager")
        scope_label = branch.code if branch else "bank"
        alert, created = raise_alert(
            kind="kpi_missed",
            key=f"kpi-missed:{kpi.code}:{period}:{row.scope}",
            title=_("KPI missed: %(kpi)s, %(period)s, %(scope)s"),
            message=_(
                "%(name)s was %(value)s in %(period)s against the target %(target)s (%(scope)s)."
            ),
            params={
                "kpi": kpi.code,
                "name": f"{kpi.title_zh} / {kpi.title_en}",
                "period": str(period),
                "scope": scope_label,
                "value": format_value(row.value, kpi.unit),
                "target": row.target_text,
            },
            severity=Alert.Severity.WARNING,
            roles=roles,
            branch=branch,
            # Recipients are chosen by role and branch (a branch manager is not in the
            # responsible department); the department is recorded on the alert below.
            department_code=None,
            link=link + (f"&scope=branch:{branch.code}" if branch else ""),
            evidence={
                "kpi": kpi.code,
                "period": str(period),
                "scope": row.scope,
                "value": row.value,
                "target": row.target_snapshot,
                "department": department_code,
            },
        )
        if created and department is not None:
            Alert.objects.filter(pk=alert.pk).update(department=department)
