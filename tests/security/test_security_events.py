"""Each security-relevant event writes exactly one JSON line on the `qc_portal.security`
logger (event, user, ip, path, request_id); a server error shows the client nothing of its
cause and logs one line with the request id."""

import json
import logging

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from qc_portal.models import AuditEvent
from tests.credit.factories import make_policy, submit
from tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.django_db
FIELDS = {"time", "event", "user", "ip", "path", "request_id"}


def test_a_successful_sign_in_writes_one_event_and_one_audit_row(client, customer, security_log):
    response = client.post("/accounts/login/", {"username": "customer", "password": PASSWORD})
    assert response.status_code == 302
    [event] = security_log.events()
    assert FIELDS <= set(event)
    assert event["event"] == "login_succeeded"
    assert event["user"] == "customer"
    assert event["ip"] == "127.0.0.1"
    assert event["path"] == "/accounts/login/"
    assert event["request_id"] == response["X-Request-ID"]
    assert AuditEvent.objects.filter(action="auth.signed_in").count() == 1


def test_a_failed_sign_in_writes_one_event(client, customer, security_log):
    client.post("/accounts/login/", {"username": "customer", "password": "nope"})
    [event] = security_log.events()
    assert event["event"] == "login_failed"
    assert event["user"] == "customer"
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 1


def test_a_denied_page_writes_one_event(client, customer, security_log):
    client.force_login(customer)
    security_log.clear()
    response = client.get("/alerts/")
    assert response.status_code == 403
    [event] = security_log.events()
    assert event["event"] == "permission_denied"
    assert event["user"] == "customer" and event["path"] == "/alerts/"
    assert event["request_id"] == response["X-Request-ID"]


def test_a_denied_api_call_writes_one_event(api_as, customer, security_log):
    response = api_as(customer).get("/api/v1/audit/events/")
    assert response.status_code == 403
    [event] = security_log.events()
    assert event["event"] == "permission_denied"
    assert event["path"] == "/api/v1/audit/events/"
    assert event["user"] == "customer"


def test_an_anonymous_api_call_is_not_a_permission_denial(api, security_log):
    assert api.get("/api/v1/me/").status_code == 401
    assert security_log.events() == []


def test_a_four_eyes_breach_writes_one_event_with_the_reason(
    api_as, branch, customer, relationship_manager, security_log, settings
):
    settings.QC_CREDIT_TRAINING_GATE = False
    make_policy()
    application = submit(relationship_manager, customer=customer.customer)
    officer = make_staff(
        "risk_initial", branch=branch, username="double_hat", department_code="risk"
    )
    officer.groups.add(Group.objects.get(name="risk_review"))
    client = api_as(officer)
    url = f"/api/v1/credit/applications/{application.pk}/decisions/"
    body = {"decision": "approve", "reason": "meets policy"}
    assert client.post(url, {**body, "stage": "initial_review"}, format="json").status_code == 201
    security_log.clear()
    response = client.post(url, {**body, "stage": "second_review"}, format="json")
    assert response.status_code == 403
    [event] = security_log.events()
    assert event["event"] == "permission_denied"
    assert event["user"] == "double_hat"
    assert event["reason"] == response.json()["message"]


# --- server errors -------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self):
        from qc_portal.middleware import RequestIdFilter

        super().__init__(level=logging.ERROR)
        self.addFilter(RequestIdFilter())  # as the configured console handler does
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def error_log():
    handler = _Records()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler.records
    root.removeHandler(handler)


def _configured_line_formatter():
    from django.utils.module_loading import import_string

    spec = settings.LOGGING["formatters"]["line"]
    return import_string(spec["()"])(spec["format"])


@pytest.mark.parametrize("path", ["/boom/", "/api/v1/boom/"])
def test_a_server_error_shows_no_detail_and_logs_one_line(
    settings, path, error_log, customer, security_log
):
    settings.ROOT_URLCONF = "tests.security.boom_urls"
    client = Client(raise_request_exception=False)
    client.force_login(customer)
    response = client.get(path, HTTP_X_REQUEST_ID="req-boom-1")
    assert response.status_code == 500
    body = response.content.decode()
    for leak in ("Traceback", "SELECT", "auth_user", "RuntimeError", "secret", 'File "'):
        assert leak not in body
    assert "req-boom-1" in body  # the person can quote it to the service desk
    if path.startswith("/api/"):
        assert set(json.loads(body)) == {"code", "message", "errors"}
    [record] = error_log
    assert record.name == "django.request"
    formatter = _configured_line_formatter()
    line = formatter.format(record)
    assert "\n" not in line
    assert "[req-boom-1]" in line  # the filter ran while the request was served
    assert "RuntimeError" in line  # the cause is in the log, not the response
    assert security_log.events("permission_denied") == []


# --- ingest signatures -----------------------------------------------------------------


@pytest.fixture
def ingest_source(integration_admin):
    from integration import actions
    from qc_portal.models import Department

    source, secret = actions.create_source_system(
        code="QMS",
        name="Queue system",
        owning_department=Department.objects.get(code="customer_service"),
        allowed_record_types=["service_record"],
        expected_frequency_minutes=60,
        actor=integration_admin,
    )
    return source, secret


def _push(api, source_code, secret, body: bytes, timestamp=None):
    import time

    from integration.signing import sign

    timestamp = int(time.time()) if timestamp is None else timestamp
    return api.generic(
        "POST",
        "/api/v1/ingest/service_record/",
        body,
        content_type="application/json",
        HTTP_X_SOURCE_SYSTEM=source_code,
        HTTP_X_TIMESTAMP=str(timestamp),
        HTTP_X_SIGNATURE=sign(secret, timestamp, body),
    )


@pytest.mark.parametrize(
    "case", ["wrong_secret", "tampered_body", "unknown_source", "stale_timestamp"]
)
def test_a_refused_ingest_signature_writes_one_event(api, ingest_source, security_log, case):
    import time

    from integration.models import InboundRecord

    source, secret = ingest_source
    body = json.dumps({"records": []}).encode()
    if case == "wrong_secret":
        response = _push(api, source.code, "not-the-secret", body)
    elif case == "tampered_body":
        from integration.signing import sign

        timestamp = int(time.time())
        response = api.generic(
            "POST",
            "/api/v1/ingest/service_record/",
            body + b" ",
            content_type="application/json",
            HTTP_X_SOURCE_SYSTEM=source.code,
            HTTP_X_TIMESTAMP=str(timestamp),
            HTTP_X_SIGNATURE=sign(secret, timestamp, body),
        )
    elif case == "unknown_source":
        response = _push(api, "NOPE", secret, body)
    else:
        response = _push(api, source.code, secret, body, timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    [event] = security_log.events()
    assert event["event"] == "ingest_signature_rejected"
    assert event["reason"] == response.json()["code"]
    assert event["path"] == "/api/v1/ingest/service_record/"
    assert InboundRecord.objects.count() == 0


def test_a_correctly_signed_ingest_writes_no_security_event(api, ingest_source, security_log):
    source, secret = ingest_source
    response = _push(api, source.code, secret, json.dumps({"records": []}).encode())
    assert response.status_code < 300 or response.status_code == 400, response.content
    assert security_log.events("ingest_signature_rejected") == []
