"""Two-factor authentication (TOTP, django-otp) for risk roles, integration admins and the
admin site; recovery codes; the demo's pre-enrolled logins. The test settings switch the
requirement off for everyone else's tests (force_login); here it is on."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qc_portal.demo import DEMO_PASSWORD, DEMO_TOTP_KEY, DEMO_TOTP_SECRET
from qc_portal.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_factor_on")]


@pytest.fixture
def two_factor_on(settings):
    settings.QC_REQUIRE_2FA = True


def code_for(device, at=None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at.timestamp()
    return f"{totp.token():06d}"


def enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def sign_in(client, username, password=PASSWORD, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


@pytest.mark.parametrize(
    "role", ["risk_initial", "risk_review", "risk_final", "risk_manager", "integration_admin"]
)
def test_these_roles_must_give_a_code_after_the_password(request, client, role):
    user = request.getfixturevalue(role)
    enrol(user)
    response = sign_in(client, user.username, next_url="/alerts/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/verify/?next=%2Falerts%2F"
    # Until then every page sends them back to the code page.
    assert client.get("/alerts/")["Location"].startswith("/accounts/2fa/verify/")


@pytest.mark.parametrize(
    "role", ["branch_manager", "service_agent", "head_office", "auditor", "customer"]
)
def test_other_roles_sign_in_with_the_password_alone(request, client, role):
    user = request.getfixturevalue(role)
    response = sign_in(client, user.username)
    assert response.status_code == 302
    assert not response["Location"].startswith("/accounts/2fa/")


def test_first_sign_in_enrols_then_shows_recovery_codes_once(client, risk_final, security_log):
    response = sign_in(client, "risk_final")
    assert response["Location"].startswith("/accounts/2fa/?next=")
    page = client.get(response["Location"])
    assert page.status_code == 200
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    assert "otpauth://totp/" in page.content.decode()
    assert "<svg" in page.content.decode()  # the QR code, inline, no script
    device = TOTPDevice.objects.get(user=risk_final, confirmed=False)
    assert secret == __import__("base64").b32encode(device.bin_key).decode().rstrip("=")

    wrong = client.post("/accounts/2fa/", {"token": "000000"})
    assert wrong.status_code == 200 and "error" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):
        confirmed = client.post("/accounts/2fa/", {"token": code_for(device), "next": "/"})
    assert confirmed.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", confirmed.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=risk_final).count() == 10
    assert AuditEvent.objects.filter(action="auth.two_factor_enrolled").count() == 1
    # Verified now: the portal opens.
    assert client.get("/").status_code in (200, 302)
    assert not client.get("/alerts/").get("Location", "").startswith("/accounts/2fa/")
    assert len(security_log.events("two_factor_failed")) == 1
    assert len(security_log.events("two_factor_enrolled")) == 1


def test_a_code_signs_in_and_a_wrong_one_does_not(client, risk_initial, security_log):
    device = enrol(risk_initial)
    sign_in(client, "risk_initial", next_url="/alerts/")
    response = client.post("/accounts/2fa/verify/", {"token": "123456", "next": "/alerts/"})
    assert response.status_code == 200
    assert client.get("/alerts/").status_code == 302
    later = timezone.now() + timedelta(seconds=10)  # past the throttle after one failure
    with time_machine.travel(later, tick=False):
        response = client.post(
            "/accounts/2fa/verify/", {"token": code_for(device, later), "next": "/alerts/"}
        )
        assert response.status_code == 302 and response["Location"] == "/alerts/"
        assert client.get("/alerts/").status_code == 200
    assert len(security_log.events("two_factor_failed")) == 1
    verified = security_log.events("two_factor_verified")
    assert len(verified) == 1 and verified[0]["method"] == "totp"
    assert verified[0]["user"] == "risk_initial"


def test_a_code_cannot_be_replayed(client_from, risk_initial):
    device = enrol(risk_initial)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        code = code_for(device, now)
        first = client_from("127.0.0.2")
        sign_in(first, "risk_initial")
        assert first.post("/accounts/2fa/verify/", {"token": code}).status_code == 302
        second = client_from("127.0.0.3")
        sign_in(second, "risk_initial")
        assert second.post("/accounts/2fa/verify/", {"token": code}).status_code == 200


def test_a_recovery_code_works_once(client_from, risk_manager, security_log):
    enrol(risk_manager)
    device = risk_manager.staticdevice_set.create(name="recovery codes")
    device.token_set.create(token="abcd2345efgh")
    first = client_from("127.0.0.2")
    sign_in(first, "risk_manager")
    assert first.post("/accounts/2fa/verify/", {"token": "abcd2345efgh"}).status_code == 302
    assert security_log.events("two_factor_verified")[0]["method"] == "recovery_code"
    later = timezone.now() + timedelta(seconds=5)
    with time_machine.travel(later, tick=False):
        second = client_from("127.0.0.3")
        sign_in(second, "risk_manager")
        assert second.post("/accounts/2fa/verify/", {"token": "abcd2345efgh"}).status_code == 200


def test_new_recovery_codes_replace_the_old_ones(client, risk_manager):
    device = enrol(risk_manager)
    sign_in(client, "risk_manager")
    client.post("/accounts/2fa/verify/", {"token": code_for(device)})
    status = client.get("/accounts/2fa/")
    assert status.status_code == 200
    response = client.post("/accounts/2fa/recovery-codes/")
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    assert set(
        StaticToken.objects.filter(device__user=risk_manager).values_list("token", flat=True)
    ) == set(codes)


def test_recovery_codes_cannot_be_regenerated_before_verification(client, risk_manager):
    enrol(risk_manager)
    sign_in(client, "risk_manager")
    response = client.post("/accounts/2fa/recovery-codes/")
    assert response.status_code == 302
    assert not StaticToken.objects.filter(device__user=risk_manager).exists()


def test_an_unverified_session_gets_403_from_the_api(client, risk_initial, api_as):
    enrol(risk_initial)
    sign_in(client, "risk_initial")
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"
    # A token obtained with the code (force_authenticate stands for it) is not affected.
    assert api_as(risk_initial).get("/api/v1/me/").status_code == 200


def test_a_force_logged_in_risk_session_is_not_verified(client, risk_initial):
    client.force_login(risk_initial)
    response = client.get("/alerts/")
    assert response["Location"].startswith("/accounts/2fa/?next=")  # no device yet: enrol


def test_the_api_token_needs_the_code_for_these_roles(api, risk_final, customer):
    device = enrol(risk_final)
    url = "/api/v1/auth/token/"
    response = api.post(url, {"username": "risk_final", "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert "otp" in response.json()["errors"]
    response = api.post(
        url,
        {"username": "risk_final", "password": PASSWORD, "otp": code_for(device)},
        format="json",
    )
    assert response.status_code == 201
    # A customer needs no code.
    response = api.post(url, {"username": "customer", "password": PASSWORD}, format="json")
    assert response.status_code == 201


def test_the_admin_needs_staff_and_a_verified_session(client, no_role_user):
    no_role_user.is_staff = True
    no_role_user.is_superuser = True
    no_role_user.save()
    device = enrol(no_role_user)
    # The admin's own login page is the portal's (lock-out, second factor).
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    response = sign_in(client, "nobody", next_url="/admin/")
    assert response["Location"].startswith("/accounts/2fa/verify/")
    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/verify/")
    client.post("/accounts/2fa/verify/", {"token": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_a_non_staff_user_cannot_open_the_admin(client, branch_manager):
    client.force_login(branch_manager)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_requirement_can_be_switched_off(client, risk_initial, settings):
    settings.QC_REQUIRE_2FA = False
    response = sign_in(client, "risk_initial")
    assert not response["Location"].startswith("/accounts/2fa/")


# --- the demo ------------------------------------------------------------------------


@override_settings(DEBUG=True)
def test_demo_logins_with_2fa_are_pre_enrolled_and_the_demo_shows_the_code(client):
    call_command("seed_demo", scale="small", only=[])
    enrolled = set(
        TOTPDevice.objects.filter(key=DEMO_TOTP_KEY).values_list("user__username", flat=True)
    )
    assert enrolled == {
        "admin",
        "integration_admin",
        "risk_final",
        "risk_initial",
        "risk_manager",
        "risk_review",
    }
    assert DEMO_TOTP_KEY == __import__("base64").b32decode(DEMO_TOTP_SECRET).hex()
    response = client.post(
        "/accounts/login/", {"username": "risk_final", "password": DEMO_PASSWORD}
    )
    page = client.get(response["Location"]).content.decode()
    code = re.search(r'id="demo-code">(\d{6})<', page).group(1)
    response = client.post("/accounts/2fa/verify/", {"token": code})
    assert response.status_code == 302
    assert client.get("/", follow=True).status_code == 200


def test_production_never_shows_the_demo_code(client, risk_final):
    TOTPDevice.objects.create(user=risk_final, name="demo", key=DEMO_TOTP_KEY, confirmed=True)
    sign_in(client, "risk_final")
    page = client.get("/accounts/2fa/verify/").content.decode()
    assert "demo-code" not in page


def test_the_code_page_shows_no_menu_before_the_code(client, risk_review):
    device = enrol(risk_review)
    sign_in(client, "risk_review")
    page = client.get("/accounts/2fa/verify/").content.decode()
    assert 'class="mainnav"' not in page and 'class="bell' not in page
    client.post("/accounts/2fa/verify/", {"token": code_for(device)})
    page = client.get("/alerts/").content.decode()
    assert 'class="mainnav"' in page
