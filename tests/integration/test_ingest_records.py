"""Per-record outcomes: accepted, duplicate, rejected (content, key rules), conflict; queued
batches; nothing lost (received = applied + rejected + pending, checked after every test)."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from integration import actions
from integration.models import InboundBatch, InboundRecord
from qc_portal.models import AuditEvent, Branch
from tests.integration.conftest import signed_headers

pytestmark = pytest.mark.django_db


def notes(*keys, text="hello"):
    return [{"idempotency_key": key, "text": text} for key in keys]


def applied_notes():
    return AuditEvent.objects.filter(action="test.note").count()


def test_accepted_record_is_applied_once_and_stored_with_timings(source_and_secret, push):
    source, secret = source_and_secret
    response = push(source, secret, notes("k-1"))
    assert response.status_code == 200
    body = response.json()
    assert body["counts"]["accepted"] == 1
    assert body["status_url"].endswith(f"/api/v1/ingest/batches/{body['batch']}/")
    record = InboundRecord.objects.get()
    assert record.status == "applied"
    assert record.idempotency_key == "k-1"
    assert record.applied_at >= record.received_at
    assert record.processing_seconds >= 0
    assert record.target_type == "qc_portal.auditevent"
    assert applied_notes() == 1
    event = AuditEvent.objects.get(action="test.note")
    assert event.actor_label == f"source:{source.code}"


def test_same_key_same_content_sequentially_is_a_duplicate_applied_once(source_and_secret, push):
    source, secret = source_and_secret
    push(source, secret, notes("k-1"))
    # Same content, keys in another order and other spacing: still the same record.
    body = b'{"records": [{"text":"hello",   "idempotency_key":"k-1"}]}'
    response = push(source, secret, None, body=body)
    result = response.json()["results"][0]
    assert result["outcome"] == "duplicate"
    assert result["first_outcome"] == "accepted"
    assert result["record"] == InboundRecord.objects.get().pk
    assert applied_notes() == 1
    assert InboundBatch.objects.order_by("id").last().duplicate_count == 1


def test_duplicate_of_a_rejected_record_returns_the_first_rejection(source_and_secret, push):
    source, secret = source_and_secret
    first = push(source, secret, notes("k-1", text="x" * 41)).json()["results"][0]
    again = push(source, secret, notes("k-1", text="x" * 41)).json()["results"][0]
    assert first["outcome"] == "rejected"
    assert again["outcome"] == "duplicate"
    assert again["first_outcome"] == "rejected"
    assert again["errors"] == first["errors"]
    assert InboundRecord.objects.count() == 1


def test_same_key_different_content_is_refused_as_a_reused_key(source_and_secret, push):
    source, secret = source_and_secret
    push(source, secret, notes("k-1"))
    result = push(source, secret, notes("k-1", text="changed")).json()["results"][0]
    assert result["outcome"] == "rejected"
    assert result["reason"] == "reused_key"
    assert "idempotency_key" in result["errors"]
    assert applied_notes() == 1
    # Stored all the same (nothing silently lost), without taking over the key.
    refused = InboundRecord.objects.get(reason="reused_key")
    assert refused.idempotency_key is None
    assert refused.submitted_key == "k-1"
    assert refused.payload["text"] == "changed"
    assert not refused.replayable


def test_same_key_from_another_system_is_a_different_record(make_source, push):
    first, first_secret = make_source("QMS")
    second, second_secret = make_source("CALL")
    push(first, first_secret, notes("k-1"))
    result = push(second, second_secret, notes("k-1")).json()["results"][0]
    assert result["outcome"] == "accepted"
    assert applied_notes() == 2


@pytest.mark.parametrize("key", [None, "", "   ", 42, "x" * 201])
def test_record_without_a_usable_key_is_rejected_and_stored(source_and_secret, push, key):
    source, secret = source_and_secret
    record = {"text": "hello"} if key is None else {"idempotency_key": key, "text": "hello"}
    result = push(source, secret, [record]).json()["results"][0]
    assert result["outcome"] == "rejected"
    assert result["reason"] == "missing_key"
    assert "idempotency_key" in result["errors"]
    assert InboundRecord.objects.get().status == "rejected"
    assert applied_notes() == 0


def test_mixed_batch_applies_the_good_and_rejects_the_bad(source_and_secret, push):
    source, secret = source_and_secret
    records = [
        {"idempotency_key": "good-1", "text": "fine"},
        {"idempotency_key": "bad-1", "text": "x" * 41},
        {"text": "no key"},
        "not an object",
        {"idempotency_key": "bad-2", "amount": -1},
        {"idempotency_key": "good-2", "text": "also fine", "amount": 3},
    ]
    response = push(source, secret, records)
    assert response.status_code == 200
    outcomes = [result["outcome"] for result in response.json()["results"]]
    assert outcomes == ["accepted", "rejected", "rejected", "rejected", "rejected", "accepted"]
    errors = response.json()["results"][4]["errors"]
    assert set(errors) == {"text", "amount"}
    assert response.json()["counts"] == {
        "accepted": 2,
        "duplicate": 0,
        "rejected": 4,
        "conflict": 0,
        "pending": 0,
    }
    assert applied_notes() == 2
    assert InboundRecord.objects.count() == 6


def test_a_bug_in_the_applying_app_rejects_only_that_record(source_and_secret, push):
    source, secret = source_and_secret
    broken = push(source, secret, notes("b-1"), record_type="test_broken").json()["results"][0]
    assert broken["outcome"] == "rejected"
    assert broken["reason"] == "apply_failed"
    assert "RuntimeError" in broken["errors"]["non_field_errors"][0]
    assert push(source, secret, notes("n-1")).json()["results"][0]["outcome"] == "accepted"


def test_a_failed_apply_leaves_no_partial_writes(source_and_secret, push, monkeypatch):
    """The app's writes before its error are rolled back with the record's savepoint."""
    from integration import registry
    from tests.integration import conftest

    def half_then_fail(data, *, source):
        conftest.apply_note(data, source=source)
        raise RuntimeError("after writing")

    original = registry.get("test_broken")
    monkeypatch.setitem(
        registry._TYPES,
        "test_broken",
        registry.InboundType("test_broken", original.serializer, half_then_fail, ""),
    )
    source, secret = source_and_secret
    result = push(source, secret, notes("h-1"), record_type="test_broken").json()["results"][0]
    assert result["outcome"] == "rejected"
    assert applied_notes() == 0


def test_empty_batch_and_bad_json_are_refused(source_and_secret, push):
    source, secret = source_and_secret
    assert push(source, secret, []).status_code == 400
    response = push(source, secret, None, body=b"{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    response = push(source, secret, None, body=b'{"rows": []}')
    assert response.status_code == 400
    assert InboundRecord.objects.count() == 0


def test_batch_over_the_limit_is_refused_with_413(source_and_secret, push, settings):
    settings.QC_INGEST_MAX_BATCH = 3
    source, secret = source_and_secret
    response = push(source, secret, notes("a", "b", "c", "d"))
    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"
    assert "3" in response.json()["message"]
    assert InboundRecord.objects.count() == 0
    assert push(source, secret, notes("a", "b", "c")).status_code == 200


class TestQueuedBatches:
    def test_large_batch_is_stored_pending_and_answered_202(
        self, source_and_secret, push, settings, django_capture_on_commit_callbacks
    ):
        settings.QC_INGEST_SYNC_LIMIT = 2
        source, secret = source_and_secret
        with mock.patch("integration.tasks.process_batch.delay") as delay:
            with django_capture_on_commit_callbacks(execute=True):
                response = push(source, secret, notes("a", "b", "c"))
        assert response.status_code == 202
        body = response.json()
        assert body["counts"]["pending"] == 3
        delay.assert_called_once_with(body["batch"])
        assert InboundRecord.objects.filter(status="pending").count() == 3
        assert applied_notes() == 0

    def test_queued_batch_is_applied_by_the_task(
        self, source_and_secret, push, settings, django_capture_on_commit_callbacks
    ):
        settings.QC_INGEST_SYNC_LIMIT = 2
        source, secret = source_and_secret
        with django_capture_on_commit_callbacks(execute=True):
            response = push(
                source, secret, [*notes("a", "b"), {"idempotency_key": "c", "text": "x" * 41}]
            )
        assert response.status_code == 202
        statuses = sorted(InboundRecord.objects.values_list("status", flat=True))
        assert statuses == ["applied", "applied", "rejected"]
        assert applied_notes() == 2

    def test_retry_of_a_pending_key_is_a_conflict(self, source_and_secret, push, settings):
        settings.QC_INGEST_SYNC_LIMIT = 1
        source, secret = source_and_secret
        with mock.patch("integration.tasks.process_batch.delay"):
            push(source, secret, notes("a", "b"))  # on_commit never runs: stays pending
        response = push(source, secret, notes("a"))
        assert response.status_code == 409
        assert response.json()["results"][0]["outcome"] == "conflict"
        settings.QC_INGEST_SYNC_LIMIT = 2
        mixed = push(source, secret, [*notes("a"), *notes("new")])
        assert mixed.status_code == 200
        assert [r["outcome"] for r in mixed.json()["results"]] == ["conflict", "accepted"]

    def test_a_broker_outage_loses_nothing_and_the_sweeper_requeues(
        self, source_and_secret, push, settings, django_capture_on_commit_callbacks
    ):
        settings.QC_INGEST_SYNC_LIMIT = 1
        settings.CELERY_TASK_ALWAYS_EAGER = False
        source, secret = source_and_secret
        with mock.patch(
            "integration.tasks.process_batch.delay", side_effect=ConnectionError("broker down")
        ):
            with django_capture_on_commit_callbacks(execute=True):
                response = push(source, secret, notes("a", "b"))
        assert response.status_code == 202
        assert InboundRecord.objects.filter(status="pending").count() == 2
        # Too recent: the sweeper leaves it to the task that may still come.
        assert actions.requeue_pending(now=timezone.now()) == 0
        settings.CELERY_TASK_ALWAYS_EAGER = True
        assert actions.requeue_pending(now=timezone.now() + timedelta(minutes=11)) == 1
        assert InboundRecord.objects.filter(status="applied").count() == 2

    def test_a_pending_record_is_applied_once_even_if_queued_twice(
        self, source_and_secret, push, settings
    ):
        settings.QC_INGEST_SYNC_LIMIT = 1
        source, secret = source_and_secret
        with mock.patch("integration.tasks.process_batch.delay"):
            batch_id = push(source, secret, notes("a", "b")).json()["batch"]
        assert actions.process_batch(batch_id) == 2
        assert actions.process_batch(batch_id) == 0
        assert applied_notes() == 2


class TestBatchStatus:
    def _queued(self, push, source, secret, settings):
        settings.QC_INGEST_SYNC_LIMIT = 1
        with mock.patch("integration.tasks.process_batch.delay"):
            return push(source, secret, notes("a", "b")).json()["batch"]

    def test_sending_system_reads_its_batch_with_a_signed_get(
        self, source_and_secret, push, settings, api
    ):
        source, secret = source_and_secret
        batch_id = self._queued(push, source, secret, settings)
        response = api.get(
            f"/api/v1/ingest/batches/{batch_id}/", **signed_headers(source.code, secret, b"")
        )
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "pending"
        assert body["counts"]["pending"] == 2
        actions.process_batch(batch_id)
        body = api.get(
            f"/api/v1/ingest/batches/{batch_id}/", **signed_headers(source.code, secret, b"")
        ).json()
        assert body["status"] == "completed"
        assert body["counts"]["applied"] == 2

    def test_another_system_gets_404(self, make_source, push, settings, api):
        source, secret = make_source("QMS")
        other, other_secret = make_source("HR")
        batch_id = self._queued(push, source, secret, settings)
        response = api.get(
            f"/api/v1/ingest/batches/{batch_id}/", **signed_headers(other.code, other_secret, b"")
        )
        assert response.status_code == 404

    def test_bad_signature_on_status_is_refused(self, source_and_secret, push, settings, api):
        source, secret = source_and_secret
        batch_id = self._queued(push, source, secret, settings)
        response = api.get(
            f"/api/v1/ingest/batches/{batch_id}/", **signed_headers(source.code, "wrong", b"")
        )
        assert response.status_code == 401

    def test_integration_admin_reads_any_batch_others_may_not(
        self, source_and_secret, push, settings, api_as, integration_admin, branch_manager, api
    ):
        source, secret = source_and_secret
        batch_id = self._queued(push, source, secret, settings)
        assert (
            api_as(integration_admin).get(f"/api/v1/ingest/batches/{batch_id}/").status_code == 200
        )
        assert api_as(branch_manager).get(f"/api/v1/ingest/batches/{batch_id}/").status_code == 403
        assert api.get(f"/api/v1/ingest/batches/{batch_id}/").status_code == 401


class TestReplay:
    def test_reject_fixed_then_replayed_is_applied(
        self, source_and_secret, push, integration_admin
    ):
        source, secret = source_and_secret
        records = [{"idempotency_key": "v-1", "branch_code": "ZZ001"}]
        result = push(source, secret, records, record_type="test_branch_visit").json()["results"][0]
        assert result["outcome"] == "rejected"
        record = InboundRecord.objects.get()
        assert record.replayable
        Branch.objects.create(code="ZZ001", name_zh="新支行", name_en="New branch")
        replayed = actions.replay_record(record, actor=integration_admin)
        assert replayed.status == "applied"
        assert replayed.errors == {}
        assert replayed.attempts == 2
        assert AuditEvent.objects.filter(action="integration.record_replayed").count() == 1
        # The sender's retry now learns the record was accepted, and nothing is applied twice.
        again = push(source, secret, records, record_type="test_branch_visit").json()["results"][0]
        assert again["outcome"] == "duplicate"
        assert again["first_outcome"] == "accepted"
        assert AuditEvent.objects.filter(action="test.visit").count() == 1

    def test_replaying_an_unfixed_reject_keeps_it_rejected(
        self, source_and_secret, push, integration_admin
    ):
        source, secret = source_and_secret
        push(
            source,
            secret,
            [{"idempotency_key": "v-1", "branch_code": "ZZ001"}],
            record_type="test_branch_visit",
        )
        record = actions.replay_record(InboundRecord.objects.get(), actor=integration_admin)
        assert record.status == "rejected"
        assert record.attempts == 2

    def test_reused_key_and_applied_records_cannot_be_replayed(
        self, source_and_secret, push, integration_admin
    ):
        source, secret = source_and_secret
        push(source, secret, notes("k"))
        push(source, secret, notes("k", text="other"))
        from django.core.exceptions import ValidationError

        for record in InboundRecord.objects.all():
            with pytest.raises(ValidationError):
                actions.replay_record(record, actor=integration_admin)

    def test_only_an_integration_admin_may_replay(self, source_and_secret, push, head_office):
        source, secret = source_and_secret
        push(
            source,
            secret,
            [{"idempotency_key": "v-1", "branch_code": "ZZ001"}],
            record_type="test_branch_visit",
        )
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            actions.replay_record(InboundRecord.objects.get(), actor=head_office)

    def test_replay_all_rejects_of_a_source(self, source_and_secret, push, integration_admin):
        source, secret = source_and_secret
        push(
            source,
            secret,
            [{"idempotency_key": f"v-{n}", "branch_code": "ZZ001"} for n in range(3)],
            record_type="test_branch_visit",
        )
        Branch.objects.create(code="ZZ001", name_zh="新支行", name_en="New branch")
        assert actions.replay_rejected(actor=integration_admin, source=source) == {
            "applied": 3,
            "rejected": 0,
        }


def test_batch_receipt_is_audited_under_the_source(source_and_secret, push):
    source, secret = source_and_secret
    push(source, secret, notes("a"))
    event = AuditEvent.objects.get(action="integration.batch_received")
    assert event.actor_label == "source:QMS"
    assert event.changes["after"]["accepted"] == 1


def test_request_body_json_is_parsed_from_the_signed_bytes(source_and_secret, push):
    source, secret = source_and_secret
    body = json.dumps({"records": notes("ü-1", text="中文")}, ensure_ascii=False).encode()
    response = push(source, secret, None, body=body)
    assert response.json()["results"][0]["outcome"] == "accepted"


def test_the_same_key_twice_in_one_batch_is_applied_once(source_and_secret, push):
    source, secret = source_and_secret
    results = push(source, secret, notes("k", "k")).json()["results"]
    assert [r["outcome"] for r in results] == ["accepted", "duplicate"]
    assert applied_notes() == 1


def test_body_over_the_upload_limit_is_413(source_and_secret, push, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    source, secret = source_and_secret
    response = push(source, secret, notes(*[f"k{n}" for n in range(10)]))
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert InboundRecord.objects.count() == 0


def test_ingest_is_throttled_per_source(source_and_secret, push, monkeypatch):
    from integration.api import IngestThrottle

    monkeypatch.setattr(IngestThrottle, "THROTTLE_RATES", {"ingest": "2/min"})
    source, secret = source_and_secret
    assert push(source, secret, notes("a")).status_code == 200
    assert push(source, secret, notes("b")).status_code == 200
    response = push(source, secret, notes("c"))
    assert response.status_code == 429
    assert set(response.json()) == {"code", "message", "errors"}


def test_explicit_encryption_key_is_used(settings):
    from cryptography.fernet import Fernet, InvalidToken

    from integration.signing import decrypt_secret, encrypt_secret

    settings.QC_FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    token = encrypt_secret("s3cret")
    assert decrypt_secret(token) == "s3cret"
    settings.QC_FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(InvalidToken):
        decrypt_secret(token)


def test_source_actor_is_a_labelled_system_not_a_user(source_and_secret):
    from qc_portal.audit import record_event

    source, _secret = source_and_secret
    event = record_event("test.actor", actor=source.actor, actor_label=source.actor_label)
    assert event.actor is None
    assert event.actor_label == "source:QMS" == str(source.actor)
