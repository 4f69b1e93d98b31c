"""What a user may see. Every queryset in every app is narrowed here *before* it is filtered
by request parameters, so guessing another branch's or customer's id finds nothing."""

from __future__ import annotations

from django.db.models import Model, QuerySet

from qc_portal.models import Branch, Customer, StaffProfile
from qc_portal.roles import BANK_WIDE_ROLES, STAFF_ROLES, Role, roles_of


def staff_profile(user) -> StaffProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return None


def customer_of(user) -> Customer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.customer
    except Customer.DoesNotExist:
        return None


def sees_all_branches(user) -> bool:
    return bool(roles_of(user) & BANK_WIDE_ROLES)


def visible_branches(user) -> QuerySet[Branch]:
    """Bank-wide roles see every branch; other staff see their own; customers and users
    without a role see none."""
    if sees_all_branches(user):
        return Branch.objects.all()
    profile = staff_profile(user)
    if profile is not None and roles_of(user) & STAFF_ROLES:
        return Branch.objects.filter(pk=profile.branch_id)
    return Branch.objects.none()


def can_see_branch(user, branch: Branch | int | None) -> bool:
    if branch is None:
        return False
    branch_id = branch.pk if isinstance(branch, Model) else branch
    if sees_all_branches(user):
        return True
    profile = staff_profile(user)
    return bool(profile and roles_of(user) & STAFF_ROLES and profile.branch_id == branch_id)


def scope_to_branches(queryset: QuerySet, user, field: str = "branch") -> QuerySet:
    """Narrow any queryset with a branch foreign key to the user's branches."""
    if sees_all_branches(user):
        return queryset
    profile = staff_profile(user)
    if profile is None or not roles_of(user) & STAFF_ROLES:
        return queryset.none()
    return queryset.filter(**{f"{field}_id": profile.branch_id})


def visible_customers(user) -> QuerySet[Customer]:
    """A customer sees their own record; staff see the customers of their branches."""
    roles = roles_of(user)
    if roles & STAFF_ROLES:
        return scope_to_branches(Customer.objects.all(), user, field="home_branch")
    if Role.CUSTOMER in roles and (customer := customer_of(user)) is not None:
        return Customer.objects.filter(pk=customer.pk)
    return Customer.objects.none()


def visible_staff(user) -> QuerySet[StaffProfile]:
    if not roles_of(user) & STAFF_ROLES:
        return StaffProfile.objects.none()
    return scope_to_branches(StaffProfile.objects.select_related("branch", "department"), user)
