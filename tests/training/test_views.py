"""Every page: who may open it, scoping, and the main flows through the web forms."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import make_staff
from tests.training.factories import CourseFactory, RequirementFactory, SessionFactory
from training import actions
from training.models import Completion, Enrollment, Idea, Question

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-11-20T02:00:00Z", tick=False):
        yield


@pytest.fixture
def web(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def setup(branch, other_branch, hr_trainer):
    course = CourseFactory(
        code="SVC", category="service_skills", materials="# Steps\n\n<script>x()</script>"
    )
    RequirementFactory(course=course, role="service_agent")
    session = SessionFactory(
        course=course, starts_at=datetime(2026, 12, 1, 9, 30, tzinfo=SH), capacity=1
    )
    survey = actions.create_survey(
        quarter="2026-Q4",
        title_zh="满意度",
        title_en="Satisfaction",
        questions=[("环境", "Workplace")],
        opens_on=date(2026, 11, 1),
        closes_on=date(2026, 12, 15),
        actor=hr_trainer,
    )
    return {"course": course, "session": session, "survey": survey}


HR_PAGES = [
    ("training:plan", ()),
    ("training:surveys", ()),
]


@pytest.mark.parametrize("name", ["training:plan", "training:surveys"])
def test_hr_pages_forbidden_to_others(
    web, setup, name, service_agent, branch_manager, head_office, customer
):
    for user in (service_agent, branch_manager, customer):
        assert web(user).get(reverse(name)).status_code == 403


def test_anonymous_is_sent_to_login(client, setup):
    response = client.get(reverse("training:plan"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_plan_page_and_proposal(web, setup, hr_trainer, service_agent):
    client = web(hr_trainer)
    assert client.get(reverse("training:plan")).status_code == 200
    response = client.post(reverse("training:plan-propose"), {"quarter": "2026-Q4"})
    assert response.status_code == 302
    assert Enrollment.objects.filter(user=service_agent, source="automatic").exists()
    page = client.get(reverse("training:plan") + "?quarter=2026-Q4")
    assert "SVC" in page.content.decode()
    assert client.get(reverse("training:plan") + "?quarter=2026-13").status_code == 404
    assert client.get(reverse("training:plan") + "?quarter=2026-11").status_code == 404


def test_plan_propose_is_post_only_and_hr_only(web, setup, hr_trainer, service_agent):
    assert web(hr_trainer).get(reverse("training:plan-propose")).status_code == 405
    assert (
        web(service_agent)
        .post(reverse("training:plan-propose"), {"quarter": "2026-Q4"})
        .status_code
        == 403
    )


def test_session_create_and_attendance_entry(web, setup, hr_trainer, service_agent):
    client = web(hr_trainer)
    response = client.post(
        reverse("training:session-create"),
        {
            "course": setup["course"].pk,
            "starts_at": "2026-11-19T09:30",
            "capacity": "5",
            "location": "Room 2",
        },
    )
    assert response.status_code == 302
    session = setup["course"].sessions.get(location="Room 2")
    enrollment = Enrollment.objects.create(
        session=session, user=service_agent, status="enrolled", source="manual"
    )
    page = client.get(reverse("training:session", args=[session.pk]))
    assert page.status_code == 200
    client.post(
        reverse("training:session", args=[session.pk]),
        {
            f"attended_{enrollment.pk}": "yes",
            f"pre_{enrollment.pk}": "40",
            f"post_{enrollment.pk}": "75",
        },
    )
    enrollment.refresh_from_db()
    assert (
        enrollment.attended,
        enrollment.pre_score,
        enrollment.post_score,
        enrollment.passed,
    ) == (True, 40, 75, True)
    assert Completion.objects.filter(user=service_agent).exists()
    # Bad input: a classroom session without a place.
    response = client.post(
        reverse("training:session-create"),
        {"course": setup["course"].pk, "starts_at": "2026-12-19T09:30", "capacity": "5"},
    )
    assert response.status_code == 302 and setup["course"].sessions.count() == 2
    assert web(service_agent).get(reverse("training:session", args=[session.pk])).status_code == 403


def test_coverage_scoped_for_branch_manager(
    web, setup, branch, other_branch, branch_manager, hr_trainer
):
    mine = make_staff(
        "service_agent", branch=branch, department_code="customer_service", full_name="本行员工"
    )
    make_staff(
        "service_agent",
        branch=other_branch,
        department_code="customer_service",
        full_name="他行员工",
    )
    page = web(branch_manager).get(reverse("training:coverage"))
    body = page.content.decode()
    assert page.status_code == 200 and "本行员工" in body and "他行员工" not in body
    assert mine
    # Asking for another branch by id finds nothing.
    assert (
        web(branch_manager)
        .get(reverse("training:coverage") + f"?branch={other_branch.pk}")
        .status_code
        == 404
    )
    hr_body = web(hr_trainer).get(reverse("training:coverage")).content.decode()
    assert "本行员工" in hr_body and "他行员工" in hr_body


def test_coverage_forbidden_to_agents(web, setup, service_agent):
    assert web(service_agent).get(reverse("training:coverage")).status_code == 403


def test_coverage_page_query_count_is_fixed(
    web, setup, branch, hr_trainer, django_assert_max_num_queries
):
    for _n in range(10):
        make_staff("service_agent", branch=branch, department_code="customer_service")
    client = web(hr_trainer)
    client.get(reverse("training:coverage"))  # warm caches (session, nav)
    with django_assert_max_num_queries(15):
        client.get(reverse("training:coverage"))


def test_course_page_sanitises_materials(web, setup, service_agent, customer):
    page = web(service_agent).get(reverse("training:course", args=[setup["course"].pk]))
    body = page.content.decode()
    assert "<h1>Steps</h1>" in body and "<script>x()" not in body
    assert (
        web(customer).get(reverse("training:course", args=[setup["course"].pk])).status_code == 403
    )


def test_course_report(web, setup, hr_trainer, service_agent, head_office):
    assert (
        web(hr_trainer)
        .get(reverse("training:course-report", args=[setup["course"].pk]))
        .status_code
        == 200
    )
    assert web(head_office).get(reverse("training:courses")).status_code == 200
    assert (
        web(service_agent)
        .get(reverse("training:course-report", args=[setup["course"].pk]))
        .status_code
        == 403
    )


def test_my_training_enrol_waitlist_and_withdraw(web, setup, branch, service_agent):
    client = web(service_agent)
    page = client.get(reverse("training:my"))
    assert page.status_code == 200 and "SVC" in page.content.decode()
    client.post(reverse("training:session-enroll", args=[setup["session"].pk]))
    enrollment = Enrollment.objects.get(user=service_agent)
    assert enrollment.status == "enrolled"
    colleague = make_staff("service_agent", branch=branch, department_code="customer_service")
    web(colleague).post(reverse("training:session-enroll", args=[setup["session"].pk]))
    assert Enrollment.objects.get(user=colleague).status == "waitlisted"
    web(service_agent).post(reverse("training:withdraw", args=[enrollment.pk]))
    assert Enrollment.objects.get(user=colleague).status == "enrolled"


def test_cannot_touch_someone_elses_enrolment(web, setup, branch, service_agent):
    enrollment = actions.enroll(setup["session"], user=service_agent, actor=service_agent)
    other = make_staff("service_agent", branch=branch, department_code="customer_service")
    client = web(other)
    assert client.post(reverse("training:withdraw", args=[enrollment.pk])).status_code == 404
    assert client.get(reverse("training:quiz", args=[enrollment.pk])).status_code == 404
    assert (
        client.post(reverse("training:feedback", args=[enrollment.pk]), {"rating": 5}).status_code
        == 404
    )


def test_take_a_quiz_through_the_page(web, setup, hr_trainer, service_agent):
    course = setup["course"]
    actions.add_question(
        course,
        text_zh="问",
        text_en="Q",
        choices=[("对", "Yes", True), ("错", "No", False)],
        actor=hr_trainer,
    )
    session = SessionFactory(
        course=course, is_online=True, starts_at=datetime(2026, 11, 20, 9, 0, tzinfo=SH)
    )
    enrollment = Enrollment.objects.create(
        session=session, user=service_agent, status="enrolled", source="automatic"
    )
    client = web(service_agent)
    assert client.get(reverse("training:quiz", args=[enrollment.pk])).status_code == 200
    question = Question.objects.get(course=course)
    right = question.choices.get(is_correct=True)
    client.post(reverse("training:quiz", args=[enrollment.pk]), {f"q{question.pk}": right.pk})
    assert Completion.objects.filter(user=service_agent, course=course).exists()
    client.post(
        reverse("training:feedback", args=[enrollment.pk]), {"rating": "5", "comment": "good"}
    )
    enrollment.refresh_from_db()
    assert enrollment.feedback_rating == 5


def test_survey_answer_once_through_the_page(web, setup, service_agent, customer):
    survey = setup["survey"]
    question = survey.questions.get()
    client = web(service_agent)
    assert client.get(reverse("training:survey", args=[survey.pk])).status_code == 200
    client.post(reverse("training:survey", args=[survey.pk]), {f"q{question.pk}": "4"})
    response = client.post(
        reverse("training:survey", args=[survey.pk]), {f"q{question.pk}": "1"}, follow=True
    )
    assert survey.responses.count() == 1
    assert any("already" in str(m) or "已" in str(m) for m in response.context["messages"])
    assert web(customer).get(reverse("training:survey", args=[survey.pk])).status_code == 403


def test_survey_results_hr_only(web, setup, hr_trainer, branch_manager, head_office):
    url = reverse("training:survey-results", args=[setup["survey"].pk])
    assert web(hr_trainer).get(url).status_code == 200
    assert web(hr_trainer).get(url + "?by=department").status_code == 200
    for user in (branch_manager, head_office):
        assert web(user).get(url).status_code == 403


def test_survey_create_through_the_page(web, setup, hr_trainer):
    client = web(hr_trainer)
    client.post(
        reverse("training:surveys"),
        {
            "quarter": "2027-Q1",
            "opens_on": "2027-01-05",
            "closes_on": "2027-01-20",
            "questions": "环境 | Workplace\n薪酬",
        },
    )
    from training.models import Survey

    survey = Survey.objects.get(quarter="2027-Q1")
    assert list(survey.questions.values_list("text_en", flat=True)) == ["Workplace", "薪酬"]


def test_ideas_pages_scoped(
    web, setup, branch, other_branch, service_agent, other_service_agent, branch_manager
):
    client = web(service_agent)
    client.post(
        reverse("training:ideas"),
        {"title": "Paperless forms", "description": "Scan forms at the counter"},
    )
    idea = Idea.objects.get()
    assert "Paperless" in web(branch_manager).get(reverse("training:ideas")).content.decode()
    assert (
        "Paperless" not in web(other_service_agent).get(reverse("training:ideas")).content.decode()
    )
    assert (
        web(other_service_agent).post(reverse("training:idea-support", args=[idea.pk])).status_code
        == 404
    )
    colleague = make_staff("service_agent", branch=branch, department_code="customer_service")
    web(colleague).post(reverse("training:idea-support", args=[idea.pk]))
    assert idea.supports.count() == 1
    web(branch_manager).post(
        reverse("training:idea-review", args=[idea.pk]), {"decision": "adopted", "note": "Yes"}
    )
    idea.refresh_from_db()
    assert idea.status == "adopted"


def test_hr_home_is_the_plan(web, hr_trainer):
    response = web(hr_trainer).get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("training:plan")


def test_hr_creates_a_course_with_a_rule_and_a_question(
    web, hr_trainer, service_agent, head_office
):
    client = web(hr_trainer)
    client.post(
        reverse("training:courses"),
        {
            "code": "NEW",
            "title_zh": "新课",
            "title_en": "New",
            "category": "compliance",
            "frequency": "yearly",
            "pass_mark": "70",
            "duration_minutes": "45",
            "materials": "**bold**",
        },
    )
    from training.models import Course, CourseRequirement

    course = Course.objects.get(code="NEW")
    client.post(
        reverse("training:requirement-add", args=[course.pk]),
        {"role": "service_agent", "active_from": "2026-10-01"},
    )
    client.post(
        reverse("training:question-add", args=[course.pk]),
        {"text": "问 | Q", "choices": "甲 | A\n乙 | B", "correct": "2"},
    )
    assert course.requirements.get().role == "service_agent"
    assert course.questions.get().choices.get(is_correct=True).text_en == "B"
    rule = CourseRequirement.objects.get(course=course)
    client.post(reverse("training:requirement-end", args=[rule.pk]), {"active_until": "2027-01-01"})
    rule.refresh_from_db()
    assert rule.active_until == date(2027, 1, 1)
    # Bad input: pass mark above 100, a rule naming nothing.
    client.post(
        reverse("training:courses"),
        {
            "code": "BAD",
            "title_zh": "x",
            "title_en": "x",
            "category": "other",
            "frequency": "once",
            "pass_mark": "101",
            "duration_minutes": "5",
        },
    )
    assert not Course.objects.filter(code="BAD").exists()
    client.post(
        reverse("training:requirement-add", args=[course.pk]), {"active_from": "2026-10-01"}
    )
    assert course.requirements.count() == 1
    # Forbidden to others, even to read-only head office.
    for user in (service_agent, head_office):
        assert (
            web(user)
            .post(reverse("training:requirement-add", args=[course.pk]), {"role": "service_agent"})
            .status_code
            == 403
        )
    assert web(head_office).post(reverse("training:courses"), {"code": "HO"}).status_code == 403


def test_hr_adds_and_moves_an_employee_by_hand(
    web, branch, other_branch, hr_trainer, branch_manager
):
    from qc_portal.models import StaffProfile

    client = web(hr_trainer)
    assert client.get(reverse("training:employees") + "?q=E1").status_code == 200
    form = {
        "employee_number": "E1",
        "full_name": "李四",
        "branch_code": "BJ001",
        "department_code": "retail",
        "role": "relationship_manager",
        "hired_on": "2026-11-01",
    }
    client.post(reverse("training:employees"), form)
    client.post(reverse("training:employees"), form | {"branch_code": "SH001"})
    assert StaffProfile.objects.get(employee_number="E1").branch == other_branch
    client.post(
        reverse("training:employees"), form | {"branch_code": "NOPE", "employee_number": "E2"}
    )
    assert not StaffProfile.objects.filter(employee_number="E2").exists()
    assert web(branch_manager).get(reverse("training:employees")).status_code == 403


def test_hr_adjusts_a_session_and_enrols_someone(web, setup, branch, hr_trainer, service_agent):
    session = setup["session"]
    client = web(hr_trainer)
    client.post(
        reverse("training:session", args=[session.pk]),
        {
            "operation": "update",
            "capacity": "4",
            "location": "Room 9",
            "trainer_name": "王老师",
            "starts_at": "2026-12-02T10:00",
        },
    )
    session.refresh_from_db()
    assert (session.capacity, session.location, session.trainer_name) == (4, "Room 9", "王老师")
    assert session.starts_at == datetime(2026, 12, 2, 10, 0, tzinfo=SH)
    number = service_agent.staff_profile.employee_number
    client.post(
        reverse("training:session", args=[session.pk]),
        {"operation": "enroll", "employee_number": number},
    )
    assert Enrollment.objects.get(session=session, user=service_agent).source == "manual"
    client.post(
        reverse("training:session", args=[session.pk]),
        {"operation": "enroll", "employee_number": "NOPE"},
    )
    assert session.enrollments.count() == 1
    client.post(reverse("training:session", args=[session.pk]), {"operation": "cancel"})
    session.refresh_from_db()
    assert session.status == "cancelled"


def test_pages_render_in_english_too(web, setup, hr_trainer):
    from django.utils import translation

    client = web(hr_trainer)
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        body = client.get(reverse("training:coverage"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Who is behind" in body
    client.cookies["django_language"] = "zh-hans"
    body = client.get(reverse("training:coverage"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "未完成名单" in body


def test_hr_removes_someone_and_the_waiting_list_moves_up(
    web, setup, branch, hr_trainer, service_agent
):
    session = setup["session"]  # one seat
    first = actions.enroll(session, user=service_agent, actor=service_agent)
    colleague = make_staff("service_agent", branch=branch, department_code="customer_service")
    waiting = actions.enroll(session, user=colleague, actor=colleague)
    assert waiting.status == "waitlisted"
    assert (
        "withdraw-"
        in web(hr_trainer).get(reverse("training:session", args=[session.pk])).content.decode()
    )
    web(hr_trainer).post(
        reverse("training:session", args=[session.pk]),
        {"operation": "withdraw", "enrollment": first.pk},
    )
    waiting.refresh_from_db()
    assert waiting.status == "enrolled"
    other = SessionFactory(course=setup["course"], starts_at=datetime(2026, 12, 3, 9, 0, tzinfo=SH))
    assert (
        web(hr_trainer)
        .post(
            reverse("training:session", args=[other.pk]),
            {"operation": "withdraw", "enrollment": waiting.pk},
        )
        .status_code
        == 404
    )
