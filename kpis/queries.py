"""Reads of KPI results, scoped to what the user may see before any request filter."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kpis.engine import targets_in_force
from kpis.models import KpiDefinition, KpiResult, KpiTarget, Status
from qc_portal.models import Branch
from qc_portal.periods import Period
from qc_portal.scoping import sees_all_branches, staff_profile, visible_branches


@dataclass(frozen=True)
class Scope:
    """`bank` or one branch."""

    branch: Branch | None = None

    @property
    def key(self) -> str:
        return f"branch:{self.branch.code}" if self.branch else "bank"

    @property
    def is_bank(self) -> bool:
        return self.branch is None


def visible_results(user) -> QuerySet[KpiResult]:
    """Bank-wide rows for every staff member, plus the branches the user may see."""
    results = KpiResult.objects.select_related("kpi", "branch")
    if sees_all_branches(user):
        return results
    profile = staff_profile(user)
    branch_ids = list(visible_branches(user).values_list("pk", flat=True))
    if profile is None and not branch_ids:
        return results.none()
    return results.filter(Q(branch__isnull=True) | Q(branch_id__in=branch_ids))


def parse_period(text: str | None) -> Period:
    if not text:
        raise ValidationError(
            {"period": [_("Give a period: YYYY-MM for a month or YYYY-Qn for a quarter.")]}
        )
    try:
        return Period.parse(text)
    except ValidationError as error:
        raise ValidationError({"period": error.messages}) from error


def parse_scope(text: str | None, user) -> Scope | None:
    """`bank`, `branch:<code>` or nothing (every scope the user may see). A branch the user
    may not see is refused with PermissionDenied; for a user who sees all branches an unknown
    code is bad input. A user limited to one branch gets the same 403 for an unknown code and
    another branch's code, so codes cannot be probed."""
    if not text:
        return None
    if text == "bank":
        return Scope()
    kind, _sep, code = text.partition(":")
    if kind != "branch" or not code:
        raise ValidationError(
            {
                "scope": [
                    _("Scope must be 'bank' or 'branch:<code>', got %(value)s.")
                    % {"value": text[:40]}
                ]
            }
        )
    branch = visible_branches(user).filter(code=code).first()
    if branch is not None:
        return Scope(branch)
    if sees_all_branches(user):
        raise ValidationError(
            {"scope": [_("There is no branch with code %(code)s.") % {"code": code[:20]}]}
        )
    raise PermissionDenied(
        _("You may not see the figures of branch %(code)s.") % {"code": code[:20]}
    )


def list_results(
    user,
    *,
    period: Period,
    scope: Scope | None = None,
    measure: int | None = None,
    status: str | None = None,
) -> QuerySet[KpiResult]:
    results = visible_results(user).filter(period_kind=period.kind, period_key=str(period))
    if scope is not None:
        results = (
            results.filter(branch__isnull=True)
            if scope.is_bank
            else results.filter(branch=scope.branch)
        )
    if measure is not None:
        results = results.filter(kpi__measure=measure)
    if status:
        results = results.filter(status=status)
    # The bank row first on every database (PostgreSQL sorts NULL last by default).
    return results.order_by("kpi__measure", "kpi__code", F("branch__code").asc(nulls_first=True))


def parse_measure(text: str | None) -> int | None:
    if not text:
        return None
    if text not in {"1", "2", "3", "4", "5"}:
        raise ValidationError({"measure": [_("Measure must be a number from 1 to 5.")]})
    return int(text)


def parse_status(text: str | None) -> str | None:
    if not text:
        return None
    if text not in Status.values:
        raise ValidationError(
            {
                "status": [
                    _("Status must be one of: %(values)s.") % {"values": ", ".join(Status.values)}
                ]
            }
        )
    return text


def list_definitions() -> list[tuple[KpiDefinition, list[KpiTarget]]]:
    """Registered definitions with the bank-level target set in force today."""
    today = timezone.localdate()
    definitions = list(KpiDefinition.objects.filter(is_registered=True).order_by("measure", "code"))
    targets = KpiTarget.objects.filter(
        kpi__in=definitions, branch__isnull=True, effective_from__lte=today
    )
    by_kpi: dict[int, list[KpiTarget]] = {}
    for target in targets.order_by("kpi_id", "-effective_from", "id"):
        current = by_kpi.setdefault(target.kpi_id, [])
        if not current or current[0].effective_from == target.effective_from:
            current.append(target)
    return [(definition, by_kpi.get(definition.pk, [])) for definition in definitions]


__all__ = [
    "Scope",
    "list_definitions",
    "list_results",
    "parse_period",
    "parse_scope",
    "targets_in_force",
    "visible_results",
]
