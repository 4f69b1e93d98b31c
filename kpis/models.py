"""KPI definitions (mirrored from the registry), targets, baselines, results and job runs, plus
the programme plan of the seed's section 3."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from qc_portal.models import Branch, Department


def _bilingual(zh: str, en: str) -> str:
    return en if (translation.get_language() or "").startswith("en") else zh


class Status(models.TextChoices):
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    INSUFFICIENT_DATA = "insufficient_data", _("Insufficient data")
    NO_TARGET = "no_target", _("No target")


class KpiDefinition(models.Model):
    """The registry's definitions as a table, so they can be listed, targeted and joined.
    Rows are synced from `kpis.registry` after migrate and before every computation; a code
    seeded by the default-targets migration but not (yet) registered keeps `is_registered`
    false."""

    code = models.CharField(_("Code"), max_length=80, unique=True)
    measure = models.PositiveSmallIntegerField(_("Measure"))
    period_kind = models.CharField(_("Period"), max_length=10)
    unit = models.CharField(_("Unit"), max_length=10)
    direction = models.CharField(_("Direction"), max_length=10)
    title_zh = models.CharField(max_length=120)
    title_en = models.CharField(max_length=120)
    definition_zh = models.TextField(blank=True)
    definition_en = models.TextField(blank=True)
    scopes = models.JSONField(default=list)
    is_registered = models.BooleanField(_("Registered"), default=False)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["measure", "code"]
        verbose_name = _("KPI definition")
        verbose_name_plural = _("KPI definitions")

    def __str__(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        return _bilingual(self.title_zh, self.title_en)

    @property
    def definition(self) -> str:
        return _bilingual(self.definition_zh, self.definition_en)

    @property
    def display_factor(self) -> int:
        return 100 if self.unit == "percent" else 1


class Comparator(models.TextChoices):
    LT = "lt", "<"
    LTE = "lte", "≤"
    GTE = "gte", "≥"
    GT = "gt", ">"


class KpiTarget(models.Model):
    """One condition a KPI must meet from `effective_from` on. Several rows with the same
    KPI, branch and effective date are all in force together (phone ASA: ≤ 30 s *and*
    ≤ 0.8 × baseline). A branch-specific set replaces the bank-level set for that branch.
    Edits go through `kpis.actions` so they are audited; history is never rewritten because
    a change is a new row with a later effective date."""

    class Kind(models.TextChoices):
        ABSOLUTE = "absolute", _("Absolute")
        RELATIVE = "relative", _("Relative to baseline")

    kpi = models.ForeignKey(KpiDefinition, on_delete=models.CASCADE, related_name="targets")
    branch = models.ForeignKey(
        Branch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Branch"),
        help_text=_("Empty: the whole bank and every branch."),
    )
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices)
    comparator = models.CharField(_("Comparator"), max_length=3, choices=Comparator.choices)
    # Absolute: the threshold in stored units (a percent KPI stores a ratio: 0.85).
    value = models.DecimalField(_("Value"), max_digits=18, decimal_places=6, null=True, blank=True)
    # Relative: threshold = baseline × factor / divisor ("≤ baseline / 1.3" is factor 1, divisor 1.3).
    factor = models.DecimalField(_("Factor"), max_digits=10, decimal_places=6, default=Decimal(1))
    divisor = models.DecimalField(_("Divisor"), max_digits=10, decimal_places=6, default=Decimal(1))
    effective_from = models.DateField(_("Effective from"))
    note = models.CharField(_("Note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kpi", "branch", "-effective_from", "id"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="relative") | Q(value__isnull=False),
                name="kpi_target_absolute_has_value",
            ),
            models.CheckConstraint(
                condition=Q(factor__gt=0) & Q(divisor__gt=0), name="kpi_target_factor_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.describe()}"

    def describe(self, unit: str | None = None) -> str:
        from kpis.evaluation import describe_target

        return describe_target(self.as_spec(), unit or self.kpi.unit)

    def as_spec(self) -> dict:
        return {
            "kind": self.kind,
            "comparator": self.comparator,
            "value": None if self.value is None else str(self.value),
            "factor": str(self.factor),
            "divisor": str(self.divisor),
        }


class KpiBaseline(models.Model):
    """The KPI's value before the programme: computed from the periods before
    settings.QC_PROGRAMME_START, or entered by hand with a reason (a manual row is never
    overwritten by a computation)."""

    class Source(models.TextChoices):
        COMPUTED = "computed", _("Computed")
        MANUAL = "manual", _("Entered by hand")

    kpi = models.ForeignKey(KpiDefinition, on_delete=models.CASCADE, related_name="baselines")
    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    value = models.FloatField(_("Value"), null=True, blank=True)
    numerator = models.FloatField(default=0)
    denominator = models.FloatField(default=0)
    observations = models.PositiveIntegerField(default=0)
    periods = models.CharField(_("Periods"), max_length=80, blank=True)
    source = models.CharField(
        _("Source"), max_length=10, choices=Source.choices, default=Source.COMPUTED
    )
    reason = models.TextField(_("Reason"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kpi", "branch"]
        verbose_name = _("KPI baseline")
        verbose_name_plural = _("KPI baselines")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "branch"], name="kpi_baseline_one_per_branch"),
            models.UniqueConstraint(
                fields=["kpi"], condition=Q(branch__isnull=True), name="kpi_baseline_one_bank"
            ),
            models.CheckConstraint(
                condition=Q(source="computed") | ~Q(reason=""),
                name="kpi_baseline_manual_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} @ {self.branch.code if self.branch else 'bank'}"


class JobRun(models.Model):
    """One computation of a period (or of a single KPI): who asked, how long, what failed."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIAL = "partial", _("Partly failed")
        FAILED = "failed", _("Failed")

    period_kind = models.CharField(_("Period"), max_length=10)
    period_key = models.CharField(_("Period key"), max_length=10, db_index=True)
    trigger = models.CharField(_("Trigger"), max_length=20, default="manual")
    state = models.CharField(
        _("State"), max_length=10, choices=State.choices, default=State.RUNNING
    )
    kpis_total = models.PositiveIntegerField(default=0)
    kpis_done = models.PositiveIntegerField(default=0)
    kpis_failed = models.PositiveIntegerField(default=0)
    errors = models.TextField(_("Errors"), blank=True)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("KPI job run")
        verbose_name_plural = _("KPI job runs")

    def __str__(self) -> str:
        return f"{self.period_key} {self.state}"


class KpiResult(models.Model):
    """One KPI for one period and one scope (the bank, or a branch). Replaced as a whole
    when the period is recomputed."""

    kpi = models.ForeignKey(KpiDefinition, on_delete=models.CASCADE, related_name="results")
    period_kind = models.CharField(max_length=10)
    period_key = models.CharField(_("Period"), max_length=10)
    period_start = models.DateField()
    branch = models.ForeignKey(
        Branch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Branch"),
    )
    numerator = models.FloatField(default=0)
    denominator = models.FloatField(default=0)
    value = models.FloatField(_("Value"), null=True, blank=True)
    observations = models.PositiveIntegerField(_("Observations"), default=0)
    target_text = models.CharField(_("Target"), max_length=200, blank=True)
    target_snapshot = models.JSONField(default=list, blank=True)
    baseline_value = models.FloatField(_("Baseline"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices)
    provisional = models.BooleanField(_("Provisional"), default=False)
    computed_at = models.DateTimeField(_("Computed at"), default=timezone.now)
    job_run = models.ForeignKey(
        JobRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="results"
    )

    class Meta:
        ordering = ["kpi__measure", "kpi__code", "period_start", "branch__code"]
        verbose_name = _("KPI result")
        verbose_name_plural = _("KPI results")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "period_kind", "period_key", "branch"],
                name="kpi_result_one_per_scope",
            ),
            models.UniqueConstraint(
                fields=["kpi", "period_kind", "period_key"],
                condition=Q(branch__isnull=True),
                name="kpi_result_one_bank",
            ),
        ]
        indexes = [
            models.Index(fields=["period_key", "branch"]),
            models.Index(fields=["kpi", "period_start"]),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.period_key} {self.scope}"

    @property
    def scope(self) -> str:
        return f"branch:{self.branch.code}" if self.branch_id else "bank"


# --- The programme plan (seed section 3) ---


class Initiative(models.Model):
    number = models.PositiveSmallIntegerField(_("Measure"), unique=True)
    title_zh = models.CharField(max_length=120)
    title_en = models.CharField(max_length=120)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    duration_months = models.PositiveSmallIntegerField(
        _("Duration (months)"), null=True, blank=True, help_text=_("Empty: continuous.")
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("Initiative")
        verbose_name_plural = _("Initiatives")

    def __str__(self) -> str:
        return f"{self.number}. {self.title_en}"

    @property
    def title(self) -> str:
        return _bilingual(self.title_zh, self.title_en)

    @property
    def is_continuous(self) -> bool:
        return self.duration_months is None


class PlanStep(models.Model):
    """A monthly step of an initiative. Months are counted from the programme start (M1 is
    the start month), so moving settings.QC_PROGRAMME_START moves the plan with it."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    first_month = models.PositiveSmallIntegerField(_("From month"))
    last_month = models.PositiveSmallIntegerField(_("To month"))
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("Note"), blank=True)
    evidence_url = models.URLField(_("Evidence link"), blank=True)

    class Meta:
        ordering = ["initiative__number", "order"]
        verbose_name = _("Plan step")
        verbose_name_plural = _("Plan steps")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "order"], name="plan_step_order_unique"),
            models.CheckConstraint(
                condition=Q(last_month__gte=models.F("first_month")),
                name="plan_step_months_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.number}.{self.order} {self.title_en}"

    @property
    def title(self) -> str:
        return _bilingual(self.title_zh, self.title_en)
