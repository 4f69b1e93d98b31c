from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kpis import actions
from kpis.models import (
    Initiative,
    JobRun,
    KpiBaseline,
    KpiDefinition,
    KpiResult,
    KpiTarget,
    PlanStep,
)
from qc_portal.audit import snapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(KpiDefinition)
class KpiDefinitionAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "measure",
        "period_kind",
        "unit",
        "direction",
        "title_zh",
        "is_registered",
    ]
    list_filter = ["measure", "period_kind", "is_registered"]
    search_fields = ["code", "title_zh", "title_en"]


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    """Every save and delete here is audited (kpis.actions.audit_target_change)."""

    list_display = [
        "kpi",
        "branch",
        "kind",
        "comparator",
        "value",
        "factor",
        "divisor",
        "effective_from",
        "note",
    ]
    list_filter = ["kind", "kpi__measure"]
    search_fields = ["kpi__code"]
    autocomplete_fields = ["branch"]
    readonly_fields = ["created_at", "created_by"]

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = snapshot(KpiTarget.objects.get(pk=obj.pk), actions.TARGET_FIELDS)
        else:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        actions.audit_target_change(obj, before=before, actor=request.user)

    def delete_model(self, request, obj):
        before = snapshot(obj, actions.TARGET_FIELDS)
        actions.audit_target_change(obj, before=before, actor=request.user, deleted=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class BaselineForm(forms.ModelForm):
    """A baseline saved here is entered by hand, so it needs its reason."""

    class Meta:
        model = KpiBaseline
        fields = ["kpi", "branch", "value", "reason"]

    def clean(self):
        data = super().clean()
        if not (data.get("reason") or "").strip():
            self.add_error("reason", _("A baseline entered by hand needs a reason."))
        if data.get("value") is None:
            self.add_error("value", _("Enter the baseline value."))
        return data


@admin.register(KpiBaseline)
class KpiBaselineAdmin(admin.ModelAdmin):
    form = BaselineForm
    list_display = [
        "kpi",
        "branch",
        "value",
        "observations",
        "periods",
        "source",
        "reason",
        "updated_at",
    ]
    list_filter = ["source", "kpi__measure"]
    search_fields = ["kpi__code"]
    readonly_fields = [
        "numerator",
        "denominator",
        "observations",
        "periods",
        "entered_by",
        "updated_at",
    ]

    def save_model(self, request, obj, form, change):
        actions.enter_baseline(
            obj.kpi, value=obj.value, reason=obj.reason, branch=obj.branch, actor=request.user
        )


@admin.register(KpiResult)
class KpiResultAdmin(ReadOnlyAdmin):
    list_display = [
        "kpi",
        "period_key",
        "branch",
        "value",
        "observations",
        "target_text",
        "status",
        "provisional",
        "computed_at",
    ]
    list_filter = ["status", "provisional", "period_kind", "kpi__measure"]
    search_fields = ["kpi__code", "period_key", "branch__code"]
    list_select_related = ["kpi", "branch"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = [
        "period_key",
        "trigger",
        "state",
        "kpis_total",
        "kpis_done",
        "kpis_failed",
        "started_at",
        "duration_seconds",
    ]
    list_filter = ["state", "trigger", "period_kind"]


class PlanStepInline(admin.TabularInline):
    model = PlanStep
    extra = 0
    readonly_fields = ["done_at", "done_by"]


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["number", "title_zh", "title_en", "department", "duration_months"]
    inlines = [PlanStepInline]
