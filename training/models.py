"""Measure 5 — staff training: courses and their mandatory rules, quarterly plans, sessions,
enrolments with attendance and assessment, completions, effect feedback, employee
satisfaction surveys and innovation ideas."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qc_portal.models import Branch, Department
from qc_portal.roles import Role


class BilingualTitleMixin(models.Model):
    title_zh = models.CharField(_("Title (Chinese)"), max_length=200)
    title_en = models.CharField(_("Title (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_en if translation.get_language() == "en" else self.title_zh


class Course(BilingualTitleMixin):
    class Category(models.TextChoices):
        BUSINESS_PROCESS = "business_process", _("Business process")
        SERVICE_SKILLS = "service_skills", _("Service skills")
        RISK_CONTROL = "risk_control", _("Risk control")
        COMPLIANCE = "compliance", _("Compliance")
        OTHER = "other", _("Other")

    class Frequency(models.TextChoices):
        QUARTERLY = "quarterly", _("Every quarter")
        YEARLY = "yearly", _("Every year")
        ONCE = "once", _("Once")

    code = models.CharField(_("Course code"), max_length=30, unique=True)
    category = models.CharField(_("Category"), max_length=30, choices=Category.choices)
    duration_minutes = models.PositiveIntegerField(_("Duration (minutes)"), default=60)
    pass_mark = models.PositiveSmallIntegerField(
        _("Pass mark"), default=60, validators=[MaxValueValidator(100)]
    )
    frequency = models.CharField(
        _("Frequency"), max_length=20, choices=Frequency.choices, default=Frequency.YEARLY
    )
    materials = models.TextField(_("Materials (Markdown)"), blank=True)
    is_active = models.BooleanField(pgettext_lazy("training", "Active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Course")
        verbose_name_plural = _("Courses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__lte=100), name="course_pass_mark_max_100"
            ),
        ]


class CourseRequirement(models.Model):
    """One mandatory rule: staff holding `role` (and/or in `department`) must hold a current
    completion of `course`. Both set means both must match; rows are alternatives. Rules are
    versioned by dates, so a past quarter's coverage keeps the rules that were in force then:
    a rule applies to a quarter when it is in force on the quarter's last day (what staff had
    to hold by the quarter's end)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="requirements")
    role = models.CharField(_("Role"), max_length=40, choices=Role.choices, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    active_from = models.DateField(_("In force from"))
    active_until = models.DateField(_("In force until (exclusive)"), null=True, blank=True)

    class Meta:
        ordering = ["course", "role"]
        verbose_name = _("Mandatory rule")
        verbose_name_plural = _("Mandatory rules")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="") | models.Q(department__isnull=False),
                name="requirement_names_role_or_department",
            ),
            models.CheckConstraint(
                condition=models.Q(active_until__isnull=True)
                | models.Q(active_until__gt=models.F("active_from")),
                name="requirement_until_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.code}: {self.role or '*'} / {self.department_id or '*'}"


class TrainingPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", pgettext_lazy("training", "Published")

    quarter = models.CharField(_("Quarter"), max_length=7, unique=True)  # "2026-Q4"
    status = models.CharField(
        _("Status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    # What the proposal found: [{course_id, code, needed}], kept for the plan page.
    needs = models.JSONField(default=list, blank=True)
    note = models.TextField(_("Note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-quarter"]
        verbose_name = _("Training plan")
        verbose_name_plural = _("Training plans")

    def __str__(self) -> str:
        return self.quarter


class Session(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", pgettext_lazy("training", "Cancelled")

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    plan = models.ForeignKey(
        TrainingPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("Starts at"))
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    trainer_name = models.CharField(_("Trainer"), max_length=80, blank=True)
    location = models.CharField(_("Place"), max_length=120, blank=True)
    is_online = models.BooleanField(_("Online"), default=False)
    capacity = models.PositiveIntegerField(_("Capacity"), validators=[MinValueValidator(1)])
    status = models.CharField(
        _("Status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("Session")
        verbose_name_plural = _("Sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="session_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        WAITLISTED = "waitlisted", _("Waiting list")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic (mandatory)")
        MANUAL = "manual", pgettext_lazy("training", "Manual")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_enrollments"
    )
    status = models.CharField(_("Status"), max_length=12, choices=Status.choices)
    source = models.CharField(_("Source"), max_length=12, choices=Source.choices)
    created_at = models.DateTimeField(default=timezone.now)  # waiting-list order
    attended = models.BooleanField(_("Attended"), null=True, blank=True)
    pre_score = models.PositiveSmallIntegerField(
        _("Pre-test score"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    post_score = models.PositiveSmallIntegerField(
        _("Post-test score"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    passed = models.BooleanField(_("Passed"), null=True, blank=True)
    feedback_rating = models.PositiveSmallIntegerField(
        _("Feedback (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    feedback_comment = models.TextField(_("Feedback comment"), blank=True)

    class Meta:
        ordering = ["session", "created_at", "id"]
        verbose_name = _("Enrolment")
        verbose_name_plural = _("Enrolments")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_enrollment_per_session"),
            models.CheckConstraint(
                condition=models.Q(feedback_rating__isnull=True)
                | models.Q(feedback_rating__gte=1, feedback_rating__lte=5),
                name="enrollment_feedback_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.user}"

    @property
    def learning_gain(self) -> int | None:
        if self.pre_score is None or self.post_score is None:
            return None
        return self.post_score - self.pre_score


class Question(models.Model):
    """The question bank of a course's online quiz."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    text_zh = models.CharField(_("Question (Chinese)"), max_length=300)
    text_en = models.CharField(_("Question (English)"), max_length=300)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["course", "id"]
        verbose_name = _("Quiz question")
        verbose_name_plural = _("Quiz questions")

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return self.text_en if translation.get_language() == "en" else self.text_zh


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text_zh = models.CharField(max_length=200)
    text_en = models.CharField(max_length=200)
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return self.text_en if translation.get_language() == "en" else self.text_zh


class Completion(models.Model):
    """A course held by a person: written only when attendance and a pass are both recorded
    (or when an external learning system reports a passed course)."""

    class Source(models.TextChoices):
        SESSION = "session", _("Session")
        EXTERNAL = "external", _("External learning system")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_completions"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField(_("Completed on"))
    score = models.PositiveSmallIntegerField(_("Score"), null=True, blank=True)
    source = models.CharField(_("Source"), max_length=12, choices=Source.choices)
    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, null=True, blank=True, related_name="completion"
    )
    external_reference = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_on", "-id"]
        verbose_name = _("Completion")
        verbose_name_plural = _("Completions")
        indexes = [models.Index(fields=["user", "course", "completed_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "completed_on"], name="one_completion_per_course_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course.code} · {self.completed_on}"


# --- employee satisfaction survey ---


class Survey(BilingualTitleMixin):
    quarter = models.CharField(_("Quarter"), max_length=7, unique=True)
    opens_on = models.DateField(_("Opens on"))
    closes_on = models.DateField(_("Closes on"))

    class Meta:
        ordering = ["-quarter"]
        verbose_name = _("Satisfaction survey")
        verbose_name_plural = _("Satisfaction surveys")

    def is_open(self, day=None) -> bool:
        day = day or timezone.localdate()
        return self.opens_on <= day <= self.closes_on


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    text_zh = models.CharField(max_length=300)
    text_en = models.CharField(max_length=300)

    class Meta:
        ordering = ["survey", "order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return self.text_en if translation.get_language() == "en" else self.text_zh


class SurveyParticipation(models.Model):
    """Who answered (one answer set per employee per survey). Kept apart from the answers, so
    the answers cannot be traced back to a person."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"], name="one_survey_answer_per_employee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.user_id}"


class SurveyResponse(models.Model):
    """One anonymous answer set: only the groups it is reported in (branch, department)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.survey_id}#{self.pk}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="one_answer_per_question"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return str(self.score)


# --- innovation ideas ---


class Idea(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ADOPTED = "adopted", _("Adopted")
        DECLINED = "declined", _("Declined")

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("Title"), max_length=200)
    description = models.TextField(pgettext_lazy("training", "Description"))
    status = models.CharField(
        _("Status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("Review note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Innovation idea")
        verbose_name_plural = _("Innovation ideas")

    def __str__(self) -> str:
        return self.title


class IdeaSupport(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "user"], name="one_support_per_colleague"),
        ]

    def __str__(self) -> str:
        return f"{self.idea_id}:{self.user_id}"
