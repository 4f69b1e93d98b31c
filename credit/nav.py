from django.utils.translation import gettext_lazy as _

from qc_portal.nav import NavItem
from qc_portal.roles import Role

OFFICERS = frozenset({Role.RISK_INITIAL, Role.RISK_REVIEW, Role.RISK_FINAL})
CREDIT_READERS = frozenset({Role.RISK_MANAGER, Role.HEAD_OFFICE, Role.AUDITOR})

NAV_ITEMS = [
    NavItem(_("Approval queue"), "credit:queue", roles=OFFICERS | {Role.RISK_MANAGER}, order=30),
    NavItem(
        _("Credit applications"),
        "credit:applications",
        roles=OFFICERS | CREDIT_READERS | {Role.RELATIONSHIP_MANAGER},
        order=31,
    ),
    NavItem(
        _("Submit application"),
        "credit:submit",
        roles=frozenset({Role.RELATIONSHIP_MANAGER}),
        order=32,
    ),
    NavItem(
        _("Loan book"), "credit:loans", roles=CREDIT_READERS | {Role.RELATIONSHIP_MANAGER}, order=33
    ),
    NavItem(_("NPL analysis"), "credit:npl", roles=CREDIT_READERS, order=34),
    NavItem(_("Credit review"), "credit:reviews", roles=CREDIT_READERS, order=35),
    NavItem(_("Credit policy"), "credit:policy", roles=CREDIT_READERS, order=36),
]
ROLE_HOMES = {
    Role.RISK_INITIAL: "credit:queue",
    Role.RISK_REVIEW: "credit:queue",
    Role.RISK_FINAL: "credit:queue",
    Role.RISK_MANAGER: "credit:npl",
    Role.RELATIONSHIP_MANAGER: "credit:applications",
}
