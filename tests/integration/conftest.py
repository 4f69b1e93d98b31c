"""Test-only inbound types (registered once, named test_*) and signing helpers.

The real types live in the measure apps' inbound.py; these let the transport be tested on its
own: `test_note` writes an audit event, `test_branch_visit` needs a branch that may not exist
yet (a reject that can be fixed and replayed), `test_broken` fails like a bug would."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from rest_framework import serializers

from integration import actions
from integration.models import InboundRecord
from integration.queries import accounting
from integration.registry import inbound_type
from integration.signing import sign
from qc_portal.audit import record_event
from qc_portal.models import Branch, Department

TEST_TYPES = ("test_note", "test_branch_visit", "test_broken")


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=40)
    amount = serializers.IntegerField(required=False, min_value=0)


@inbound_type("test_note", serializer=NoteSerializer, description="test: writes an audit event")
def apply_note(data, *, source):
    return record_event("test.note", actor_label=source.actor_label, after=dict(data))


class BranchVisitSerializer(serializers.Serializer):
    branch_code = serializers.CharField(max_length=20)


@inbound_type("test_branch_visit", serializer=BranchVisitSerializer, description="test")
def apply_branch_visit(data, *, source):
    branch = Branch.objects.filter(code=data["branch_code"]).first()
    if branch is None:
        raise ValidationError({"branch_code": ["Unknown branch."]})
    return record_event("test.visit", actor_label=source.actor_label, target=branch)


@inbound_type("test_broken", serializer=NoteSerializer, description="test: a bug")
def apply_broken(data, *, source):
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _fresh_throttle_and_invariant(request):
    """After every test that touches the database: received = applied + rejected + pending."""
    cache.clear()  # ingest throttling counts per source in the cache
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    uses_db = marker is not None or bool(names & {"db", "transactional_db", "live_server"})
    if uses_db:
        transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
            names & {"transactional_db", "live_server"}
        )
        # Set the database up before this fixture, so it is still there at our teardown.
        request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    if uses_db:
        totals = accounting()
        assert totals["received"] == totals["applied"] + totals["rejected"] + totals["pending"], (
            totals
        )
        assert not InboundRecord.objects.filter(status=InboundRecord.Status.RECEIVED).exists()


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test's flush empties the tables the data migrations filled (groups,
    departments); put back what these tests need. Request it before any user fixture."""
    from django.contrib.auth.models import Group

    from qc_portal.roles import Role

    for role in Role:
        Group.objects.get_or_create(name=role)
    for code, label in Department.Code.choices:
        Department.objects.get_or_create(
            code=code, defaults={"name_zh": str(label), "name_en": code}
        )


@pytest.fixture
def make_source(integration_admin):
    def make(code="QMS", types=TEST_TYPES, department="customer_service", frequency=60):
        return actions.create_source_system(
            code=code,
            name=f"System {code}",
            owning_department=Department.objects.get(code=department),
            allowed_record_types=list(types),
            expected_frequency_minutes=frequency,
            actor=integration_admin,
        )

    return make


@pytest.fixture
def source_and_secret(make_source):
    return make_source()


def signed_headers(code: str, secret: str, body: bytes, *, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "HTTP_X_SOURCE_SYSTEM": code,
        "HTTP_X_TIMESTAMP": str(timestamp),
        "HTTP_X_SIGNATURE": sign(secret, timestamp, body),
    }


@pytest.fixture
def push(api):
    """push(source, secret, records, type=...) -> response of a correctly signed ingest call."""

    def send(
        source, secret, records, *, record_type="test_note", timestamp=None, body=None, headers=None
    ):
        body = body if body is not None else json.dumps({"records": records}).encode()
        sent_headers = (
            headers
            if headers is not None
            else signed_headers(source.code, secret, body, timestamp=timestamp)
        )
        return api.generic(
            "POST",
            f"/api/v1/ingest/{record_type}/",
            body,
            content_type="application/json",
            **sent_headers,
        )

    return send
