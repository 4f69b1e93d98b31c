from django.utils.translation import gettext_lazy as _

from qc_portal.nav import NavItem
from qc_portal.roles import Role

NAV_ITEMS = [
    NavItem(_("Ask the assistant"), "assistant:chat", roles=frozenset({Role.CUSTOMER}), order=30),
    NavItem(
        _("Chat hand-overs"),
        "assistant:handovers",
        roles=frozenset({Role.SERVICE_AGENT, Role.BRANCH_MANAGER}),
        order=35,
    ),
    NavItem(
        _("Assistant curation"),
        "assistant:curation",
        roles=frozenset({Role.SERVICE_AGENT, Role.BRANCH_MANAGER}),
        order=36,
    ),
]
