import pytest

from services import permissions
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

ROLES = [
    "branch_manager",
    "other_branch_manager",
    "service_agent",
    "other_service_agent",
    "relationship_manager",
    "risk_manager",
    "head_office",
    "auditor",
    "customer",
    "no_role_user",
]
SERVE_AT_BRANCH = {"service_agent"}
MANAGE_BRANCH = {"branch_manager", "head_office", "auditor"}
EDIT_STANDARDS = {"branch_manager", "other_branch_manager"}
CALCULATOR = set(ROLES) - {"customer", "no_role_user"}


@pytest.mark.parametrize("name", ROLES)
def test_who_may_do_what_at_a_branch(request, branch, name):
    user = request.getfixturevalue(name)
    assert permissions.can_serve_at(user, branch) is (name in SERVE_AT_BRANCH)
    assert permissions.can_manage_branch_service(user, branch) is (name in MANAGE_BRANCH)
    assert permissions.can_edit_standards(user) is (name in EDIT_STANDARDS)
    assert permissions.can_use_staffing_calculator(user) is (name in CALCULATOR)


def test_customer_service_staff_above_agent_may_edit_standards(branch):
    supervisor = make_staff(
        "relationship_manager",
        branch=branch,
        username="cs_lead",
        department_code="customer_service",
    )
    assert permissions.can_edit_standards(supervisor)
