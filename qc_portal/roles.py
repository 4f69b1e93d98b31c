"""The roles of DESIGN.md §1. Each is a Django group, created by a data migration."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    SERVICE_AGENT = "service_agent", _("Service agent")
    BRANCH_MANAGER = "branch_manager", _("Branch manager")
    RELATIONSHIP_MANAGER = "relationship_manager", _("Relationship manager")
    RISK_INITIAL = "risk_initial", _("Initial reviewer")
    RISK_REVIEW = "risk_review", _("Second reviewer")
    RISK_FINAL = "risk_final", _("Final approver")
    RISK_MANAGER = "risk_manager", _("Risk manager")
    INTEGRATION_ADMIN = "integration_admin", _("Integration administrator")
    HR_TRAINER = "hr_trainer", _("HR trainer")
    HEAD_OFFICE = "head_office", _("Head office")
    AUDITOR = "auditor", _("Auditor")


STAFF_ROLES = frozenset(Role) - {Role.CUSTOMER}
RISK_OFFICER_ROLES = frozenset({Role.RISK_INITIAL, Role.RISK_REVIEW, Role.RISK_FINAL})
# Roles whose work spans the whole bank (DESIGN.md §1 "sees" column).
BANK_WIDE_ROLES = frozenset(
    {
        Role.HEAD_OFFICE,
        Role.AUDITOR,
        Role.RISK_MANAGER,
        Role.RISK_INITIAL,
        Role.RISK_REVIEW,
        Role.RISK_FINAL,
        Role.INTEGRATION_ADMIN,
        Role.HR_TRAINER,
    }
)
READ_ONLY_ROLES = frozenset({Role.HEAD_OFFICE, Role.AUDITOR})


def roles_of(user) -> frozenset[str]:
    """The user's roles, read once per request object and cached on it."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_qc_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) & frozenset(Role.values)
        user._qc_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


# Model permissions each role's group holds (used by the admin). Granted after every migrate,
# because permissions only exist once their app's models are migrated.
GROUP_PERMISSIONS = {
    Role.AUDITOR: [
        "qc_portal.view_auditevent",
        "qc_portal.view_branch",
        "qc_portal.view_alert",
        "qc_portal.view_department",
        "qc_portal.view_staffprofile",
    ],
    Role.HEAD_OFFICE: [
        "qc_portal.view_branch",
        "qc_portal.view_department",
        "qc_portal.view_alert",
        "qc_portal.view_staffprofile",
    ],
}


def sync_group_permissions(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    for role, names in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
