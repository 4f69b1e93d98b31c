"""Navigation: each app lists its menu entries in its own `nav.py`:

    NAV_ITEMS = [NavItem(_("Service board"), "services:board", roles={Role.BRANCH_MANAGER}, order=20)]
    ROLE_HOMES = {Role.SERVICE_AGENT: "services:console"}

and the base template shows the entries a user's roles allow. `ROLE_HOMES` says where the
home page sends each role.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from qc_portal.roles import Role, roles_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset = field(default_factory=frozenset)
    order: int = 50

    def allows(self, roles: frozenset) -> bool:
        return bool(self.roles & roles)


NAV_ITEMS = [
    NavItem(_("Alerts"), "alerts", roles=frozenset(Role) - {Role.CUSTOMER}, order=90),
    NavItem(_("Audit trail"), "audit", roles=frozenset({Role.AUDITOR, Role.HEAD_OFFICE}), order=95),
]
ROLE_HOMES: dict[str, str] = {}


@cache
def _registry() -> tuple[list[NavItem], dict[str, str]]:
    items, homes = [], {}
    for label in settings.LOCAL_APPS:
        try:
            module = importlib.import_module(f"{label}.nav")
        except ModuleNotFoundError as error:
            if error.name != f"{label}.nav":
                raise
            continue
        items.extend(getattr(module, "NAV_ITEMS", []))
        homes.update(getattr(module, "ROLE_HOMES", {}))
    return sorted(items, key=lambda item: item.order), homes


def nav_for(user) -> list[dict]:
    roles = roles_of(user)
    entries = []
    for item in _registry()[0]:
        if not item.allows(roles):
            continue
        try:
            entries.append({"label": item.label, "url": reverse(item.url_name)})
        except NoReverseMatch:
            continue  # an app whose page is not wired yet
    return entries


# Which role's home wins when a user holds several: the most specific work first.
HOME_PRIORITY = [
    Role.RISK_FINAL,
    Role.RISK_REVIEW,
    Role.RISK_INITIAL,
    Role.RISK_MANAGER,
    Role.RELATIONSHIP_MANAGER,
    Role.SERVICE_AGENT,
    Role.INTEGRATION_ADMIN,
    Role.HR_TRAINER,
    Role.BRANCH_MANAGER,
    Role.HEAD_OFFICE,
    Role.AUDITOR,
    Role.CUSTOMER,
]


def home_url_for(user) -> str | None:
    roles = roles_of(user)
    homes = _registry()[1]
    for role in HOME_PRIORITY:
        if role in roles and role in homes:
            try:
                return reverse(homes[role])
            except NoReverseMatch:
                continue
    return None
