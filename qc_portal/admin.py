from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qc_portal.actions import revoke_api_tokens
from qc_portal.models import (
    Alert,
    ApiToken,
    AuditEvent,
    Branch,
    Customer,
    Department,
    StaffProfile,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For audited or computed rows: they are written by actions and jobs, never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "city", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["employee_number", "full_name", "branch", "department", "position", "left_on"]
    list_filter = ["branch", "department"]
    search_fields = ["employee_number", "full_name"]
    raw_id_fields = ["user"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["customer_number", "name", "home_branch", "preferred_language"]
    search_fields = ["customer_number", "name"]
    raw_id_fields = ["user"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "action", "target_type", "target_id", "request_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "actor_label", "request_id"]
    date_hierarchy = "created_at"


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "severity", "title_zh", "branch", "status"]
    list_filter = ["kind", "severity", "status"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens of the mobile app: seen, never edited; revoked (e.g. a lost phone) by an action."""

    list_display = ["prefix", "user", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "prefix"]
    actions = ["revoke"]

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("qc_portal.change_apitoken")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        count = revoke_api_tokens(list(queryset), actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
