from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class BilingualNameMixin(models.Model):
    name_zh = models.CharField(_("Chinese name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_zh


class Branch(BilingualNameMixin):
    code = models.CharField(_("Branch code"), max_length=20, unique=True)
    city = models.CharField(_("City"), max_length=60, blank=True)
    is_active = models.BooleanField(_("Active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Branch")
        verbose_name_plural = _("Branches")


class Department(BilingualNameMixin):
    class Code(models.TextChoices):
        CUSTOMER_SERVICE = "customer_service", _("Customer Service")
        IT = "it", _("Information Technology")
        RISK = "risk", _("Risk Management")
        HR = "hr", _("Human Resources")
        RETAIL = "retail", _("Retail Banking")
        HEAD_OFFICE = "head_office", _("Head Office")

    code = models.CharField(_("Department code"), max_length=30, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Department")
        verbose_name_plural = _("Departments")


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_profile"
    )
    employee_number = models.CharField(_("Employee number"), max_length=20, unique=True)
    full_name = models.CharField(_("Name"), max_length=80)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="staff")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="staff")
    position = models.CharField(_("Position"), max_length=80, blank=True)
    hired_on = models.DateField(_("Hired on"))
    left_on = models.DateField(_("Left on"), null=True, blank=True)
    credit_authority_limit = models.DecimalField(
        _("Credit authority limit"), max_digits=16, decimal_places=2, default=0
    )

    class Meta:
        ordering = ["employee_number"]
        verbose_name = _("Staff member")
        verbose_name_plural = _("Staff")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("hired_on")),
                name="staff_left_after_hired",
            ),
            models.CheckConstraint(
                condition=models.Q(credit_authority_limit__gte=0), name="staff_limit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.employee_number})"

    def is_active_on(self, day) -> bool:
        return self.hired_on <= day and (self.left_on is None or self.left_on >= day)


class Customer(models.Model):
    class Language(models.TextChoices):
        ZH = "zh-hans", "简体中文"
        EN = "en", "English"

    customer_number = models.CharField(_("Customer number"), max_length=20, unique=True)
    name = models.CharField(_("Name"), max_length=80)
    # Only the masked form is kept: the portal never needs the full ID number.
    id_number_masked = models.CharField(_("ID number (masked)"), max_length=30, blank=True)
    phone = models.CharField(_("Mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("E-mail"), blank=True)
    preferred_language = models.CharField(
        _("Preferred language"), max_length=10, choices=Language.choices, default=Language.ZH
    )
    home_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="customers", verbose_name=_("Home branch")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
    )

    class Meta:
        ordering = ["customer_number"]
        verbose_name = _("Customer")
        verbose_name_plural = _("Customers")

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_number})"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("The audit trail is append-only: an event cannot be changed."))

    def _update(self, values):
        # The private path under save() and bulk_update(): closed too.
        raise ValidationError(_("The audit trail is append-only: an event cannot be changed."))

    def delete(self):
        raise ValidationError(_("The audit trail is append-only: an event cannot be deleted."))


class AuditEvent(models.Model):
    """One state change, by whom, on what, from where. Append-only (also enforced by a
    PostgreSQL trigger, see migration 0002), so the history cannot be rewritten."""

    created_at = models.DateTimeField(_("Time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who acted when it was not a user: a source system, a scheduled job.
    actor_label = models.CharField(_("Actor"), max_length=80, blank=True)
    action = models.CharField(_("Action"), max_length=80, db_index=True)
    target_type = models.CharField(_("Target type"), max_length=80, blank=True)
    target_id = models.CharField(_("Target ID"), max_length=64, blank=True)
    changes = models.JSONField(_("Changes"), default=dict, blank=True)
    request_id = models.CharField(_("Request ID"), max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(_("Client IP"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # Django's internal manager (related lookups, save) is the guarded one as well.
        base_manager_name = "objects"
        verbose_name = _("Audit event")
        verbose_name_plural = _("Audit events")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("The audit trail is append-only: an event cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("The audit trail is append-only: an event cannot be deleted."))


class Alert(models.Model):
    """Anything the portal flags for people to act on: a missed KPI, a queue breach, an early
    warning, a silent source system... One row per `key`, so a condition seen again by the
    next run of a job does not alert twice."""

    class Severity(models.TextChoices):
        INFO = "info", _("Info")
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(_("Kind"), max_length=60, db_index=True)
    severity = models.CharField(
        _("Severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )
    title_zh = models.CharField(max_length=250)
    title_en = models.CharField(max_length=250)
    message_zh = models.TextField(blank=True)
    message_en = models.TextField(blank=True)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    link = models.CharField(_("Evidence link"), max_length=300, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("Status"), max_length=15, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    note = models.TextField(_("Handling note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Alert")
        verbose_name_plural = _("Alerts")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_en if translation.get_language() == "en" else self.title_zh

    @property
    def message(self) -> str:
        return self.message_en if translation.get_language() == "en" else self.message_zh


class Notification(models.Model):
    """An alert delivered to one person: the bell's unread count is theirs alone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-alert__created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "alert"], name="one_notification_per_alert")
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.user_id}"


class ApiToken(models.Model):
    """An expiring, revocable token for the mobile app. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
