"""Sign-in protection: lock-out per username + address (django-axes), Argon2 hashing,
password strength by role, idle and absolute session limits."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from qc_portal.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LIMIT = 5


def sign_in(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


# --- lock-out --------------------------------------------------------------------------


def test_the_failure_limit_locks_that_username_from_that_address(
    client_from, branch_manager, security_log
):
    attacker = client_from("127.0.0.2")
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    for _attempt in range(LIMIT - 1):
        response = sign_in(attacker, "branch_manager", "wrong-password-1")
        assert response.status_code == 200  # the form again, "wrong username or password"
    response = sign_in(attacker, "branch_manager", "wrong-password-1")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in is locked for 15 minutes" in page or "登录已锁定 15 分钟" in page

    # Locked: even the right password is refused, and nothing says it was right.
    response = sign_in(attacker, "branch_manager", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in attacker.session

    # Exactly one event per attempt: 5 failures, the 5th also locks; the 6th is blocked.
    assert len(security_log.events("login_failed")) == LIMIT
    locked = security_log.events("login_locked_out")
    assert [event["blocked"] for event in locked] == [False, True]
    assert {event["user"] for event in locked} == {"branch_manager"}
    assert {event["ip"] for event in locked} == {"127.0.0.2"}
    assert not security_log.events("login_succeeded")
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == LIMIT
    assert AuditEvent.objects.filter(action="auth.sign_in_locked_out").count() == 2


def test_the_lock_holds_only_that_pair_and_only_for_the_cool_off(client_from, branch_manager):
    attacker = client_from("127.0.0.2")
    for _attempt in range(LIMIT):
        sign_in(attacker, "branch_manager", "wrong-password-1")
    # The real person at their own desk still gets in, and the attacker's address may still
    # try other names (the lock is per username + address).
    assert sign_in(client_from("127.0.0.3"), "branch_manager", PASSWORD).status_code == 302
    assert sign_in(attacker, "nobody-else", "whatever-123").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=14), tick=False):
        assert sign_in(attacker, "branch_manager", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        assert sign_in(attacker, "branch_manager", PASSWORD).status_code == 302


def test_one_below_the_limit_is_not_locked_and_success_resets_the_count(
    client_from, branch_manager
):
    client = client_from("127.0.0.2")
    for _attempt in range(LIMIT - 1):
        sign_in(client, "branch_manager", "wrong-password-1")
    assert sign_in(client, "branch_manager", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _attempt in range(LIMIT - 1):
        assert sign_in(client, "branch_manager", "wrong-password-1").status_code == 200
    assert sign_in(client, "branch_manager", PASSWORD).status_code == 302


def test_the_api_token_endpoint_counts_and_locks_too(api, customer, security_log):
    url = "/api/v1/auth/token/"
    for _attempt in range(LIMIT - 1):
        response = api.post(url, {"username": "customer", "password": "wrong"}, format="json")
        assert response.status_code == 400
    response = api.post(url, {"username": "customer", "password": "wrong"}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert int(response["Retry-After"]) == 15 * 60
    response = api.post(url, {"username": "customer", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert len(security_log.events("login_failed")) == LIMIT
    assert len(security_log.events("login_locked_out")) == 2


def test_the_web_form_and_the_api_share_the_count(client_from, api, customer):
    web = client_from("127.0.0.1")
    for _attempt in range(LIMIT - 1):
        sign_in(web, "customer", "wrong")
    response = api.post(
        "/api/v1/auth/token/", {"username": "customer", "password": "wrong"}, format="json"
    )
    assert response.status_code == 429


# --- passwords -------------------------------------------------------------------------


def test_argon2_is_the_default_hasher_in_production_settings():
    from qc_portal.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        from django.contrib.auth.hashers import make_password

        assert make_password("a long passphrase").startswith("argon2$argon2id$")


def test_an_old_pbkdf2_hash_still_signs_in_and_is_upgraded(client, branch_manager):
    from qc_portal.settings import base

    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS[1:]):
        branch_manager.set_password("an older passphrase")
        branch_manager.save()
    assert branch_manager.password.startswith("pbkdf2_sha256$")
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        assert sign_in(client, "branch_manager", "an older passphrase").status_code == 302
    branch_manager.refresh_from_db()
    assert branch_manager.password.startswith("argon2$")


@pytest.mark.parametrize(
    ("who", "password", "ok"),
    [
        ("branch_manager", "Quality-11ch", True),  # exactly 12
        ("branch_manager", "Quality-11c", False),  # 11
        ("customer", "Harbour#", True),  # exactly 8 for a customer
        ("customer", "Harbou#", False),
        ("branch_manager", "password1234", False),  # common
        ("branch_manager", "123456789012345", False),  # numeric
    ],
)
def test_password_strength_depends_on_the_role(request, who, password, ok):
    user = request.getfixturevalue(who)
    if ok:
        validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user)


def test_an_admin_site_user_needs_twelve_characters(no_role_user):
    no_role_user.is_staff = True
    with pytest.raises(ValidationError, match="12"):
        validate_password("Quality-11c", no_role_user)


def test_the_password_change_form_applies_the_rule(client, branch_manager):
    client.force_login(branch_manager)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "Short-pw#1", "new_password2": "Short-pw#1"},
    )
    assert response.status_code == 200
    assert "12" in response.content.decode()


# --- sessions --------------------------------------------------------------------------


def test_an_idle_session_ends(client, branch_manager):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(branch_manager)
        assert client.get("/alerts/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/alerts/").status_code == 200  # activity keeps it alive
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        response = client.get("/alerts/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/alerts/")
        assert client.get("/alerts/").status_code == 302  # really signed out


def test_a_busy_session_still_ends_at_the_absolute_limit(client, branch_manager):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(branch_manager)
    minutes = 0
    while minutes + 20 < settings.QC_SESSION_ABSOLUTE_TIMEOUT // 60:
        minutes += 20
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/alerts/").status_code == 200, minutes
    with time_machine.travel(start + timedelta(minutes=8 * 60 + 1), tick=False):
        assert client.get("/alerts/").status_code == 302


def test_an_expired_session_on_the_api_is_simply_unauthenticated(api, branch_manager):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api.force_login(branch_manager)
        assert api.get("/api/v1/me/").status_code == 200
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert api.get("/api/v1/me/").status_code in (401, 403)


def test_session_limits_come_from_the_environment():
    from qc_portal.settings import base

    assert base.QC_SESSION_IDLE_TIMEOUT == 30 * 60
    assert base.QC_SESSION_ABSOLUTE_TIMEOUT == base.SESSION_COOKIE_AGE == 8 * 3600
