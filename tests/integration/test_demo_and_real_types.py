"""integration.demo and the real inbound types the measure apps register."""

import json
import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from integration import actions, demo, registry
from integration.metrics import processing_time
from integration.models import DataSet, InboundRecord, SourceSystem
from integration.queries import sharing_rate
from integration.signing import decrypt_secret
from qc_portal.demo import DemoContext, seed_organisation
from qc_portal.periods import Period

pytestmark = pytest.mark.django_db

REAL_TYPES = {
    "service_record",
    "service_feedback",
    "progress_inquiry",
    "case_step",
    "loan_status",
    "employee",
    "training_completion",
}


@pytest.fixture
def demo_bank(settings, tmp_path):
    settings.QC_PROGRAMME_START = datetime(2026, 4, 1).date()
    settings.BASE_DIR = tmp_path
    now = datetime(2026, 11, 20, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    context = DemoContext(seed=1, scale="small", rng=random.Random(1), now=now)
    seed_organisation(context)
    demo.seed(context)
    return context


def test_demo_seeds_sources_with_the_demo_secret(demo_bank):
    codes = set(SourceSystem.objects.values_list("code", flat=True))
    assert codes == {"QMS", "CALLCENTRE", "CORE", "HRIS"}
    for source in SourceSystem.objects.all():
        assert decrypt_secret(source.secret_encrypted) == demo.DEMO_SECRET
    assert any(demo.DEMO_SECRET in note for note in demo_bank.notes)


def test_demo_sharing_matrix_is_near_but_under_90_percent(demo_bank):
    row = sharing_rate(demo_bank.now)
    assert 0.8 < row["rate"] < 0.9
    before = sharing_rate(datetime(2026, 3, 31, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert before["rate"] < row["rate"]
    assert DataSet.objects.count() == len(demo.DATA_SETS)


def test_demo_history_shows_processing_time_improving(demo_bank):
    baseline = processing_time(Period.parse("2026-02"))[None]
    later = processing_time(Period.parse("2026-10"))[None]
    assert baseline.observations >= 30
    assert later.value <= baseline.value / 1.3


def test_demo_history_keeps_the_accounting_and_is_idempotent(demo_bank):
    count = InboundRecord.objects.count()
    assert count > 1000
    assert InboundRecord.objects.filter(status="rejected").exists()
    demo.seed(demo_bank)
    assert InboundRecord.objects.count() == count


def test_demo_sample_file_pushes_service_records_through_the_services_action(demo_bank, settings):
    assert registry.get("service_record") is not None, "services must register service_record"
    path = settings.BASE_DIR / "var" / "demo" / "service_records.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    source = SourceSystem.objects.get(code="QMS")
    result = actions.receive_batch(source, record_type="service_record", records=records)
    assert result.counts()["accepted"] == 20, [o.errors for o in result.outcomes if o.errors][:3]
    stored = InboundRecord.objects.filter(batch=result.batch)
    assert set(stored.values_list("target_type", flat=True)) == {"services.servicerecord"}
    again = actions.receive_batch(source, record_type="service_record", records=records)
    assert again.counts()["duplicate"] == 20


def test_every_real_inbound_type_is_declared_with_a_serializer_and_an_action():
    declared = {name for name in registry.types() if not name.startswith("test_")}
    assert REAL_TYPES <= declared, REAL_TYPES - declared
    for name in REAL_TYPES:
        inbound = registry.get(name)
        assert callable(inbound.apply)
        assert hasattr(inbound.serializer, "is_valid") or hasattr(inbound.serializer(), "is_valid")
        assert inbound.description


@pytest.mark.parametrize("name", sorted(REAL_TYPES))
def test_every_real_type_rejects_an_empty_record_with_field_errors(make_source, name):
    """The transport reaches each app's serializer and stores its field errors."""
    source, _secret = make_source("ALL", types=[name])
    result = actions.receive_batch(source, record_type=name, records=[{"idempotency_key": "e-1"}])
    outcome = result.outcomes[0]
    assert outcome.outcome == "rejected"
    assert outcome.reason == "invalid"
    assert outcome.errors


# Well-formed records naming something the portal does not know: each passes its app's
# serializer and is refused by its app's apply step, with the field that named it.
UNKNOWN_TARGETS = {
    "service_feedback": ({"service_external_id": "NOPE-1", "rating": 5}, "service_external_id"),
    "progress_inquiry": ({"reference": "NOPE0001", "channel": "phone"}, "reference"),
    "case_step": ({"reference": "NOPE0001", "action": "note", "note": "x"}, "reference"),
    "loan_status": (
        {"loan_number": "L-NOPE", "balance": "100.00", "days_past_due": 0, "as_of": "2026-10-31"},
        "loan_number",
    ),
    "training_completion": (
        {"employee_number": "NOPE", "course_code": "NOPE", "completed_on": "2026-10-01"},
        "employee_number",
    ),
}


@pytest.mark.parametrize("name", sorted(UNKNOWN_TARGETS))
def test_each_real_type_reaches_its_apps_apply_step(make_source, name):
    record, field = UNKNOWN_TARGETS[name]
    source, _secret = make_source("ALL", types=[name])
    result = actions.receive_batch(
        source, record_type=name, records=[{"idempotency_key": "u-1", **record}]
    )
    outcome = result.outcomes[0]
    assert outcome.outcome == "rejected"
    assert field in outcome.errors, outcome.errors


def test_employee_records_reach_the_training_action(make_source, branch):
    from qc_portal.models import StaffProfile

    source, _secret = make_source("HR", types=["employee"], department="hr")
    join = {
        "idempotency_key": "e-1",
        "event": "join",
        "employee_number": "H000001",
        "full_name": "王芳",
        "branch_code": branch.code,
        "department_code": "customer_service",
        "role": "service_agent",
        "hired_on": "2026-10-01",
    }
    result = actions.receive_batch(source, record_type="employee", records=[join])
    assert result.outcomes[0].outcome == "accepted", result.outcomes[0].errors
    profile = StaffProfile.objects.get(employee_number="H000001")
    stored = InboundRecord.objects.get(pk=result.outcomes[0].record_id)
    assert stored.target_type == "qc_portal.staffprofile"
    assert stored.target_id == str(profile.pk)


def test_service_feedback_reaches_the_services_action_after_its_record(demo_bank, settings):
    path = settings.BASE_DIR / "var" / "demo" / "service_records.jsonl"
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    source = SourceSystem.objects.get(code="QMS")
    actions.receive_batch(source, record_type="service_record", records=[first])
    feedback = {"idempotency_key": "fb-1", "service_external_id": first["external_id"], "rating": 5}
    result = actions.receive_batch(source, record_type="service_feedback", records=[feedback])
    assert result.outcomes[0].outcome == "accepted", result.outcomes[0].errors
