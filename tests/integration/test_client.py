"""The push client against a live test server: signing, batching, retries, outcome counts."""

import json

import pytest

from integration import client
from integration.models import InboundRecord
from qc_portal.models import AuditEvent


@pytest.fixture
def live_source(reference_data, make_source, live_server):
    source, secret = make_source("QMS")
    return live_server.url, source, secret


def records(n, prefix="r", text="hello"):
    return [{"idempotency_key": f"{prefix}-{i}", "text": text} for i in range(n)]


@pytest.mark.django_db(transaction=True)
def test_push_signs_and_sends_in_batches(live_source):
    url, source, secret = live_source
    report = client.push(
        url=url,
        source=source.code,
        secret=secret,
        record_type="test_note",
        records=records(5),
        batch_size=2,
    )
    assert report.batches == 3
    assert report.counts["accepted"] == 5
    assert report.exit_code == 0
    again = client.push(
        url=url,
        source=source.code,
        secret=secret,
        record_type="test_note",
        records=records(5),
        batch_size=5,
    )
    assert again.counts["duplicate"] == 5
    assert AuditEvent.objects.filter(action="test.note").count() == 5


@pytest.mark.django_db(transaction=True)
def test_rejected_records_are_reported_with_their_errors(live_source):
    url, source, secret = live_source
    report = client.push(
        url=url,
        source=source.code,
        secret=secret,
        record_type="test_note",
        records=[*records(2), {"idempotency_key": "bad", "text": "x" * 41}],
    )
    assert report.counts["accepted"] == 2
    assert report.counts["rejected"] == 1
    assert "text" in report.rejected[0]["errors"]
    assert report.exit_code == 2


@pytest.mark.django_db(transaction=True)
def test_wrong_secret_fails_the_batch_without_retrying(live_source):
    url, source, _secret = live_source
    sleeps = []
    sender = client.Sender(url, source.code, "wrong", sleep=sleeps.append)
    report = client.push(
        url=url,
        source=source.code,
        secret="wrong",
        record_type="test_note",
        records=records(2),
        sender=sender,
    )
    assert report.exit_code == 1
    assert report.failed_batches[0]["status"] == 401
    assert report.failed_batches[0]["code"] == "invalid_signature"
    assert sleeps == []
    assert InboundRecord.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_queued_batch_is_waited_for(live_source, settings):
    settings.QC_INGEST_SYNC_LIMIT = 2
    url, source, secret = live_source
    report = client.push(
        url=url,
        source=source.code,
        secret=secret,
        record_type="test_note",
        records=[*records(3), {"idempotency_key": "bad", "text": "x" * 41}],
        wait=True,
    )
    assert report.counts["accepted"] == 3
    assert report.counts["rejected"] == 1


def test_unreachable_server_is_retried_with_growing_backoff():
    sleeps = []
    sender = client.Sender(
        "http://127.0.0.1:9", "QMS", "s", retries=3, backoff=0.1, timeout=2, sleep=sleeps.append
    )
    status, body = sender.request("POST", "/api/v1/ingest/test_note/", b"{}")
    assert status == 0
    assert body["code"] == "unreachable"
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[1] < sleeps[2]
    assert 0.1 <= sleeps[0] <= 0.15


def test_each_attempt_is_signed_with_a_fresh_timestamp():
    from integration.signing import sign

    moments = iter([1000.0, 1005.0])
    sender = client.Sender("http://x", "QMS", "secret", clock=lambda: next(moments))
    first, second = sender._headers(b"{}"), sender._headers(b"{}")
    assert first["X-Timestamp"] == "1000" and second["X-Timestamp"] == "1005"
    assert first["X-Signature"] == sign("secret", "1000", b"{}")


@pytest.mark.django_db(transaction=True)
def test_command_line_push(live_source, tmp_path, monkeypatch, capsys):
    url, source, secret = live_source
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records(3)) + "\n\n", encoding="utf-8")
    monkeypatch.setenv("DEMO_SECRET", secret)
    code = client.main(
        [
            "push",
            "--url",
            url,
            "--source",
            source.code,
            "--secret-env",
            "DEMO_SECRET",
            "--type",
            "test_note",
            "--batch-size",
            "2",
            str(path),
        ]
    )
    assert code == 0
    assert "accepted=3" in capsys.readouterr().out


def test_command_line_refuses_a_missing_secret_and_bad_lines(tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    path.write_text('{"idempotency_key": "a"}\nnot json\n', encoding="utf-8")
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    with pytest.raises(SystemExit):
        client.main(
            ["push", "--source", "QMS", "--secret-env", "NO_SUCH_SECRET", "--type", "t", str(path)]
        )
    monkeypatch.setenv("SOME_SECRET", "s")
    with pytest.raises(SystemExit, match="records.jsonl:2"):
        client.main(
            ["push", "--source", "QMS", "--secret-env", "SOME_SECRET", "--type", "t", str(path)]
        )
