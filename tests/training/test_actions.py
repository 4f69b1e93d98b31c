"""Plans, sessions and waiting lists, quizzes, feedback, surveys, ideas and reminders."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from qc_portal.models import Alert, AuditEvent, Notification
from qc_portal.periods import Period
from tests.factories import BranchFactory, make_staff
from tests.training.factories import CourseFactory, RequirementFactory, SessionFactory, complete
from training import actions
from training.models import Completion, Course, Enrollment, Session, SurveyParticipation
from training.queries import survey_results

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
Q4 = Period.parse("2026-Q4")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-11-20T02:00:00Z", tick=False) as traveller:
        yield traveller


def agent(branch, **profile):
    return make_staff("service_agent", branch=branch, department_code="customer_service", **profile)


def future_session(**kwargs):
    return SessionFactory(starts_at=datetime(2026, 12, 1, 9, 30, tzinfo=SH), **kwargs)


# --- plan ---


def test_plan_proposal_enrols_who_needs_the_course(branch, hr_trainer):
    course = CourseFactory(code="SVC", category="service_skills")
    RequirementFactory(course=course, role="service_agent")
    people = [agent(branch) for _n in range(5)]
    complete(people[0], course, date(2026, 10, 3))  # already holds it
    plan = actions.propose_plan(Q4, actor=hr_trainer, capacity=2)
    assert plan.needs == [{"course_id": course.pk, "code": "SVC", "needed": 4}]
    sessions = Session.objects.filter(plan=plan)
    assert sessions.count() == 2
    assert Enrollment.objects.filter(source="automatic", status="enrolled").count() == 4
    assert not Enrollment.objects.filter(user=people[0]).exists()
    # A joiner arrives; proposing again only adds what is newly needed.
    agent(branch, hired_on=date(2026, 11, 15))
    plan = actions.propose_plan(Q4, actor=hr_trainer, capacity=2)
    assert plan.needs[0]["needed"] == 1
    assert Session.objects.filter(plan=plan).count() == 3
    assert Enrollment.objects.count() == 5
    assert AuditEvent.objects.filter(action="training.plan_proposed").count() == 2


def test_only_hr_proposes_a_plan(service_agent):
    with pytest.raises(PermissionDenied):
        actions.propose_plan(Q4, actor=service_agent)


def test_plan_needs_a_quarter(hr_trainer):
    with pytest.raises(ValidationError):
        actions.propose_plan(Period.parse("2026-11"), actor=hr_trainer)


# --- enrolment and waiting list ---


def test_full_session_waitlists_and_promotes_when_someone_leaves(branch, hr_trainer):
    session = future_session(capacity=2)
    first, second, third, fourth = (agent(branch) for _n in range(4))
    assert actions.enroll(session, user=first, actor=first).status == "enrolled"
    assert actions.enroll(session, user=second, actor=second).status == "enrolled"
    waiting = actions.enroll(session, user=third, actor=third)
    later = actions.enroll(session, user=fourth, actor=hr_trainer)  # HR enrols someone
    assert (waiting.status, later.status) == ("waitlisted", "waitlisted")
    actions.withdraw(Enrollment.objects.get(user=first), actor=first)
    waiting.refresh_from_db()
    later.refresh_from_db()
    assert (waiting.status, later.status) == ("enrolled", "waitlisted")
    actions.update_session(session, capacity=3, actor=hr_trainer)
    later.refresh_from_db()
    assert later.status == "enrolled"


def test_enrolment_rules(branch, hr_trainer, service_agent, customer):
    session = future_session()
    actions.enroll(session, user=service_agent, actor=service_agent)
    with pytest.raises(ValidationError):
        actions.enroll(session, user=service_agent, actor=service_agent)  # twice
    colleague = agent(branch)
    with pytest.raises(PermissionDenied):
        actions.enroll(session, user=colleague, actor=service_agent)  # enrolling someone else
    with pytest.raises(PermissionDenied):
        actions.enroll(session, user=customer, actor=customer)
    past = SessionFactory(starts_at=datetime(2026, 11, 1, 9, 0, tzinfo=SH))
    with pytest.raises(ValidationError):
        actions.enroll(past, user=colleague, actor=colleague)
    actions.cancel_session(session, actor=hr_trainer)
    with pytest.raises(ValidationError):
        actions.enroll(session, user=colleague, actor=colleague)


def test_attendance_only_after_start(branch, hr_trainer, service_agent):
    session = future_session()
    enrollment = actions.enroll(session, user=service_agent, actor=service_agent)
    with pytest.raises(ValidationError):
        actions.record_attendance(enrollment, attended=True, actor=hr_trainer)
    with pytest.raises(PermissionDenied):
        actions.record_attendance(enrollment, attended=True, actor=service_agent)


def test_score_out_of_range_is_refused(hr_trainer, service_agent):
    session = SessionFactory(starts_at=datetime(2026, 11, 2, 9, 0, tzinfo=SH))
    enrollment = Enrollment.objects.create(
        session=session, user=service_agent, status="enrolled", source="manual"
    )
    for bad in (101, -1, "abc"):
        with pytest.raises(ValidationError):
            actions.record_assessment(enrollment, post_score=bad, actor=hr_trainer)


# --- quiz and feedback ---


@pytest.fixture
def quiz_course(hr_trainer):
    course = CourseFactory(code="QUIZ", pass_mark=60)
    questions = [
        actions.add_question(
            course,
            text_zh=f"问题{n}",
            text_en=f"Question {n}",
            choices=[("对", "Right", True), ("错", "Wrong", False)],
            actor=hr_trainer,
        )
        for n in range(5)
    ]
    return course, questions


def answers(questions, right: int):
    result = {}
    for n, question in enumerate(questions):
        choice = question.choices.get(is_correct=n < right)
        result[question.pk] = choice.pk
    return result


def test_online_quiz_pass_completes_the_course(quiz_course, service_agent, frozen):
    course, questions = quiz_course
    session = SessionFactory(
        course=course, is_online=True, starts_at=datetime(2026, 11, 20, 9, 0, tzinfo=SH)
    )
    enrollment = Enrollment.objects.create(
        session=session, user=service_agent, status="enrolled", source="automatic"
    )
    failed = actions.submit_quiz(enrollment, answers=answers(questions, 2), actor=service_agent)
    assert (failed.post_score, failed.passed) == (40, False)
    assert not Completion.objects.exists()
    passed = actions.submit_quiz(enrollment, answers=answers(questions, 3), actor=service_agent)
    assert (passed.post_score, passed.passed, passed.attended) == (60, True, True)
    assert Completion.objects.get().completed_on == date(2026, 11, 20)
    with pytest.raises(ValidationError):
        actions.submit_quiz(enrollment, answers=answers(questions, 5), actor=service_agent)


def test_quiz_is_the_participants_own(quiz_course, service_agent, branch):
    course, questions = quiz_course
    session = SessionFactory(
        course=course, is_online=True, starts_at=datetime(2026, 11, 20, 9, 0, tzinfo=SH)
    )
    enrollment = Enrollment.objects.create(
        session=session, user=service_agent, status="enrolled", source="automatic"
    )
    with pytest.raises(PermissionDenied):
        actions.submit_quiz(enrollment, answers={}, actor=agent(branch))


def test_classroom_quiz_needs_hr_attendance(quiz_course, service_agent, hr_trainer):
    course, questions = quiz_course
    session = SessionFactory(
        course=course, is_online=False, starts_at=datetime(2026, 11, 20, 9, 0, tzinfo=SH)
    )
    enrollment = Enrollment.objects.create(
        session=session, user=service_agent, status="enrolled", source="automatic"
    )
    actions.submit_quiz(enrollment, answers=answers(questions, 5), actor=service_agent)
    assert not Completion.objects.exists()
    actions.record_attendance(enrollment, attended=True, actor=hr_trainer)
    assert Completion.objects.filter(user=service_agent, course=course).exists()


def test_question_needs_one_right_choice(hr_trainer):
    course = CourseFactory()
    with pytest.raises(ValidationError):
        actions.add_question(
            course,
            text_zh="x",
            text_en="x",
            choices=[("a", "a", True), ("b", "b", True)],
            actor=hr_trainer,
        )


def test_feedback_once_after_attending(service_agent, hr_trainer):
    session = SessionFactory(starts_at=datetime(2026, 11, 2, 9, 0, tzinfo=SH))
    enrollment = Enrollment.objects.create(
        session=session, user=service_agent, status="enrolled", source="manual"
    )
    with pytest.raises(ValidationError):
        actions.give_feedback(enrollment, rating=5, actor=service_agent)
    actions.record_attendance(enrollment, attended=True, actor=hr_trainer)
    enrollment.refresh_from_db()
    for bad in (0, 6, "x"):
        with pytest.raises(ValidationError):
            actions.give_feedback(enrollment, rating=bad, actor=service_agent)
    actions.give_feedback(enrollment, rating=4, comment="useful", actor=service_agent)
    with pytest.raises(ValidationError):
        actions.give_feedback(enrollment, rating=5, actor=service_agent)
    with pytest.raises(PermissionDenied):
        actions.give_feedback(enrollment, rating=5, actor=hr_trainer)


# --- survey ---


@pytest.fixture
def survey(hr_trainer):
    return actions.create_survey(
        quarter="2026-Q4",
        title_zh="满意度",
        title_en="Satisfaction",
        questions=[("工作环境", "Workplace"), ("培训", "Training")],
        opens_on=date(2026, 11, 1),
        closes_on=date(2026, 12, 15),
        actor=hr_trainer,
    )


def scores(survey, *values):
    return dict(zip(survey.questions.values_list("pk", flat=True), values, strict=True))


def test_one_survey_answer_per_employee(survey, service_agent):
    actions.submit_survey(survey, scores=scores(survey, 5, 4), actor=service_agent)
    with pytest.raises(ValidationError) as error:
        actions.submit_survey(survey, scores=scores(survey, 1, 1), actor=service_agent)
    with translation.override("en"):
        assert error.value.message_dict == {"survey": ["You have already answered this survey."]}
    assert SurveyParticipation.objects.count() == 1


def test_survey_answers_are_not_linked_to_the_person(survey, service_agent):
    response = actions.submit_survey(survey, scores=scores(survey, 5, 4), actor=service_agent)
    assert not hasattr(response, "user")
    event = AuditEvent.objects.get(action="training.survey_answered")
    assert event.changes == {}


def test_survey_must_answer_every_question_1_to_5(survey, service_agent, customer):
    with pytest.raises(ValidationError):
        actions.submit_survey(survey, scores=scores(survey, 5, 6), actor=service_agent)
    with pytest.raises(ValidationError):
        actions.submit_survey(survey, scores={}, actor=service_agent)
    with pytest.raises(PermissionDenied):
        actions.submit_survey(survey, scores=scores(survey, 5, 5), actor=customer)


def test_closed_survey_refuses_answers(survey, service_agent, frozen):
    frozen.move_to("2026-12-20T02:00:00Z")
    with pytest.raises(ValidationError):
        actions.submit_survey(survey, scores=scores(survey, 5, 5), actor=service_agent)


def test_second_survey_for_a_quarter_is_refused(survey, hr_trainer):
    with pytest.raises(ValidationError):
        actions.create_survey(
            quarter="2026-Q4",
            title_zh="x",
            title_en="x",
            questions=[("a", "a")],
            opens_on=date(2026, 11, 1),
            closes_on=date(2026, 11, 2),
            actor=hr_trainer,
        )


def test_anonymity_floor_of_five(survey, branch, other_branch):
    for _n in range(4):
        actions.submit_survey(survey, scores=scores(survey, 5, 4), actor=agent(branch))
    results = survey_results(survey)
    assert results["bank"].shown is False and results["bank"].mean is None
    assert [g.shown for g in results["groups"]] == [False]
    assert results["groups"][0].respondents == 0 and results["groups"][0].satisfied_share is None

    actions.submit_survey(survey, scores=scores(survey, 2, 3), actor=agent(branch))  # the fifth
    results = survey_results(survey)
    assert results["groups"][0].shown is True and results["groups"][0].respondents == 5
    assert results["groups"][0].satisfied_share == 8 / 10


def test_small_group_cannot_be_recovered_by_subtraction(survey, branch, other_branch):
    third = BranchFactory(code="GZ001", name_zh="广州第1支行", name_en="Guangzhou 1")
    for _n in range(5):
        actions.submit_survey(survey, scores=scores(survey, 5, 4), actor=agent(branch))
    for _n in range(6):
        actions.submit_survey(survey, scores=scores(survey, 3, 3), actor=agent(third))
    for _n in range(2):
        actions.submit_survey(survey, scores=scores(survey, 1, 1), actor=agent(other_branch))
    shown = {g.label: g for g in survey_results(survey)["groups"]}
    # other_branch (2) is below the floor; hiding it alone would let bank − the others reveal
    # it, so the smallest shown branch (5) is hidden too; the 6-person branch stays visible.
    assert shown[other_branch.name_zh].shown is False
    assert shown[branch.name_zh].shown is False and shown[branch.name_zh].mean is None
    assert shown[third.name_zh].shown is True and shown[third.name_zh].respondents == 6
    results = survey_results(survey)
    assert results["bank"].respondents == 13


@pytest.mark.parametrize(
    "counts, hidden",
    [
        ({"a": 5, "b": 7}, set()),
        ({"a": 4}, {"a"}),
        ({"a": 4, "b": 9}, {"a", "b"}),
        ({"a": 2, "b": 3, "c": 8}, {"a", "b"}),  # the two hidden make 5 together
        ({"a": 1, "b": 6, "c": 5}, {"a", "c"}),
    ],
)
def test_suppressed_groups(counts, hidden):
    from training.queries import suppressed_groups

    assert suppressed_groups(counts) == hidden


def test_satisfaction_kpi_hides_small_branches(survey, branch, other_branch):
    from kpis.registry import BANK
    from training import metrics

    third = BranchFactory(code="GZ001", name_zh="广州第1支行", name_en="Guangzhou 1")
    for n in range(5):
        actions.submit_survey(survey, scores=scores(survey, 5, 3 if n else 4), actor=agent(branch))
    for _n in range(5):
        actions.submit_survey(survey, scores=scores(survey, 4, 4), actor=agent(third))
    actions.submit_survey(survey, scores=scores(survey, 1, 1), actor=agent(other_branch))
    result = metrics.employee_satisfaction(Q4)
    assert other_branch.pk not in result
    assert (result[BANK].numerator, result[BANK].denominator) == (16, 22)
    # One of the two 5-person branches is hidden as well, so the 1-person one is not exposed.
    assert len([key for key in result if key is not None]) == 1


# --- ideas ---


def test_ideas_support_once_and_review(
    branch, other_branch, service_agent, branch_manager, hr_trainer, other_branch_manager
):
    idea = actions.submit_idea(
        title="Queue SMS", description="Text customers when their turn nears", actor=service_agent
    )
    colleague = agent(branch)
    actions.support_idea(idea, actor=colleague)
    with pytest.raises(ValidationError):
        actions.support_idea(idea, actor=colleague)
    with pytest.raises(ValidationError):
        actions.support_idea(idea, actor=service_agent)  # own idea
    with pytest.raises(PermissionDenied):
        actions.support_idea(idea, actor=agent(other_branch))  # cannot see it
    with pytest.raises(PermissionDenied):
        actions.review_idea(idea, decision="adopted", note="ok", actor=other_branch_manager)
    with pytest.raises(PermissionDenied):
        actions.review_idea(idea, decision="adopted", note="ok", actor=colleague)
    with pytest.raises(ValidationError):
        actions.review_idea(idea, decision="adopted", note="  ", actor=branch_manager)
    actions.review_idea(idea, decision="adopted", note="Pilot in Q1", actor=branch_manager)
    with pytest.raises(ValidationError):
        actions.review_idea(idea, decision="declined", note="no", actor=hr_trainer)


def test_idea_needs_title_and_description(service_agent):
    with pytest.raises(ValidationError):
        actions.submit_idea(title="", description="short", actor=service_agent)


# --- reminders ---


def test_reminders_sent_once_and_managers_alerted(branch, branch_manager, frozen):
    course = CourseFactory(code="SVC", category=Course.Category.SERVICE_SKILLS)
    RequirementFactory(course=course, role="service_agent")
    behind = agent(branch)
    done = agent(branch)
    complete(done, course, date(2026, 10, 10))
    agent(branch, hired_on=date(2019, 1, 1), left_on=date(2026, 11, 1))  # left: not reminded

    with time_machine.travel("2026-10-20T02:00:00Z", tick=False):  # too early in the quarter
        assert actions.send_reminders(Q4)["reminders"] == 0

    result = actions.send_reminders(Q4, today=date(2026, 11, 20))
    assert result == {"people": 1, "reminders": 1, "branches": 1}
    reminder = Alert.objects.get(kind="training.reminder")
    assert list(Notification.objects.filter(alert=reminder).values_list("user", flat=True)) == [
        behind.pk
    ]
    manager_alert = Alert.objects.get(kind="training.behind")
    assert Notification.objects.filter(alert=manager_alert, user=branch_manager).exists()
    # Run again the next day: nobody is reminded twice.
    again = actions.send_reminders(Q4, today=date(2026, 11, 21))
    assert again["reminders"] == 0
    assert Alert.objects.filter(kind="training.reminder").count() == 1
    assert Notification.objects.filter(user=behind).count() == 1


def test_reminder_emails_the_person(branch, django_capture_on_commit_callbacks):
    course = CourseFactory(code="SVC")
    RequirementFactory(course=course, role="service_agent")
    person = agent(branch)
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_reminders(Q4, today=date(2026, 11, 20))
    assert [m.to for m in mail.outbox if "SVC" in m.body] == [[person.email]]


def test_no_reminders_after_quarter_end(branch):
    course = CourseFactory(code="SVC")
    RequirementFactory(course=course, role="service_agent")
    agent(branch)
    assert actions.send_reminders(Q4, today=Q4.end_date + timedelta(days=1))["reminders"] == 0


def test_quiz_closes_with_the_quarter_and_for_the_absent(
    quiz_course, service_agent, hr_trainer, frozen
):
    course, questions = quiz_course
    old = SessionFactory(
        course=course, is_online=True, starts_at=datetime(2026, 9, 20, 9, 0, tzinfo=SH)
    )
    enrollment = Enrollment.objects.create(
        session=old, user=service_agent, status="enrolled", source="automatic"
    )
    with pytest.raises(ValidationError):
        actions.submit_quiz(enrollment, answers=answers(questions, 5), actor=service_agent)
    current = SessionFactory(
        course=course, is_online=False, starts_at=datetime(2026, 11, 19, 9, 0, tzinfo=SH)
    )
    absent = Enrollment.objects.create(
        session=current, user=service_agent, status="enrolled", source="automatic"
    )
    actions.record_attendance(absent, attended=False, actor=hr_trainer)
    with pytest.raises(ValidationError):
        actions.submit_quiz(absent, answers=answers(questions, 5), actor=service_agent)


def test_quiz_draws_at_most_ten_questions_consistently(hr_trainer, service_agent):
    from training.queries import quiz_questions

    course = CourseFactory(code="BIG")
    for n in range(14):
        actions.add_question(
            course,
            text_zh=f"问{n}",
            text_en=f"Q{n}",
            choices=[("对", "R", True), ("错", "W", False)],
            actor=hr_trainer,
        )
    session = SessionFactory(
        course=course, is_online=True, starts_at=datetime(2026, 11, 20, 9, 0, tzinfo=SH)
    )
    enrollment = Enrollment.objects.create(
        session=session, user=service_agent, status="enrolled", source="automatic"
    )
    drawn = quiz_questions(enrollment)
    assert len(drawn) == 10 and [q.pk for q in drawn] == [q.pk for q in quiz_questions(enrollment)]
    right = {q.pk: q.choices.get(is_correct=True).pk for q in drawn}
    result = actions.submit_quiz(enrollment, answers=right, actor=service_agent)
    assert (result.post_score, result.passed) == (100, True)
