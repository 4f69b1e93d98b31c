"""Admin: templates and manuals are reference data; cases change only through actions, so
they are read-only here."""

from django.contrib import admin

from transparency.models import (
    Case,
    CaseEvent,
    Manual,
    Outbox,
    ProcessTemplate,
    ProgressInquiry,
    TemplateStep,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TemplateStepInline(admin.TabularInline):
    model = TemplateStep
    extra = 0
    readonly_fields = [f.name for f in TemplateStep._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProcessTemplate)
class ProcessTemplateAdmin(ReadOnlyAdmin):
    list_display = [
        "business_type",
        "version",
        "name_zh",
        "name_en",
        "is_current",
        "effective_from",
    ]
    list_filter = ["business_type", "is_current"]
    inlines = [TemplateStepInline]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["created_at", "kind", "step", "text", "customer_visible", "actor_name"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "business_type",
        "branch",
        "status",
        "opened_at",
        "expected_completion_at",
    ]
    list_filter = ["status", "business_type", "branch"]
    search_fields = ["reference", "customer__customer_number"]
    exclude = ["access_code_hash"]
    inlines = [CaseEventInline]


@admin.register(ProgressInquiry)
class ProgressInquiryAdmin(ReadOnlyAdmin):
    list_display = ["case", "branch", "channel", "received_at", "source"]
    list_filter = ["channel", "branch"]


@admin.register(Outbox)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]


@admin.register(Manual)
class ManualAdmin(ReadOnlyAdmin):
    list_display = ["business_type", "version", "title_zh", "published_on", "next_review_on"]
    list_filter = ["business_type"]
