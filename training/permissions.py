"""Who may do what in training."""

from __future__ import annotations

from qc_portal.roles import STAFF_ROLES, Role, has_role, roles_of
from qc_portal.scoping import staff_profile


def is_staff_member(user) -> bool:
    """Employees with a staff role and a profile: they train, answer surveys, submit ideas."""
    return bool(roles_of(user) & STAFF_ROLES) and staff_profile(user) is not None


def can_manage_training(user) -> bool:
    """HR owns courses, plans, sessions, attendance, assessments and surveys."""
    return has_role(user, Role.HR_TRAINER)


def can_view_coverage(user) -> bool:
    """HR and bank-wide readers see every branch; a branch manager sees their own branch."""
    return has_role(user, Role.HR_TRAINER, Role.HEAD_OFFICE, Role.AUDITOR, Role.BRANCH_MANAGER)


def can_view_survey_results(user) -> bool:
    """Survey results go to HR only, and only in aggregate."""
    return has_role(user, Role.HR_TRAINER)


def can_view_course_report(user) -> bool:
    return has_role(user, Role.HR_TRAINER, Role.HEAD_OFFICE, Role.AUDITOR)


def can_review_idea(user, idea) -> bool:
    """HR reviews any idea; a department head reviews ideas from their own department and
    branch. The portal has no "department head" role: the branch manager heads the branch's
    departments and the risk manager heads the risk department (bank-wide)."""
    if has_role(user, Role.HR_TRAINER):
        return True
    profile = staff_profile(user)
    if profile is None or idea.author_id == user.pk:
        return False
    if has_role(user, Role.BRANCH_MANAGER) and profile.branch_id == idea.branch_id:
        return True
    return has_role(user, Role.RISK_MANAGER) and idea.department.code == "risk"
