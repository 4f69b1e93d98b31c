"""Measure 2 — progress transparency.

A *process template* (one version of a business type's ordered steps) drives each *case*; a
case's *timeline* is its events; customers follow a case on the web or in the app (each view
is a *tracking view*), agents record *progress inquiries*, and customers are told of each move
through the notification *outbox*. *Manuals* explain every step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qc_portal.models import Branch, Customer, Department


def _bilingual(zh: str, en: str) -> str:
    return en if translation.get_language() == "en" else zh


class BusinessType(models.TextChoices):
    CONSUMER_LOAN = "consumer_loan", _("Consumer loan")
    MORTGAGE = "mortgage", _("Mortgage")
    BUSINESS_LOAN = "business_loan", _("Business loan")
    ACCOUNT_OPENING = "account_opening", _("Account opening")
    CARD_APPLICATION = "card_application", _("Card application")
    WEALTH_PRODUCT = "wealth_product", _("Wealth product")


class ProcessTemplate(models.Model):
    """One version of a business type's process. A case keeps the version it started with;
    a new version is a new row, never an edit of a row cases already use."""

    business_type = models.CharField(_("business type"), max_length=40, db_index=True)
    version = models.PositiveIntegerField(_("version"))
    name_zh = models.CharField(_("Chinese name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120)
    is_current = models.BooleanField(_("current version"), default=True)
    effective_from = models.DateField(_("effective from"), default=timezone.localdate)

    class Meta:
        ordering = ["business_type", "-version"]
        verbose_name = _("process template")
        verbose_name_plural = _("process templates")
        constraints = [
            models.UniqueConstraint(
                fields=["business_type", "version"], name="template_version_once"
            ),
            models.UniqueConstraint(
                fields=["business_type"],
                condition=models.Q(is_current=True),
                name="one_current_template_per_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)


class TemplateStep(models.Model):
    class DurationUnit(models.TextChoices):
        HOURS = "hours", _("working hours")
        DAYS = "days", _("working days")

    template = models.ForeignKey(ProcessTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("step code"), max_length=40)
    name_zh = models.CharField(_("Chinese name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120)
    description_zh = models.TextField(_("what happens (Chinese)"), blank=True)
    description_en = models.TextField(_("what happens (English)"), blank=True)
    department_code = models.CharField(
        _("responsible department"), max_length=30, choices=Department.Code.choices
    )
    duration = models.PositiveIntegerField(_("standard duration"))
    duration_unit = models.CharField(
        _("duration unit"), max_length=5, choices=DurationUnit.choices, default=DurationUnit.DAYS
    )
    # The anchor of the manual section explaining this step (a heading id in the manual).
    manual_anchor = models.CharField(_("manual section"), max_length=60, blank=True)

    class Meta:
        ordering = ["template", "position"]
        verbose_name = _("template step")
        verbose_name_plural = _("template steps")
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="step_position_once"),
            models.UniqueConstraint(fields=["template", "code"], name="step_code_once"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)

    @property
    def description(self) -> str:
        return _bilingual(self.description_zh, self.description_en)

    @property
    def working_hours(self) -> int:
        from transparency.calendar import HOURS_PER_DAY

        return self.duration * (
            HOURS_PER_DAY if self.duration_unit == self.DurationUnit.DAYS else 1
        )


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("case status", "In progress")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    # Allowed status changes, checked in one place (actions._change_status).
    TRANSITIONS = {
        Status.OPEN: {Status.COMPLETED, Status.REJECTED, Status.CANCELLED},
        Status.COMPLETED: set(),
        Status.REJECTED: set(),
        Status.CANCELLED: set(),
    }

    reference = models.CharField(_("reference"), max_length=16, unique=True)
    # HMAC of the access code; empty for cases taken over from before online tracking.
    access_code_hash = models.CharField(max_length=64, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="cases")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="cases")
    template = models.ForeignKey(ProcessTemplate, on_delete=models.PROTECT, related_name="cases")
    business_type = models.CharField(_("business type"), max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    current_step = models.ForeignKey(
        "CaseStep", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now, db_index=True)
    expected_completion_at = models.DateTimeField(_("expected completion"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["branch", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | (~models.Q(status="open") & models.Q(closed_at__isnull=False)),
                name="case_closed_iff_not_open",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def trackable_online(self) -> bool:
        return bool(self.access_code_hash) or self.customer.user_id is not None


class CaseStep(models.Model):
    """One run of a template step within a case (a step returned to runs again)."""

    class Outcome(models.TextChoices):
        RUNNING = "running", pgettext_lazy("case status", "In progress")
        DONE = "done", _("Done")
        STOPPED = "stopped", _("Stopped")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(TemplateStep, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.RUNNING)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["case", "started_at", "id"]
        indexes = [models.Index(fields=["outcome", "due_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.step.code}"

    @property
    def on_time(self) -> bool | None:
        if self.finished_at is None:
            return None
        return self.finished_at <= self.due_at

    def is_overdue(self, now=None) -> bool:
        return self.outcome == self.Outcome.RUNNING and self.due_at < (now or timezone.now())


class CaseEvent(models.Model):
    class Kind(models.TextChoices):
        OPENED = "opened", _("Application received")
        STEP_STARTED = "step_started", _("Step started")
        STEP_FINISHED = "step_finished", _("Step finished")
        NOTE = "note", _("Note")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    step = models.ForeignKey(
        TemplateStep, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    customer_visible = models.BooleanField(default=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What the customer may see of who did it: a staff member's name, never their account.
    actor_name = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "customer_visible"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    APP = "app", _("Mobile app")


class TrackingView(models.Model):
    """A successful look at a case's progress online (tracking-usage KPI)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="views")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    viewed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.channel} {self.viewed_at:%Y-%m-%d %H:%M}"


class ProgressInquiry(models.Model):
    """A "where is my application?" contact (inquiry-rate KPI)."""

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Counter")
        PHONE = "phone", _("Phone")
        ONLINE = "online", _("Online chat")
        CALL_CENTRE = "call_centre", _("Call centre")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="inquiries")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("progress inquiry")
        verbose_name_plural = _("progress inquiries")

    def __str__(self) -> str:
        return f"{self.case_id} {self.channel} {self.received_at:%Y-%m-%d %H:%M}"


class Outbox(models.Model):
    """A customer notification, written in the same transaction as the change it reports and
    delivered afterwards, so a broker outage delays a message but never loses it."""

    class Kind(models.TextChoices):
        EMAIL = "email", pgettext_lazy("notification channel", "E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", pgettext_lazy("notification status", "Failed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outbox")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    recipient = models.CharField(max_length=254)
    language = models.CharField(max_length=10)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.recipient} {self.status}"


class Manual(models.Model):
    """One version of a business type's process operation manual, in Markdown, both
    languages. Headings carry anchors (`## Initial review {#initial_review}`) that template
    steps link to."""

    business_type = models.CharField(_("business type"), max_length=40, db_index=True)
    version = models.PositiveIntegerField(_("version"))
    title_zh = models.CharField(_("Chinese title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200)
    body_zh = models.TextField(_("Chinese text (Markdown)"))
    body_en = models.TextField(_("English text (Markdown)"))
    department_code = models.CharField(
        _("owning department"), max_length=30, choices=Department.Code.choices
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    next_review_on = models.DateField(_("next review"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["business_type", "-version"]
        verbose_name = _("manual")
        verbose_name_plural = _("manuals")
        constraints = [
            models.UniqueConstraint(fields=["business_type", "version"], name="manual_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def title(self) -> str:
        return _bilingual(self.title_zh, self.title_en)

    @property
    def body(self) -> str:
        return _bilingual(self.body_zh, self.body_en)

    def is_overdue(self, today=None) -> bool:
        return self.next_review_on < (today or timezone.localdate())
