"""The sync-health job: alert when a source system falls silent beyond its expected frequency,
or when its reject rate jumps. Each condition alerts once per window (the alert key names it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integration import queries
from integration.models import SourceSystem
from qc_portal.alerts import raise_alert
from qc_portal.models import Alert
from qc_portal.roles import Role

# A reject-rate jump: the last day's rate is at least twice the previous week's and at least
# ten points above it, over enough records to mean something.
JUMP_FACTOR = 2.0
JUMP_MIN_POINTS = 0.10
JUMP_MIN_RECORDS = 20


def check_sync_health(now: datetime | None = None) -> int:
    """Raise the alerts due now; returns how many new alerts were raised."""
    now = now or timezone.now()
    raised = 0
    active = SourceSystem.objects.filter(status=SourceSystem.Status.ACTIVE)
    for health in queries.sync_health(active, now=now):
        source = health.source
        link = reverse("integration:source-detail", args=[source.code])
        if health.is_silent:
            # The window is the silence itself: one alert until the source speaks again.
            since = health.last_received_at or source.created_at
            _alert, created = raise_alert(
                kind="integration.source_silent",
                key=f"integration.silent:{source.code}:{since.isoformat()}",
                title=_("Source system %(code)s is silent"),
                message=_(
                    "No record from %(name)s since %(since)s; it normally sends every %(minutes)s minutes."
                ),
                params={
                    "code": source.code,
                    "name": source.name,
                    "since": timezone.localtime(since).strftime("%Y-%m-%d %H:%M"),
                    "minutes": source.expected_frequency_minutes,
                },
                severity=Alert.Severity.WARNING,
                roles=[Role.INTEGRATION_ADMIN],
                link=link,
                evidence={"last_received_at": since.isoformat()},
            )
            raised += created
        day_start = now - timedelta(days=1)
        rejected, decided = queries.reject_rate_between(source, day_start, now)
        base_rejected, base_decided = queries.reject_rate_between(
            source, now - timedelta(days=8), day_start
        )
        if decided < JUMP_MIN_RECORDS:
            continue
        rate = rejected / decided
        baseline = base_rejected / base_decided if base_decided else 0.0
        if rate >= baseline * JUMP_FACTOR and rate - baseline >= JUMP_MIN_POINTS:
            window = timezone.localdate(now).isoformat()
            _alert, created = raise_alert(
                kind="integration.reject_rate_jump",
                key=f"integration.rejects:{source.code}:{window}",
                title=_("Reject rate of %(code)s jumped"),
                message=_(
                    "%(rate)s of the records from %(name)s were rejected in the last 24 hours, against %(baseline)s in the week before."
                ),
                params={
                    "code": source.code,
                    "name": source.name,
                    "rate": f"{rate:.1%}",
                    "baseline": f"{baseline:.1%}",
                },
                severity=Alert.Severity.CRITICAL,
                roles=[Role.INTEGRATION_ADMIN],
                link=link,
                evidence={"rejected": rejected, "decided": decided, "baseline": baseline},
            )
            raised += created
    return raised
