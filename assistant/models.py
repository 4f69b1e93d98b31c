"""The assistant's knowledge (FAQ entries, versioned) and its conversations.

An FAQ entry is a stable key ("open_personal_account") with a business type; its content
(question variants and answer in both languages) lives in versions: an edit is a new version,
never an overwrite, so what a customer was told can always be read back. A chat session is
one conversation; each turn stores the question, the answer, the sources shown, the
confidence and the customer's thumbs.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qc_portal.models import Branch, Customer


def _bilingual(zh: str, en: str) -> str:
    return en if (translation.get_language() or "").startswith("en") else zh


class BusinessType(models.TextChoices):
    ACCOUNT_OPENING = "account_opening", _("Account opening")
    CARDS = "cards", _("Cards")
    TRANSFERS = "transfers", _("Transfers and remittances")
    DEPOSITS = "deposits", _("Deposits")
    LOANS = "loans", _("Loans")
    MORTGAGE = "mortgage", _("Mortgage")
    WEALTH = "wealth", _("Wealth management")
    DIGITAL = "digital", _("Mobile and online banking")
    PROGRESS = "progress", _("Progress tracking")
    COMPLAINTS = "complaints", _("Complaints")
    GENERAL = "general", _("General")


class FaqEntry(models.Model):
    key = models.SlugField(_("key"), max_length=80, unique=True)
    business_type = models.CharField(
        _("business type"), max_length=30, choices=BusinessType.choices
    )
    current = models.ForeignKey(
        "FaqVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["business_type", "key"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")

    def __str__(self) -> str:
        return self.key


class FaqVersion(models.Model):
    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    # One question variant per line.
    questions_zh = models.TextField(_("questions (Chinese), one per line"))
    questions_en = models.TextField(_("questions (English), one per line"))
    answer_zh = models.TextField(_("answer (Chinese)"))
    answer_en = models.TextField(_("answer (English)"))
    change_note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["entry", "-version"]
        verbose_name = _("FAQ version")
        verbose_name_plural = _("FAQ versions")
        constraints = [
            models.UniqueConstraint(fields=["entry", "version"], name="faq_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.version}"

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line.strip() for line in (text or "").splitlines() if line.strip()]

    @property
    def variants_zh(self) -> list[str]:
        return self.lines(self.questions_zh)

    @property
    def variants_en(self) -> list[str]:
        return self.lines(self.questions_en)

    @property
    def question(self) -> str:
        variants = _bilingual(self.variants_zh, self.variants_en)
        return variants[0] if variants else ""

    @property
    def answer(self) -> str:
        return _bilingual(self.answer_zh, self.answer_en)


class ChatSession(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("chat session", "Open")
        HANDED_OVER = "handed_over", _("Handed over to an agent")
        CLOSED = "closed", pgettext_lazy("chat session", "Closed")

    class Channel(models.TextChoices):
        WEB = "web", _("Website")
        APP = "app", _("Mobile app")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Anonymous web visitors own their session through their browser session.
    browser_key = models.CharField(max_length=64, blank=True, db_index=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.WEB)
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True, db_index=True)
    handover_reason = models.CharField(max_length=20, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    # The services app's records (by id: the assistant calls services through its actions).
    chatbot_record_id = models.PositiveBigIntegerField(null=True, blank=True)
    handover_record_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")
        indexes = [models.Index(fields=["branch", "status", "handed_over_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | ~Q(status="open"),
                name="open_session_not_closed",
            )
        ]

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class ChatTurn(models.Model):
    class Intent(models.TextChoices):
        FAQ = "faq", _("FAQ answer")
        MANUAL = "manual", _("Manual section")
        PROGRESS = "progress", _("Progress of an application")
        HANDOVER_ASKED = "handover_asked", _("Asked for a person")
        LOW_CONFIDENCE = "low_confidence", _("Not sure: handed over")
        GREETING = "greeting", _("Greeting")

    class Feedback(models.IntegerChoices):
        DOWN = -1, _("Not helpful")
        UP = 1, _("Helpful")

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="turns")
    position = models.PositiveIntegerField()
    question = models.TextField(_("question"), max_length=1000)
    # Lowercased, whitespace-folded question: curation groups repeats by it.
    normalised_question = models.CharField(max_length=300, db_index=True)
    language = models.CharField(max_length=10)
    answer = models.TextField(_("answer"))
    intent = models.CharField(_("intent"), max_length=16, choices=Intent.choices)
    # [{"key": "faq:open_account", "title": "...", "url": "..."}]
    sources = models.JSONField(default=list, blank=True)
    top_key = models.CharField(max_length=120, blank=True)
    confidence = models.FloatField(_("confidence"), default=0.0)
    answered = models.BooleanField(_("answered"), default=True)
    latency_ms = models.FloatField(default=0.0)
    feedback = models.SmallIntegerField(
        _("feedback"), choices=Feedback.choices, null=True, blank=True
    )
    # Set when curation dealt with the question (made an FAQ of it or dismissed it).
    curated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["session", "position"]
        verbose_name = _("chat turn")
        verbose_name_plural = _("chat turns")
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="turn_position_once")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.position}"
