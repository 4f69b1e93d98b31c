"""Reads for measure 1: scoping, standards in force, the live queue, reports, peaks and
staffing. Aggregations are grouped database queries; Python only shapes their small results."""

from __future__ import annotations

import math
from collections import Counter as Tally
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncMonth
from django.utils import timezone

from qc_portal.models import Branch
from qc_portal.periods import Period
from qc_portal.scoping import customer_of, scope_to_branches
from services import erlang
from services.models import (
    Channel,
    Feedback,
    Outcome,
    QueueThreshold,
    Roster,
    ServiceRecord,
    ServiceStandard,
    ServiceType,
)

DEFAULT_TARGET_LEVEL = 0.8
# Erlang C targets per channel when no response standard says otherwise (seconds).
DEFAULT_RESPONSE_TARGETS = {
    Channel.COUNTER: 600,
    Channel.PHONE: 30,
    Channel.ONLINE: 60,
    Channel.CHATBOT: 5,
}
DEFAULT_HANDLING = {
    Channel.COUNTER: 300,
    Channel.PHONE: 180,
    Channel.ONLINE: 300,
    Channel.CHATBOT: 120,
}


def setting(name: str, default):
    return getattr(settings, name, default)


# --- scoping ---------------------------------------------------------------------------


def visible_records(user) -> QuerySet[ServiceRecord]:
    return scope_to_branches(ServiceRecord.objects.select_related("branch"), user)


def customer_records(user) -> QuerySet[ServiceRecord]:
    """A customer's own finished services, newest first, with any rating."""
    customer = customer_of(user)
    if customer is None:
        return ServiceRecord.objects.none()
    return (
        ServiceRecord.objects.filter(customer=customer)
        .exclude(outcome="")
        .select_related("branch", "feedback")
    )


# --- standards -------------------------------------------------------------------------


def standards_in_force(day: date) -> dict[tuple[str, str], ServiceStandard]:
    rows = ServiceStandard.objects.filter(effective_from__lte=day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=day)
    )
    return {(s.channel, s.service_type): s for s in rows}


def channel_targets(day: date) -> dict[str, dict[str, int | None]]:
    """One response and one handling target per channel: the most common across its types."""
    by_channel: dict[str, dict[str, Tally]] = defaultdict(
        lambda: {"response": Tally(), "handling": Tally()}
    )
    for (channel, _type), standard in standards_in_force(day).items():
        if standard.response_target_seconds:
            by_channel[channel]["response"][standard.response_target_seconds] += 1
        if standard.handling_target_seconds:
            by_channel[channel]["handling"][standard.handling_target_seconds] += 1
    return {
        channel: {
            "response": (by_channel[channel]["response"].most_common(1) or [(None, 0)])[0][0],
            "handling": (by_channel[channel]["handling"].most_common(1) or [(None, 0)])[0][0],
        }
        for channel in Channel.values
    }


# --- live queue ------------------------------------------------------------------------


def _day_start(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def _hour_start(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def waiting_tickets(branch_ids, now: datetime) -> QuerySet[ServiceRecord]:
    """Counter tickets of today not yet called nor closed (yesterday's leftovers are stale)."""
    return ServiceRecord.objects.filter(
        branch_id__in=branch_ids,
        channel=Channel.COUNTER,
        outcome="",
        called_at__isnull=True,
        arrived_at__gte=_day_start(now),
        arrived_at__lte=now,
    )


@dataclass
class QueueState:
    branch: Branch
    waiting: int
    longest_wait_seconds: int
    max_wait_seconds: int
    max_queue_length: int
    on_duty: int
    agents_needed: int
    arrivals_last_hour: int
    aht_seconds: float

    @property
    def breached(self) -> bool:
        return (
            self.waiting > self.max_queue_length
            or self.longest_wait_seconds > self.max_wait_seconds
        )

    @property
    def extra_staff(self) -> int:
        # A standing queue needs at least one more person even when the hourly rate alone
        # would not (Erlang C is a steady-state model and ignores the backlog).
        return max(self.agents_needed - self.on_duty, 1)


def queue_states(*, now: datetime | None = None, branch_ids=None) -> list[QueueState]:
    """The counter queue of every branch with someone waiting: a handful of grouped queries."""
    now = now or timezone.now()
    branches = Branch.objects.filter(is_active=True)
    if branch_ids is not None:
        branches = branches.filter(pk__in=branch_ids)
    ids = list(branches.values_list("pk", flat=True))
    waiting = {
        row["branch_id"]: row
        for row in waiting_tickets(ids, now)
        .values("branch_id")
        .annotate(n=Count("id"), oldest=Min("arrived_at"))
    }
    if not waiting:
        return []
    ids = list(waiting)
    hour = _hour_start(now)
    local_hour = hour
    arrivals = dict(
        ServiceRecord.objects.filter(
            branch_id__in=ids,
            channel=Channel.COUNTER,
            arrived_at__gt=now - timedelta(hours=1),
            arrived_at__lte=now,
        )
        .values("branch_id")
        .annotate(n=Count("id"))
        .values_list("branch_id", "n")
    )
    handling = dict(
        ServiceRecord.objects.filter(
            branch_id__in=ids,
            channel=Channel.COUNTER,
            outcome=Outcome.SERVED,
            arrived_at__gte=_day_start(now),
        )
        .values("branch_id")
        .annotate(m=Avg("handling_seconds"))
        .values_list("branch_id", "m")
    )
    rostered = dict(
        Roster.objects.filter(
            branch_id__in=ids, channel=Channel.COUNTER, date=local_hour.date(), hour=local_hour.hour
        ).values_list("branch_id", "staff_count")
    )
    active = dict(
        ServiceRecord.objects.filter(
            branch_id__in=ids,
            channel=Channel.COUNTER,
            called_at__gt=now - timedelta(hours=1),
            agent__isnull=False,
        )
        .values("branch_id")
        .annotate(n=Count("agent_id", distinct=True))
        .values_list("branch_id", "n")
    )
    thresholds = {t.branch_id: t for t in QueueThreshold.objects.filter(branch_id__in=ids)}
    standard_handling = channel_targets(timezone.localdate(now))[Channel.COUNTER]["handling"] or 300
    target_seconds = setting(
        "QC_SERVICES_COUNTER_TARGET_SECONDS", DEFAULT_RESPONSE_TARGETS[Channel.COUNTER]
    )
    states = []
    for branch in Branch.objects.filter(pk__in=ids):
        row = waiting[branch.pk]
        threshold = thresholds.get(branch.pk)
        aht = float(handling.get(branch.pk) or standard_handling)
        rate = arrivals.get(branch.pk, 0)
        needed = (
            erlang.agents_needed(rate, aht, target_seconds, DEFAULT_TARGET_LEVEL).agents
            if rate
            else 1
        )
        states.append(
            QueueState(
                branch=branch,
                waiting=row["n"],
                longest_wait_seconds=max(0, int((now - row["oldest"]).total_seconds())),
                max_wait_seconds=threshold.max_wait_seconds
                if threshold
                else setting("QC_SERVICES_MAX_WAIT_SECONDS", 900),
                max_queue_length=threshold.max_queue_length
                if threshold
                else setting("QC_SERVICES_MAX_QUEUE_LENGTH", 15),
                on_duty=rostered.get(branch.pk, active.get(branch.pk, 0)),
                agents_needed=needed,
                arrivals_last_hour=rate,
                aht_seconds=aht,
            )
        )
    return states


def live_queue(branch: Branch, *, now: datetime | None = None) -> dict:
    """Everything the service board shows for one branch right now."""
    now = now or timezone.now()
    today = _day_start(now)
    waiting = list(
        waiting_tickets([branch.pk], now)
        .order_by("arrived_at")
        .values("pk", "ticket_number", "service_type", "arrived_at")
    )
    for row in waiting:
        row["wait_seconds"] = int((now - row["arrived_at"]).total_seconds())
        row["service_type_label"] = ServiceType(row["service_type"]).label
    in_service = list(
        ServiceRecord.objects.filter(
            branch=branch, outcome="", called_at__isnull=False, arrived_at__gte=today
        )
        .order_by("called_at")
        .values(
            "pk",
            "channel",
            "ticket_number",
            "counter_number",
            "called_at",
            "agent__staff_profile__full_name",
            "agent__username",
        )
    )
    for row in in_service:
        row["seconds"] = int((now - row["called_at"]).total_seconds())
        row["channel_label"] = Channel(row["channel"]).label
    unanswered = dict(
        ServiceRecord.objects.filter(
            branch=branch,
            channel__in=[Channel.PHONE, Channel.ONLINE],
            outcome="",
            called_at__isnull=True,
            arrived_at__gte=today,
        )
        .values("channel")
        .annotate(n=Count("id"))
        .values_list("channel", "n")
    )
    ringing = unanswered.get(Channel.PHONE, 0)
    today_rows = {
        row["channel"]: row
        for row in ServiceRecord.objects.filter(
            branch=branch, arrived_at__gte=today, arrived_at__lte=now
        )
        .values("channel")
        .annotate(
            arrived=Count("id"),
            served=Count("id", filter=Q(outcome=Outcome.SERVED)),
            mean_wait=Avg("wait_seconds"),
            mean_handling=Avg("handling_seconds", filter=Q(outcome=Outcome.SERVED)),
            abandoned=Count("id", filter=Q(outcome__in=[Outcome.ABANDONED, Outcome.NO_SHOW])),
        )
    }
    targets = channel_targets(timezone.localdate(now))
    channels = []
    for channel in (Channel.COUNTER, Channel.PHONE, Channel.ONLINE, Channel.CHATBOT):
        row = today_rows.get(channel, {})
        target = targets[channel]
        mean_wait, mean_handling = row.get("mean_wait"), row.get("mean_handling")
        channels.append(
            {
                "channel": channel,
                "label": channel.label,
                "arrived": row.get("arrived", 0),
                "served": row.get("served", 0),
                "abandoned": row.get("abandoned", 0),
                "mean_wait": mean_wait,
                "response_target": target["response"],
                "wait_ok": None
                if mean_wait is None or not target["response"]
                else mean_wait <= target["response"],
                "mean_handling": mean_handling,
                "handling_target": target["handling"],
                "handling_ok": None
                if mean_handling is None or not target["handling"]
                else mean_handling <= target["handling"],
            }
        )
    hour = _hour_start(now)
    roster = Roster.objects.filter(
        branch=branch, channel=Channel.COUNTER, date=hour.date(), hour=hour.hour
    ).first()
    counters_open = len(
        {row["agent__username"] for row in in_service if row["channel"] == Channel.COUNTER}
    )
    state = next(iter(queue_states(now=now, branch_ids=[branch.pk])), None)
    return {
        "now": now,
        "waiting": waiting,
        "waiting_count": len(waiting),
        "longest_wait_seconds": waiting[0]["wait_seconds"] if waiting else 0,
        "in_service": in_service,
        "counters_open": counters_open,
        "rostered": roster.staff_count if roster else None,
        "ringing": ringing,
        "online_waiting": unanswered.get(Channel.ONLINE, 0),
        "channels": channels,
        "state": state,
    }


# --- reports ---------------------------------------------------------------------------


def satisfaction(branch_ids, start: datetime, end: datetime) -> dict:
    rows = dict(
        Feedback.objects.filter(
            service_record__branch_id__in=branch_ids, rated_at__gte=start, rated_at__lt=end
        )
        .values("rating")
        .annotate(n=Count("id"))
        .values_list("rating", "n")
    )
    total = sum(rows.values())
    distribution = [
        {"rating": r, "count": rows.get(r, 0), "share": rows.get(r, 0) / total if total else None}
        for r in range(5, 0, -1)
    ]
    return {
        "total": total,
        "distribution": distribution,
        "mean": sum(r * n for r, n in rows.items()) / total if total else None,
        "csat": (rows.get(4, 0) + rows.get(5, 0)) / total if total else None,
    }


def monthly_report(branch: Branch, period: Period) -> dict:
    start, end = period.start, period.end
    records = ServiceRecord.objects.filter(branch=branch, arrived_at__gte=start, arrived_at__lt=end)
    standards = standards_in_force(period.start_date)
    by_type = list(
        records.values("channel", "service_type").annotate(
            contacts=Count("id"),
            called=Count("id", filter=Q(wait_seconds__isnull=False)),
            wait_sum=Sum("wait_seconds"),
            served=Count("id", filter=Q(outcome=Outcome.SERVED)),
            handling_sum=Sum("handling_seconds", filter=Q(outcome=Outcome.SERVED)),
            abandoned=Count("id", filter=Q(outcome=Outcome.ABANDONED)),
            no_show=Count("id", filter=Q(outcome=Outcome.NO_SHOW)),
            ratings=Count("feedback"),
            satisfied=Count("feedback", filter=Q(feedback__rating__gte=4)),
            max_handling=Max("handling_seconds", filter=Q(outcome=Outcome.SERVED)),
        )
    )
    # Contacts over their standard, per channel × type in one pass: the targets differ per
    # group, so each group's count carries its own target in the filter.
    over_filter = Q(pk__in=[])
    wait_filter = Q(pk__in=[])
    for (channel, service_type), standard in standards.items():
        if standard.handling_target_seconds:
            over_filter |= Q(
                channel=channel,
                service_type=service_type,
                handling_seconds__gt=standard.handling_target_seconds,
            )
        if standard.response_target_seconds:
            wait_filter |= Q(
                channel=channel,
                service_type=service_type,
                wait_seconds__gt=standard.response_target_seconds,
            )
    over = {
        (row["channel"], row["service_type"]): row
        for row in records.values("channel", "service_type").annotate(
            handling_over=Count("id", filter=over_filter & Q(outcome=Outcome.SERVED)),
            wait_over=Count("id", filter=wait_filter),
        )
    }
    channels: dict[str, dict] = {}
    type_rows = []
    for row in by_type:
        key = (row["channel"], row["service_type"])
        standard = standards.get(key)
        row.update(over.get(key, {}))
        row["channel_label"] = Channel(row["channel"]).label
        row["type_label"] = ServiceType(row["service_type"]).label
        row["mean_wait"] = row["wait_sum"] / row["called"] if row["called"] else None
        row["mean_handling"] = row["handling_sum"] / row["served"] if row["served"] else None
        row["handling_target"] = standard.handling_target_seconds if standard else None
        row["response_target"] = standard.response_target_seconds if standard else None
        row["share_over"] = row.get("handling_over", 0) / row["served"] if row["served"] else None
        row["csat"] = row["satisfied"] / row["ratings"] if row["ratings"] else None
        type_rows.append(row)
        total = channels.setdefault(
            row["channel"],
            {
                "channel": row["channel"],
                "label": row["channel_label"],
                "contacts": 0,
                "called": 0,
                "wait_sum": 0,
                "served": 0,
                "handling_sum": 0,
                "abandoned": 0,
                "no_show": 0,
                "handling_over": 0,
                "wait_over": 0,
            },
        )
        for name in (
            "contacts",
            "called",
            "served",
            "abandoned",
            "no_show",
            "handling_over",
            "wait_over",
        ):
            total[name] += row.get(name) or 0
        total["wait_sum"] += row["wait_sum"] or 0
        total["handling_sum"] += row["handling_sum"] or 0
    targets = channel_targets(period.start_date)
    for channel, total in channels.items():
        total["mean_wait"] = total["wait_sum"] / total["called"] if total["called"] else None
        total["mean_handling"] = (
            total["handling_sum"] / total["served"] if total["served"] else None
        )
        total["response_target"] = targets[channel]["response"]
        total["handling_target"] = targets[channel]["handling"]
        total["abandon_rate"] = (
            total["abandoned"] / total["contacts"] if total["contacts"] else None
        )
        # DOMAIN.md: no-show rate = no-shows / arrived (counter tickets).
        total["no_show_rate"] = (
            total["no_show"] / total["contacts"]
            if total["contacts"] and channel == Channel.COUNTER
            else None
        )
    worst = sorted(
        (r for r in type_rows if r["served"]),
        key=lambda r: (-(r["share_over"] or 0), r["csat"] if r["csat"] is not None else 1),
    )[:5]
    agents = list(
        records.filter(outcome=Outcome.SERVED, agent__isnull=False)
        .values("agent_id", "agent__username", "agent__staff_profile__full_name")
        .annotate(
            served=Count("id"),
            mean_handling=Avg("handling_seconds"),
            counter_served=Count("id", filter=Q(channel=Channel.COUNTER)),
            over=Count("id", filter=over_filter),
            ratings=Count("feedback"),
            satisfied=Count("feedback", filter=Q(feedback__rating__gte=4)),
        )
        .order_by("-mean_handling")
    )
    for row in agents:
        row["csat"] = row["satisfied"] / row["ratings"] if row["ratings"] else None
        row["share_over"] = row["over"] / row["served"] if row["served"] else None
    return {
        "period": period,
        "channels": [channels[c] for c in Channel.values if c in channels],
        "types": sorted(type_rows, key=lambda r: (r["channel"], r["service_type"])),
        "worst": worst,
        "satisfaction": satisfaction([branch.pk], start, end),
        "agents": agents,
    }


def monthly_trend(branch: Branch, last: Period, months: int = 12) -> list[dict]:
    """Per month up to `last`: counter wait and handling, phone ASA, CSAT — two grouped queries."""
    first = last.shift(-(months - 1))
    tz = timezone.get_current_timezone()
    rows = (
        ServiceRecord.objects.filter(
            branch=branch, arrived_at__gte=first.start, arrived_at__lt=last.end
        )
        .annotate(month=TruncMonth("arrived_at", tzinfo=tz))
        .values("month")
        .annotate(
            counter_wait=Avg("wait_seconds", filter=Q(channel=Channel.COUNTER)),
            counter_handling=Avg(
                "handling_seconds", filter=Q(channel=Channel.COUNTER, outcome=Outcome.SERVED)
            ),
            phone_asa=Avg("wait_seconds", filter=Q(channel=Channel.PHONE)),
            contacts=Count("id"),
        )
    )
    by_month = {Period.containing(row["month"]): row for row in rows}
    ratings = (
        Feedback.objects.filter(
            service_record__branch=branch, rated_at__gte=first.start, rated_at__lt=last.end
        )
        .annotate(month=TruncMonth("rated_at", tzinfo=tz))
        .values("month")
        .annotate(satisfied=Count("id", filter=Q(rating__gte=4)), n=Count("id"))
    )
    csat = {
        Period.containing(row["month"]): row["satisfied"] / row["n"] for row in ratings if row["n"]
    }
    trend = []
    for period in [first.shift(i) for i in range(months)]:
        row = by_month.get(period, {})
        trend.append(
            {
                "period": str(period),
                "contacts": row.get("contacts", 0),
                "counter_wait": row.get("counter_wait"),
                "counter_handling": row.get("counter_handling"),
                "phone_asa": row.get("phone_asa"),
                "csat": csat.get(period),
            }
        )
    return trend


def agent_service_stats(user_ids, start: datetime, end: datetime) -> dict[int, dict]:
    """Per agent over [start, end): mean handling of services served, CSAT of their rated
    services, and how many they served — for training's behaviour-level evaluation.
    One grouped query."""
    rows = (
        ServiceRecord.objects.filter(
            agent_id__in=list(user_ids),
            outcome=Outcome.SERVED,
            arrived_at__gte=start,
            arrived_at__lt=end,
        )
        .values("agent_id")
        .annotate(
            records=Count("id"),
            mean_handling=Avg("handling_seconds"),
            ratings=Count("feedback"),
            satisfied=Count("feedback", filter=Q(feedback__rating__gte=4)),
        )
    )
    return {
        row["agent_id"]: {
            "mean_handling_seconds": float(row["mean_handling"])
            if row["mean_handling"] is not None
            else None,
            "csat": row["satisfied"] / row["ratings"] if row["ratings"] else None,
            "records": row["records"],
        }
        for row in rows
    }


# --- peaks and staffing ----------------------------------------------------------------


def arrivals_heatmap(
    branch: Branch, channel: str, start: datetime, end: datetime
) -> dict[tuple[int, int], int]:
    """Arrivals per (ISO weekday 1–7, local hour 0–23) over [start, end)."""
    rows = (
        ServiceRecord.objects.filter(
            branch=branch, channel=channel, arrived_at__gte=start, arrived_at__lt=end
        )
        .annotate(weekday=ExtractIsoWeekDay("arrived_at"), hour=ExtractHour("arrived_at"))
        .values("weekday", "hour")
        .annotate(n=Count("id"))
    )
    return {(row["weekday"], row["hour"]): row["n"] for row in rows}


def forecast(
    branch: Branch, channel: str, *, before: date, weeks: int = 8
) -> dict[tuple[int, int], float]:
    """Expected arrivals per (weekday, hour): the mean of the same weekday-hour over the
    `weeks` full weeks before `before`."""
    end = datetime.combine(before, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    start = end - timedelta(weeks=weeks)
    return {
        key: count / weeks for key, count in arrivals_heatmap(branch, channel, start, end).items()
    }


@dataclass
class StaffingHour:
    day: date
    hour: int
    forecast: float
    needed: int
    rostered: int
    service_level: float
    asa_seconds: float

    @property
    def gap(self) -> int:
        return self.needed - self.rostered


@dataclass
class StaffingPlan:
    channel: str
    week_start: date
    weeks: int
    aht_seconds: float
    target_seconds: float
    target_level: float
    hours: list[StaffingHour] = field(default_factory=list)

    @property
    def gaps(self) -> list[StaffingHour]:
        return [h for h in self.hours if h.gap > 0]


def mean_handling(branch: Branch, channel: str, start: datetime, end: datetime) -> float | None:
    value = ServiceRecord.objects.filter(
        branch=branch,
        channel=channel,
        outcome=Outcome.SERVED,
        arrived_at__gte=start,
        arrived_at__lt=end,
    ).aggregate(m=Avg("handling_seconds"))["m"]
    return float(value) if value is not None else None


def staffing_plan(
    branch: Branch,
    channel: str,
    *,
    week_start: date,
    weeks: int = 8,
    target_seconds: float | None = None,
    target_level: float = DEFAULT_TARGET_LEVEL,
    aht_seconds: float | None = None,
) -> StaffingPlan:
    """For each hour of the week starting `week_start`: forecast arrivals, agents needed by
    Erlang C, staff rostered and the gap (positive = short)."""
    targets = channel_targets(week_start)[channel]
    if target_seconds is None:
        target_seconds = targets["response"] or DEFAULT_RESPONSE_TARGETS[channel]
        if channel == Channel.COUNTER:
            target_seconds = setting("QC_SERVICES_COUNTER_TARGET_SECONDS", target_seconds)
    tz = timezone.get_current_timezone()
    window_end = datetime.combine(week_start, datetime.min.time(), tzinfo=tz)
    if aht_seconds is None:
        aht_seconds = (
            mean_handling(branch, channel, window_end - timedelta(weeks=weeks), window_end)
            or targets["handling"]
            or DEFAULT_HANDLING[channel]
        )
    expected = forecast(branch, channel, before=week_start, weeks=weeks)
    rostered = {
        (r["date"], r["hour"]): r["staff_count"]
        for r in Roster.objects.filter(
            branch=branch,
            channel=channel,
            date__gte=week_start,
            date__lt=week_start + timedelta(days=7),
        ).values("date", "hour", "staff_count")
    }
    plan = StaffingPlan(channel, week_start, weeks, aht_seconds, target_seconds, target_level)
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        for hour in range(24):
            arrivals = expected.get((day.isoweekday(), hour), 0.0)
            on_roster = rostered.get((day, hour), 0)
            if not arrivals and not on_roster:
                continue
            staffing = erlang.agents_needed(arrivals, aht_seconds, target_seconds, target_level)
            plan.hours.append(
                StaffingHour(
                    day,
                    hour,
                    arrivals,
                    staffing.agents,
                    on_roster,
                    staffing.service_level,
                    staffing.asa_seconds if math.isfinite(staffing.asa_seconds) else 0.0,
                )
            )
    return plan
