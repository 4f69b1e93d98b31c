"""The employee and training_completion inbound record types."""

from datetime import date
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError

from integration import registry
from qc_portal.models import AuditEvent, StaffProfile
from qc_portal.roles import roles_of
from tests.training.factories import CourseFactory
from training.models import Completion

pytestmark = pytest.mark.django_db
SOURCE = SimpleNamespace(code="hr-system")


def apply(type_name: str, record: dict):
    kind = registry.get(type_name)
    serializer = kind.serializer(data=record)
    if not serializer.is_valid():
        raise ValidationError(serializer.errors)
    return kind.apply(serializer.validated_data, source=SOURCE)


def join(**overrides):
    record = {
        "event": "join",
        "employee_number": "E900001",
        "full_name": "张三",
        "branch_code": "BJ001",
        "department_code": "customer_service",
        "position": "柜员",
        "role": "service_agent",
        "hired_on": "2026-11-02",
        "email": "zhang@bank.example",
    }
    return record | overrides


def test_types_are_registered():
    registry.discover()
    assert {"employee", "training_completion"} <= set(registry.types())


@time_machine.travel("2026-11-20T02:00:00Z", tick=False)
def test_join_move_leave(branch, other_branch):
    profile = apply("employee", join())
    assert profile.user.username == "e900001" and not profile.user.has_usable_password()
    assert roles_of(profile.user) == {"service_agent"}
    assert AuditEvent.objects.filter(
        action="training.employee_joined", actor_label="source:hr-system"
    ).exists()

    moved = apply(
        "employee",
        join(
            event="move", branch_code="SH001", department_code="retail", role="relationship_manager"
        ),
    )
    moved.user._qc_roles = None
    assert moved.branch == other_branch and roles_of(moved.user) == {"relationship_manager"}

    left = apply("employee", join(event="move", left_on="2026-11-15") | {"event": "leave"})
    left.user.refresh_from_db()
    assert left.left_on == date(2026, 11, 15) and left.user.is_active is False
    assert StaffProfile.objects.count() == 1


def test_bad_employee_records_are_rejected(branch):
    with pytest.raises(ValidationError):
        apply("employee", join(event="move"))  # unknown employee
    with pytest.raises(ValidationError):
        apply("employee", join(branch_code="NOPE"))
    with pytest.raises(ValidationError):
        apply("employee", join(role="customer"))
    with pytest.raises(ValidationError):
        apply("employee", join(hired_on="2026-11-02", left_on="2026-10-01"))
    apply("employee", join())
    with pytest.raises(ValidationError):
        apply("employee", join())  # a second join
    with pytest.raises(ValidationError):
        apply("employee", join(event="leave"))  # no date


@time_machine.travel("2026-11-20T02:00:00Z", tick=False)
def test_training_completion(risk_initial):
    CourseFactory(code="RISK-Q", pass_mark=70)
    number = risk_initial.staff_profile.employee_number
    record = {
        "employee_number": number,
        "course_code": "RISK-Q",
        "completed_on": "2026-11-03",
        "score": 85,
    }
    completion = apply("training_completion", record)
    assert completion.source == Completion.Source.EXTERNAL and completion.score == 85
    assert apply("training_completion", record) == completion  # same day again: recorded once
    with pytest.raises(ValidationError):
        apply("training_completion", record | {"score": 69})  # below the pass mark
    with pytest.raises(ValidationError):
        apply("training_completion", record | {"course_code": "NOPE"})
    with pytest.raises(ValidationError):
        apply("training_completion", record | {"employee_number": "X"})
    with pytest.raises(ValidationError):
        apply("training_completion", record | {"completed_on": "2026-12-01"})  # future
