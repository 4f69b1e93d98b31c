"""Done-when of the foundation: every demo login reaches its role's home page."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from qc_portal.demo import DEMO_PASSWORD
from qc_portal.roles import Role

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
@pytest.mark.parametrize("username", [role.value for role in Role] + ["admin"])
def test_demo_login_reaches_its_home_page(client, username):
    call_command("seed_demo", scale="small", only=[])
    assert client.login(username=username, password=DEMO_PASSWORD)
    response = client.get("/", follow=True)
    assert response.status_code == 200, (username, response.redirect_chain)
    assert "尚未分配角色" not in response.content.decode()
