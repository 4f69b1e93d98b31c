"""Who may read the dashboard and who may change targets and the plan."""

from __future__ import annotations

from qc_portal.roles import STAFF_ROLES, Role, roles_of
from qc_portal.scoping import staff_profile

# Department -> the roles that work in it across the bank (used for the plan's owners).
DEPARTMENT_ROLES = {
    "customer_service": set(),
    "it": {Role.INTEGRATION_ADMIN},
    "risk": {Role.RISK_MANAGER},
    "hr": {Role.HR_TRAINER},
}
DASHBOARD_ROLES = frozenset(
    {
        Role.BRANCH_MANAGER,
        Role.HEAD_OFFICE,
        Role.AUDITOR,
        Role.RISK_MANAGER,
        Role.INTEGRATION_ADMIN,
        Role.HR_TRAINER,
    }
)


def can_read_kpis(user) -> bool:
    """Every staff member may read KPI results within their branch scope."""
    return bool(roles_of(user) & STAFF_ROLES)


def can_view_dashboard(user) -> bool:
    return bool(roles_of(user) & DASHBOARD_ROLES)


def can_compare_branches(user) -> bool:
    return bool(roles_of(user) & {Role.HEAD_OFFICE, Role.AUDITOR, Role.RISK_MANAGER})


def can_edit_targets(user) -> bool:
    return Role.HEAD_OFFICE in roles_of(user) or bool(getattr(user, "is_superuser", False))


def can_mark_step(user, step) -> bool:
    roles = roles_of(user)
    if getattr(user, "is_superuser", False):
        return True
    department = step.initiative.department.code
    profile = staff_profile(user)
    if profile is not None and profile.department.code == department and roles & STAFF_ROLES:
        return True
    return bool(roles & DEPARTMENT_ROLES.get(department, set()))
