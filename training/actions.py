"""Staff training (measure 5): HR keeps the courses and their mandatory rules; each quarter a
plan is proposed from those rules (who needs which course, given what they already hold),
with sessions and automatic enrolment; staff enrol themselves in further sessions (a waiting
list when full, promoted when someone withdraws); HR records attendance and test scores or
staff take the online quiz; a completion is written only when attendance and a pass are both
recorded (or an external learning system reports a pass). Staff behind on a mandatory course
are reminded once per course and quarter, their managers alerted. HR runs the quarterly
satisfaction survey (anonymous answers) and staff submit innovation ideas that colleagues
support and HR or a department head reviews. Employees arrive from the HR system.

Every write here is one transaction with an audit row inside it.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qc_portal.alerts import raise_alert
from qc_portal.audit import record_event, snapshot
from qc_portal.models import Alert, Branch, Department, Notification, StaffProfile
from qc_portal.periods import QUARTER, Period, bank_tz
from qc_portal.roles import STAFF_ROLES, Role
from qc_portal.scoping import can_see_branch, staff_profile
from training import permissions, queries
from training.models import (
    Choice,
    Completion,
    Course,
    CourseRequirement,
    Enrollment,
    Idea,
    IdeaSupport,
    Question,
    Session,
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    TrainingPlan,
)

COURSE_FIELDS = [
    "code",
    "title_zh",
    "title_en",
    "category",
    "duration_minutes",
    "pass_mark",
    "frequency",
    "materials",
    "is_active",
]
SESSION_FIELDS = ["starts_at", "trainer_name", "location", "is_online", "capacity", "status"]


def _require_manager(actor) -> None:
    if not permissions.can_manage_training(actor):
        raise PermissionDenied(_("Only HR training staff may do this."))


def _require_staff(actor) -> None:
    if not permissions.is_staff_member(actor):
        raise PermissionDenied(_("Only employees may do this."))


# --- courses and mandatory rules ---


@transaction.atomic
def create_course(*, actor, **fields) -> Course:
    _require_manager(actor)
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown course fields: %(names)s"), params={"names": ", ".join(sorted(unknown))}
        )
    course = Course(**fields)
    course.full_clean()
    course.save()
    record_event(
        "training.course_created", actor=actor, target=course, after=snapshot(course, COURSE_FIELDS)
    )
    return course


@transaction.atomic
def update_course(course: Course, *, actor, **fields) -> Course:
    _require_manager(actor)
    course = Course.objects.select_for_update().get(pk=course.pk)
    before = snapshot(course, COURSE_FIELDS)
    for name, value in fields.items():
        if name not in COURSE_FIELDS:
            raise ValidationError({name: _("Unknown field.")})
        setattr(course, name, value)
    course.full_clean()
    course.save()
    record_event(
        "training.course_updated",
        actor=actor,
        target=course,
        before=before,
        after=snapshot(course, COURSE_FIELDS),
    )
    return course


@transaction.atomic
def add_requirement(
    course: Course, *, role: str = "", department_code: str = "", active_from: date, actor
) -> CourseRequirement:
    """Make `course` mandatory for a role and/or a department from `active_from` on."""
    _require_manager(actor)
    if role and role not in STAFF_ROLES:
        raise ValidationError({"role": _("Not a staff role.")})
    department = None
    if department_code:
        department = Department.objects.filter(code=department_code).first()
        if department is None:
            raise ValidationError({"department": _("Unknown department.")})
    if not role and department is None:
        raise ValidationError(_("A mandatory rule needs a role, a department or both."))
    requirement = CourseRequirement.objects.create(
        course=course, role=role, department=department, active_from=active_from
    )
    record_event(
        "training.requirement_added",
        actor=actor,
        target=requirement,
        after={
            "course": course.code,
            "role": role,
            "department": department_code,
            "active_from": active_from,
        },
    )
    return requirement


@transaction.atomic
def end_requirement(requirement: CourseRequirement, *, until: date, actor) -> CourseRequirement:
    """Stop a mandatory rule from `until` on (exclusive); past quarters keep it."""
    _require_manager(actor)
    if until <= requirement.active_from:
        raise ValidationError({"active_until": _("The end must be after the start.")})
    before = {"active_until": requirement.active_until}
    requirement.active_until = until
    requirement.save(update_fields=["active_until"])
    record_event(
        "training.requirement_ended",
        actor=actor,
        target=requirement,
        before=before,
        after={"active_until": until},
    )
    return requirement


@transaction.atomic
def add_question(
    course: Course, *, text_zh: str, text_en: str, choices: list[tuple[str, str, bool]], actor
) -> Question:
    _require_manager(actor)
    if len(choices) < 2 or sum(1 for _zh, _en, correct in choices if correct) != 1:
        raise ValidationError(
            {"choices": _("A question needs at least two choices and exactly one correct one.")}
        )
    question = Question.objects.create(course=course, text_zh=text_zh, text_en=text_en)
    Choice.objects.bulk_create(
        [
            Choice(question=question, text_zh=zh, text_en=en, is_correct=correct)
            for zh, en, correct in choices
        ]
    )
    record_event(
        "training.question_added", actor=actor, target=question, after={"course": course.code}
    )
    return question


# --- quarterly plan and sessions ---


def staff_needing(course: Course, period: Period):
    """Active staff the rules in force at the quarter's end require to take `course`, who do not
    hold it for the quarter and are not already on a live session of it in the quarter."""
    rules = queries._matching_rules(
        period.last_date,
        user_ref=OuterRef(OuterRef("user_id")),
        department_ref=OuterRef("department_id"),
    ).filter(course=course)
    held = Completion.objects.filter(
        queries._quarter_window_q(period), user_id=OuterRef("user_id"), course=course
    )
    booked = Enrollment.objects.filter(
        user_id=OuterRef("user_id"),
        session__course=course,
        session__starts_at__gte=period.start,
        session__starts_at__lt=period.end,
        status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.WAITLISTED],
    ).exclude(session__status=Session.Status.CANCELLED)
    return (
        queries.active_staff_in(period)
        .filter(Exists(rules.values("pk")))
        .exclude(Exists(held))
        .exclude(Exists(booked))
        .order_by("branch__code", "employee_number")
    )


def _workday_slots(period: Period, count: int) -> list[datetime]:
    """Session start times: weekdays from the quarter's third week, 09:30 and 14:00."""
    slots, day = [], period.start_date + timedelta(days=14)
    while len(slots) < count:
        if day.weekday() < 5:
            for at in (time(9, 30), time(14, 0)):
                slots.append(datetime.combine(day, at, tzinfo=bank_tz()))
        day += timedelta(days=1)
        if day >= period.end_date:
            day = period.start_date + timedelta(days=14)
    return slots[:count]


@transaction.atomic
def propose_plan(
    period: Period, *, actor=None, actor_label: str = "", capacity: int = 30
) -> TrainingPlan:
    """Build (or top up) the quarter's plan from the mandatory rules: for each course, the staff
    who still need it get sessions of `capacity` seats and are enrolled automatically. Run
    again after joiners or rule changes, it only adds what is newly needed; HR then adjusts
    sessions by hand. An online session is proposed where the course has a quiz bank."""
    if actor is not None:
        _require_manager(actor)
    if period.kind != QUARTER:
        raise ValidationError({"quarter": _("A plan is made per quarter.")})
    plan, _created = TrainingPlan.objects.get_or_create(
        quarter=str(period), defaults={"created_by": actor if actor is not None else None}
    )
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    needs, new_sessions, new_enrollments = [], 0, 0
    courses = Course.objects.filter(
        is_active=True,
        pk__in=CourseRequirement.objects.filter(queries.in_force_q(period.last_date)).values(
            "course_id"
        ),
    ).order_by("code")
    online_courses = set(
        Question.objects.filter(is_active=True).values_list("course_id", flat=True)
    )
    for course in courses:
        people = list(staff_needing(course, period).values_list("user_id", flat=True))
        needs.append({"course_id": course.pk, "code": course.code, "needed": len(people)})
        if not people:
            continue
        # First fill free seats in the plan's existing sessions of this course.
        open_sessions = list(
            Session.objects.filter(
                plan=plan, course=course, status=Session.Status.SCHEDULED
            ).order_by("starts_at")
        )
        seats = []
        for session in open_sessions:
            taken = session.enrollments.filter(status=Enrollment.Status.ENROLLED).count()
            seats.extend([session] * max(session.capacity - taken, 0))
        missing = len(people) - len(seats)
        if missing > 0:
            count = math.ceil(missing / capacity)
            online = course.pk in online_courses
            created = Session.objects.bulk_create(
                [
                    Session(
                        course=course,
                        plan=plan,
                        starts_at=slot,
                        capacity=capacity,
                        is_online=online,
                        location="" if online else "培训中心 Training centre",
                    )
                    for slot in _workday_slots(period, count)
                ]
            )
            new_sessions += len(created)
            for session in created:
                seats.extend([session] * capacity)
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    session=session,
                    user_id=user_id,
                    status=Enrollment.Status.ENROLLED,
                    source=Enrollment.Source.AUTOMATIC,
                )
                for user_id, session in zip(people, seats, strict=False)
            ],
            ignore_conflicts=True,
        )
        new_enrollments += len(people)
    plan.needs = needs
    plan.save(update_fields=["needs"])
    record_event(
        "training.plan_proposed",
        actor=actor,
        actor_label=actor_label,
        target=plan,
        after={"needs": needs, "new_sessions": new_sessions, "new_enrollments": new_enrollments},
    )
    return plan


@transaction.atomic
def publish_plan(plan: TrainingPlan, *, actor) -> TrainingPlan:
    _require_manager(actor)
    before = {"status": plan.status}
    plan.status = TrainingPlan.Status.PUBLISHED
    plan.save(update_fields=["status"])
    record_event(
        "training.plan_published",
        actor=actor,
        target=plan,
        before=before,
        after={"status": plan.status},
    )
    return plan


@transaction.atomic
def create_session(
    course: Course,
    *,
    starts_at: datetime,
    capacity: int,
    actor,
    location: str = "",
    is_online: bool = False,
    trainer_name: str = "",
    plan: TrainingPlan | None = None,
) -> Session:
    _require_manager(actor)
    if not is_online and not location.strip():
        raise ValidationError({"location": _("A classroom session needs a place.")})
    session = Session(
        course=course,
        plan=plan,
        starts_at=starts_at,
        capacity=capacity,
        location=location.strip(),
        is_online=is_online,
        trainer_name=trainer_name.strip(),
    )
    session.full_clean()
    session.save()
    record_event(
        "training.session_created",
        actor=actor,
        target=session,
        after=snapshot(session, SESSION_FIELDS),
    )
    return session


@transaction.atomic
def update_session(session: Session, *, actor, **fields) -> Session:
    """HR adjusts a session (date, place, trainer, capacity). More seats promote the waiting list."""
    _require_manager(actor)
    session = Session.objects.select_for_update().get(pk=session.pk)
    before = snapshot(session, SESSION_FIELDS)
    for name, value in fields.items():
        if name not in SESSION_FIELDS or name == "status":
            raise ValidationError({name: _("This field cannot be changed here.")})
        setattr(session, name, value)
    session.full_clean()
    if not session.is_online and not session.location.strip():
        raise ValidationError({"location": _("A classroom session needs a place.")})
    enrolled = session.enrollments.filter(status=Enrollment.Status.ENROLLED).count()
    if session.capacity < enrolled:
        raise ValidationError({"capacity": _("Fewer seats than people already enrolled.")})
    session.save()
    _promote_waiting(session)
    record_event(
        "training.session_updated",
        actor=actor,
        target=session,
        before=before,
        after=snapshot(session, SESSION_FIELDS),
    )
    return session


@transaction.atomic
def cancel_session(session: Session, *, actor) -> Session:
    _require_manager(actor)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError({"status": _("Only a scheduled session can be cancelled.")})
    session.status = Session.Status.CANCELLED
    session.save(update_fields=["status"])
    record_event("training.session_cancelled", actor=actor, target=session)
    return session


def _promote_waiting(session: Session) -> int:
    """Fill free seats from the waiting list, first come first served."""
    enrolled = session.enrollments.filter(status=Enrollment.Status.ENROLLED).count()
    free = session.capacity - enrolled
    if free <= 0:
        return 0
    waiting = list(
        session.enrollments.filter(status=Enrollment.Status.WAITLISTED).order_by(
            "created_at", "id"
        )[:free]
    )
    for enrollment in waiting:
        enrollment.status = Enrollment.Status.ENROLLED
        enrollment.save(update_fields=["status"])
        record_event("training.waitlist_promoted", actor_label="system", target=enrollment)
    return len(waiting)


@transaction.atomic
def enroll(session: Session, *, user, actor) -> Enrollment:
    """Enrol `user` (themselves, or anyone when HR does it). A full session puts them on the
    waiting list. Enrolment the plan made for mandatory courses is `automatic`; this is manual."""
    if actor.pk != user.pk:
        _require_manager(actor)
    else:
        _require_staff(actor)
    if staff_profile(user) is None:
        raise ValidationError({"user": _("Only employees can be enrolled.")})
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError({"session": _("This session is not open for enrolment.")})
    if session.starts_at <= timezone.now():
        raise ValidationError({"session": _("This session has already started.")})
    existing = Enrollment.objects.filter(session=session, user=user).first()
    if existing is not None and existing.status != Enrollment.Status.WITHDRAWN:
        raise ValidationError({"session": _("Already enrolled in this session.")})
    enrolled = session.enrollments.filter(status=Enrollment.Status.ENROLLED).count()
    status = (
        Enrollment.Status.ENROLLED if enrolled < session.capacity else Enrollment.Status.WAITLISTED
    )
    if existing is not None:
        existing.status, existing.created_at = status, timezone.now()
        existing.save(update_fields=["status", "created_at"])
        enrollment = existing
    else:
        enrollment = Enrollment.objects.create(
            session=session, user=user, status=status, source=Enrollment.Source.MANUAL
        )
    record_event(
        "training.enrolled",
        actor=actor,
        target=enrollment,
        after={"status": status, "session": session.pk},
    )
    return enrollment


@transaction.atomic
def withdraw(enrollment: Enrollment, *, actor) -> Enrollment:
    """Leave a session (or the waiting list); the first person waiting takes the seat."""
    if actor.pk != enrollment.user_id:
        _require_manager(actor)
    session = Session.objects.select_for_update().get(pk=enrollment.session_id)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status == Enrollment.Status.WITHDRAWN:
        raise ValidationError({"status": _("Already withdrawn.")})
    if enrollment.attended is not None:
        raise ValidationError({"status": _("Attendance is already recorded.")})
    before = {"status": enrollment.status}
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.save(update_fields=["status"])
    record_event(
        "training.withdrawn",
        actor=actor,
        target=enrollment,
        before=before,
        after={"status": enrollment.status},
    )
    _promote_waiting(session)
    return enrollment


# --- attendance, assessment, quiz, feedback, completion ---


def _session_day(session: Session) -> date:
    return timezone.localtime(session.starts_at, bank_tz()).date()


def _complete_if_earned(
    enrollment: Enrollment, *, actor=None, actor_label: str = ""
) -> Completion | None:
    if not (enrollment.attended and enrollment.passed):
        return None
    if Completion.objects.filter(enrollment=enrollment).exists():
        return None
    return record_completion(
        enrollment.user,
        enrollment.session.course,
        completed_on=_session_day(enrollment.session),
        score=enrollment.post_score,
        enrollment=enrollment,
        actor=actor,
        actor_label=actor_label,
    )


@transaction.atomic
def record_attendance(enrollment: Enrollment, *, attended: bool, actor) -> Enrollment:
    _require_manager(actor)
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("session__course")
        .get(pk=enrollment.pk)
    )
    if enrollment.status != Enrollment.Status.ENROLLED:
        raise ValidationError({"attended": _("Only enrolled participants can attend.")})
    if enrollment.session.status == Session.Status.CANCELLED:
        raise ValidationError({"attended": _("The session was cancelled.")})
    if enrollment.session.starts_at > timezone.now():
        raise ValidationError({"attended": _("The session has not started yet.")})
    if hasattr(enrollment, "completion") and not attended:
        raise ValidationError(
            {"attended": _("A completion was already recorded for this attendance.")}
        )
    before = {"attended": enrollment.attended}
    enrollment.attended = attended
    enrollment.save(update_fields=["attended"])
    if enrollment.session.status == Session.Status.SCHEDULED:
        Session.objects.filter(pk=enrollment.session_id).update(status=Session.Status.HELD)
    record_event(
        "training.attendance_recorded",
        actor=actor,
        target=enrollment,
        before=before,
        after={"attended": attended},
    )
    _complete_if_earned(enrollment, actor=actor)
    return enrollment


def _check_score(name: str, value) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({name: _("A score is a whole number from 0 to 100.")}) from None
    if not 0 <= number <= 100:
        raise ValidationError({name: _("A score is a whole number from 0 to 100.")})
    return number


@transaction.atomic
def record_assessment(
    enrollment: Enrollment, *, pre_score=None, post_score=None, actor
) -> Enrollment:
    """HR enters the pre-test and post-test scores; pass or fail is the post-test against the
    course's pass mark (a score equal to the pass mark passes)."""
    _require_manager(actor)
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("session__course")
        .get(pk=enrollment.pk)
    )
    if enrollment.status != Enrollment.Status.ENROLLED:
        raise ValidationError({"post_score": _("Only enrolled participants are assessed.")})
    pre, post = _check_score("pre_score", pre_score), _check_score("post_score", post_score)
    if hasattr(enrollment, "completion"):
        raise ValidationError(
            {"post_score": _("A completion was already recorded; scores are final.")}
        )
    before = snapshot(enrollment, ["pre_score", "post_score", "passed"])
    if pre is not None:
        enrollment.pre_score = pre
    if post is not None:
        enrollment.post_score = post
        enrollment.passed = post >= enrollment.session.course.pass_mark
    enrollment.save(update_fields=["pre_score", "post_score", "passed"])
    record_event(
        "training.assessment_recorded",
        actor=actor,
        target=enrollment,
        before=before,
        after=snapshot(enrollment, ["pre_score", "post_score", "passed"]),
    )
    _complete_if_earned(enrollment, actor=actor)
    return enrollment


def quiz_is_open(enrollment: Enrollment, *, now: datetime | None = None) -> bool:
    """A session's quiz is open from its start to the end of its quarter, unless HR recorded
    the person absent."""
    now = now or timezone.now()
    quarter = Period.containing(enrollment.session.starts_at, QUARTER)
    return (
        enrollment.session.starts_at <= now < quarter.end
        and enrollment.attended is not False
        and enrollment.status == Enrollment.Status.ENROLLED
        and enrollment.session.status != Session.Status.CANCELLED
    )


@transaction.atomic
def submit_quiz(enrollment: Enrollment, *, answers: dict[int, int], actor) -> Enrollment:
    """The participant's online quiz (`queries.quiz_questions`: up to ten questions of the
    course's bank), score = correct answers / questions × 100, pass against the pass mark. In an online session the
    submission is the attendance; in a classroom session attendance is HR's record. A failed
    quiz may be taken again until passed."""
    if actor.pk != enrollment.user_id:
        raise PermissionDenied(_("Only the participant takes their quiz."))
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("session__course")
        .get(pk=enrollment.pk)
    )
    session = enrollment.session
    if (
        enrollment.status != Enrollment.Status.ENROLLED
        or session.status == Session.Status.CANCELLED
    ):
        raise ValidationError({"quiz": _("You are not enrolled in this session.")})
    if session.starts_at > timezone.now():
        raise ValidationError({"quiz": _("The quiz opens when the session starts.")})
    if not quiz_is_open(enrollment):
        raise ValidationError({"quiz": _("The quiz for this session is closed.")})
    if enrollment.passed:
        raise ValidationError({"quiz": _("You have already passed this course.")})
    questions = queries.quiz_questions(enrollment)

    if not questions:
        raise ValidationError({"quiz": _("This course has no quiz.")})
    correct = 0
    for question in questions:
        chosen = answers.get(question.pk)
        right = next((c.pk for c in question.choices.all() if c.is_correct), None)
        if chosen is not None and int(chosen) == right:
            correct += 1
    score = round(100 * correct / len(questions))
    before = snapshot(enrollment, ["post_score", "passed", "attended"])
    enrollment.post_score = score
    enrollment.passed = score >= session.course.pass_mark
    if session.is_online:
        enrollment.attended = True
    enrollment.save(update_fields=["post_score", "passed", "attended"])
    record_event(
        "training.quiz_submitted",
        actor=actor,
        target=enrollment,
        before=before,
        after={"score": score, "passed": enrollment.passed, "questions": len(questions)},
    )
    _complete_if_earned(enrollment, actor=actor)
    return enrollment


@transaction.atomic
def give_feedback(enrollment: Enrollment, *, rating, comment: str = "", actor) -> Enrollment:
    """Kirkpatrick level 1: the participant rates the course 1–5 after attending."""
    if actor.pk != enrollment.user_id:
        raise PermissionDenied(_("Only the participant gives feedback."))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise ValidationError({"rating": _("A rating is from 1 to 5.")}) from None
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("A rating is from 1 to 5.")})
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if not enrollment.attended:
        raise ValidationError({"rating": _("Feedback is given after attending.")})
    if enrollment.feedback_rating is not None:
        raise ValidationError({"rating": _("You have already given feedback.")})
    enrollment.feedback_rating, enrollment.feedback_comment = rating, comment.strip()[:2000]
    enrollment.save(update_fields=["feedback_rating", "feedback_comment"])
    record_event(
        "training.feedback_given", actor=actor, target=enrollment, after={"rating": rating}
    )
    return enrollment


@transaction.atomic
def record_completion(
    user,
    course: Course,
    *,
    completed_on: date,
    score: int | None = None,
    enrollment: Enrollment | None = None,
    external_reference: str = "",
    actor=None,
    actor_label: str = "",
) -> Completion:
    """A passed course. From a session (attendance and pass both recorded) or from an external
    learning system (`training_completion` inbound records), which must report a passing
    score when it reports one. The same course on the same day is recorded once."""
    if staff_profile(user) is None:
        raise ValidationError({"employee_number": _("Not an employee.")})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("A completion cannot be in the future.")})
    if score is not None and score < course.pass_mark:
        raise ValidationError({"score": _("The score is below the course's pass mark.")})
    existing = Completion.objects.filter(
        user=user, course=course, completed_on=completed_on
    ).first()
    if existing is not None:
        return existing
    completion = Completion.objects.create(
        user=user,
        course=course,
        completed_on=completed_on,
        score=score,
        enrollment=enrollment,
        source=Completion.Source.SESSION if enrollment else Completion.Source.EXTERNAL,
        external_reference=external_reference,
    )
    record_event(
        "training.completion_recorded",
        actor=actor,
        actor_label=actor_label,
        target=completion,
        after={
            "user": user.pk,
            "course": course.code,
            "completed_on": completed_on,
            "score": score,
        },
    )
    return completion


# --- reminders ---


def reminder_start_day(period: Period) -> date:
    """Reminders go out from the quarter's 31st day: a month to book, two to catch up."""
    return period.start_date + timedelta(days=30)


def send_reminders(period: Period, *, today: date | None = None) -> dict:
    """Remind every active employee behind on a mandatory course once per course and quarter
    (an in-app notification and an e-mail, both through one alert keyed per person + course
    + quarter), and alert each branch's managers once per quarter with who is behind."""
    today = today or timezone.localdate()
    if not (reminder_start_day(period) <= today < period.end_date):
        return {"people": 0, "reminders": 0, "branches": 0}
    staff = queries.active_staff_in(period).filter(queries.active_on_q(today))
    behind = queries.behind_among(staff.select_related("branch", "department", "user"), period)
    sent = 0
    link = reverse("training:my")
    per_branch: dict[int, list] = {}
    for person in behind:
        per_branch.setdefault(person.profile.branch_id, []).append(person)
        for course in person.missing:
            if _remind(person.profile, course, period, link):
                sent += 1
    coverage_link = reverse("training:coverage")
    branches = {b.pk: b for b in Branch.objects.filter(pk__in=per_branch)}
    for branch_id, people in per_branch.items():
        branch = branches[branch_id]
        raise_alert(
            kind="training.behind",
            key=f"training.behind:{branch.code}:{period}",
            title=_("%(count)s staff behind on mandatory training (%(quarter)s)"),
            message=_(
                "%(count)s staff at %(branch)s have not completed all mandatory courses for %(quarter)s. The quarter ends on %(end)s."
            ),
            params={
                "count": len(people),
                "quarter": str(period),
                "branch": branch.name_zh,
                "end": period.last_date.isoformat(),
            },
            roles=[Role.BRANCH_MANAGER],
            branch=branch,
            link=f"{coverage_link}?quarter={period}&branch={branch.pk}",
            evidence={"employee_numbers": [p.profile.employee_number for p in people][:200]},
        )
    return {"people": len(behind), "reminders": sent, "branches": len(per_branch)}


@transaction.atomic
def _remind(profile: StaffProfile, course: Course, period: Period, link: str) -> bool:
    """One reminder per person + course + quarter: the alert key makes a second run silent."""
    alert, created = raise_alert(
        kind="training.reminder",
        key=f"training.reminder:{profile.user_id}:{course.pk}:{period}",
        title=_("Mandatory course due: %(course)s"),
        message=_(
            "Please complete %(course)s (%(code)s) before %(end)s. Enrol in a session on My training."
        ),
        params={
            "course": course.title_zh,
            "code": course.code,
            "end": period.last_date.isoformat(),
        },
        severity=Alert.Severity.INFO,
        roles=[],  # nobody by role: the reminder is for this one person
        branch=profile.branch,
        link=link,
        evidence={"user": profile.user_id, "course": course.code, "quarter": str(period)},
    )
    if not created:
        return False
    Notification.objects.get_or_create(user_id=profile.user_id, alert=alert)
    email = profile.user.email
    if email:
        subject = f"[QC Portal] {alert.title_zh} / {alert.title_en}"
        body = f"{alert.message_zh}\n\n{alert.message_en}"
        transaction.on_commit(lambda: send_mail(subject, body, None, [email], fail_silently=True))
    return True


# --- employee satisfaction survey ---


@transaction.atomic
def create_survey(
    *,
    quarter: str,
    title_zh: str,
    title_en: str,
    questions: list[tuple[str, str]],
    opens_on: date,
    closes_on: date,
    actor,
) -> Survey:
    _require_manager(actor)
    Period.parse(quarter)
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("The survey must close after it opens.")})
    if not questions:
        raise ValidationError({"questions": _("A survey needs at least one question.")})
    if Survey.objects.filter(quarter=quarter).exists():
        raise ValidationError({"quarter": _("This quarter already has a survey.")})
    survey = Survey.objects.create(
        quarter=quarter,
        title_zh=title_zh,
        title_en=title_en,
        opens_on=opens_on,
        closes_on=closes_on,
    )
    SurveyQuestion.objects.bulk_create(
        [
            SurveyQuestion(survey=survey, order=n, text_zh=zh, text_en=en)
            for n, (zh, en) in enumerate(questions)
        ]
    )
    record_event(
        "training.survey_created",
        actor=actor,
        target=survey,
        after={"quarter": quarter, "questions": len(questions)},
    )
    return survey


@transaction.atomic
def submit_survey(survey: Survey, *, scores: dict[int, int], actor) -> SurveyResponse:
    """One anonymous answer set per employee per survey: who answered is recorded apart from
    what they answered. Every question must be answered 1–5."""
    _require_staff(actor)
    if not survey.is_open():
        raise ValidationError({"survey": _("This survey is not open.")})
    questions = list(survey.questions.values_list("pk", flat=True))
    clean = {}
    for question_id in questions:
        value = scores.get(question_id)
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ValidationError(
                {f"q{question_id}": _("Answer every question from 1 to 5.")}
            ) from None
        if not 1 <= value <= 5:
            raise ValidationError({f"q{question_id}": _("Answer every question from 1 to 5.")})
        clean[question_id] = value
    if SurveyParticipation.objects.filter(survey=survey, user=actor).exists():
        raise ValidationError({"survey": _("You have already answered this survey.")})
    try:
        with transaction.atomic():
            SurveyParticipation.objects.create(survey=survey, user=actor)
    except IntegrityError:
        raise ValidationError({"survey": _("You have already answered this survey.")}) from None
    profile = staff_profile(actor)
    response = SurveyResponse.objects.create(
        survey=survey, branch=profile.branch, department=profile.department
    )
    SurveyAnswer.objects.bulk_create(
        [SurveyAnswer(response=response, question_id=q, score=s) for q, s in clean.items()]
    )
    # The audit row names the participation, never the answers.
    record_event(
        "training.survey_answered", actor=actor, target_type="training.survey", target_id=survey.pk
    )
    return response


# --- innovation ideas ---


@transaction.atomic
def submit_idea(*, title: str, description: str, actor) -> Idea:
    _require_staff(actor)
    errors = {}
    if not title.strip():
        errors["title"] = [_("Give the idea a title.")]
    if len(description.strip()) < 10:
        errors["description"] = [_("Describe the idea in a few sentences.")]
    if errors:
        raise ValidationError(errors)
    profile = staff_profile(actor)
    idea = Idea.objects.create(
        author=actor,
        branch=profile.branch,
        department=profile.department,
        title=title.strip()[:200],
        description=description.strip(),
    )
    record_event("training.idea_submitted", actor=actor, target=idea, after={"title": idea.title})
    return idea


@transaction.atomic
def support_idea(idea: Idea, *, actor) -> IdeaSupport:
    """A colleague supports an idea, once."""
    _require_staff(actor)
    if not can_see_branch(actor, idea.branch_id):
        raise PermissionDenied(_("You cannot see this idea."))
    if idea.author_id == actor.pk:
        raise ValidationError({"idea": _("You cannot support your own idea.")})
    if idea.status != Idea.Status.SUBMITTED:
        raise ValidationError({"idea": _("This idea has already been reviewed.")})
    try:
        with transaction.atomic():
            support = IdeaSupport.objects.create(idea=idea, user=actor)
    except IntegrityError:
        raise ValidationError({"idea": _("You already support this idea.")}) from None
    record_event("training.idea_supported", actor=actor, target=idea)
    return support


@transaction.atomic
def review_idea(idea: Idea, *, decision: str, note: str, actor) -> Idea:
    if not permissions.can_review_idea(actor, idea):
        raise PermissionDenied(_("You may not review this idea."))
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    if decision not in (Idea.Status.ADOPTED, Idea.Status.DECLINED):
        raise ValidationError({"decision": _("Adopt or decline.")})
    if idea.status != Idea.Status.SUBMITTED:
        raise ValidationError({"decision": _("This idea has already been reviewed.")})
    if not note.strip():
        raise ValidationError({"note": _("Say why in a note.")})
    before = {"status": idea.status}
    idea.status, idea.review_note = decision, note.strip()
    idea.reviewed_by, idea.reviewed_at = actor, timezone.now()
    idea.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    record_event(
        "training.idea_reviewed",
        actor=actor,
        target=idea,
        before=before,
        after={"status": decision, "note": idea.review_note},
    )
    return idea


# --- employees (by hand or from the HR system) ---

EMPLOYEE_FIELDS = ["full_name", "branch_id", "department_id", "position", "hired_on", "left_on"]


@transaction.atomic
def record_employee(
    *,
    employee_number: str,
    full_name: str,
    branch_code: str,
    department_code: str,
    position: str = "",
    role: str = "",
    hired_on: date,
    left_on: date | None = None,
    email: str = "",
    actor=None,
    actor_label: str = "",
) -> StaffProfile:
    """Create or update an employee: a join creates the login and profile, a move changes
    branch / department / position / role, a leave sets the leaving date (and closes the login
    once that day has passed). The login is named after the employee number and has no
    password until the bank's sign-on sets one."""
    if actor is not None and not permissions.can_manage_training(actor):
        raise PermissionDenied(_("Only HR may change employees."))
    errors = {}
    branch = Branch.objects.filter(code=branch_code).first()
    if branch is None:
        errors["branch_code"] = [_("Unknown branch.")]
    department = Department.objects.filter(code=department_code).first()
    if department is None:
        errors["department_code"] = [_("Unknown department.")]
    if role and (role not in STAFF_ROLES):
        errors["role"] = [_("Not a staff role.")]
    if left_on is not None and left_on < hired_on:
        errors["left_on"] = [_("Leaving date before the hiring date.")]
    if errors:
        raise ValidationError(errors)
    User = get_user_model()
    profile = (
        StaffProfile.objects.select_for_update().filter(employee_number=employee_number).first()
    )
    if profile is None:
        username = employee_number.lower()
        if User.objects.filter(username=username).exists():
            raise ValidationError({"employee_number": _("A login with this name already exists.")})
        user = User(username=username, email=email)
        user.set_unusable_password()
        user.save()
        profile = StaffProfile(user=user, employee_number=employee_number)
        before = None
        action = "training.employee_joined"
    else:
        user = profile.user
        before = snapshot(profile, EMPLOYEE_FIELDS)
        action = (
            "training.employee_left"
            if left_on and not profile.left_on
            else "training.employee_updated"
        )
    profile.full_name, profile.branch, profile.department = full_name, branch, department
    profile.position, profile.hired_on, profile.left_on = position, hired_on, left_on
    profile.save()
    if role:
        staff_groups = Group.objects.filter(name__in=STAFF_ROLES)
        user.groups.remove(*staff_groups.exclude(name=role))
        user.groups.add(Group.objects.get(name=role))
        user._qc_roles = None
    active = left_on is None or left_on >= timezone.localdate()
    changed = []
    if email and user.email != email:
        user.email = email
        changed.append("email")
    if user.is_active != active:
        user.is_active = active
        changed.append("is_active")
    if changed:
        user.save(update_fields=changed)
    after = snapshot(profile, EMPLOYEE_FIELDS) | {"role": role}
    record_event(
        action, actor=actor, actor_label=actor_label, target=profile, before=before, after=after
    )
    return profile


@transaction.atomic
def close_departed_logins(*, today: date | None = None) -> int:
    """Close the logins of employees whose leaving date has passed (a leave announced ahead
    of time keeps the login open until then). Run daily."""
    today = today or timezone.localdate()
    departed = list(
        StaffProfile.objects.filter(left_on__lt=today, user__is_active=True).select_related("user")
    )
    for profile in departed:
        profile.user.is_active = False
        profile.user.save(update_fields=["is_active"])
        record_event(
            "training.login_closed",
            actor_label="job:training-leavers",
            target=profile,
            after={"left_on": profile.left_on, "user": profile.user_id},
        )
    return len(departed)
