"""The training gate: an officer whose mandatory risk-control training lapsed cannot decide.
Uses the training app's own records (course, mandatory rule, completion)."""

from datetime import date

import pytest
from django.utils import timezone

from training.models import Completion, Course, CourseRequirement

pytestmark = pytest.mark.django_db


@pytest.fixture
def risk_course(db):
    course = Course.objects.create(
        code="RC-101",
        title_zh="风险控制",
        title_en="Risk control",
        category="risk_control",
        frequency="yearly",
    )
    CourseRequirement.objects.create(
        course=course, role="risk_initial", active_from=date(2020, 1, 1)
    )
    return course


def decide(client, application):
    return client.post(
        f"/api/v1/credit/applications/{application.pk}/decisions/",
        {"stage": "initial_review", "decision": "approve", "reason": "ok"},
        format="json",
    )


def test_a_lapsed_officer_is_refused_with_the_reason(
    settings, api_as, application, risk_initial, risk_course
):
    settings.QC_CREDIT_TRAINING_GATE = True
    response = decide(api_as(risk_initial), application)
    assert response.status_code == 403
    assert "training" in response.json()["message"] or "培训" in response.json()["message"]


def test_renewed_training_lets_the_officer_decide(
    settings, api_as, application, risk_initial, risk_course
):
    settings.QC_CREDIT_TRAINING_GATE = True
    Completion.objects.create(
        user=risk_initial, course=risk_course, completed_on=timezone.localdate(), source="external"
    )
    assert decide(api_as(risk_initial), application).status_code == 201


def test_the_setting_turns_the_gate_off(settings, api_as, application, risk_initial, risk_course):
    settings.QC_CREDIT_TRAINING_GATE = False
    assert decide(api_as(risk_initial), application).status_code == 201


def test_nothing_required_means_nothing_lapsed(settings, api_as, application, risk_initial):
    settings.QC_CREDIT_TRAINING_GATE = True
    assert decide(api_as(risk_initial), application).status_code == 201
