from django.utils.translation import gettext_lazy as _

from qc_portal.nav import NavItem
from qc_portal.roles import STAFF_ROLES, Role

NAV_ITEMS = [
    NavItem(_("Training plan"), "training:plan", roles=frozenset({Role.HR_TRAINER}), order=60),
    NavItem(
        _("Training coverage"),
        "training:coverage",
        roles=frozenset({Role.HR_TRAINER, Role.BRANCH_MANAGER, Role.HEAD_OFFICE, Role.AUDITOR}),
        order=61,
    ),
    NavItem(
        _("Courses"),
        "training:courses",
        roles=frozenset({Role.HR_TRAINER, Role.HEAD_OFFICE, Role.AUDITOR}),
        order=62,
    ),
    NavItem(_("Surveys"), "training:surveys", roles=frozenset({Role.HR_TRAINER}), order=63),
    NavItem(_("Employees"), "training:employees", roles=frozenset({Role.HR_TRAINER}), order=64),
    NavItem(_("My training"), "training:my", roles=frozenset(STAFF_ROLES), order=70),
    NavItem(_("Ideas"), "training:ideas", roles=frozenset(STAFF_ROLES), order=71),
]
ROLE_HOMES = {Role.HR_TRAINER: "training:plan"}
