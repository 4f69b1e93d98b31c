"""Admin: read-only. FAQ entries change through the curation pages (versioned, audited) and
conversations only through the actions."""

from django.contrib import admin

from assistant.models import ChatSession, ChatTurn, FaqEntry, FaqVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FaqVersionInline(admin.TabularInline):
    model = FaqVersion
    extra = 0
    fields = ["version", "questions_zh", "questions_en", "change_note", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FaqEntry)
class FaqEntryAdmin(ReadOnlyAdmin):
    list_display = ["key", "business_type", "is_active", "updated_at"]
    list_filter = ["business_type", "is_active"]
    search_fields = ["key"]
    inlines = [FaqVersionInline]


class ChatTurnInline(admin.TabularInline):
    model = ChatTurn
    extra = 0
    fields = ["position", "question", "answer", "intent", "confidence", "feedback", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChatSession)
class ChatSessionAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "branch", "status", "channel", "started_at", "handed_over_at"]
    list_filter = ["status", "channel"]
    inlines = [ChatTurnInline]
