"""Admin: audited records are read-only here (they change only through services.actions);
queue thresholds are configuration, and their changes are audited."""

from django.contrib import admin

from qc_portal.audit import record_event
from services.models import Feedback, QueueThreshold, Roster, ServiceRecord, ServiceStandard


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceStandard)
class ServiceStandardAdmin(ReadOnlyAdmin):
    list_display = [
        "channel",
        "service_type",
        "response_target_seconds",
        "handling_target_seconds",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["channel", "service_type"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "branch",
        "channel",
        "service_type",
        "arrived_at",
        "wait_seconds",
        "handling_seconds",
        "outcome",
    ]
    list_filter = ["channel", "outcome", "service_type"]
    list_select_related = ["branch"]
    date_hierarchy = "arrived_at"
    show_full_result_count = False
    raw_id_fields = ["customer", "agent"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["service_record", "rating", "via", "rated_at"]
    list_filter = ["rating", "via"]
    raw_id_fields = ["service_record"]


@admin.register(Roster)
class RosterAdmin(ReadOnlyAdmin):
    list_display = ["branch", "channel", "date", "hour", "staff_count"]
    list_filter = ["channel"]


@admin.register(QueueThreshold)
class QueueThresholdAdmin(admin.ModelAdmin):
    list_display = ["branch", "max_wait_seconds", "max_queue_length"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_event(
            "services.queue_threshold_set",
            actor=request.user,
            target=obj,
            after={
                "max_wait_seconds": obj.max_wait_seconds,
                "max_queue_length": obj.max_queue_length,
            },
        )
