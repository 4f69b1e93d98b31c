"""Credit records are changed only through the actions (audited): the admin is read-only."""

from django.contrib import admin

from credit.models import (
    Application,
    ClassificationChange,
    CreditPolicy,
    Decision,
    Loan,
    ReviewItem,
    ReviewSample,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditPolicy)
class CreditPolicyAdmin(ReadOnlyAdmin):
    list_display = ["version", "effective_from", "cutoff_score", "created_by", "created_at"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "customer",
        "branch",
        "product",
        "amount",
        "score",
        "stage",
        "status",
    ]
    list_filter = ["stage", "status", "product"]
    search_fields = ["reference", "customer__customer_number"]
    list_select_related = ["customer", "branch"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["application", "stage", "decision", "decider", "is_override", "decided_at"]
    list_filter = ["stage", "decision", "is_override"]
    list_select_related = ["application", "decider"]


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "customer",
        "branch",
        "outstanding_balance",
        "days_past_due",
        "category",
        "status",
    ]
    list_filter = ["category", "status", "product"]
    search_fields = ["reference", "customer__customer_number"]
    list_select_related = ["customer", "branch"]


@admin.register(ClassificationChange)
class ClassificationChangeAdmin(ReadOnlyAdmin):
    list_display = ["loan", "changed_on", "from_category", "to_category", "source"]


@admin.register(ReviewSample)
class ReviewSampleAdmin(ReadOnlyAdmin):
    list_display = ["quarter", "random_share", "created_at"]


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    list_display = ["sample", "decision", "branch", "selection", "outcome", "error_category"]
    list_filter = ["selection", "outcome"]
