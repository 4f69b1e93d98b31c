"""Response headers (CSP with nonces, frame denial, referrer and permissions policies) and
the deploy checks that keep demo credentials out of production."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django_otp.plugins.otp_totp.models import TOTPDevice

from qc_portal.checks import check_no_demo_credentials
from qc_portal.demo import DEMO_PASSWORD, DEMO_TOTP_KEY
from tests.factories import UserFactory, make_staff

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "qc_portal",
    "services",
    "transparency",
    "credit",
    "integration",
    "training",
    "assistant",
    "kpis",
]


def csp_of(response) -> dict[str, list[str]]:
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


@pytest.mark.parametrize("path", ["/accounts/login/", "/track/", "/alerts/", "/api/v1/me/"])
def test_every_response_carries_the_security_headers(client, branch_manager, path):
    client.force_login(branch_manager)
    response = client.get(path)
    policy = csp_of(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_nonce_is_fresh_per_request_and_matches_the_page(client, head_office):
    """A page with an inline script names the nonce of its own response's header."""
    from kpis.models import KpiDefinition  # noqa: F401 - the dashboard's app is installed

    client.force_login(head_office)
    nonces = set()
    for _n in range(2):
        response = client.get("/accounts/login/")
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        if nonce:
            nonces.add(nonce.group(1))
    assert len(nonces) in (0, 2)  # never reused


def _templates():
    for app in APPS:
        yield from sorted((ROOT / app / "templates").rglob("*.html"))


def test_no_template_has_an_inline_event_handler():
    offenders = []
    for path in _templates():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\son[a-z]+\s*=\s*[\"']", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_every_inline_script_carries_the_request_nonce():
    offenders = []
    for path in _templates():
        for match in re.finditer(r"<script\b([^>]*)>", path.read_text()):
            attributes = match.group(1)
            if "src=" in attributes or 'type="application/json"' in attributes:
                continue  # external file, or data (never executed)
            if 'nonce="{{ request.csp_nonce }}"' not in attributes:
                offenders.append(f"{path.relative_to(ROOT)}: <script{attributes}>")
    assert offenders == []


def test_the_language_switch_needs_no_inline_script(client):
    page = client.get("/accounts/login/").content.decode()
    assert "data-autosubmit" in page
    assert "onchange" not in page
    assert "qc_portal/portal.js" in page


# --- deploy checks ----------------------------------------------------------------------


def test_deploy_check_refuses_a_demo_login_with_the_demo_password(branch):
    user = make_staff("risk_final", branch=branch, username="risk_final")
    user.set_password(DEMO_PASSWORD)
    user.save()
    errors = check_no_demo_credentials(databases=["default"])
    assert [e.id for e in errors] == ["qc_portal.E001"]
    assert "risk_final" in errors[0].msg
    user.set_password("a real and long passphrase")
    user.save()
    assert check_no_demo_credentials(databases=["default"]) == []


def test_deploy_check_refuses_any_staff_login_with_the_demo_password(db):
    user = UserFactory(username="it.operator", is_staff=True)
    user.set_password(DEMO_PASSWORD)
    user.save()
    assert [e.id for e in check_no_demo_credentials(databases=["default"])] == ["qc_portal.E001"]
    user.is_active = False
    user.save()
    assert check_no_demo_credentials(databases=["default"]) == []


def test_deploy_check_refuses_the_demo_totp_secret(risk_final):
    TOTPDevice.objects.create(user=risk_final, name="demo", key=DEMO_TOTP_KEY, confirmed=True)
    errors = check_no_demo_credentials(databases=["default"])
    assert [e.id for e in errors] == ["qc_portal.E003"]


def test_deploy_check_reads_the_database_only_when_asked(db):
    user = UserFactory(username="admin")
    user.set_password(DEMO_PASSWORD)
    user.save()
    assert check_no_demo_credentials(databases=None) == []
    with pytest.raises(SystemCheckError, match="qc_portal.E001"):
        call_command("check", "--deploy", "--database", "default", "--fail-level", "ERROR")


def test_seed_demo_refuses_production(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", scale="small", only=[])
