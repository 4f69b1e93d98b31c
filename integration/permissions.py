"""Who may do what in the integration app."""

from __future__ import annotations

from qc_portal.roles import BANK_WIDE_ROLES, READ_ONLY_ROLES, Role, has_role, roles_of
from qc_portal.scoping import staff_profile


def can_manage_integration(user) -> bool:
    """Source systems, secrets, replays, the data inventory and the sharing matrix."""
    return has_role(user, Role.INTEGRATION_ADMIN)


def can_see_inventory(user) -> bool:
    """The data inventory (API) is the bank's internal map of its data: any member of staff,
    never a customer's login."""
    return staff_profile(user) is not None and bool(roles_of(user) - {Role.CUSTOMER})


def can_view_integration(user) -> bool:
    """The integration pages: the admins, and head office / auditors read-only."""
    return can_manage_integration(user) or bool(roles_of(user) & READ_ONLY_ROLES)


def can_read_data_set(user, data_set, *, granted_department_ids: set[int] | None = None) -> bool:
    """Reading a shared data set's records through the API.

    - public: any member of staff;
    - internal: staff of the owning department or of a department granted access;
    - confidential: as internal, and the reader must also hold a bank-wide role (bulk
      confidential data goes to head-office functions, not to every branch desk).
    The grant is the sharing matrix's cell (data set, department) with access granted.
    """
    profile = staff_profile(user)
    if profile is None or not roles_of(user) - {Role.CUSTOMER}:
        return False
    if data_set.sensitivity == data_set.Sensitivity.PUBLIC:
        return True
    if granted_department_ids is None:
        granted_department_ids = set(
            data_set.grants.filter(granted_at__isnull=False).values_list("department_id", flat=True)
        )
    department_ok = (
        profile.department_id == data_set.owning_department_id
        or profile.department_id in granted_department_ids
    )
    if not department_ok:
        return False
    if data_set.sensitivity == data_set.Sensitivity.CONFIDENTIAL:
        return bool(roles_of(user) & BANK_WIDE_ROLES)
    return True
