"""Measure 1 data: channels, service types, standards, service records, feedback, rosters.

Durations (wait and handling seconds) are stored on the record when its times are set, so
every KPI is a plain grouped SUM / COUNT that runs the same on SQLite and PostgreSQL and stays
fast over millions of rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qc_portal.models import Branch, Customer


class Channel(models.TextChoices):
    COUNTER = "counter", _("Counter")
    PHONE = "phone", _("Phone")
    ONLINE = "online", _("Online chat")
    CHATBOT = "chatbot", _("Chatbot")


class ServiceType(models.TextChoices):
    DEPOSIT_WITHDRAWAL = "deposit_withdrawal", _("Deposit / withdrawal")
    TRANSFER = "transfer", _("Transfer")
    ACCOUNT_OPENING = "account_opening", _("Account opening")
    CARD = "card", _("Card services")
    LOAN_ENQUIRY = "loan_enquiry", _("Loan enquiry")
    WEALTH = "wealth", _("Wealth management")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    SERVED = "served", _("Served")
    ABANDONED = "abandoned", _("Abandoned")
    TRANSFERRED = "transferred", _("Transferred")
    RESOLVED_BY_ASSISTANT = "resolved_by_assistant", _("Resolved by assistant")
    NO_SHOW = "no_show", _("No-show")


class ServiceStandard(models.Model):
    """Targets for one channel × service type, valid from `effective_from` until the next
    version's start (`effective_to`, exclusive; empty while current)."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    service_type = models.CharField(_("service type"), max_length=30, choices=ServiceType.choices)
    # Response: counter wait, phone answer, first reply online (seconds).
    response_target_seconds = models.PositiveIntegerField(
        _("response target (s)"), null=True, blank=True
    )
    handling_target_seconds = models.PositiveIntegerField(
        _("handling target (s)"), null=True, blank=True
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["channel", "service_type", "-effective_from"]
        verbose_name = _("service standard")
        verbose_name_plural = _("service standards")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "service_type", "effective_from"], name="one_standard_per_start"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gt=models.F("effective_from")),
                name="standard_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} / {self.get_service_type_display()} from {self.effective_from}"


class ServiceRecord(models.Model):
    """One customer contact: a counter ticket, a call, an online chat or a chatbot session.

    `arrived_at` is ticket taken / call offered / chat opened; `called_at` is called to the
    counter / answered / first reply (for a no-show called again: the *last* call, DOMAIN.md);
    `finished_at` is when the contact ended. An empty outcome means still open.
    """

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="service_records")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    service_type = models.CharField(
        _("service type"), max_length=30, choices=ServiceType.choices, default=ServiceType.OTHER
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="service_records"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ticket_number = models.CharField(_("ticket"), max_length=20, blank=True)
    counter_number = models.CharField(_("counter"), max_length=10, blank=True)
    arrived_at = models.DateTimeField(_("arrived / offered at"))
    called_at = models.DateTimeField(_("called / answered at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    call_count = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(_("outcome"), max_length=25, choices=Outcome.choices, blank=True)
    # Derived, kept in step by the actions (see module docstring).
    wait_seconds = models.PositiveIntegerField(null=True, blank=True)
    handling_seconds = models.PositiveIntegerField(null=True, blank=True)
    source_code = models.CharField(_("source system"), max_length=40, blank=True)
    external_id = models.CharField(_("external id"), max_length=80, blank=True)

    class Meta:
        ordering = ["-arrived_at", "-id"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [
            models.Index(fields=["branch", "arrived_at"]),
            models.Index(fields=["channel", "arrived_at"]),
            models.Index(fields=["branch", "outcome", "channel"]),
            # The live queue and the 5-minute alert job look only at open contacts.
            models.Index(
                fields=["arrived_at"], condition=Q(outcome=""), name="open_records_by_arrival"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_code", "external_id"],
                condition=~Q(source_code="") & ~Q(external_id=""),
                name="one_record_per_source_id",
            ),
            models.CheckConstraint(
                condition=Q(called_at__isnull=True) | Q(called_at__gte=models.F("arrived_at")),
                name="record_called_after_arrival",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=models.F("arrived_at")),
                name="record_finished_after_arrival",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.ticket_number or self.pk} @ {self.branch_id}"

    @property
    def is_open(self) -> bool:
        return not self.outcome

    def refresh_durations(self) -> None:
        """Recompute the stored durations from the times (called by every writer)."""
        self.wait_seconds = (
            int((self.called_at - self.arrived_at).total_seconds()) if self.called_at else None
        )
        self.handling_seconds = (
            int((self.finished_at - self.called_at).total_seconds())
            if self.called_at and self.finished_at
            else None
        )


class Feedback(models.Model):
    """A customer's 1–5 rating of one service record (one per record)."""

    class Via(models.TextChoices):
        WEB = "web", _("Web")
        MOBILE = "mobile", _("Mobile app")
        INBOUND = "inbound", _("Inbound record")

    service_record = models.OneToOneField(
        ServiceRecord, on_delete=models.PROTECT, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.WEB)
    rated_at = models.DateTimeField(_("rated at"), db_index=True)

    class Meta:
        ordering = ["-rated_at"]
        verbose_name = pgettext_lazy("service rating", "feedback")
        verbose_name_plural = pgettext_lazy("service rating", "feedback")
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="rating_1_to_5")
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.service_record_id}"


class Roster(models.Model):
    """How many staff are on duty for a channel at a branch in one hour of one day."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="rosters")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    date = models.DateField(_("date"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    staff_count = models.PositiveSmallIntegerField(_("staff on duty"))

    class Meta:
        ordering = ["date", "hour"]
        verbose_name = _("roster hour")
        verbose_name_plural = _("roster")
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "channel", "date", "hour"], name="one_roster_per_hour"
            ),
            models.CheckConstraint(condition=Q(hour__lte=23), name="roster_hour_0_23"),
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.channel} {self.date} {self.hour}:00 × {self.staff_count}"


class QueueThreshold(models.Model):
    """A branch's live-queue alarm levels; branches without one use the bank defaults
    (settings QC_SERVICES_MAX_WAIT_SECONDS, QC_SERVICES_MAX_QUEUE_LENGTH)."""

    branch = models.OneToOneField(Branch, on_delete=models.CASCADE, related_name="queue_threshold")
    max_wait_seconds = models.PositiveIntegerField(_("longest acceptable wait (s)"))
    max_queue_length = models.PositiveIntegerField(_("longest acceptable queue"))

    class Meta:
        verbose_name = _("queue threshold")
        verbose_name_plural = _("queue thresholds")

    def __str__(self) -> str:
        return f"{self.branch_id}: {self.max_queue_length} / {self.max_wait_seconds}s"
