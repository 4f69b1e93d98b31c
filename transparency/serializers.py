"""What the customer-facing API shows of a case: progress, never personal data or internal
notes, never a staff account (a staff member's name at most)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from transparency.models import Case, CaseEvent, ProgressInquiry
from transparency.queries import Progress, customer_timeline


class StepSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    state = serializers.ChoiceField(choices=["done", "current", "pending"])
    started_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class NextStepSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()


class TimelineEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    step = serializers.CharField(allow_null=True)
    text = serializers.CharField()
    by = serializers.CharField(help_text="Staff member's name; empty for the bank's systems.")
    at = serializers.DateTimeField()


class CaseProgressSerializer(serializers.Serializer):
    reference = serializers.CharField()
    business_type = serializers.CharField()
    business_name = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    status_label = serializers.CharField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    expected_completion_at = serializers.DateTimeField(allow_null=True)
    current_step = NextStepSerializer(allow_null=True)
    next_step = NextStepSerializer(allow_null=True)
    steps = StepSerializer(many=True)
    timeline = TimelineEventSerializer(many=True)
    manual_section_html = serializers.CharField(
        help_text="Sanitised HTML of the manual section for the current step."
    )
    manual_url = serializers.CharField()


class CaseSummarySerializer(serializers.Serializer):
    reference = serializers.CharField()
    business_type = serializers.CharField()
    business_name = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    status_label = serializers.CharField()
    current_step = serializers.CharField(allow_null=True)
    opened_at = serializers.DateTimeField()
    expected_completion_at = serializers.DateTimeField(allow_null=True)


def _step_brief(step) -> dict | None:
    if step is None:
        return None
    return {"code": step.code, "name": step.name, "description": step.description}


def progress_payload(progress: Progress) -> dict:
    case = progress.case
    return {
        "reference": case.reference,
        "business_type": case.business_type,
        "business_name": case.template.name,
        "title": case.title,
        "status": case.status,
        "status_label": str(Case.Status(case.status).label),
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "expected_completion_at": progress.expected_completion_at,
        "current_step": _step_brief(progress.current),
        "next_step": _step_brief(progress.next_step),
        "steps": [
            {
                "code": item["step"].code,
                "name": item["step"].name,
                "description": item["step"].description,
                "state": item["state"],
                "started_at": item["run"].started_at if item["run"] else None,
                "due_at": item["run"].due_at if item["run"] else None,
                "finished_at": item["run"].finished_at if item["run"] else None,
            }
            for item in progress.steps
        ],
        "timeline": [
            {
                "kind": event.kind,
                "label": str(CaseEvent.Kind(event.kind).label),
                "step": event.step.name if event.step else None,
                "text": event.text,
                "by": event.actor_name,
                "at": event.created_at,
            }
            for event in customer_timeline(case)
        ],
        "manual_section_html": progress.manual_section_html,
        "manual_url": progress.manual_url,
    }


def summary_payload(case: Case) -> dict:
    return {
        "reference": case.reference,
        "business_type": case.business_type,
        "business_name": case.template.name,
        "title": case.title,
        "status": case.status,
        "status_label": str(Case.Status(case.status).label),
        "current_step": case.current_step.step.name if case.current_step and case.is_open else None,
        "opened_at": case.opened_at,
        "expected_completion_at": case.expected_completion_at if case.is_open else None,
    }


class InquiryInboundSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=16)
    channel = serializers.ChoiceField(choices=ProgressInquiry.Channel.choices)
    received_at = serializers.DateTimeField(required=False)
    agent_employee_number = serializers.CharField(max_length=20, required=False, allow_blank=True)

    def validate_received_at(self, value):
        if value > timezone.now():
            raise serializers.ValidationError("in the future")
        return value


class CaseStepInboundSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=16)
    action = serializers.ChoiceField(choices=["advance", "complete", "reject", "cancel", "note"])
    to_step = serializers.CharField(max_length=40, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    customer_visible = serializers.BooleanField(required=False, default=True)
