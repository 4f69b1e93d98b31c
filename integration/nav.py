from django.utils.translation import pgettext_lazy

from qc_portal.nav import NavItem
from qc_portal.roles import Role

VIEWERS = frozenset({Role.INTEGRATION_ADMIN, Role.HEAD_OFFICE, Role.AUDITOR})

NAV_ITEMS = [
    NavItem(
        pgettext_lazy("integration", "Sync health"), "integration:health", roles=VIEWERS, order=40
    ),
    NavItem(
        pgettext_lazy("integration", "Data sharing"),
        "integration:datasets",
        roles=VIEWERS,
        order=41,
    ),
]
ROLE_HOMES = {Role.INTEGRATION_ADMIN: "integration:health"}
