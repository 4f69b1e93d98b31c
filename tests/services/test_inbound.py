from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from integration.registry import discover, get
from qc_portal.models import AuditEvent

pytestmark = pytest.mark.django_db
SOURCE = SimpleNamespace(code="queue-sys")


def payload(**changes):
    data = {
        "external_id": "T-1",
        "branch": "BJ001",
        "channel": "counter",
        "service_type": "card",
        "arrived_at": "2026-10-15T09:00:00+08:00",
        "called_at": "2026-10-15T09:05:00+08:00",
        "finished_at": "2026-10-15T09:10:00+08:00",
        "outcome": "served",
    }
    data.update(changes)
    return data


def apply(name, data):
    discover()
    inbound = get(name)
    serializer = inbound.serializer(data=data)
    serializer.is_valid(raise_exception=True)
    return inbound.apply(serializer.validated_data, source=SOURCE)


def test_inbound_service_record_and_feedback(branch):
    record = apply("service_record", payload())
    assert (record.wait_seconds, record.handling_seconds, record.source_code) == (
        300,
        300,
        "queue-sys",
    )
    assert AuditEvent.objects.get(action="services.record_stored").actor_label == "source:queue-sys"
    feedback = apply("service_feedback", {"service_external_id": "T-1", "rating": 5})
    assert feedback.service_record == record and feedback.via == "inbound"


def test_inbound_rejects_impossible_times_and_unknown_branch(branch):
    with pytest.raises(ValidationError) as error:
        apply("service_record", payload(finished_at="2026-10-15T09:01:00+08:00"))
    assert "finished_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        apply("service_record", payload(branch="NOPE"))
    assert "branch" in error.value.message_dict


def test_inbound_feedback_for_unknown_record_is_rejected(branch):
    with pytest.raises(ValidationError) as error:
        apply("service_feedback", {"service_external_id": "missing", "rating": 5})
    assert "service_external_id" in error.value.message_dict
