"""Who may do what in the foundation itself."""

from rest_framework.permissions import BasePermission

from qc_portal.roles import Role, has_role

# The audit trail is read by those who check the bank, never by those it records at work.
AUDIT_TRAIL_ROLES = (Role.AUDITOR, Role.HEAD_OFFICE)


def can_browse_audit_trail(user) -> bool:
    return has_role(user, *AUDIT_TRAIL_ROLES)


class CanBrowseAuditTrail(BasePermission):
    def has_permission(self, request, view) -> bool:
        return can_browse_audit_trail(request.user)
