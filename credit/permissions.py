"""Who may do what in credit. The approval rules themselves (four eyes, authority, training)
live in `actions.decide_stage`, where no caller can skip them; these are the role checks."""

from __future__ import annotations

from qc_portal.roles import Role, has_role

CREDIT_READERS = (Role.RISK_MANAGER, Role.HEAD_OFFICE, Role.AUDITOR)


def can_submit_application(user) -> bool:
    return has_role(user, Role.RELATIONSHIP_MANAGER)


def can_manage_policy(user) -> bool:
    return has_role(user, Role.RISK_MANAGER)


def can_classify_loans(user) -> bool:
    return has_role(user, Role.RISK_MANAGER)


def can_review_decisions(user) -> bool:
    return has_role(user, Role.RISK_MANAGER)


def can_read_all_credit(user) -> bool:
    return has_role(user, *CREDIT_READERS)


def can_update_loans_by_hand(user) -> bool:
    return has_role(user, Role.RISK_MANAGER)
