"""Read-only admin: every change goes through integration.actions (audited)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from integration import actions
from integration.models import DataSet, InboundBatch, InboundRecord, SharingGrant, SourceSystem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SourceSystem)
class SourceSystemAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "owning_department", "status", "expected_frequency_minutes"]
    exclude = ["secret_encrypted", "previous_secret_encrypted"]


@admin.action(description=_("Replay the selected rejected records"))
def replay_selected(modeladmin, request, queryset):
    applied = rejected = 0
    try:
        for record in queryset.filter(status=InboundRecord.Status.REJECTED).order_by("id"):
            try:
                record = actions.replay_record(record, actor=request.user)
            except ValidationError:
                continue  # a key-rule reject: the sender must send again
            if record.status == InboundRecord.Status.APPLIED:
                applied += 1
            else:
                rejected += 1
    except PermissionDenied:
        modeladmin.message_user(
            request, _("Only an integration administrator may do this."), level=messages.ERROR
        )
        return
    modeladmin.message_user(
        request,
        _("Replayed: %(applied)s applied, %(rejected)s rejected again.")
        % {"applied": applied, "rejected": rejected},
    )


@admin.register(InboundRecord)
class InboundRecordAdmin(ReadOnlyAdmin):
    actions = [replay_selected]
    list_display = [
        "id",
        "source",
        "record_type",
        "submitted_key",
        "status",
        "reason",
        "received_at",
        "applied_at",
    ]
    list_filter = ["status", "record_type", "source"]
    search_fields = ["submitted_key"]


@admin.register(InboundBatch)
class InboundBatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "source", "record_type", "mode", "record_count", "received_at"]


@admin.register(DataSet)
class DataSetAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_zh", "domain", "owning_system", "sensitivity"]


@admin.register(SharingGrant)
class SharingGrantAdmin(ReadOnlyAdmin):
    list_display = ["data_set", "department", "required", "granted_at", "granted_by"]
