"""Training API: success, bad input, forbidden and out of scope for each endpoint."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import make_staff
from tests.training.factories import CourseFactory, RequirementFactory, SessionFactory
from training import actions

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-11-20T02:00:00Z", tick=False):
        yield


@pytest.fixture
def course(db):
    course = CourseFactory(code="SVC", category="service_skills")
    RequirementFactory(course=course, role="service_agent")
    return course


def test_my_training(api_as, service_agent, course, customer):
    response = api_as(service_agent).get("/api/v1/training/me/")
    assert response.status_code == 200
    assert response.json()["quarter"] == "2026-Q4"
    assert [(c["code"], c["held"]) for c in response.json()["due"]] == [("SVC", False)]
    assert api_as(customer).get("/api/v1/training/me/").status_code == 403


def test_anonymous_is_refused(api):
    assert api.get("/api/v1/training/me/").status_code in (401, 403)


def test_enrol_and_waitlist(api_as, branch, service_agent, course):
    session = SessionFactory(
        course=course, capacity=1, starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    )
    first = api_as(service_agent).post(f"/api/v1/training/sessions/{session.pk}/enrollments/")
    assert (first.status_code, first.json()["status"]) == (201, "enrolled")
    again = api_as(service_agent).post(f"/api/v1/training/sessions/{session.pk}/enrollments/")
    assert again.status_code == 400 and again.json()["errors"]["session"]
    colleague = make_staff("service_agent", branch=branch, department_code="customer_service")
    assert (
        api_as(colleague)
        .post(f"/api/v1/training/sessions/{session.pk}/enrollments/")
        .json()["status"]
        == "waitlisted"
    )
    assert (
        api_as(colleague).post("/api/v1/training/sessions/999999/enrollments/").status_code == 404
    )


def test_coverage_scoped(
    api_as, branch, other_branch, branch_manager, hr_trainer, service_agent, course
):
    make_staff("service_agent", branch=other_branch, department_code="customer_service")
    mine = api_as(branch_manager).get("/api/v1/training/coverage/?quarter=2026-Q4").json()
    assert [row["id"] for row in mine["branches"]] == [branch.pk]
    everyone = api_as(hr_trainer).get("/api/v1/training/coverage/").json()
    assert {row["id"] for row in everyone["branches"]} == {branch.pk, other_branch.pk}
    assert api_as(hr_trainer).get("/api/v1/training/coverage/?quarter=2026-11").status_code == 400
    assert api_as(hr_trainer).get("/api/v1/training/coverage/?quarter=nope").status_code == 400
    assert api_as(service_agent).get("/api/v1/training/coverage/").status_code == 403


def test_survey_answer_once(api_as, service_agent, hr_trainer, customer):
    survey = actions.create_survey(
        quarter="2026-Q4",
        title_zh="满意度",
        title_en="Satisfaction",
        questions=[("环境", "Workplace")],
        opens_on=date(2026, 11, 1),
        closes_on=date(2026, 12, 15),
        actor=hr_trainer,
    )
    question = survey.questions.get()
    url = f"/api/v1/training/surveys/{survey.pk}/answers/"
    client = api_as(service_agent)
    assert client.post(url, {"scores": {str(question.pk): 4}}, format="json").status_code == 201
    second = client.post(url, {"scores": {str(question.pk): 5}}, format="json")
    assert second.status_code == 400 and "survey" in second.json()["errors"]
    assert (
        api_as(make_staff("service_agent", branch=service_agent.staff_profile.branch))
        .post(url, {"scores": {str(question.pk): 9}}, format="json")
        .status_code
        == 400
    )
    assert (
        api_as(customer).post(url, {"scores": {str(question.pk): 4}}, format="json").status_code
        == 403
    )
