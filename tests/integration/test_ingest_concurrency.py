"""Concurrent retries of the same record: applied once (PostgreSQL, real transactions)."""

import json
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from integration.models import InboundRecord
from qc_portal.models import AuditEvent
from tests.integration.conftest import signed_headers

THREADS = 8


@pytest.fixture(autouse=True)
def _reference_data(reference_data):
    return reference_data


def _race(target, count=THREADS):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_record_apply_it_once(source_and_secret):
    source, secret = source_and_secret
    body = json.dumps({"records": [{"idempotency_key": "race-1", "text": "once"}]}).encode()

    def send():
        response = APIClient().generic(
            "POST",
            "/api/v1/ingest/test_note/",
            body,
            content_type="application/json",
            **signed_headers(source.code, secret, body),
        )
        return response.status_code, response.json()["results"][0]["outcome"]

    results = _race(send)
    outcomes = sorted(outcome for _status, outcome in results)
    assert outcomes.count("accepted") == 1
    assert outcomes.count("duplicate") == THREADS - 1
    assert AuditEvent.objects.filter(action="test.note").count() == 1
    assert InboundRecord.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_sharing_keys_apply_each_record_once(source_and_secret):
    source, secret = source_and_secret
    keys = [f"k-{n}" for n in range(20)]
    body = json.dumps({"records": [{"idempotency_key": key, "text": key} for key in keys]}).encode()

    def send():
        return (
            APIClient()
            .generic(
                "POST",
                "/api/v1/ingest/test_note/",
                body,
                content_type="application/json",
                **signed_headers(source.code, secret, body),
            )
            .status_code
        )

    assert set(_race(send, 4)) == {200}
    assert AuditEvent.objects.filter(action="test.note").count() == 20
    assert InboundRecord.objects.filter(status="applied").count() == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_queued_batch_apply_each_record_once(source_and_secret, settings):
    from unittest import mock

    from integration import actions

    settings.QC_INGEST_SYNC_LIMIT = 1
    source, _secret = source_and_secret
    with mock.patch("integration.tasks.process_batch.delay"):
        result = actions.receive_batch(
            source,
            record_type="test_note",
            records=[{"idempotency_key": f"q-{n}", "text": "q"} for n in range(30)],
        )
    processed = _race(lambda: actions.process_batch(result.batch.pk), 4)
    assert sum(processed) == 30
    assert AuditEvent.objects.filter(action="test.note").count() == 30
