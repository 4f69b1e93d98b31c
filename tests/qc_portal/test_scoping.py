"""What a user may see: branches, staff and customers, through qc_portal.scoping only."""

import pytest

from qc_portal.models import Branch, Customer, StaffProfile
from qc_portal.scoping import (
    can_see_branch,
    customer_of,
    scope_to_branches,
    sees_all_branches,
    staff_profile,
    visible_branches,
    visible_customers,
    visible_staff,
)
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

BANK_WIDE = [
    "head_office",
    "auditor",
    "risk_manager",
    "risk_initial",
    "risk_review",
    "risk_final",
    "integration_admin",
    "hr_trainer",
]
BRANCH_SCOPED = ["branch_manager", "service_agent", "relationship_manager"]


@pytest.fixture
def staff_at_both(branch_manager, other_branch_manager, service_agent, other_service_agent):
    return [branch_manager, other_branch_manager, service_agent, other_service_agent]


def test_branch_manager_sees_only_own_branch_staff(branch_manager, staff_at_both, branch):
    staff = visible_staff(branch_manager)
    assert {p.branch_id for p in staff} == {branch.pk}
    assert staff.count() == 2


def test_branch_manager_cannot_read_other_branch_staff_by_id(
    branch_manager, other_branch_manager, other_service_agent
):
    outsider = other_service_agent.staff_profile
    assert not visible_staff(branch_manager).filter(pk=outsider.pk).exists()


def test_branch_manager_sees_own_branch_customers_only(
    branch_manager, customer, other_customer, branch
):
    assert list(visible_customers(branch_manager)) == [customer.customer]


def test_customer_sees_only_own_record(customer, other_customer):
    assert list(visible_customers(customer)) == [customer.customer]
    assert not visible_customers(customer).filter(pk=other_customer.customer.pk).exists()


def test_customer_sees_no_branch_and_no_staff(customer, branch_manager):
    assert not visible_branches(customer).exists()
    assert not visible_staff(customer).exists()
    assert not can_see_branch(customer, branch_manager.staff_profile.branch)


def test_customer_role_without_customer_record_sees_nothing(db):
    user = UserFactory(roles=["customer"])
    CustomerFactory()
    assert not visible_customers(user).exists()
    assert customer_of(user) is None


@pytest.mark.parametrize("role", BANK_WIDE)
def test_bank_wide_roles_see_every_branch_staff_and_customer(
    request, role, staff_at_both, customer, other_customer
):
    user = request.getfixturevalue(role)
    assert sees_all_branches(user)
    assert visible_branches(user).count() == Branch.objects.count() == 2
    assert visible_customers(user).count() == Customer.objects.count() == 2
    assert visible_staff(user).count() == StaffProfile.objects.count()


@pytest.mark.parametrize("role", BRANCH_SCOPED)
def test_branch_scoped_roles_see_their_branch_only(
    request, role, branch, other_branch, staff_at_both
):
    user = request.getfixturevalue(role)
    assert not sees_all_branches(user)
    assert list(visible_branches(user)) == [branch]
    assert can_see_branch(user, branch)
    assert can_see_branch(user, branch.pk)
    assert not can_see_branch(user, other_branch)
    assert not can_see_branch(user, None)


def test_user_without_role_sees_nothing(no_role_user, staff_at_both, customer):
    assert not visible_branches(no_role_user).exists()
    assert not visible_customers(no_role_user).exists()
    assert not visible_staff(no_role_user).exists()
    assert not can_see_branch(no_role_user, customer.customer.home_branch)


def test_staff_profile_without_a_role_sees_nothing(no_role_user, branch, customer):
    """A profile alone (a leaver whose roles were removed) opens nothing."""
    from tests.factories import StaffProfileFactory

    StaffProfileFactory(user=no_role_user, branch=branch)
    assert staff_profile(no_role_user) is not None
    assert not visible_branches(no_role_user).exists()
    assert not visible_customers(no_role_user).exists()


def test_staff_role_without_profile_sees_nothing(db, customer):
    """A branch role with no branch to be scoped to fails closed, not open."""
    user = UserFactory(roles=["branch_manager"])
    assert not visible_branches(user).exists()
    assert not visible_customers(user).exists()
    assert not visible_staff(user).exists()


def test_anonymous_sees_nothing(staff_at_both, customer):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert staff_profile(anonymous) is None
    assert not visible_branches(anonymous).exists()
    assert not visible_customers(anonymous).exists()
    assert not visible_staff(anonymous).exists()


def test_scope_to_branches_narrows_any_queryset_by_a_named_field(
    branch_manager, head_office, customer, other_customer
):
    customers = Customer.objects.all()
    assert list(scope_to_branches(customers, branch_manager, field="home_branch")) == [
        customer.customer
    ]
    assert scope_to_branches(customers, head_office, field="home_branch").count() == 2
