"""Writes to targets, baselines and the programme plan. Targets are versioned by effective
date: a change is a new set of rows, so past results keep the target they were judged by.
Every write is audited inside its transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kpis.models import Comparator, KpiBaseline, KpiDefinition, KpiTarget, PlanStep
from kpis.permissions import can_edit_targets, can_mark_step
from qc_portal.audit import record_event, snapshot
from qc_portal.models import Branch

TARGET_FIELDS = [
    "kind",
    "comparator",
    "value",
    "factor",
    "divisor",
    "effective_from",
    "branch_id",
    "note",
]


def _check_target(target: KpiTarget) -> None:
    if target.comparator not in Comparator.values:
        raise ValidationError({"comparator": _("Unknown comparator.")})
    if target.kind == KpiTarget.Kind.ABSOLUTE and target.value is None:
        raise ValidationError({"value": _("An absolute target needs a value.")})
    if target.kind == KpiTarget.Kind.RELATIVE and (target.factor <= 0 or target.divisor <= 0):
        raise ValidationError({"factor": _("Factor and divisor must be positive.")})


@transaction.atomic
def set_targets(
    kpi: KpiDefinition,
    *,
    conditions: list[dict],
    effective_from: date,
    branch: Branch | None = None,
    note: str = "",
    actor,
) -> list[KpiTarget]:
    """Put a new target set in force from `effective_from` (an empty list means: no target
    from then on is not expressible, so at least one condition is required)."""
    if not can_edit_targets(actor):
        raise PermissionDenied(_("Only head office may change KPI targets."))
    if not conditions:
        raise ValidationError({"conditions": _("Give at least one condition.")})
    rows = []
    for condition in conditions:
        value = condition.get("value")
        target = KpiTarget(
            kpi=kpi,
            branch=branch,
            kind=condition["kind"],
            comparator=condition["comparator"],
            value=None if value is None else Decimal(str(value)),
            factor=Decimal(str(condition.get("factor", 1))),
            divisor=Decimal(str(condition.get("divisor", 1))),
            effective_from=effective_from,
            note=note,
            created_by=actor,
            created_at=timezone.now(),
        )
        _check_target(target)
        rows.append(target)
    previous = list(KpiTarget.objects.filter(kpi=kpi, branch=branch, effective_from=effective_from))
    KpiTarget.objects.filter(pk__in=[row.pk for row in previous]).delete()
    KpiTarget.objects.bulk_create(rows)
    record_event(
        "kpi.targets_set",
        actor=actor,
        target=kpi,
        before={"targets": [snapshot(row, TARGET_FIELDS) for row in previous]},
        after={"targets": [snapshot(row, TARGET_FIELDS) for row in rows]},
    )
    return rows


def audit_target_change(
    target: KpiTarget, *, before: dict | None, actor, deleted: bool = False
) -> None:
    """Used by the admin, which saves targets itself."""
    record_event(
        "kpi.target_deleted" if deleted else "kpi.target_saved",
        actor=actor,
        target=target,
        before=before,
        after=None if deleted else snapshot(target, TARGET_FIELDS),
    )


@transaction.atomic
def enter_baseline(
    kpi: KpiDefinition, *, value: float, reason: str, branch: Branch | None = None, actor
) -> KpiBaseline:
    """A baseline entered by hand (no usable history): never overwritten by computation."""
    if not can_edit_targets(actor):
        raise PermissionDenied(_("Only head office may enter baselines."))
    if not reason.strip():
        raise ValidationError({"reason": _("A baseline entered by hand needs a reason.")})
    baseline = KpiBaseline.objects.filter(kpi=kpi, branch=branch).first()
    before = snapshot(baseline, ["value", "source", "reason"]) if baseline else None
    if baseline is None:
        baseline = KpiBaseline(kpi=kpi, branch=branch)
    baseline.value, baseline.source, baseline.reason = (
        float(value),
        KpiBaseline.Source.MANUAL,
        reason.strip(),
    )
    baseline.entered_by, baseline.updated_at, baseline.periods = actor, timezone.now(), ""
    baseline.save()
    record_event(
        "kpi.baseline_entered",
        actor=actor,
        target=baseline,
        before=before,
        after=snapshot(baseline, ["value", "source", "reason"]),
    )
    return baseline


@transaction.atomic
def mark_step_done(step: PlanStep, *, note: str, evidence_url: str = "", actor) -> PlanStep:
    """The initiative's department (or head office) records a step as done."""
    if not can_mark_step(actor, step):
        raise PermissionDenied(_("Only the responsible department may mark this step done."))
    step = PlanStep.objects.select_for_update().get(pk=step.pk)
    if step.done_at is not None:
        raise ValidationError({"step": _("This step is already done.")})
    if not note.strip():
        raise ValidationError({"note": _("Say what was done.")})
    if evidence_url:
        from django.core.validators import URLValidator

        try:
            URLValidator(schemes=["http", "https"])(evidence_url)
        except ValidationError as error:
            raise ValidationError({"evidence_url": _("Enter a valid http(s) link.")}) from error
    step.done_at, step.done_by, step.note, step.evidence_url = (
        timezone.now(),
        actor,
        note.strip(),
        evidence_url,
    )
    step.save(update_fields=["done_at", "done_by", "note", "evidence_url"])
    record_event(
        "plan.step_done",
        actor=actor,
        target=step,
        after={"note": step.note, "evidence_url": evidence_url},
    )
    return step
