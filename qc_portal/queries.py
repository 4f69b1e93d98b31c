"""Reads of the foundation: the audit trail, filtered the same way on the page and the API."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from qc_portal.models import AuditEvent
from qc_portal.periods import bank_tz
from qc_portal.permissions import can_browse_audit_trail


def list_audit_events(user) -> QuerySet[AuditEvent]:
    """Every audit event, newest first, for the roles allowed to browse the trail."""
    if not can_browse_audit_trail(user):
        raise PermissionDenied
    return AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")


def list_audit_actions(user) -> list[str]:
    """The distinct actions recorded so far (for the filter's suggestions)."""
    return list(
        list_audit_events(user).order_by("action").values_list("action", flat=True).distinct()[:500]
    )


def list_audit_target_types(user) -> list[str]:
    return list(
        list_audit_events(user)
        .exclude(target_type="")
        .order_by("target_type")
        .values_list("target_type", flat=True)
        .distinct()[:200]
    )


class AuditEventFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            raise forms.ValidationError(
                {"until": _("The end date must not be before the start date.")}
            )
        return cleaned


class AuditEventFilter(django_filters.FilterSet):
    """Filters of the audit trail. Dates are whole days in the bank's time zone, both ends
    included, turned into a half-open range of datetimes so the index on created_at is used."""

    action = django_filters.CharFilter(
        label=_("Action"),
        method="filter_action",
        help_text=_("An action, or its beginning: “credit.” finds every credit action."),
    )
    target_type = django_filters.CharFilter(label=_("Target type"), lookup_expr="iexact")
    target_id = django_filters.CharFilter(label=_("Target ID"))
    actor = django_filters.CharFilter(
        label=_("Actor"),
        field_name="actor_label",
        lookup_expr="icontains",
        help_text=_("Username, or a system such as “source:core_banking”."),
    )
    since = django_filters.DateFilter(label=_("From"), method="filter_since")
    until = django_filters.DateFilter(label=_("To"), method="filter_until")

    class Meta:
        model = AuditEvent
        fields = ["action", "target_type", "target_id", "actor", "since", "until"]
        form = AuditEventFilterForm

    def filter_action(self, queryset, name, value):
        value = value.strip()
        if value.endswith("."):
            return queryset.filter(action__startswith=value)
        return queryset.filter(action=value)

    def filter_since(self, queryset, name, value):
        return queryset.filter(created_at__gte=datetime.combine(value, time.min, tzinfo=bank_tz()))

    def filter_until(self, queryset, name, value):
        end = datetime.combine(value + timedelta(days=1), time.min, tzinfo=bank_tz())
        return queryset.filter(created_at__lt=end)
