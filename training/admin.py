"""Training in the admin: read-only views (every change goes through training.actions, which
audits it; HR works on the training pages)."""

from django.contrib import admin

from training import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "title_zh",
        "title_en",
        "category",
        "frequency",
        "pass_mark",
        "is_active",
    ]
    list_filter = ["category", "frequency", "is_active"]
    search_fields = ["code", "title_zh", "title_en"]


@admin.register(models.CourseRequirement)
class CourseRequirementAdmin(ReadOnlyAdmin):
    list_display = ["course", "role", "department", "active_from", "active_until"]
    list_filter = ["role", "department"]


@admin.register(models.TrainingPlan)
class TrainingPlanAdmin(ReadOnlyAdmin):
    list_display = ["quarter", "status", "created_at"]


@admin.register(models.Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ["course", "starts_at", "is_online", "location", "capacity", "status"]
    list_filter = ["status", "is_online", "course"]
    date_hierarchy = "starts_at"


@admin.register(models.Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = [
        "session",
        "user",
        "status",
        "source",
        "attended",
        "pre_score",
        "post_score",
        "passed",
    ]
    list_filter = ["status", "source", "attended", "passed"]
    list_select_related = ["session__course", "user"]


@admin.register(models.Completion)
class CompletionAdmin(ReadOnlyAdmin):
    list_display = ["user", "course", "completed_on", "score", "source"]
    list_filter = ["source", "course"]
    date_hierarchy = "completed_on"


@admin.register(models.Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["quarter", "title_zh", "opens_on", "closes_on"]


@admin.register(models.Idea)
class IdeaAdmin(ReadOnlyAdmin):
    list_display = ["title", "branch", "department", "status", "created_at"]
    list_filter = ["status", "branch"]
