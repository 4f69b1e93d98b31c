"""Who may do what with the assistant. One condition per line."""

from __future__ import annotations

from qc_portal.models import Department
from qc_portal.roles import Role, has_role
from qc_portal.scoping import can_see_branch, staff_profile


def can_curate(user) -> bool:
    """The FAQ belongs to the customer-service department: its service agents, and branch
    managers (who run customer service at their branch). Read-only roles never edit."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if has_role(user, Role.BRANCH_MANAGER):
        return True
    profile = staff_profile(user)
    return (
        has_role(user, Role.SERVICE_AGENT)
        and profile is not None
        and profile.department.code == Department.Code.CUSTOMER_SERVICE
    )


def can_see_handovers(user) -> bool:
    return has_role(user, Role.SERVICE_AGENT, Role.BRANCH_MANAGER)


def can_handle_handover(user, session) -> bool:
    """Agents and managers of the session's branch."""
    return can_see_handovers(user) and can_see_branch(user, session.branch_id)
