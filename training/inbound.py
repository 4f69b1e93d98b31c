"""Record types training accepts from other bank systems (transport, signatures and
idempotency are the integration app's; the meaning is ours)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from rest_framework import serializers

from integration.registry import inbound_type
from qc_portal.models import StaffProfile
from qc_portal.roles import STAFF_ROLES
from training import actions
from training.models import Course


class EmployeeInboundSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=["join", "move", "leave"])
    employee_number = serializers.CharField(max_length=20)
    full_name = serializers.CharField(max_length=80)
    branch_code = serializers.CharField(max_length=20)
    department_code = serializers.CharField(max_length=30)
    position = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(
        choices=sorted(STAFF_ROLES), required=False, allow_blank=True, default=""
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    hired_on = serializers.DateField()
    left_on = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        exists = StaffProfile.objects.filter(employee_number=attrs["employee_number"]).exists()
        if attrs["event"] == "join" and exists:
            raise serializers.ValidationError({"employee_number": "already joined; send a move"})
        if attrs["event"] in ("move", "leave") and not exists:
            raise serializers.ValidationError(
                {"employee_number": "unknown employee; send a join first"}
            )
        if attrs["event"] == "leave" and not attrs.get("left_on"):
            raise serializers.ValidationError({"left_on": "a leave needs the leaving date"})
        if attrs["event"] == "join" and not attrs.get("role"):
            raise serializers.ValidationError({"role": "a join needs the role"})
        return attrs


@inbound_type(
    "employee",
    serializer=EmployeeInboundSerializer,
    description="An employee joining, moving (branch, department, position, role) or leaving, from the HR system",
)
def apply_employee(data: dict, *, source) -> StaffProfile:
    fields = {k: v for k, v in data.items() if k != "event"}
    return actions.record_employee(**fields, actor_label=f"source:{source.code}")


class TrainingCompletionInboundSerializer(serializers.Serializer):
    employee_number = serializers.CharField(max_length=20)
    course_code = serializers.CharField(max_length=30)
    completed_on = serializers.DateField()
    score = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True, default=None
    )
    external_reference = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default=""
    )


@inbound_type(
    "training_completion",
    serializer=TrainingCompletionInboundSerializer,
    description="A course passed in an external learning system",
)
def apply_training_completion(data: dict, *, source):
    user = (
        get_user_model()
        .objects.filter(staff_profile__employee_number=data["employee_number"])
        .first()
    )
    if user is None:
        raise ValidationError({"employee_number": "unknown employee"})
    course = Course.objects.filter(code=data["course_code"]).first()
    if course is None:
        raise ValidationError({"course_code": "unknown course"})
    return actions.record_completion(
        user,
        course,
        completed_on=data["completed_on"],
        score=data["score"],
        external_reference=data["external_reference"],
        actor_label=f"source:{source.code}",
    )
