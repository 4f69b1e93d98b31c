from django.utils.translation import gettext_lazy as _

from qc_portal.nav import NavItem
from qc_portal.roles import Role
from transparency.permissions import CASE_READER_ROLES, INQUIRY_ROLES

NAV_ITEMS = [
    NavItem(
        _("My applications"), "transparency:my-cases", roles=frozenset({Role.CUSTOMER}), order=10
    ),
    NavItem(_("Manuals"), "transparency:manuals", roles=frozenset({Role.CUSTOMER}), order=60),
    NavItem(_("Cases"), "transparency:cases", roles=frozenset(CASE_READER_ROLES), order=30),
    NavItem(
        _("Progress inquiry"), "transparency:inquiry-new", roles=frozenset(INQUIRY_ROLES), order=31
    ),
    NavItem(
        _("Overdue steps"),
        "transparency:overdue",
        roles=frozenset({Role.BRANCH_MANAGER, Role.HEAD_OFFICE, Role.AUDITOR}),
        order=32,
    ),
]
ROLE_HOMES = {Role.CUSTOMER: "transparency:my-cases"}
