"""Measure 4: source systems sending records in, every record received, the data inventory and
who may share it. Writes go through `integration.actions`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qc_portal.models import BilingualNameMixin, Department


@dataclass(frozen=True)
class SystemActor:
    """A source system acting through an app's action: not a user, named in the audit trail.
    `is_authenticated` is False so `record_event(actor=...)` does not take it for a user."""

    label: str
    is_authenticated: bool = False
    pk: None = None

    def __str__(self) -> str:
        return self.label


class SourceSystem(models.Model):
    """A bank system allowed to push records to the portal, signing each request with its
    shared secret (HMAC-SHA256). The secret is stored encrypted (Fernet); after a rotation
    the previous one stays valid for an overlap so the sender can switch without downtime."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("integration", "Active")
        SUSPENDED = "suspended", pgettext_lazy("integration", "Suspended")

    code = models.SlugField(pgettext_lazy("integration", "code"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("integration", "name"), max_length=120)
    owning_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="source_systems",
        verbose_name=pgettext_lazy("integration", "owning department"),
    )
    allowed_record_types = models.JSONField(
        pgettext_lazy("integration", "allowed record types"), default=list, blank=True
    )
    # How often the system normally sends: silence beyond this raises an alert.
    expected_frequency_minutes = models.PositiveIntegerField(
        pgettext_lazy("integration", "expected frequency (minutes)"), default=60
    )
    status = models.CharField(
        pgettext_lazy("integration", "status"),
        max_length=12,
        choices=Status.choices,
        default=Status.ACTIVE,
    )
    secret_encrypted = models.TextField(editable=False)
    previous_secret_encrypted = models.TextField(editable=False, blank=True)
    previous_secret_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = pgettext_lazy("integration", "source system")
        verbose_name_plural = pgettext_lazy("integration", "source systems")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def actor_label(self) -> str:
        return f"source:{self.code}"

    @property
    def actor(self) -> SystemActor:
        return SystemActor(self.actor_label)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def allows(self, record_type: str) -> bool:
        return record_type in (self.allowed_record_types or [])

    @property
    def expected_frequency(self) -> timedelta:
        return timedelta(minutes=self.expected_frequency_minutes)

    def previous_secret_is_valid(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(
            self.previous_secret_encrypted
            and self.previous_secret_valid_until
            and now < self.previous_secret_valid_until
        )


class InboundBatch(models.Model):
    """One ingest request: the records it carried are InboundRecords; duplicates and refused
    reuses are counted here (a duplicate is a retry of a record already stored)."""

    class Mode(models.TextChoices):
        SYNC = "sync", pgettext_lazy("integration", "Applied in the request")
        QUEUED = "queued", pgettext_lazy("integration", "Queued")

    source = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="batches")
    record_type = models.CharField(max_length=60)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.SYNC)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    record_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    conflict_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"batch {self.pk} {self.source_id} {self.record_type}"


class InboundRecord(models.Model):
    """Every record received, with its outcome: received = applied + rejected + pending.

    `idempotency_key` is unique per source, so two concurrent retries cannot both be stored
    (the second waits on the unique index and then finds the first). A record refused for
    carrying no key, or a key already used for different content, is still stored — with
    `idempotency_key` empty and the key it claimed in `submitted_key` — so nothing is lost."""

    class Status(models.TextChoices):
        RECEIVED = (
            "received",
            pgettext_lazy("integration", "Received"),
        )  # only inside the transaction that applies it
        PENDING = "pending", pgettext_lazy("integration", "Pending")
        APPLIED = "applied", pgettext_lazy("integration", "Applied")
        REJECTED = "rejected", pgettext_lazy("integration", "Rejected")

    class Reason(models.TextChoices):
        NONE = "", "—"
        INVALID = "invalid", pgettext_lazy("integration", "Invalid content")
        MISSING_KEY = "missing_key", pgettext_lazy("integration", "No idempotency key")
        REUSED_KEY = "reused_key", _("Key reused with different content")
        APPLY_FAILED = "apply_failed", pgettext_lazy("integration", "Could not be applied")

    source = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="records")
    batch = models.ForeignKey(
        InboundBatch, on_delete=models.PROTECT, related_name="records", null=True, blank=True
    )
    record_type = models.CharField(max_length=60)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    submitted_key = models.CharField(max_length=200, blank=True)
    content_hash = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    reason = models.CharField(max_length=20, choices=Reason.choices, default="", blank=True)
    errors = models.JSONField(default=dict, blank=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    processing_seconds = models.FloatField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "idempotency_key"], name="inbound_key_once_per_source"
            ),
        ]
        indexes = [
            models.Index(fields=["source", "received_at"]),
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["applied_at"]),
            models.Index(fields=["record_type", "applied_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.record_type} {self.submitted_key or self.pk} ({self.status})"

    @property
    def replayable(self) -> bool:
        """Rejected for a cause that can be fixed on our side (content or apply), not for
        breaking the key rules: those need the sender to send again."""
        return self.status == self.Status.REJECTED and self.reason in (
            self.Reason.INVALID,
            self.Reason.APPLY_FAILED,
        )


class DataSet(BilingualNameMixin):
    """An entry of the data inventory: data a source system brings onto the platform."""

    class Sensitivity(models.TextChoices):
        PUBLIC = "public", pgettext_lazy("integration", "Public (all staff)")
        INTERNAL = "internal", pgettext_lazy("integration", "Internal")
        CONFIDENTIAL = "confidential", pgettext_lazy("integration", "Confidential")

    class Refresh(models.TextChoices):
        REALTIME = "realtime", pgettext_lazy("integration", "Real time")
        HOURLY = "hourly", pgettext_lazy("integration", "Hourly")
        DAILY = "daily", pgettext_lazy("integration", "Daily")
        WEEKLY = "weekly", pgettext_lazy("integration", "Weekly")
        MONTHLY = "monthly", pgettext_lazy("integration", "Monthly")

    code = models.SlugField(pgettext_lazy("integration", "code"), max_length=60, unique=True)
    domain = models.CharField(pgettext_lazy("integration", "domain"), max_length=60)
    owning_system = models.ForeignKey(
        SourceSystem,
        on_delete=models.PROTECT,
        related_name="data_sets",
        verbose_name=pgettext_lazy("integration", "owning system"),
    )
    owning_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="data_sets",
        verbose_name=pgettext_lazy("integration", "owning department"),
    )
    record_types = models.JSONField(
        pgettext_lazy("integration", "record types"), default=list, blank=True
    )
    sensitivity = models.CharField(
        pgettext_lazy("integration", "sensitivity"),
        max_length=15,
        choices=Sensitivity.choices,
        default=Sensitivity.INTERNAL,
    )
    refresh_frequency = models.CharField(
        pgettext_lazy("integration", "refresh frequency"),
        max_length=10,
        choices=Refresh.choices,
        default=Refresh.DAILY,
    )
    description = models.TextField(pgettext_lazy("integration", "description"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["domain", "code"]
        verbose_name = pgettext_lazy("integration", "data set")
        verbose_name_plural = pgettext_lazy("integration", "data sets")


class SharingGrant(models.Model):
    """One cell of the sharing matrix: does `department` need `data_set` (required), and may it
    read it on the platform (granted)? The data-sharing rate counts required pairs granted."""

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="grants")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="data_grants")
    required = models.BooleanField(default=False)
    required_since = models.DateTimeField(null=True, blank=True)
    granted_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["data_set", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["data_set", "department"], name="one_grant_per_dataset_department"
            ),
            models.CheckConstraint(
                condition=models.Q(granted_at__isnull=True) | models.Q(granted_by__isnull=False),
                name="grant_names_granter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.data_set_id} → {self.department_id}"

    @property
    def granted(self) -> bool:
        return self.granted_at is not None
