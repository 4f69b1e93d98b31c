from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from integration import registry
from qc_portal.models import AuditEvent
from transparency import queries
from transparency.models import ProgressInquiry

SOURCE = SimpleNamespace(code="callcentre")


def apply(name, payload):
    registry.discover()
    kind = registry.get(name)
    serializer = kind.serializer(data=payload)
    serializer.is_valid(raise_exception=True)
    return kind.apply(serializer.validated_data, source=SOURCE)


def test_progress_inquiry_from_the_call_centre(open_case, service_agent):
    case, _code = open_case
    inquiry = apply(
        "progress_inquiry",
        {
            "reference": case.reference.lower(),
            "channel": "call_centre",
            "agent_employee_number": service_agent.staff_profile.employee_number,
        },
    )
    assert (
        inquiry.case == case
        and inquiry.agent == service_agent
        and inquiry.source == "source:callcentre"
    )
    event = AuditEvent.objects.get(action="transparency.inquiry_recorded")
    assert event.actor is None and event.actor_label == "source:callcentre"


def test_unknown_reference_rejects_the_record(db):
    with pytest.raises(ValidationError):
        apply("progress_inquiry", {"reference": "NOPE234567", "channel": "phone"})
    assert not ProgressInquiry.objects.exists()


def test_bad_channel_is_refused_by_the_serializer(open_case):
    from rest_framework.exceptions import ValidationError as DrfValidationError

    case, _code = open_case
    with pytest.raises(DrfValidationError):
        apply("progress_inquiry", {"reference": case.reference, "channel": "fax"})


def test_case_step_moves_the_case_as_the_system(open_case):
    case, _code = open_case
    case = apply(
        "case_step", {"reference": case.reference, "action": "advance", "note": "Documents scanned"}
    )
    assert case.current_step.step.code == "initial_review"
    apply(
        "case_step",
        {
            "reference": case.reference,
            "action": "note",
            "note": "internal check",
            "customer_visible": False,
        },
    )
    assert "internal check" not in [e.text for e in queries.customer_timeline(case)]
    case = apply(
        "case_step", {"reference": case.reference, "action": "advance", "to_step": "disbursement"}
    )
    case = apply("case_step", {"reference": case.reference, "action": "complete"})
    assert case.status == "completed"
    assert AuditEvent.objects.filter(
        action="transparency.case_completed", actor_label="source:callcentre"
    ).exists()
    with pytest.raises(ValidationError):
        apply("case_step", {"reference": case.reference, "action": "advance"})
