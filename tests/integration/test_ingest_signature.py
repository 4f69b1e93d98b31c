"""The ingest API refuses anything not signed by an active, registered system — writing nothing."""

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from integration import actions
from integration.models import InboundBatch, InboundRecord
from integration.signing import decrypt_secret, sign
from tests.integration.conftest import signed_headers

pytestmark = pytest.mark.django_db

RECORDS = [{"idempotency_key": "k-1", "text": "hello"}]


def assert_refused(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"code", "message", "errors"}
    assert InboundRecord.objects.count() == 0
    assert InboundBatch.objects.count() == 0


def test_valid_signature_is_accepted(source_and_secret, push):
    source, secret = source_and_secret
    response = push(source, secret, RECORDS)
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["outcome"] == "accepted"


def test_secret_is_stored_encrypted(source_and_secret):
    source, secret = source_and_secret
    assert secret not in source.secret_encrypted
    assert decrypt_secret(source.secret_encrypted) == secret


def test_wrong_signature_is_refused(source_and_secret, push):
    source, _secret = source_and_secret
    response = push(source, "not-the-secret", RECORDS)
    assert_refused(response, 401, "invalid_signature")
    assert "HMAC-SHA256" in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    "missing", ["HTTP_X_SOURCE_SYSTEM", "HTTP_X_TIMESTAMP", "HTTP_X_SIGNATURE"]
)
def test_missing_header_is_refused(source_and_secret, push, missing):
    source, secret = source_and_secret
    body = json.dumps({"records": RECORDS}).encode()
    headers = signed_headers(source.code, secret, body)
    del headers[missing]
    assert_refused(
        push(source, secret, RECORDS, body=body, headers=headers), 401, "not_authenticated"
    )


def test_non_numeric_timestamp_is_refused(source_and_secret, push):
    source, secret = source_and_secret
    body = json.dumps({"records": RECORDS}).encode()
    headers = {
        "HTTP_X_SOURCE_SYSTEM": source.code,
        "HTTP_X_TIMESTAMP": "yesterday",
        "HTTP_X_SIGNATURE": sign(secret, "yesterday", body),
    }
    assert_refused(
        push(source, secret, RECORDS, body=body, headers=headers), 401, "invalid_timestamp"
    )


@pytest.mark.parametrize("offset", [-301, 301])
def test_stale_timestamp_is_refused_either_way(source_and_secret, push, offset):
    source, secret = source_and_secret
    response = push(source, secret, RECORDS, timestamp=int(time.time()) + offset)
    assert_refused(response, 401, "stale_timestamp")


@pytest.mark.parametrize("offset", [-299, 299])
def test_timestamp_inside_tolerance_is_accepted(source_and_secret, push, offset):
    source, secret = source_and_secret
    with time_machine.travel(timezone.now(), tick=False):
        response = push(source, secret, RECORDS, timestamp=int(time.time()) + offset)
    assert response.status_code == 200


def test_one_byte_changed_in_the_body_is_refused(source_and_secret, push):
    source, secret = source_and_secret
    body = json.dumps({"records": RECORDS}).encode()
    headers = signed_headers(source.code, secret, body)
    tampered = body.replace(b"hello", b"hellp")
    assert_refused(
        push(source, secret, RECORDS, body=tampered, headers=headers), 401, "invalid_signature"
    )


def test_replayed_request_is_refused_after_the_tolerance(source_and_secret, push):
    source, secret = source_and_secret
    body = json.dumps({"records": RECORDS}).encode()
    headers = signed_headers(source.code, secret, body)
    assert push(source, secret, RECORDS, body=body, headers=headers).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=301)):
        response = push(source, secret, RECORDS, body=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "stale_timestamp"


def test_unknown_system_is_refused(source_and_secret, push):
    _source, secret = source_and_secret
    body = json.dumps({"records": RECORDS}).encode()
    headers = signed_headers("NOPE", secret, body)
    assert_refused(
        push(_source, secret, RECORDS, body=body, headers=headers), 401, "unknown_source"
    )


def test_suspended_system_is_refused(source_and_secret, push, integration_admin):
    source, secret = source_and_secret
    actions.set_source_status(source, status="suspended", actor=integration_admin)
    assert_refused(push(source, secret, RECORDS), 403, "source_suspended")


def test_record_type_not_allowed_for_the_system_is_refused(make_source, push):
    source, secret = make_source(types=["test_note"])
    assert_refused(
        push(source, secret, RECORDS, record_type="test_branch_visit"),
        403,
        "record_type_not_allowed",
    )


def test_unknown_record_type_is_refused(source_and_secret, push):
    source, secret = source_and_secret
    assert_refused(
        push(source, secret, RECORDS, record_type="no_such_type"), 404, "unknown_record_type"
    )


class TestRotation:
    def test_old_secret_works_inside_the_overlap(
        self, source_and_secret, push, integration_admin, settings
    ):
        settings.QC_SECRET_ROTATION_OVERLAP_HOURS = 24
        source, old = source_and_secret
        new = actions.rotate_secret(source, actor=integration_admin)
        assert new != old
        with time_machine.travel(timezone.now() + timedelta(hours=23, minutes=59)):
            assert push(source, old, [{"idempotency_key": "a", "text": "x"}]).status_code == 200
            assert push(source, new, [{"idempotency_key": "b", "text": "x"}]).status_code == 200

    def test_old_secret_is_refused_after_the_overlap(
        self, source_and_secret, push, integration_admin, settings
    ):
        settings.QC_SECRET_ROTATION_OVERLAP_HOURS = 24
        source, old = source_and_secret
        new = actions.rotate_secret(source, actor=integration_admin)
        with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
            assert_refused(push(source, old, RECORDS), 401, "invalid_signature")
            assert push(source, new, RECORDS).status_code == 200

    def test_a_second_rotation_retires_the_first_secret(
        self, source_and_secret, push, integration_admin
    ):
        source, first = source_and_secret
        second = actions.rotate_secret(source, actor=integration_admin)
        third = actions.rotate_secret(source, actor=integration_admin)
        assert_refused(push(source, first, RECORDS), 401, "invalid_signature")
        assert push(source, second, [{"idempotency_key": "s", "text": "x"}]).status_code == 200
        assert push(source, third, [{"idempotency_key": "t", "text": "x"}]).status_code == 200
