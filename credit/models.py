"""Measure 3 — credit risk control: the versioned credit policy and its scorecard, credit
applications and their three-stage approval (初审 / 复审 / 终审), the loan book, the
five-category classification and its history, and the quarterly credit review."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qc_portal.models import Branch, Customer
from qc_portal.roles import Role


class Product(models.TextChoices):
    # The same codes as the transparency process templates, so an application opens the
    # customer's case of the matching kind.
    CONSUMER_LOAN = "consumer_loan", _("Consumer loan")
    MORTGAGE = "mortgage", _("Mortgage")
    BUSINESS_LOAN = "business_loan", _("Business loan")


class CreditPolicy(models.Model):
    """One version of the credit policy. Versions are never edited: a change is a new version
    with a later effective date, and every application keeps the version it was scored under,
    so a policy change never rewrites a decision already taken.

    `scorecard` = {"factors": [{"code", "label_zh", "label_en", "kind": "range"|"choice", ...}]}
      - range:  "bands": [{"below": 0.3, "points": 30}, ..., {"below": null, "points": 0}]
                (the first band whose `below` is null or greater than the value)
      - choice: "points": {"permanent": 20, "contract": 12, ...}
    `grade_bands` = [{"grade": "A", "min_score": 80}, ...] (highest first)
    `amount_tiers` = [{"up_to": "300000", "cutoff": 55}, {"up_to": null, "cutoff": 65}]: larger
      amounts may need a higher score; a tier without `cutoff` uses `cutoff_score`.
    """

    version = models.PositiveIntegerField(_("Version"), unique=True)
    effective_from = models.DateField(_("Effective from"))
    scorecard = models.JSONField(_("Scorecard"))
    grade_bands = models.JSONField(_("Grade bands"))
    cutoff_score = models.IntegerField(_("Cut-off score"))
    amount_tiers = models.JSONField(_("Amount tiers"), default=list, blank=True)
    note = models.TextField(_("Change note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("Credit policy")
        verbose_name_plural = _("Credit policies")

    def __str__(self) -> str:
        return f"v{self.version} ({self.effective_from})"

    def cutoff_for(self, amount: Decimal) -> int:
        for tier in self.amount_tiers or []:
            up_to = tier.get("up_to")
            if up_to is None or Decimal(str(amount)) <= Decimal(str(up_to)):
                return int(tier.get("cutoff", self.cutoff_score))
        return self.cutoff_score


class Stage(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    INITIAL_REVIEW = "initial_review", _("Initial review")
    SECOND_REVIEW = "second_review", _("Second review")
    FINAL_APPROVAL = "final_approval", _("Final approval")
    APPROVED = "approved", _("Approved")


# The approval pipeline as data: where an approval at each stage leads (DESIGN.md §5).
NEXT_STAGE = {
    Stage.SUBMITTED: Stage.INITIAL_REVIEW,
    Stage.INITIAL_REVIEW: Stage.SECOND_REVIEW,
    Stage.SECOND_REVIEW: Stage.FINAL_APPROVAL,
    Stage.FINAL_APPROVAL: Stage.APPROVED,
}
DECISION_STAGES = (Stage.INITIAL_REVIEW, Stage.SECOND_REVIEW, Stage.FINAL_APPROVAL)
STAGE_ROLES = {
    Stage.INITIAL_REVIEW: Role.RISK_INITIAL,
    Stage.SECOND_REVIEW: Role.RISK_REVIEW,
    Stage.FINAL_APPROVAL: Role.RISK_FINAL,
}
STAGE_ORDER = {stage: index for index, stage in enumerate(Stage.values)}


class Application(models.Model):
    class Status(models.TextChoices):
        IN_REVIEW = "in_review", _("In review")
        RETURNED = "returned", _("Returned for information")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", pgettext_lazy("credit application", "Rejected")

    reference = models.CharField(_("Application number"), max_length=24, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="credit_applications"
    )
    relationship_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="credit_applications",
        verbose_name=_("Relationship manager"),
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="credit_applications")
    product = models.CharField(_("Product"), max_length=20, choices=Product.choices)
    amount = models.DecimalField(_("Amount"), max_digits=16, decimal_places=2)
    term_months = models.PositiveIntegerField(_("Term (months)"))
    purpose = models.CharField(_("Purpose"), max_length=300)
    scorecard_inputs = models.JSONField(_("Scorecard inputs"), default=dict)
    documents = models.JSONField(_("Documents"), default=list, blank=True)
    policy = models.ForeignKey(CreditPolicy, on_delete=models.PROTECT, related_name="applications")
    score = models.IntegerField(pgettext_lazy("credit", "Score"))
    grade = models.CharField(_("Grade"), max_length=10)
    cutoff_score = models.IntegerField(_("Cut-off score"))
    stage = models.CharField(
        _("Stage"), max_length=20, choices=Stage.choices, default=Stage.SUBMITTED
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.IN_REVIEW
    )
    submitted_at = models.DateTimeField(_("Submitted at"), default=timezone.now)
    stage_entered_at = models.DateTimeField(_("At this stage since"), default=timezone.now)
    closed_at = models.DateTimeField(_("Closed at"), null=True, blank=True)
    # The transparency case the customer follows (its public reference).
    case_reference = models.CharField(_("Case reference"), max_length=40, blank=True)
    # Bumped by every state change: a decision names the version it was made on.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("Credit application")
        verbose_name_plural = _("Credit applications")
        indexes = [
            models.Index(fields=["stage", "status", "stage_entered_at"]),
            models.Index(fields=["branch", "submitted_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def below_cutoff(self) -> bool:
        return self.score < self.cutoff_score

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.IN_REVIEW, self.Status.RETURNED)


class Decision(models.Model):
    class Outcome(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", pgettext_lazy("credit decision", "Reject")
        RETURN = "return", _("Return for information")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    # The application version the decision was made on: a second decision on the same
    # version is impossible at the database level too.
    application_version = models.PositiveIntegerField()
    stage = models.CharField(_("Stage"), max_length=20, choices=Stage.choices)
    decision = models.CharField(_("Decision"), max_length=10, choices=Outcome.choices)
    reason = models.TextField(_("Reason"))
    override_reason = models.TextField(_("Override reason"), blank=True)
    is_override = models.BooleanField(_("Policy override"), default=False)
    score = models.IntegerField(pgettext_lazy("credit", "Score"))
    grade = models.CharField(_("Grade"), max_length=10)
    cutoff_score = models.IntegerField(_("Cut-off score"))
    policy_version = models.PositiveIntegerField(_("Policy version"))
    amount = models.DecimalField(_("Amount"), max_digits=16, decimal_places=2)
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_decisions"
    )
    decider_limit = models.DecimalField(
        _("Decider's authority limit"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    stage_entered_at = models.DateTimeField()
    # Seconds the application waited at the stage before this decision (turnaround).
    seconds_waited = models.PositiveIntegerField(default=0)
    decided_at = models.DateTimeField(_("Decided at"), default=timezone.now, db_index=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("Credit decision")
        verbose_name_plural = _("Credit decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "application_version"],
                name="credit_one_decision_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.stage} {self.decision}"


class Category(models.TextChoices):
    """The five categories of 商业银行金融资产风险分类办法 (CBIRC/PBOC 2023 No. 1)."""

    NORMAL = "normal", _("Normal")
    SPECIAL_MENTION = "special_mention", _("Special mention")
    SUBSTANDARD = "substandard", _("Substandard")
    DOUBTFUL = "doubtful", _("Doubtful")
    LOSS = "loss", _("Loss")


SEVERITY = {category: index for index, category in enumerate(Category.values)}
NON_PERFORMING = (Category.SUBSTANDARD, Category.DOUBTFUL, Category.LOSS)


class Loan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("loan status", "Active")
        REPAID = "repaid", _("Repaid")
        WRITTEN_OFF = "written_off", _("Written off")

    reference = models.CharField(_("Loan number"), max_length=24, unique=True)
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="loan", null=True, blank=True
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="loans")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="loans")
    product = models.CharField(_("Product"), max_length=20, choices=Product.choices)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="credit_loans",
        verbose_name=_("Relationship manager"),
    )
    principal = models.DecimalField(_("Principal"), max_digits=16, decimal_places=2)
    outstanding_balance = models.DecimalField(
        _("Outstanding balance"), max_digits=16, decimal_places=2
    )
    disbursed_on = models.DateField(_("Disbursed on"))
    maturity_on = models.DateField(_("Maturity"))
    days_past_due = models.PositiveIntegerField(_("Days past due"), default=0)
    status_as_of = models.DateField(_("Status as of"))
    status = models.CharField(
        _("Status"), max_length=15, choices=Status.choices, default=Status.ACTIVE
    )
    # The floor follows from days past due; a risk manager may set a worse category with a
    # reason. The effective category is the worse of the two.
    floor_category = models.CharField(
        max_length=20, choices=Category.choices, default=Category.NORMAL
    )
    manual_category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    # Contagion (DOMAIN.md): more than a set share of the borrower's claims non-performing
    # makes all of them at least substandard. Set by the daily recomputation.
    contagion_floor = models.BooleanField(default=False)
    manual_reason = models.TextField(blank=True)
    category = models.CharField(
        pgettext_lazy("loan classification", "Category"),
        max_length=20,
        choices=Category.choices,
        default=Category.NORMAL,
        db_index=True,
    )
    written_off_on = models.DateField(null=True, blank=True)
    written_off_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        ordering = ["reference"]
        verbose_name = _("Loan")
        verbose_name_plural = _("Loans")
        indexes = [models.Index(fields=["branch", "category"]), models.Index(fields=["customer"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outstanding_balance__gte=0), name="credit_balance_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_non_performing(self) -> bool:
        return self.category in NON_PERFORMING

    @property
    def vintage(self) -> str:
        return f"{self.disbursed_on.year}-Q{(self.disbursed_on.month - 1) // 3 + 1}"


class ClassificationChange(models.Model):
    """Every change of a loan's category, for audit, downgrade warnings and migration."""

    class Source(models.TextChoices):
        DAILY = "daily", _("Daily recomputation")
        STATUS_UPDATE = "status_update", _("Status update")
        MANUAL = "manual", _("Risk manager")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="classification_changes")
    changed_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    from_category = models.CharField(max_length=20, choices=Category.choices)
    to_category = models.CharField(max_length=20, choices=Category.choices)
    days_past_due = models.PositiveIntegerField()
    outstanding_balance = models.DecimalField(max_digits=16, decimal_places=2)
    source = models.CharField(max_length=20, choices=Source.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-changed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.from_category} -> {self.to_category} ({self.changed_on})"

    @property
    def is_downgrade(self) -> bool:
        return SEVERITY[self.to_category] > SEVERITY[self.from_category]


class ClassificationSnapshot(models.Model):
    """The book as it stood at the end of a day (taken at quarter ends, and whenever the daily
    job runs on a quarter's last day): the NPL ratio and the migration matrix read these, so a
    past quarter's figures never move when loans change later."""

    as_of = models.DateField(db_index=True)
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="snapshots")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    product = models.CharField(max_length=20, choices=Product.choices)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    vintage = models.CharField(max_length=7)
    category = models.CharField(max_length=20, choices=Category.choices)
    days_past_due = models.PositiveIntegerField()
    balance = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["-as_of", "loan_id"]
        constraints = [
            models.UniqueConstraint(fields=["as_of", "loan"], name="credit_one_snapshot_per_day")
        ]
        indexes = [models.Index(fields=["as_of", "branch"])]

    def __str__(self) -> str:
        return f"{self.as_of} {self.loan_id} {self.category}"


class ReviewSample(models.Model):
    """The quarterly credit review's sample of one quarter's decisions."""

    quarter = models.CharField(_("Quarter"), max_length=7, unique=True)
    random_share = models.DecimalField(max_digits=5, decimal_places=4)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-quarter"]

    def __str__(self) -> str:
        return self.quarter


class ReviewItem(models.Model):
    class Selection(models.TextChoices):
        OVERRIDE = "override", _("Policy override")
        RANDOM = "random", _("Random sample")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not reviewed")
        CORRECT = "correct", _("Correct")
        ERRONEOUS = "erroneous", _("Erroneous")

    class ErrorCategory(models.TextChoices):
        POLICY_BREACH = "policy_breach", _("Decision against policy")
        SCORING = "scoring", _("Wrong scorecard inputs or score")
        DOCUMENTS = "documents", _("Missing or inadequate documents")
        AUTHORITY = "authority", _("Authority or four-eyes breach")
        WEAK_OVERRIDE = "weak_override", _("Unjustified override")
        OTHER = "other", _("Other")

    sample = models.ForeignKey(ReviewSample, on_delete=models.CASCADE, related_name="items")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="review")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    selection = models.CharField(max_length=10, choices=Selection.choices)
    outcome = models.CharField(
        _("Outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    error_category = models.CharField(
        _("Error category"), max_length=20, choices=ErrorCategory.choices, blank=True
    )
    note = models.TextField(_("Note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sample", "branch", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="erroneous") | ~models.Q(error_category=""),
                name="credit_error_needs_category",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sample} {self.decision_id} {self.outcome}"
