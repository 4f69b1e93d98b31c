"""Who may do what in measure 1. One condition per line."""

from __future__ import annotations

from qc_portal.models import Department
from qc_portal.roles import STAFF_ROLES, Role, has_role, roles_of
from qc_portal.scoping import can_see_branch, staff_profile


def can_serve_at(user, branch) -> bool:
    """Service agents run the counter / phone flow at their own branch."""
    profile = staff_profile(user)
    return (
        has_role(user, Role.SERVICE_AGENT)
        and profile is not None
        and profile.branch_id == branch.pk
    )


def can_manage_branch_service(user, branch) -> bool:
    """Branch pages: the branch's manager; head office and auditors read every branch."""
    if has_role(user, Role.HEAD_OFFICE, Role.AUDITOR):
        return True
    return has_role(user, Role.BRANCH_MANAGER) and can_see_branch(user, branch)


def can_view_service_pages(user) -> bool:
    return has_role(user, Role.BRANCH_MANAGER, Role.HEAD_OFFICE, Role.AUDITOR)


def can_edit_standards(user) -> bool:
    """Standards belong to the customer-service department: its staff above agent level,
    and branch managers. Read-only roles never edit."""
    if has_role(user, Role.HEAD_OFFICE, Role.AUDITOR) and not has_role(user, Role.BRANCH_MANAGER):
        return False
    if has_role(user, Role.BRANCH_MANAGER):
        return True
    profile = staff_profile(user)
    other_staff_roles = roles_of(user) & STAFF_ROLES - {Role.SERVICE_AGENT}
    return bool(
        profile is not None
        and profile.department.code == Department.Code.CUSTOMER_SERVICE
        and other_staff_roles
    )


def can_use_staffing_calculator(user) -> bool:
    return bool(roles_of(user) & STAFF_ROLES)
