"""The API base: expiring, revocable tokens and one error body for every 4xx."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from qc_portal.models import ApiToken, AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"


def assert_error_body(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    for reasons in body["errors"].values():
        assert all(isinstance(reason, str) for reason in reasons)
    return body


def obtain(api, username: str, password: str = PASSWORD):
    return api.post(TOKEN_URL, {"username": username, "password": password}, format="json")


# --- tokens ---


def test_token_authenticates_the_mobile_app(api, customer):
    response = obtain(api, "customer")
    assert response.status_code == 201
    key = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = api.get(ME_URL)
    assert me.status_code == 200
    assert me.json()["username"] == "customer"
    assert me.json()["customer_number"] == customer.customer.customer_number
    assert [role["code"] for role in me.json()["roles"]] == ["customer"]


def test_only_the_hash_of_a_token_is_stored(api, customer):
    key = obtain(api, "customer").json()["token"]
    token = ApiToken.objects.get(user=customer)
    assert key not in (token.key_hash, token.prefix)
    assert token.prefix == key[:8]


def test_token_expires_after_the_configured_hours(api, customer, settings):
    settings.API_TOKEN_TTL_HOURS = 24
    response = obtain(api, "customer")
    expires_at = ApiToken.objects.get(user=customer).expires_at
    assert abs(expires_at - (timezone.now() + timedelta(hours=24))) < timedelta(minutes=1)
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    with time_machine.travel(expires_at - timedelta(seconds=1)):
        assert api.get(ME_URL).status_code == 200
    with time_machine.travel(expires_at + timedelta(seconds=1)):
        body = assert_error_body(api.get(ME_URL), 401, "token_expired")
    assert body["message"] == "令牌已过期，请重新登录。"  # Chinese by default


def test_expired_token_answer_challenges_for_a_token(api, customer):
    key = obtain(api, "customer").json()["token"]
    ApiToken.objects.filter(user=customer).update(expires_at=timezone.now())
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get(ME_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_signing_in_again_works_while_the_old_token_is_still_sent(api, customer):
    key = obtain(api, "customer").json()["token"]
    ApiToken.objects.filter(user=customer).update(expires_at=timezone.now())
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert obtain(api, "customer").status_code == 201


def test_delete_revokes_the_token_it_was_sent_with(api, customer):
    key = obtain(api, "customer").json()["token"]
    other_key = obtain(api, "customer").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete(TOKEN_URL).status_code == 204
    assert_error_body(api.get(ME_URL), 401, "token_revoked")
    api.credentials(HTTP_AUTHORIZATION=f"Token {other_key}")
    assert api.get(ME_URL).status_code == 200  # the phone's other session is untouched
    assert AuditEvent.objects.filter(action="auth.token_revoked", actor=customer).count() == 1


def test_delete_without_a_token_is_401(api, api_as, customer):
    assert_error_body(api.delete(TOKEN_URL), 401, "not_authenticated")


def test_unknown_token_is_401(api, db):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error_body(api.get(ME_URL), 401, "token_invalid")


def test_token_of_a_deactivated_user_is_refused(api, customer):
    key = obtain(api, "customer").json()["token"]
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert_error_body(api.get(ME_URL), 401, "token_invalid")


def test_wrong_password_is_400_with_the_common_body(api, customer):
    body = assert_error_body(obtain(api, "customer", "wrong"), 400, "invalid")
    assert body["errors"] == {"non_field_errors": [body["message"]]}
    assert not ApiToken.objects.exists()
    refused = AuditEvent.objects.get(action="auth.sign_in_failed")  # via Django's signal
    assert refused.actor_label == "customer"


def test_missing_fields_are_named(api, db):
    body = assert_error_body(api.post(TOKEN_URL, {}, format="json"), 400, "invalid")
    assert set(body["errors"]) == {"username", "password"}


def test_token_issue_is_audited(api, customer):
    obtain(api, "customer")
    assert AuditEvent.objects.filter(action="auth.token_issued", actor=customer).exists()


def test_token_endpoint_is_throttled(api, customer):
    from unittest import mock

    from rest_framework.throttling import ScopedRateThrottle

    # DRF binds the rates when it is imported, so the test lowers them where they live.
    with mock.patch.object(ScopedRateThrottle, "THROTTLE_RATES", {"token": "3/min"}):
        statuses = [obtain(api, "customer", "wrong").status_code for _ in range(4)]
        assert_error_body(obtain(api, "customer"), 429, "throttled")
    assert statuses == [400, 400, 400, 429]


def test_me_requires_authentication(api, db):
    response = api.get(ME_URL)
    assert_error_body(response, 401, "not_authenticated")


def test_me_describes_a_staff_member(api_as, branch_manager, branch):
    body = api_as(branch_manager).get(ME_URL).json()
    assert body["branch"] == branch.code
    assert body["customer_number"] is None
    assert body["full_name"] == branch_manager.staff_profile.full_name


def test_session_login_works_for_the_api(client, branch_manager):
    client.force_login(branch_manager)
    assert client.get(ME_URL).status_code == 200


def test_session_writes_need_the_csrf_token(branch_manager, customer):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(customer)
    # A token in hand is enough; a session cookie alone is not (cross-site request forgery).
    assert csrf_client.delete(TOKEN_URL).status_code == 401


# --- the common error body ---


@pytest.mark.urls("tests.qc_portal.error_urls")
class TestErrorBody:
    def test_serializer_errors_are_flattened_with_dotted_fields(self, api):
        response = api.post(
            "/api/v1/raise/serializer/",
            {
                "reference": "toolong",
                "items": [{"amount": 5}, {"amount": 0}],
                "address": {"x": None},
            },
            format="json",
        )
        body = assert_error_body(response, 400, "invalid")
        assert set(body["errors"]) == {"reference", "items.1.amount", "address.x"}
        assert body["message"].startswith("reference: ")

    def test_django_validation_error_with_fields(self, api):
        body = assert_error_body(api.post("/api/v1/raise/django-field/"), 400, "invalid")
        assert body["errors"] == {"amount": ["Too large."], "non_field_errors": ["Not today."]}
        assert body["message"] == "amount: Too large."

    def test_django_validation_error_without_fields(self, api):
        body = assert_error_body(api.post("/api/v1/raise/django-plain/"), 400, "invalid")
        assert body == {
            "code": "invalid",
            "message": "Not allowed in this state.",
            "errors": {"non_field_errors": ["Not allowed in this state."]},
        }

    def test_permission_denied_keeps_its_reason(self, api):
        body = assert_error_body(api.post("/api/v1/raise/permission/"), 403, "permission_denied")
        assert body["message"] == "Four eyes: you decided the previous stage."

    def test_bare_permission_denied_has_a_message(self, api):
        assert_error_body(api.post("/api/v1/raise/permission-bare/"), 403, "permission_denied")

    def test_404(self, api):
        assert_error_body(api.post("/api/v1/raise/missing/"), 404, "not_found")

    def test_405(self, api):
        assert_error_body(api.get("/api/v1/raise/conflict/"), 405, "method_not_allowed")

    def test_409(self, api):
        body = assert_error_body(api.post("/api/v1/raise/conflict/"), 409, "conflict")
        assert "刷新" in body["message"]

    def test_415(self, api):
        response = api.post("/api/v1/raise/serializer/", "x", content_type="text/csv")
        assert_error_body(response, 415, "unsupported_media_type")

    def test_400_on_malformed_json(self, api):
        response = api.post("/api/v1/raise/serializer/", "{", content_type="application/json")
        assert_error_body(response, 400, "parse_error")


def test_messages_follow_the_request_language(api, customer):
    response = api.post(
        TOKEN_URL,
        {"username": "customer", "password": "wrong"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.json()["message"] == "用户名或密码错误。"
    response = api.post(
        TOKEN_URL,
        {"username": "customer", "password": "wrong"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["message"] == "Wrong username or password."


def test_unknown_api_path_is_a_json_404(client, db):
    response = client.get("/api/v1/no-such-thing/")
    assert_error_body(response, 404, "not_found")


def test_api_schema_and_docs_are_served(client, branch_manager):
    client.force_login(branch_manager)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/token/" in paths and "/api/v1/me/" in paths
    assert client.get("/api/docs/").status_code == 200


def test_api_schema_generates_without_errors(db):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS._error_cache, list(GENERATOR_STATS._error_cache)


def test_admin_revokes_a_lost_phones_tokens(api, admin_client, admin_user, customer):
    key = obtain(api, "customer").json()["token"]
    token = ApiToken.objects.get(user=customer)
    response = admin_client.post(
        "/admin/qc_portal/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="auth.token_revoked", actor=admin_user).count() == 1
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(ME_URL).status_code == 401
    # Revoking again changes nothing and records nothing.
    admin_client.post(
        "/admin/qc_portal/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert AuditEvent.objects.filter(action="auth.token_revoked").count() == 1


def test_admin_cannot_edit_a_token(admin_client, api, customer):
    obtain(api, "customer")
    token = ApiToken.objects.get(user=customer)
    assert admin_client.get("/admin/qc_portal/apitoken/add/").status_code == 403
    response = admin_client.post(
        f"/admin/qc_portal/apitoken/{token.pk}/change/", {"expires_at_0": "2099-01-01"}
    )
    assert response.status_code == 403
