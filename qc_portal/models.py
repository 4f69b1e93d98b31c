from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class BilingualNameMixin(models.Model):
    name_zh = models.CharField(_("中文名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=120)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_zh

    def __str__(self) -> str:
        return self.name


class Branch(BilingualNameMixin):
    code = models.CharField(_("网点代码"), max_length=20, unique=True)
    city = models.CharField(_("城市"), max_length=60, blank=True)
    is_active = models.BooleanField(_("营业中"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("网点")
        verbose_name_plural = _("网点")


class Department(BilingualNameMixin):
    class Code(models.TextChoices):
        CUSTOMER_SERVICE = "customer_service", _("客户服务部")
        IT = "it", _("信息技术部")
        RISK = "risk", _("风险管理部")
        HR = "hr", _("人力资源部")
        RETAIL = "retail", _("零售银行部")
        HEAD_OFFICE = "head_office", _("总行办公室")

    code = models.CharField(_("部门代码"), max_length=30, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_profile"
    )
    employee_number = models.CharField(_("工号"), max_length=20, unique=True)
    full_name = models.CharField(_("姓名"), max_length=80)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="staff")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="staff")
    position = models.CharField(_("岗位"), max_length=80, blank=True)
    hired_on = models.DateField(_("入职日期"))
    left_on = models.DateField(_("离职日期"), null=True, blank=True)
    credit_authority_limit = models.DecimalField(
        _("授信审批权限"), max_digits=16, decimal_places=2, default=0
    )

    class Meta:
        ordering = ["employee_number"]
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("hired_on")),
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

    customer_number = models.CharField(_("客户号"), max_length=20, unique=True)
    name = models.CharField(_("姓名"), max_length=80)
    # Only the masked form is kept: the portal never needs the full ID number.
    id_number_masked = models.CharField(_("证件号(脱敏)"), max_length=30, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    preferred_language = models.CharField(
        _("首选语言"), max_length=10, choices=Language.choices, default=Language.ZH
    )
    home_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="customers", verbose_name=_("开户网点")
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
        verbose_name = _("客户")
        verbose_name_plural = _("客户")

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_number})"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("审计记录只能追加，不能修改。"))

    def delete(self):
        raise ValidationError(_("审计记录只能追加，不能删除。"))


class AuditEvent(models.Model):
    """One state change, by whom, on what, from where. Append-only (also enforced by a
    PostgreSQL trigger, see migration 0002), so the history cannot be rewritten."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who acted when it was not a user: a source system, a scheduled job.
    actor_label = models.CharField(_("操作方"), max_length=80, blank=True)
    action = models.CharField(_("动作"), max_length=80, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(_("客户端IP"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("审计记录只能追加，不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("审计记录只能追加，不能删除。"))


class Alert(models.Model):
    """Anything the portal flags for people to act on: a missed KPI, a queue breach, an early
    warning, a silent source system... One row per `key`, so a condition seen again by the
    next run of a job does not alert twice."""

    class Severity(models.TextChoices):
        INFO = "info", _("提示")
        WARNING = "warning", _("警告")
        CRITICAL = "critical", _("严重")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        ACKNOWLEDGED = "acknowledged", _("已确认")
        CLOSED = "closed", _("已关闭")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(_("类别"), max_length=60, db_index=True)
    severity = models.CharField(
        _("级别"), max_length=10, choices=Severity.choices, default=Severity.WARNING
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
    link = models.CharField(_("证据链接"), max_length=300, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=15, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    note = models.TextField(_("处理说明"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")

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
