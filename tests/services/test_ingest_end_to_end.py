"""A queue system pushes tickets and ratings through the signed ingest API into services."""

import json
import time

import pytest
from django.utils import timezone

from integration import actions as integration_actions
from integration.signing import sign
from qc_portal.models import Department
from services.models import Feedback, ServiceRecord

pytestmark = pytest.mark.django_db


def push(api, source, secret, record_type, records):
    body = json.dumps({"records": records}).encode()
    stamp = int(time.time())
    return api.generic(
        "POST",
        f"/api/v1/ingest/{record_type}/",
        body,
        content_type="application/json",
        HTTP_X_SOURCE_SYSTEM=source.code,
        HTTP_X_TIMESTAMP=str(stamp),
        HTTP_X_SIGNATURE=sign(secret, stamp, body),
    )


def test_ticket_and_rating_arrive_through_ingest(api, branch, integration_admin):
    source, secret = integration_actions.create_source_system(
        code="QMS",
        name="Queue system",
        owning_department=Department.objects.get(code="customer_service"),
        allowed_record_types=["service_record", "service_feedback"],
        expected_frequency_minutes=60,
        actor=integration_admin,
    )
    now = timezone.now().replace(microsecond=0)
    ticket = {
        "idempotency_key": "t-1",
        "external_id": "T-1",
        "branch": branch.code,
        "channel": "counter",
        "service_type": "card",
        "arrived_at": (now - timezone.timedelta(minutes=20)).isoformat(),
        "called_at": (now - timezone.timedelta(minutes=10)).isoformat(),
        "finished_at": (now - timezone.timedelta(minutes=5)).isoformat(),
        "outcome": "served",
    }
    impossible = {
        **ticket,
        "idempotency_key": "t-2",
        "external_id": "T-2",
        "finished_at": (now - timezone.timedelta(minutes=15)).isoformat(),
    }
    response = push(api, source, secret, "service_record", [ticket, impossible])
    assert response.status_code in (200, 201, 202, 207)
    record = ServiceRecord.objects.get(source_code="QMS", external_id="T-1")
    assert (record.wait_seconds, record.handling_seconds) == (600, 300)
    assert not ServiceRecord.objects.filter(external_id="T-2").exists()
    assert "finished_at" in json.dumps(response.json(), ensure_ascii=False)
    rating = {"idempotency_key": "r-1", "service_external_id": "T-1", "rating": 4}
    push(api, source, secret, "service_feedback", [rating])
    assert Feedback.objects.get(service_record=record).rating == 4
