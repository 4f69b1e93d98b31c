from django.utils.translation import gettext_lazy as _

from kpis.permissions import DASHBOARD_ROLES
from qc_portal.nav import NavItem
from qc_portal.roles import Role

NAV_ITEMS = [
    NavItem(_("Dashboard"), "kpis:overview", roles=DASHBOARD_ROLES, order=10),
    NavItem(
        _("Branch comparison"),
        "kpis:branches",
        roles=frozenset({Role.HEAD_OFFICE, Role.AUDITOR, Role.RISK_MANAGER}),
        order=11,
    ),
    NavItem(_("Programme plan"), "kpis:plan", roles=DASHBOARD_ROLES, order=12),
]
ROLE_HOMES = {
    Role.BRANCH_MANAGER: "kpis:overview",
    Role.HEAD_OFFICE: "kpis:overview",
    Role.AUDITOR: "kpis:overview",
}
