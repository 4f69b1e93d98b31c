from django.utils.translation import gettext_lazy as _

from qc_portal.nav import NavItem
from qc_portal.roles import Role

MANAGERS = frozenset({Role.BRANCH_MANAGER, Role.HEAD_OFFICE, Role.AUDITOR})

NAV_ITEMS = [
    NavItem(_("Service board"), "services:board", roles=MANAGERS, order=20),
    NavItem(_("Service report"), "services:report", roles=MANAGERS, order=21),
    NavItem(_("Peaks & staffing"), "services:staffing", roles=MANAGERS, order=22),
    NavItem(
        _("Counter & phone"), "services:console", roles=frozenset({Role.SERVICE_AGENT}), order=10
    ),
    NavItem(_("Rate a service"), "services:rate", roles=frozenset({Role.CUSTOMER}), order=30),
]
ROLE_HOMES = {
    Role.SERVICE_AGENT: "services:console",
}
