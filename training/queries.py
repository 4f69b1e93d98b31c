"""Reads for training: what the mandatory rules require of whom, who holds a current
completion, coverage per quarter (done in the database), course effect, surveys and ideas.

Rules used throughout (documented here once):

* A mandatory rule (CourseRequirement) is *in force on a day* when
  `active_from <= day < active_until` (open end when `active_until` is empty).
* For a quarter's coverage, the rules in force on the quarter's last day apply, and a course
  counts as held when it was completed inside the window its frequency demands, before the
  quarter's end: quarterly → in that quarter; yearly → in that calendar year up to the quarter's
  end; once → ever before the quarter's end.
* For "is this person current right now" (`has_lapsed_mandatory_training`, the credit gate),
  the rules in force today apply and a completion is current when made in the current
  quarter (quarterly) / current calendar year (yearly) / ever (once); during a grace period of
  the first `QC_TRAINING_GRACE_DAYS` (default 30) days of a quarter (yearly: of a year), the
  previous quarter's (year's) completion still counts, so nobody lapses at midnight on 1 April
  before the new quarter's sessions could even be held.
"""

from __future__ import annotations

import importlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from qc_portal.models import Branch, Department, StaffProfile
from qc_portal.periods import QUARTER, Period
from qc_portal.roles import BANK_WIDE_ROLES, STAFF_ROLES, roles_of
from qc_portal.scoping import scope_to_branches, staff_profile
from training.models import (
    Completion,
    Course,
    CourseRequirement,
    Enrollment,
    Idea,
    Question,
    Session,
    Survey,
    SurveyAnswer,
)

ANONYMITY_FLOOR = 5  # survey groups smaller than this are never shown


def suppressed_groups(respondents: dict) -> set:
    """The groups whose survey figures must not be shown: every group below the anonymity
    floor, and then (secondary suppression) the smallest shown groups until the hidden ones
    together reach the floor too, since otherwise the bank total minus the shown groups would
    give away a small group's answers. When nothing can be shown, everything is hidden."""
    hidden = {key for key, count in respondents.items() if count < ANONYMITY_FLOOR}
    hidden_total = sum(respondents[key] for key in hidden)
    shown = sorted(
        (count, str(key), key) for key, count in respondents.items() if key not in hidden
    )
    while hidden and 0 < hidden_total < ANONYMITY_FLOOR and shown:
        count, _label, key = shown.pop(0)
        hidden.add(key)
        hidden_total += count
    return hidden


def grace_days() -> int:
    return int(getattr(settings, "QC_TRAINING_GRACE_DAYS", 30))


def in_force_q(day: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}active_from__lte": day}) & (
        Q(**{f"{prefix}active_until__isnull": True}) | Q(**{f"{prefix}active_until__gt": day})
    )


def _quarter_window_q(period: Period) -> Q:
    """Completions that count for `period` (a quarter), by the course's frequency."""
    year_start = date(period.year, 1, 1)
    return Q(completed_on__lt=period.end_date) & (
        Q(course__frequency=Course.Frequency.QUARTERLY, completed_on__gte=period.start_date)
        | Q(course__frequency=Course.Frequency.YEARLY, completed_on__gte=year_start)
        | Q(course__frequency=Course.Frequency.ONCE)
    )


def _current_window_q(today: date) -> Q:
    """Completions that are current today, with the grace period (see module docstring)."""
    quarter = Period.containing(today, QUARTER)
    grace = timedelta(days=grace_days())
    quarter_from = quarter.start_date
    if today < quarter.start_date + grace:
        quarter_from = quarter.previous().start_date
    year_from = date(today.year, 1, 1)
    if today < year_from + grace:
        year_from = date(today.year - 1, 1, 1)
    return Q(completed_on__lte=today) & (
        Q(course__frequency=Course.Frequency.QUARTERLY, completed_on__gte=quarter_from)
        | Q(course__frequency=Course.Frequency.YEARLY, completed_on__gte=year_from)
        | Q(course__frequency=Course.Frequency.ONCE)
    )


def _matching_rules(day: date, *, user_ref, department_ref) -> QuerySet[CourseRequirement]:
    """Rules in force on `day` that apply to the person given by the two references
    (values or OuterRef expressions)."""
    groups = get_user_model().groups.through.objects.filter(
        user_id=user_ref, group__name=OuterRef("role")
    )
    return CourseRequirement.objects.filter(in_force_q(day), course__is_active=True).filter(
        Q(role="") | Exists(groups),
        Q(department__isnull=True) | Q(department_id=department_ref),
    )


def required_courses(
    user, *, day: date | None = None, category: str | None = None
) -> QuerySet[Course]:
    """The courses the mandatory rules in force on `day` require of `user`."""
    day = day or timezone.localdate()
    profile = staff_profile(user)
    if profile is None:
        return Course.objects.none()
    rules = _matching_rules(day, user_ref=user.pk, department_ref=profile.department_id)
    courses = Course.objects.filter(pk__in=rules.values("course_id"))
    if category:
        courses = courses.filter(category=category)
    return courses


def has_lapsed_mandatory_training(user, *, category: str = "risk_control") -> bool:
    """True when the user's role (or department) requires a mandatory course of `category`
    and they hold no current completion of it (see the module docstring for "current",
    including the 30-day grace at the start of a quarter); False when nothing is required."""
    today = timezone.localdate()
    current = Completion.objects.filter(
        _current_window_q(today), user_id=user.pk, course_id=OuterRef("pk")
    )
    return (
        required_courses(user, day=today, category=category)
        .annotate(held=Exists(current))
        .filter(held=False)
        .exists()
    )


def due_courses(user, *, day: date | None = None) -> list[dict]:
    """What the user must do now: each required course with whether it is held and when."""
    day = day or timezone.localdate()
    period = Period.containing(day, QUARTER)
    held = Completion.objects.filter(
        _quarter_window_q(period), user_id=user.pk, course_id=OuterRef("pk")
    )
    courses = required_courses(user, day=period.last_date).annotate(held=Exists(held))
    return list(courses)


# --- coverage (training.coverage, pages) ---


def active_staff_in(period: Period) -> QuerySet[StaffProfile]:
    """Staff employed on any day of the period: a mid-quarter joiner counts, someone who
    left before the quarter began does not."""
    return StaffProfile.objects.filter(hired_on__lt=period.end_date).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=period.start_date)
    )


def annotate_coverage(staff: QuerySet[StaffProfile], period: Period) -> QuerySet[StaffProfile]:
    """Annotate `is_covered`: no mandatory rule applies to the person without a completion
    valid for the quarter. One correlated NOT EXISTS per row, evaluated by the database."""
    rules = _matching_rules(
        period.last_date,
        user_ref=OuterRef(OuterRef("user_id")),
        department_ref=OuterRef("department_id"),
    )
    # The window's first day is computed once per rule from its course's frequency, so the
    # completion probe is a single range scan of the (user, course, completed_on) index.
    rules = rules.annotate(window_start=_window_start(period))
    held = Completion.objects.filter(
        user_id=OuterRef(OuterRef("user_id")),
        course_id=OuterRef("course_id"),
        completed_on__gte=OuterRef("window_start"),
        completed_on__lt=period.end_date,
    )
    missing = rules.annotate(held=Exists(held)).filter(held=False)
    return staff.annotate(is_covered=~Exists(missing))


def _window_start(period: Period) -> Case:
    """First day a completion counts for the quarter, by the rule's course frequency (the same
    windows as `_quarter_window_q`)."""
    return Case(
        When(course__frequency=Course.Frequency.QUARTERLY, then=Value(period.start_date)),
        When(course__frequency=Course.Frequency.YEARLY, then=Value(date(period.year, 1, 1))),
        default=Value(date(1900, 1, 1)),
        output_field=DateField(),
    )


@dataclass
class CoverageRow:
    key: object
    label: str
    active: int
    covered: int

    @property
    def behind(self) -> int:
        return self.active - self.covered

    @property
    def ratio(self) -> float | None:
        return self.covered / self.active if self.active else None


def coverage_by(period: Period, *, user, group: str = "branch") -> list[CoverageRow]:
    """Coverage per branch or department over the staff the user may see."""
    return coverage_tables(period, user=user)[group]


def coverage_tables(period: Period, *, user) -> dict[str, list[CoverageRow]]:
    """Coverage per branch and per department from one grouped query (branch × department
    cells, summed both ways here), over the staff the user may see."""
    from django.utils import translation

    staff = scope_to_branches(active_staff_in(period), user)
    cells = (
        annotate_coverage(staff, period)
        .values("branch_id", "department_id")
        .annotate(active=Count("id"), covered=Count("id", filter=Q(is_covered=True)))
        .order_by()
    )
    totals = {"branch": defaultdict(lambda: [0, 0]), "department": defaultdict(lambda: [0, 0])}
    for cell in cells:
        for group in ("branch", "department"):
            total = totals[group][cell[f"{group}_id"]]
            total[0] += cell["active"]
            total[1] += cell["covered"]
    english = translation.get_language() == "en"
    tables = {}
    for group, model in (("branch", Branch), ("department", Department)):
        names = model.objects.filter(pk__in=totals[group]).order_by("code")
        tables[group] = [
            CoverageRow(
                key=item.pk,
                label=item.name_en if english else item.name_zh,
                active=totals[group][item.pk][0],
                covered=totals[group][item.pk][1],
            )
            for item in names
        ]
    return tables


@dataclass
class BehindPerson:
    profile: StaffProfile
    missing: list = field(default_factory=list)


def people_behind(
    period: Period, *, user, branch_id=None, department_id=None, limit: int | None = 500
) -> list[BehindPerson]:
    """The staff `user` may see who are not covered for the quarter, with what they miss."""
    staff = scope_to_branches(active_staff_in(period), user).select_related(
        "branch", "department", "user"
    )
    if branch_id:
        staff = staff.filter(branch_id=branch_id)
    if department_id:
        staff = staff.filter(department_id=department_id)
    return behind_among(staff, period, limit=limit)


def behind_among(
    staff: QuerySet[StaffProfile], period: Period, *, limit: int | None = None
) -> list[BehindPerson]:
    """Those of `staff` not covered for the quarter, each with the courses they miss. Three
    queries whatever the number of people: the uncovered staff, the rules in force with the
    people's roles, and their valid completions."""
    behind = (
        annotate_coverage(staff, period)
        .filter(is_covered=False)
        .order_by("branch__code", "employee_number")
    )
    behind = list(behind[:limit] if limit else behind)
    if not behind:
        return []
    user_ids = [p.user_id for p in behind]
    memberships = defaultdict(set)
    for user_id, name in (
        get_user_model()
        .groups.through.objects.filter(user_id__in=user_ids)
        .values_list("user_id", "group__name")
    ):
        memberships[user_id].add(name)
    rules = list(
        CourseRequirement.objects.filter(
            in_force_q(period.last_date), course__is_active=True
        ).select_related("course")
    )
    held = set(
        Completion.objects.filter(_quarter_window_q(period), user_id__in=user_ids).values_list(
            "user_id", "course_id"
        )
    )
    result = []
    for profile in behind:
        missing = {}
        for rule in rules:
            if rule.role and rule.role not in memberships[profile.user_id]:
                continue
            if rule.department_id and rule.department_id != profile.department_id:
                continue
            if (profile.user_id, rule.course_id) not in held:
                missing[rule.course_id] = rule.course
        result.append(BehindPerson(profile, sorted(missing.values(), key=lambda c: c.code)))
    return result


def active_on_q(day: date) -> Q:
    """Employed on `day` with a login that still works."""
    return (
        Q(hired_on__lte=day)
        & (Q(left_on__isnull=True) | Q(left_on__gte=day))
        & Q(user__is_active=True)
    )


# --- sessions and enrolments ---


def visible_sessions(user) -> QuerySet[Session]:
    """Sessions are bank-wide (online or at a training centre): every employee sees them, and
    so do the bank-wide roles."""
    roles = roles_of(user)
    if not roles & STAFF_ROLES:
        return Session.objects.none()
    if staff_profile(user) is None and not roles & BANK_WIDE_ROLES:
        return Session.objects.none()
    return Session.objects.select_related("course", "plan")


QUIZ_LENGTH = 10  # a short quiz: at most this many questions drawn from the course's bank


def quiz_questions(enrollment: Enrollment) -> list[Question]:
    """The questions of this participant's quiz: up to QUIZ_LENGTH active questions of the
    course's bank, drawn with the enrolment as seed, so the page and the grading agree and a
    retake shows the same quiz."""
    questions = list(
        Question.objects.filter(course_id=enrollment.session.course_id, is_active=True)
        .prefetch_related("choices")
        .order_by("id")
    )
    if len(questions) <= QUIZ_LENGTH:
        return questions
    return sorted(random.Random(enrollment.pk).sample(questions, QUIZ_LENGTH), key=lambda q: q.pk)


def my_enrollments(user) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(user=user)
        .select_related("session__course")
        .order_by("-session__starts_at")
    )


def session_counts(session: Session) -> dict:
    counts = session.enrollments.aggregate(
        enrolled=Count("id", filter=Q(status=Enrollment.Status.ENROLLED)),
        waitlisted=Count("id", filter=Q(status=Enrollment.Status.WAITLISTED)),
    )
    return counts


# --- course effect (Kirkpatrick) ---


@dataclass
class CourseEffect:
    course: Course
    participants: int
    attended: int
    passed: int
    feedback_count: int
    feedback_mean: float | None
    feedback_distribution: dict
    pre_mean: float | None
    post_mean: float | None
    gain_mean: float | None
    gain_count: int
    behaviour: dict | None  # None: not applicable; {"available": False, ...}: no data source

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.attended if self.attended else None


def course_effect(course: Course, *, months: int = 3) -> CourseEffect:
    enrollments = Enrollment.objects.filter(session__course=course).exclude(
        status=Enrollment.Status.WITHDRAWN
    )
    both = Q(pre_score__isnull=False, post_score__isnull=False)
    figures = enrollments.aggregate(
        n_participants=Count("id"),
        n_attended=Count("id", filter=Q(attended=True)),
        n_passed=Count("id", filter=Q(attended=True, passed=True)),
        n_feedback=Count("feedback_rating"),
        mean_feedback=Avg("feedback_rating"),
        mean_pre=Avg("pre_score", filter=both),
        mean_post=Avg("post_score", filter=both),
        mean_gain=Avg(F("post_score") - F("pre_score"), filter=both),
        n_gain=Count("id", filter=both),
    )
    names = {
        "n_participants": "participants",
        "n_attended": "attended",
        "n_passed": "passed",
        "n_feedback": "feedback_count",
        "mean_feedback": "feedback_mean",
        "mean_pre": "pre_mean",
        "mean_post": "post_mean",
        "mean_gain": "gain_mean",
        "n_gain": "gain_count",
    }
    figures = {names[key]: value for key, value in figures.items()}
    distribution = {score: 0 for score in range(1, 6)}
    for row in (
        enrollments.filter(feedback_rating__isnull=False)
        .values("feedback_rating")
        .annotate(n=Count("id"))
    ):
        distribution[row["feedback_rating"]] = row["n"]
    behaviour = None
    if course.category == Course.Category.SERVICE_SKILLS:
        behaviour = behaviour_effect(course, months=months)
    return CourseEffect(
        course=course, feedback_distribution=distribution, behaviour=behaviour, **figures
    )


def _services_stats():
    """`services.queries.agent_service_stats` when the services app provides it."""
    try:
        module = importlib.import_module("services.queries")
    except ImportError:
        return None
    return getattr(module, "agent_service_stats", None)


def behaviour_effect(course: Course, *, months: int = 3) -> dict:
    """Kirkpatrick levels 3–4 for a service-skills course: the trained agents' mean handling
    time and CSAT in the `months` before their completion vs the `months` after, pooled over
    agents (each agent's window is anchored on their own first completion)."""
    stats = _services_stats()
    if stats is None:
        return {"available": False, "reason": "services"}
    completions = (
        Completion.objects.filter(course=course)
        .values("user_id")
        .annotate(first=Min("completed_on"))
    )
    by_month: dict[date, list[int]] = defaultdict(list)
    for row in completions:
        by_month[row["first"].replace(day=1)].append(row["user_id"])
    before = {"handling": [], "csat": [], "records": 0}
    after = {"handling": [], "csat": [], "records": 0}
    today = timezone.localdate()
    for month_start, user_ids in by_month.items():
        anchor = Period.containing(month_start)
        windows = (
            (before, anchor.shift(-months).start, anchor.start),
            (after, anchor.next().start, anchor.shift(months + 1).start),
        )
        for bucket, start, end in windows:
            if start.date() > today:
                continue
            for values in stats(user_ids, start, end).values():
                records = values.get("records") or 0
                if not records:
                    continue
                bucket["records"] += records
                if values.get("mean_handling_seconds") is not None:
                    bucket["handling"].append((values["mean_handling_seconds"], records))
                if values.get("csat") is not None:
                    bucket["csat"].append((values["csat"], records))

    def weighted(pairs):
        total = sum(weight for _value, weight in pairs)
        return sum(float(value) * weight for value, weight in pairs) / total if total else None

    result = {"available": True, "months": months, "agents": sum(len(v) for v in by_month.values())}
    for name, bucket in (("before", before), ("after", after)):
        result[name] = {
            "records": bucket["records"],
            "handling_seconds": weighted(bucket["handling"]),
            "csat": weighted(bucket["csat"]),
        }
    return result


# --- survey results (anonymity floor) ---


@dataclass
class SurveyGroupResult:
    label: str
    respondents: int
    shown: bool
    mean: float | None = None
    satisfied_share: float | None = None


def survey_results(survey: Survey, *, group: str = "branch") -> dict:
    """Aggregates only, and only for groups of at least ANONYMITY_FLOOR respondents; smaller
    groups are reported as suppressed without any figure, with secondary suppression so no
    hidden group can be recovered by subtraction (`suppressed_groups`). The bank-wide line
    obeys the same floor."""
    from django.utils import translation

    english = translation.get_language() == "en"
    answers = SurveyAnswer.objects.filter(response__survey=survey)
    rows = (
        answers.values(
            f"response__{group}__code", f"response__{group}__name_zh", f"response__{group}__name_en"
        )
        .annotate(
            respondents=Count("response", distinct=True),
            answers=Count("id"),
            mean=Avg("score"),
            satisfied=Count("id", filter=Q(score__gte=4)),
        )
        .order_by(f"response__{group}__code")
    )
    rows = list(rows)
    hidden = suppressed_groups(
        {row[f"response__{group}__code"]: row["respondents"] for row in rows}
    )
    groups = []
    for row in rows:
        label = (
            row[f"response__{group}__name_en"] if english else row[f"response__{group}__name_zh"]
        )
        shown = row[f"response__{group}__code"] not in hidden
        groups.append(
            SurveyGroupResult(
                label=label,
                respondents=row["respondents"] if shown else 0,
                shown=shown,
                mean=row["mean"] if shown else None,
                satisfied_share=row["satisfied"] / row["answers"]
                if shown and row["answers"]
                else None,
            )
        )
    total = answers.aggregate(
        respondents=Count("response", distinct=True),
        answers=Count("id"),
        mean=Avg("score"),
        satisfied=Count("id", filter=Q(score__gte=4)),
    )
    bank_shown = total["respondents"] >= ANONYMITY_FLOOR
    questions = []
    if bank_shown:
        for question in survey.questions.annotate(
            mean=Avg("answers__score"),
            satisfied=Count("answers", filter=Q(answers__score__gte=4)),
            n=Count("answers"),
        ):
            questions.append(
                {
                    "question": question,
                    "mean": question.mean,
                    "satisfied_share": question.satisfied / question.n if question.n else None,
                }
            )
    return {
        "groups": groups,
        "bank": SurveyGroupResult(
            label="",
            respondents=total["respondents"] if bank_shown else 0,
            shown=bank_shown,
            mean=total["mean"] if bank_shown else None,
            satisfied_share=total["satisfied"] / total["answers"]
            if bank_shown and total["answers"]
            else None,
        ),
        "questions": questions,
        "floor": ANONYMITY_FLOOR,
    }


# --- ideas ---


def visible_ideas(user) -> QuerySet[Idea]:
    return scope_to_branches(
        Idea.objects.select_related("author", "branch", "department"), user
    ).annotate(support_count=Count("supports", distinct=True))


def idea_counts(user, *, group: str = "branch") -> list[dict]:
    return list(
        scope_to_branches(Idea.objects.all(), user)
        .values(f"{group}__code", f"{group}__name_zh", f"{group}__name_en")
        .annotate(
            submitted=Count("id"),
            adopted=Count("id", filter=Q(status=Idea.Status.ADOPTED)),
            declined=Count("id", filter=Q(status=Idea.Status.DECLINED)),
        )
        .order_by(f"{group}__code")
    )
