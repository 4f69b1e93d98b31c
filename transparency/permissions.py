"""Who may do what with cases, inquiries and manuals."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from qc_portal.roles import Role, has_role
from qc_portal.scoping import can_see_branch, customer_of, staff_profile

# Staff who move cases along: front office at the case's branch, risk officers bank-wide
# (the credit app posts their stage decisions).
CASE_WORKER_ROLES = (
    Role.SERVICE_AGENT,
    Role.BRANCH_MANAGER,
    Role.RELATIONSHIP_MANAGER,
    Role.RISK_INITIAL,
    Role.RISK_REVIEW,
    Role.RISK_FINAL,
    Role.RISK_MANAGER,
)
CASE_READER_ROLES = (*CASE_WORKER_ROLES, Role.HEAD_OFFICE, Role.AUDITOR)
OPENER_ROLES = (Role.SERVICE_AGENT, Role.BRANCH_MANAGER, Role.RELATIONSHIP_MANAGER)
INQUIRY_ROLES = (Role.SERVICE_AGENT, Role.BRANCH_MANAGER, Role.RELATIONSHIP_MANAGER)


def can_work_at(user, branch) -> bool:
    """May open or move cases at `branch`. `None` is the system (an inbound record, a job)."""
    if user is None:
        return True
    return has_role(user, *CASE_WORKER_ROLES) and can_see_branch(user, branch)


def can_work_case(user, case) -> bool:
    return can_work_at(user, case.branch_id)


def work_branch(user):
    """The branch where a front-office user opens cases (their own), or None."""
    profile = staff_profile(user)
    if profile is None or not has_role(user, *OPENER_ROLES):
        return None
    return profile.branch


def can_read_cases(user) -> bool:
    return has_role(user, *CASE_READER_ROLES)


def can_record_inquiry(user, case) -> bool:
    if user is None:
        return True
    return has_role(user, *INQUIRY_ROLES) and can_see_branch(user, case.branch_id)


def can_see_overdue_board(user) -> bool:
    return has_role(user, Role.BRANCH_MANAGER, Role.HEAD_OFFICE, Role.AUDITOR)


def can_publish_manuals(user) -> bool:
    return has_role(user, Role.HEAD_OFFICE, Role.BRANCH_MANAGER, Role.RISK_MANAGER) or bool(
        getattr(user, "is_superuser", False)
    )


def is_customer(user) -> bool:
    return has_role(user, Role.CUSTOMER) and customer_of(user) is not None


class IsCustomer(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_customer(request.user)
