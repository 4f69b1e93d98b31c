from django.utils.translation import gettext_lazy as _

from qc_portal.nav import NavItem
from qc_portal.roles import Role

VIEWERS = frozenset({Role.INTEGRATION_ADMIN, Role.HEAD_OFFICE, Role.AUDITOR})

NAV_ITEMS = [
    NavItem(_("Sync health"), "integration:health", roles=VIEWERS, order=40),
    NavItem(_("Data sharing"), "integration:datasets", roles=VIEWERS, order=41),
]
ROLE_HOMES = {Role.INTEGRATION_ADMIN: "integration:health"}
