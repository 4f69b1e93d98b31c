"""Training pages: HR (plan, sessions, attendance, coverage, surveys, ideas, course reports),
staff (my training, quiz, feedback, survey, ideas) and branch managers (their coverage).
Thin: parse, call an action or a query, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qc_portal.models import Department
from qc_portal.periods import QUARTER, Period, bank_tz
from qc_portal.roles import STAFF_ROLES, Role
from qc_portal.scoping import visible_branches, visible_staff
from training import actions, permissions, queries
from training.models import (
    Course,
    CourseRequirement,
    Enrollment,
    Idea,
    IdeaSupport,
    Question,
    Session,
    Survey,
    TrainingPlan,
)
from training.text import render_markdown


def allowed(predicate: Callable) -> Callable:
    """Login required, then `predicate(user)` or 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _quarter(request) -> Period:
    text = request.GET.get("quarter") or request.POST.get("quarter")
    if not text:
        return Period.current(QUARTER)
    try:
        period = Period.parse(text)
    except ValidationError:
        raise Http404 from None
    if period.kind != QUARTER:
        raise Http404
    return period


def _report(request, error: ValidationError) -> None:
    if hasattr(error, "message_dict"):
        for field, texts in error.message_dict.items():
            for text in texts:
                messages.error(request, text if field == "__all__" else f"{field}: {text}")
    else:
        for text in error.messages:
            messages.error(request, text)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- HR: plan and sessions ---


@allowed(permissions.can_manage_training)
def plan(request):
    period = _quarter(request)
    plan_obj = TrainingPlan.objects.filter(quarter=str(period)).first()
    sessions = (
        Session.objects.filter(starts_at__gte=period.start, starts_at__lt=period.end)
        .select_related("course")
        .annotate(
            enrolled=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED)),
            waitlisted=Count(
                "enrollments", filter=Q(enrollments__status=Enrollment.Status.WAITLISTED)
            ),
        )
        .order_by("starts_at")
    )
    coverage = queries.coverage_by(period, user=request.user)
    active = sum(row.active for row in coverage)
    covered = sum(row.covered for row in coverage)
    return render(
        request,
        "training/plan.html",
        {
            "period": period,
            "previous": period.previous(),
            "next": period.next(),
            "plan": plan_obj,
            "sessions": sessions,
            "courses": Course.objects.filter(is_active=True),
            "active": active,
            "covered": covered,
            "ratio": covered / active if active else None,
        },
    )


@require_POST
@allowed(permissions.can_manage_training)
def plan_propose(request):
    period = _quarter(request)
    plan_obj = actions.propose_plan(period, actor=request.user)
    needed = sum(item["needed"] for item in plan_obj.needs)
    messages.success(
        request, _("Plan proposed: %(count)s people need a mandatory course.") % {"count": needed}
    )
    return redirect(f"{_url('training:plan')}?quarter={period}")


@require_POST
@allowed(permissions.can_manage_training)
def plan_publish(request, pk: int):
    plan_obj = get_object_or_404(TrainingPlan, pk=pk)
    actions.publish_plan(plan_obj, actor=request.user)
    messages.success(request, _("Plan published."))
    return redirect(f"{_url('training:plan')}?quarter={plan_obj.quarter}")


def _url(name: str, *args) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


@require_POST
@allowed(permissions.can_manage_training)
def session_create(request):
    course = get_object_or_404(Course, pk=_int_or_none(request.POST.get("course")) or 0)
    starts_at = parse_datetime(request.POST.get("starts_at", "") or "")
    plan_obj = None
    if starts_at is None:
        messages.error(request, _("Give the session's date and time."))
        return redirect("training:plan")
    if timezone.is_naive(starts_at):
        starts_at = starts_at.replace(tzinfo=bank_tz())
    plan_obj = TrainingPlan.objects.filter(
        quarter=str(Period.containing(starts_at, QUARTER))
    ).first()
    try:
        session = actions.create_session(
            course,
            starts_at=starts_at,
            capacity=_int_or_none(request.POST.get("capacity")) or 0,
            location=request.POST.get("location", ""),
            is_online=request.POST.get("is_online") == "on",
            trainer_name=request.POST.get("trainer_name", ""),
            plan=plan_obj,
            actor=request.user,
        )
    except ValidationError as error:
        _report(request, error)
        return redirect("training:plan")
    messages.success(request, _("Session created."))
    return redirect("training:session", pk=session.pk)


@allowed(permissions.can_manage_training)
def session_detail(request, pk: int):
    session = get_object_or_404(Session.objects.select_related("course", "plan"), pk=pk)
    if request.method == "POST":
        return _session_post(request, session)
    enrollments = session.enrollments.select_related("user__staff_profile__branch").order_by(
        "status", "created_at"
    )
    return render(
        request,
        "training/session.html",
        {
            "session": session,
            "enrollments": enrollments,
            "counts": queries.session_counts(session),
            "started": session.starts_at <= timezone.now(),
        },
    )


def _session_post(request, session: Session):
    """Attendance and assessment entry: one form with a row per participant."""
    operation = request.POST.get("operation")
    try:
        if operation == "cancel":
            actions.cancel_session(session, actor=request.user)
            messages.success(request, _("Session cancelled."))
        elif operation == "update":
            changes = {
                "capacity": _int_or_none(request.POST.get("capacity")) or 0,
                "location": request.POST.get("location", "").strip(),
                "trainer_name": request.POST.get("trainer_name", "").strip(),
            }
            starts_at = parse_datetime(request.POST.get("starts_at", "") or "")
            if starts_at is not None:
                changes["starts_at"] = (
                    starts_at.replace(tzinfo=bank_tz())
                    if timezone.is_naive(starts_at)
                    else starts_at
                )
            actions.update_session(session, actor=request.user, **changes)
            messages.success(request, _("Session updated."))
        elif operation == "withdraw":
            enrollment = get_object_or_404(
                session.enrollments, pk=_int_or_none(request.POST.get("enrollment")) or 0
            )
            actions.withdraw(enrollment, actor=request.user)
            messages.success(request, _("Session updated."))
        elif operation == "enroll":
            number = request.POST.get("employee_number", "").strip()
            person = (
                visible_staff(request.user)
                .filter(employee_number=number)
                .select_related("user")
                .first()
            )
            if person is None:
                raise ValidationError({"employee_number": _("Unknown employee number.")})
            enrollment = actions.enroll(session, user=person.user, actor=request.user)
            messages.success(
                request,
                _("%(name)s: %(status)s.")
                % {"name": person.full_name, "status": enrollment.get_status_display()},
            )
        else:
            count = 0
            for enrollment in session.enrollments.filter(status=Enrollment.Status.ENROLLED):
                mark = request.POST.get(f"attended_{enrollment.pk}")
                if mark in ("yes", "no") and (
                    enrollment.attended is None or enrollment.attended != (mark == "yes")
                ):
                    actions.record_attendance(
                        enrollment, attended=mark == "yes", actor=request.user
                    )
                    count += 1
                pre = request.POST.get(f"pre_{enrollment.pk}", "").strip()
                post = request.POST.get(f"post_{enrollment.pk}", "").strip()
                changed = (pre and _int_or_none(pre) != enrollment.pre_score) or (
                    post and _int_or_none(post) != enrollment.post_score
                )
                if changed:
                    enrollment.refresh_from_db()
                    actions.record_assessment(
                        enrollment,
                        pre_score=pre or None,
                        post_score=post or None,
                        actor=request.user,
                    )
                    count += 1
            messages.success(request, _("%(count)s changes saved.") % {"count": count})
    except ValidationError as error:
        _report(request, error)
    return redirect("training:session", pk=session.pk)


# --- HR and managers: coverage ---


@allowed(permissions.can_view_coverage)
def coverage(request):
    period = _quarter(request)
    branch_id = _int_or_none(request.GET.get("branch"))
    department_id = _int_or_none(request.GET.get("department"))
    if branch_id and not visible_branches(request.user).filter(pk=branch_id).exists():
        raise Http404
    tables = queries.coverage_tables(period, user=request.user)
    by_branch, by_department = tables["branch"], tables["department"]
    behind = queries.people_behind(
        period, user=request.user, branch_id=branch_id, department_id=department_id, limit=300
    )
    active = sum(row.active for row in by_branch)
    covered = sum(row.covered for row in by_branch)
    return render(
        request,
        "training/coverage.html",
        {
            "period": period,
            "previous": period.previous(),
            "next": period.next(),
            "by_branch": by_branch,
            "by_department": by_department,
            "behind": behind,
            "active": active,
            "covered": covered,
            "ratio": covered / active if active else None,
            "branch_id": branch_id,
            "department_id": department_id,
            "departments": Department.objects.all(),
            "branches": visible_branches(request.user),
        },
    )


# --- courses ---


@login_required
def course_detail(request, pk: int):
    if not permissions.is_staff_member(request.user) and not permissions.can_manage_training(
        request.user
    ):
        raise PermissionDenied
    course = get_object_or_404(Course, pk=pk)
    return render(
        request,
        "training/course.html",
        {
            "course": course,
            "materials": render_markdown(course.materials),
            "requirements": course.requirements.select_related("department"),
            "can_report": permissions.can_view_course_report(request.user),
            "can_manage": permissions.can_manage_training(request.user),
            "question_count": course.questions.filter(is_active=True).count(),
            "roles": [(value, label) for value, label in Role.choices if value in STAFF_ROLES],
            "departments": Department.objects.all(),
        },
    )


@allowed(permissions.can_view_course_report)
def course_list(request):
    if request.method == "POST":
        if not permissions.can_manage_training(request.user):
            raise PermissionDenied
        fields = {
            name: request.POST.get(name, "").strip()
            for name in ("code", "title_zh", "title_en", "category", "frequency", "materials")
        }
        fields["pass_mark"] = _int_or_none(request.POST.get("pass_mark"))
        fields["duration_minutes"] = _int_or_none(request.POST.get("duration_minutes"))
        try:
            course = actions.create_course(actor=request.user, **fields)
        except ValidationError as error:
            _report(request, error)
            return redirect("training:courses")
        messages.success(request, _("Course created."))
        return redirect("training:course", pk=course.pk)
    courses = Course.objects.annotate(
        completion_count=Count("completions", distinct=True),
        sessions_count=Count("sessions", distinct=True),
    )
    return render(
        request,
        "training/courses.html",
        {
            "courses": courses,
            "categories": Course.Category.choices,
            "frequencies": Course.Frequency.choices,
            "can_manage": permissions.can_manage_training(request.user),
        },
    )


@require_POST
@allowed(permissions.can_manage_training)
def requirement_add(request, pk: int):
    course = get_object_or_404(Course, pk=pk)
    try:
        actions.add_requirement(
            course,
            role=request.POST.get("role", ""),
            department_code=request.POST.get("department", ""),
            active_from=parse_date(request.POST.get("active_from", "") or "")
            or timezone.localdate(),
            actor=request.user,
        )
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Mandatory rule added."))
    return redirect("training:course", pk=course.pk)


@require_POST
@allowed(permissions.can_manage_training)
def requirement_end(request, pk: int):
    requirement = get_object_or_404(CourseRequirement, pk=pk)
    until = parse_date(request.POST.get("active_until", "") or "")
    try:
        if until is None:
            raise ValidationError({"active_until": _("Give the end date.")})
        actions.end_requirement(requirement, until=until, actor=request.user)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Mandatory rule ended."))
    return redirect("training:course", pk=requirement.course_id)


@require_POST
@allowed(permissions.can_manage_training)
def question_add(request, pk: int):
    course = get_object_or_404(Course, pk=pk)
    correct = _int_or_none(request.POST.get("correct")) or 1
    choices = []
    for number, line in enumerate(
        [line for line in request.POST.get("choices", "").splitlines() if line.strip()], start=1
    ):
        zh, _bar, en = line.partition("|")
        choices.append((zh.strip(), en.strip() or zh.strip(), number == correct))
    text_zh, _bar, text_en = request.POST.get("text", "").partition("|")
    try:
        actions.add_question(
            course,
            text_zh=text_zh.strip(),
            text_en=text_en.strip() or text_zh.strip(),
            choices=choices,
            actor=request.user,
        )
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Question added."))
    return redirect("training:course", pk=course.pk)


@allowed(permissions.can_view_course_report)
def course_report(request, pk: int):
    course = get_object_or_404(Course, pk=pk)
    effect = queries.course_effect(course)
    return render(request, "training/course_report.html", {"course": course, "effect": effect})


# --- staff: my training ---


@allowed(permissions.is_staff_member)
def my_training(request):
    today = timezone.localdate()
    due = queries.due_courses(request.user, day=today)
    enrollments = list(queries.my_enrollments(request.user))
    booked = {e.session_id for e in enrollments if e.status != Enrollment.Status.WITHDRAWN}
    quiz_courses = set(Question.objects.filter(is_active=True).values_list("course_id", flat=True))
    upcoming = (
        Session.objects.filter(status=Session.Status.SCHEDULED, starts_at__gt=timezone.now())
        .exclude(pk__in=booked)
        .select_related("course")
        .annotate(
            enrolled=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED))
        )
        .order_by("starts_at")[:30]
    )
    upcoming = list(upcoming)
    for session in upcoming:
        session.free_seats = max(session.capacity - session.enrolled, 0)
    survey = Survey.objects.filter(opens_on__lte=today, closes_on__gte=today).first()
    answered = survey is not None and survey.participations.filter(user=request.user).exists()
    now = timezone.now()
    for enrollment in enrollments:
        session = enrollment.session
        enrollment.can_quiz = (
            session.course_id in quiz_courses
            and actions.quiz_is_open(enrollment, now=now)
            and not enrollment.passed
        )
        enrollment.can_feedback = bool(enrollment.attended) and enrollment.feedback_rating is None
        enrollment.can_withdraw = (
            enrollment.status in (Enrollment.Status.ENROLLED, Enrollment.Status.WAITLISTED)
            and enrollment.attended is None
            and session.starts_at > now
        )
    return render(
        request,
        "training/my.html",
        {
            "due": due,
            "enrollments": enrollments,
            "upcoming": upcoming,
            "survey": survey,
            "answered": answered,
            "quarter": Period.containing(today, QUARTER),
        },
    )


@require_POST
@allowed(permissions.is_staff_member)
def session_enroll(request, pk: int):
    session = get_object_or_404(queries.visible_sessions(request.user), pk=pk)
    try:
        enrollment = actions.enroll(session, user=request.user, actor=request.user)
    except ValidationError as error:
        _report(request, error)
    else:
        if enrollment.status == Enrollment.Status.WAITLISTED:
            messages.warning(request, _("The session is full: you are on the waiting list."))
        else:
            messages.success(request, _("You are enrolled."))
    return redirect("training:my")


def _own_enrollment(request, pk: int) -> Enrollment:
    return get_object_or_404(
        Enrollment.objects.select_related("session__course"), pk=pk, user=request.user
    )


@require_POST
@allowed(permissions.is_staff_member)
def enrollment_withdraw(request, pk: int):
    enrollment = _own_enrollment(request, pk)
    try:
        actions.withdraw(enrollment, actor=request.user)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("You have left the session."))
    return redirect("training:my")


@allowed(permissions.is_staff_member)
def quiz(request, pk: int):
    enrollment = _own_enrollment(request, pk)
    questions = queries.quiz_questions(enrollment)

    if request.method == "POST":
        answers = {}
        for question in questions:
            choice = _int_or_none(request.POST.get(f"q{question.pk}"))
            if choice is not None:
                answers[question.pk] = choice
        try:
            enrollment = actions.submit_quiz(enrollment, answers=answers, actor=request.user)
        except ValidationError as error:
            _report(request, error)
            return redirect("training:my")
        if enrollment.passed:
            messages.success(
                request,
                _("Passed with %(score)s. The course is complete.")
                % {"score": enrollment.post_score},
            )
        else:
            messages.warning(
                request,
                _("%(score)s is below the pass mark of %(mark)s. You may try again.")
                % {"score": enrollment.post_score, "mark": enrollment.session.course.pass_mark},
            )
        return redirect("training:my")
    return render(request, "training/quiz.html", {"enrollment": enrollment, "questions": questions})


@require_POST
@allowed(permissions.is_staff_member)
def feedback(request, pk: int):
    enrollment = _own_enrollment(request, pk)
    try:
        actions.give_feedback(
            enrollment,
            rating=request.POST.get("rating"),
            comment=request.POST.get("comment", ""),
            actor=request.user,
        )
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Thank you for your feedback."))
    return redirect("training:my")


# --- surveys ---


@allowed(permissions.is_staff_member)
def survey_answer(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    questions = list(survey.questions.all())
    if request.method == "POST":
        scores = {q.pk: request.POST.get(f"q{q.pk}") for q in questions}
        try:
            actions.submit_survey(survey, scores=scores, actor=request.user)
        except ValidationError as error:
            _report(request, error)
            return redirect("training:survey", pk=survey.pk)
        messages.success(request, _("Thank you: your answers are recorded anonymously."))
        return redirect("training:my")
    answered = survey.participations.filter(user=request.user).exists()
    return render(
        request,
        "training/survey.html",
        {"survey": survey, "questions": questions, "answered": answered},
    )


@allowed(permissions.can_view_survey_results)
def survey_list(request):
    if request.method == "POST":
        quarter = request.POST.get("quarter", "")
        texts = [
            line.strip() for line in request.POST.get("questions", "").splitlines() if line.strip()
        ]
        questions = []
        for line in texts:  # "中文 | English", or one text used for both
            zh, _bar, en = line.partition("|")
            questions.append((zh.strip(), en.strip() or zh.strip()))
        try:
            actions.create_survey(
                quarter=quarter,
                title_zh=request.POST.get("title_zh", "").strip() or f"{quarter} 员工满意度调查",
                title_en=request.POST.get("title_en", "").strip()
                or f"{quarter} employee satisfaction survey",
                questions=questions,
                opens_on=parse_date(request.POST.get("opens_on", "") or "") or timezone.localdate(),
                closes_on=parse_date(request.POST.get("closes_on", "") or "")
                or timezone.localdate(),
                actor=request.user,
            )
        except ValidationError as error:
            _report(request, error)
        else:
            messages.success(request, _("Survey created."))
        return redirect("training:surveys")
    surveys = Survey.objects.annotate(respondents=Count("participations"))
    return render(request, "training/surveys.html", {"surveys": surveys})


@allowed(permissions.can_view_survey_results)
def survey_results(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    group = "department" if request.GET.get("by") == "department" else "branch"
    results = queries.survey_results(survey, group=group)
    return render(
        request,
        "training/survey_results.html",
        {"survey": survey, "results": results, "group": group},
    )


# --- ideas ---


@allowed(permissions.is_staff_member)
def ideas(request):
    if request.method == "POST":
        try:
            actions.submit_idea(
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                actor=request.user,
            )
        except ValidationError as error:
            _report(request, error)
        else:
            messages.success(request, _("Idea submitted."))
        return redirect("training:ideas")
    status = request.GET.get("status", "")
    listing = queries.visible_ideas(request.user)
    if status in Idea.Status.values:
        listing = listing.filter(status=status)
    listing = list(listing[:200])
    supported = set(IdeaSupport.objects.filter(user=request.user).values_list("idea_id", flat=True))
    for idea in listing:
        idea.can_review = idea.status == Idea.Status.SUBMITTED and permissions.can_review_idea(
            request.user, idea
        )
        idea.can_support = (
            idea.status == Idea.Status.SUBMITTED
            and idea.author_id != request.user.pk
            and idea.pk not in supported
        )
    return render(
        request,
        "training/ideas.html",
        {
            "ideas": listing,
            "status": status,
            "statuses": Idea.Status.choices,
            "by_branch": queries.idea_counts(request.user, group="branch"),
            "by_department": queries.idea_counts(request.user, group="department"),
        },
    )


@require_POST
@allowed(permissions.is_staff_member)
def idea_support(request, pk: int):
    idea = get_object_or_404(queries.visible_ideas(request.user), pk=pk)
    try:
        actions.support_idea(idea, actor=request.user)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Thank you for your support."))
    return redirect("training:ideas")


@require_POST
@login_required
def idea_review(request, pk: int):
    idea = get_object_or_404(queries.visible_ideas(request.user), pk=pk)
    try:
        actions.review_idea(
            idea,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
            actor=request.user,
        )
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Review recorded."))
    return redirect("training:ideas")


# --- HR: employees (by hand; the HR system sends `employee` inbound records) ---


@allowed(permissions.can_manage_training)
def employees(request):
    if request.method == "POST":
        try:
            profile = actions.record_employee(
                employee_number=request.POST.get("employee_number", "").strip(),
                full_name=request.POST.get("full_name", "").strip(),
                branch_code=request.POST.get("branch_code", ""),
                department_code=request.POST.get("department_code", ""),
                position=request.POST.get("position", "").strip(),
                role=request.POST.get("role", ""),
                email=request.POST.get("email", "").strip(),
                hired_on=parse_date(request.POST.get("hired_on", "") or "") or timezone.localdate(),
                left_on=parse_date(request.POST.get("left_on", "") or ""),
                actor=request.user,
            )
        except ValidationError as error:
            _report(request, error)
        else:
            messages.success(
                request, _("Employee %(number)s saved.") % {"number": profile.employee_number}
            )
        return redirect("training:employees")
    search = request.GET.get("q", "").strip()
    staff = visible_staff(request.user).order_by("employee_number")
    if search:
        staff = staff.filter(Q(employee_number__icontains=search) | Q(full_name__icontains=search))
    return render(
        request,
        "training/employees.html",
        {
            "staff": staff[:200],
            "search": search,
            "branches": visible_branches(request.user),
            "departments": Department.objects.all(),
            "roles": [(value, label) for value, label in Role.choices if value in STAFF_ROLES],
        },
    )
