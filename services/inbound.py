"""Records other bank systems send to measure 1 through the signed ingest API."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from integration.registry import inbound_type
from qc_portal.models import Branch, Customer, StaffProfile
from services import actions
from services.models import Feedback, ServiceRecord
from services.serializers import ServiceFeedbackInboundSerializer, ServiceRecordInboundSerializer


@inbound_type(
    "service_record",
    serializer=ServiceRecordInboundSerializer,
    description="A finished counter ticket, call, online chat or chatbot session from the queue, "
    "call-centre or chatbot system",
)
def apply_service_record(data: dict, *, source) -> ServiceRecord:
    branch = Branch.objects.filter(code=data["branch"]).first()
    if branch is None:
        raise ValidationError({"branch": _("Unknown branch code.")})
    customer = None
    if data.get("customer_number"):
        customer = Customer.objects.filter(customer_number=data["customer_number"]).first()
        if customer is None:
            raise ValidationError({"customer_number": _("Unknown customer number.")})
    agent = None
    if data.get("agent_employee_number"):
        profile = (
            StaffProfile.objects.filter(employee_number=data["agent_employee_number"])
            .select_related("user")
            .first()
        )
        if profile is None or profile.branch_id != branch.pk:
            raise ValidationError(
                {"agent_employee_number": _("No staff member with this number at the branch.")}
            )
        agent = profile.user
    return actions.record_service(
        branch=branch,
        channel=data["channel"],
        service_type=data["service_type"],
        arrived_at=data["arrived_at"],
        called_at=data.get("called_at"),
        finished_at=data.get("finished_at"),
        outcome=data["outcome"],
        customer=customer,
        agent=agent,
        ticket_number=data.get("ticket_number", ""),
        source_code=source.code,
        external_id=data["external_id"],
        actor_label=f"source:{source.code}",
    )


@inbound_type(
    "service_feedback",
    serializer=ServiceFeedbackInboundSerializer,
    description="A customer's 1–5 rating of a contact the same system sent before",
)
def apply_service_feedback(data: dict, *, source) -> Feedback:
    record = ServiceRecord.objects.filter(
        source_code=source.code, external_id=data["service_external_id"]
    ).first()
    if record is None:
        raise ValidationError(
            {"service_external_id": _("No service record with this id from this system.")}
        )
    return actions.rate_service(
        record,
        rating=data["rating"],
        comment=data.get("comment", ""),
        actor_label=f"source:{source.code}",
        via=Feedback.Via.INBOUND,
        now=data.get("rated_at"),
    )
