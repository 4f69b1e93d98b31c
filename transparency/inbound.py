"""Records other bank systems send to measure 2 through the signed ingest API."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from integration.registry import inbound_type
from qc_portal.models import StaffProfile
from transparency import actions
from transparency.models import Case
from transparency.serializers import CaseStepInboundSerializer, InquiryInboundSerializer


def _case(reference: str) -> Case:
    case = Case.objects.select_related("branch").filter(reference=reference.strip().upper()).first()
    if case is None:
        raise ValidationError({"reference": _("Unknown case reference.")})
    return case


@inbound_type(
    "progress_inquiry",
    serializer=InquiryInboundSerializer,
    description="A customer's “where is my application?” contact logged by the call-centre system",
)
def apply_progress_inquiry(data: dict, *, source):
    case = _case(data["reference"])
    agent = None
    if data.get("agent_employee_number"):
        profile = StaffProfile.objects.filter(employee_number=data["agent_employee_number"]).first()
        if profile is None:
            raise ValidationError({"agent_employee_number": _("Unknown employee number.")})
        agent = profile.user
    return actions.record_inquiry(
        case,
        channel=data["channel"],
        actor=None,
        actor_label=f"source:{source.code}",
        received_at=data.get("received_at"),
        agent=agent,
    )


@inbound_type(
    "case_step",
    serializer=CaseStepInboundSerializer,
    description="A step change on a case from a back-office system: advance (optionally to a "
    "step code), complete, reject, cancel or note",
)
def apply_case_step(data: dict, *, source):
    case = _case(data["reference"])
    label = f"source:{source.code}"
    note = data.get("note", "")
    match data["action"]:
        case "advance":
            return actions.advance_case(
                case, actor=None, actor_label=label, to_step=data.get("to_step") or None, note=note
            )
        case "complete":
            return actions.complete_case(case, actor=None, actor_label=label, note=note)
        case "reject":
            return actions.reject_case(case, actor=None, actor_label=label, reason=note)
        case "cancel":
            return actions.cancel_case(case, actor=None, actor_label=label, reason=note)
        case _:
            actions.add_note(
                case,
                actor=None,
                actor_label=label,
                text=note,
                customer_visible=data.get("customer_visible", True),
            )
            return case
