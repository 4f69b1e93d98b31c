"""seed_demo: the demo bank's organisation, deterministic and safe to run twice."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from qc_portal.demo import DEMO_PASSWORD, ROLE_STAFF
from qc_portal.models import Branch, Customer, StaffProfile
from qc_portal.roles import Role, roles_of

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "branches": Branch.objects.count(),
        "staff": StaffProfile.objects.count(),
        "customers": Customer.objects.count(),
        "linked_customers": Customer.objects.filter(user__isnull=False).count(),
    }


@override_settings(DEBUG=True)
def test_seed_demo_twice_gives_the_same_organisation():
    call_command("seed_demo", scale="small", only=[])
    first = counts()
    call_command("seed_demo", scale="small", only=[])
    assert counts() == first
    assert first["branches"] == 4
    assert first["customers"] == 4 * 40
    assert first["linked_customers"] == 1


@override_settings(DEBUG=True)
def test_one_demo_login_per_role_named_after_it():
    from django.contrib.auth import authenticate

    call_command("seed_demo", scale="small", only=[])
    User = get_user_model()
    for role in Role:
        user = User.objects.get(username=role.value)
        assert roles_of(user) == {role.value}
        assert authenticate(username=role.value, password=DEMO_PASSWORD) == user
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert Customer.objects.get(user__username="customer")
    for role in ROLE_STAFF:
        assert StaffProfile.objects.filter(user__username=role.value).exists()


@override_settings(DEBUG=True)
def test_demo_is_deterministic_for_a_seed():
    call_command("seed_demo", scale="small", only=[], seed=7)
    names = list(
        StaffProfile.objects.order_by("employee_number").values_list("full_name", flat=True)
    )
    StaffProfile.objects.all().delete()
    Customer.objects.all().delete()
    call_command("seed_demo", scale="small", only=[], seed=7)
    again = list(
        StaffProfile.objects.order_by("employee_number").values_list("full_name", flat=True)
    )
    assert again == names


@override_settings(DEBUG=True)
def test_demo_branches_are_found_by_code_not_by_age():
    """A branch created before the demo (by a test, an import) does not become demo branch 1."""
    from tests.factories import BranchFactory

    BranchFactory(code="ZZ999")
    call_command("seed_demo", scale="small", only=[])
    assert StaffProfile.objects.get(user__username="service_agent").branch.code == "BJ001"
    assert not StaffProfile.objects.filter(branch__code="ZZ999").exists()


@override_settings(DEBUG=False)
def test_seed_demo_refuses_production_settings():
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", scale="small", only=[])
    assert not Branch.objects.exists()
