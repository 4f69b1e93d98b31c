"""Server-rendered pages of measure 1 (thin: permission → query / action → template)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qc_portal.models import Branch
from qc_portal.periods import Period
from qc_portal.roles import Role, has_role
from qc_portal.scoping import staff_profile, visible_branches, visible_customers
from services import actions, erlang, permissions, queries
from services.models import Channel, Feedback, ServiceRecord, ServiceType
from services.serializers import ErlangQuerySerializer

WEEKDAYS = [
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
]


def _manager_branch(request) -> tuple[Branch, list[Branch]]:
    """The branch a manager page shows: ?branch=CODE within the user's scope (else 404),
    by default their own."""
    if not permissions.can_view_service_pages(request.user):
        raise PermissionDenied
    branches = visible_branches(request.user)
    code = request.GET.get("branch", "").strip()
    if code:
        branch = get_object_or_404(branches, code=code)
    else:
        profile = staff_profile(request.user)
        branch = branches.filter(pk=profile.branch_id).first() if profile else None
        branch = branch or branches.first()
        if branch is None:
            raise Http404
    if not permissions.can_manage_branch_service(request.user, branch):
        raise PermissionDenied
    choices = list(branches[:500]) if branches.count() > 1 else []
    return branch, choices


@login_required
def board(request):
    branch, branches = _manager_branch(request)
    return render(
        request,
        "services/board.html",
        {"branch": branch, "branches": branches, "live": queries.live_queue(branch)},
    )


@login_required
def board_live(request):
    """The live part of the board, polled by htmx."""
    branch, _branches = _manager_branch(request)
    return render(
        request, "services/_live.html", {"branch": branch, "live": queries.live_queue(branch)}
    )


@login_required
def report(request):
    branch, branches = _manager_branch(request)
    try:
        period = (
            Period.parse(request.GET["period"])
            if request.GET.get("period")
            else Period.current().previous()
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        period = Period.current().previous()
    if period.kind != "month":
        period = period.months()[0]
    data = queries.monthly_report(branch, period)
    trend = queries.monthly_trend(branch, period)
    chart = {
        "months": [row["period"] for row in trend],
        "counter_wait": [
            round(row["counter_wait"]) if row["counter_wait"] is not None else None for row in trend
        ],
        "counter_handling": [
            round(row["counter_handling"]) if row["counter_handling"] is not None else None
            for row in trend
        ],
        "phone_asa": [
            round(row["phone_asa"]) if row["phone_asa"] is not None else None for row in trend
        ],
        "csat": [round(row["csat"] * 100, 1) if row["csat"] is not None else None for row in trend],
        "labels": {
            "counter_wait": _("Counter wait (s)"),
            "counter_handling": _("Counter handling (s)"),
            "phone_asa": _("Phone ASA (s)"),
            "csat": _("CSAT (%)"),
        },
    }
    return render(
        request,
        "services/report.html",
        {
            "branch": branch,
            "branches": branches,
            "report": data,
            "trend": trend,
            "chart": chart,
            "period": period,
            "previous": period.previous(),
            "next": period.next() if period.next().start <= timezone.now() else None,
        },
    )


def _float(request, name: str, default: float | None) -> float | None:
    try:
        return float(request.GET[name]) if request.GET.get(name) else default
    except ValueError:
        return default


@login_required
def staffing(request):
    branch, branches = _manager_branch(request)
    channel = request.GET.get("channel", Channel.COUNTER)
    if channel not in (Channel.COUNTER, Channel.PHONE, Channel.ONLINE):
        channel = Channel.COUNTER
    try:
        weeks = max(1, min(26, int(request.GET.get("weeks", 8))))
    except ValueError:
        weeks = 8
    today = timezone.localdate()
    try:
        week_start = date.fromisoformat(request.GET["week"]) if request.GET.get("week") else today
    except ValueError:
        week_start = today
    week_start -= timedelta(days=week_start.weekday())  # the Monday
    target_level = _float(request, "target_level", queries.DEFAULT_TARGET_LEVEL)
    if not 0 < target_level < 1:
        target_level = queries.DEFAULT_TARGET_LEVEL
    target_seconds = _float(request, "target_seconds", None)
    if target_seconds is not None and target_seconds <= 0:
        target_seconds = None
    plan = queries.staffing_plan(
        branch,
        channel,
        week_start=week_start,
        weeks=weeks,
        target_seconds=target_seconds,
        target_level=target_level,
    )
    tz = timezone.get_current_timezone()
    end = datetime.combine(week_start, time.min, tzinfo=tz)
    heat = queries.arrivals_heatmap(branch, channel, end - timedelta(weeks=weeks), end)
    hours = sorted({h for _d, h in heat} | {h.hour for h in plan.hours}) or list(range(8, 18))
    hours = list(range(min(hours), max(hours) + 1))
    heat_rows = [
        {"weekday": WEEKDAYS[d - 1], "cells": [heat.get((d, h), 0) for h in hours]}
        for d in range(1, 8)
    ]
    heat_data = [[hours.index(h), d - 1, n] for (d, h), n in heat.items() if h in hours]
    gap_labels = [f"{WEEKDAYS[h.day.weekday()]} {h.hour:02d}" for h in plan.hours]
    chart = {
        "hours": [f"{h:02d}:00" for h in hours],
        "weekdays": WEEKDAYS,
        "heat": heat_data,
        "heat_max": max(heat.values(), default=0),
        "gap_labels": gap_labels,
        "needed": [h.needed for h in plan.hours],
        "rostered": [h.rostered for h in plan.hours],
        "labels": {
            "needed": _("Agents needed"),
            "rostered": _("Rostered"),
            "arrivals": _("Arrivals"),
        },
    }
    return render(
        request,
        "services/staffing.html",
        {
            "branch": branch,
            "branches": branches,
            "channel": channel,
            "weeks": weeks,
            "plan": plan,
            "week_start": week_start,
            "heat_rows": heat_rows,
            "hours": hours,
            "chart": chart,
            "channels": [
                (c.value, c.label) for c in (Channel.COUNTER, Channel.PHONE, Channel.ONLINE)
            ],
            "total_heat": sum(heat.values()),
            "gaps": plan.gaps,
            "shortfall": sum(h.gap for h in plan.gaps),
        },
    )


@login_required
@require_POST
def roster_set(request):
    """Set the staff on duty for one hour (from the staffing page)."""
    if not permissions.can_view_service_pages(request.user):
        raise PermissionDenied
    branch = get_object_or_404(visible_branches(request.user), code=request.POST.get("branch", ""))
    try:
        actions.set_roster(
            branch,
            channel=request.POST.get("channel", ""),
            day=date.fromisoformat(request.POST.get("date", "")),
            hour=int(request.POST.get("hour", "")),
            staff_count=int(request.POST.get("staff_count", "")),
            actor=request.user,
        )
    except ValueError:
        messages.error(request, _("Give a date, an hour and a whole number of staff."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Roster saved."))
    query = f"?branch={branch.code}&channel={request.POST.get('channel', '')}&week={request.POST.get('week', '')}"
    return redirect(reverse("services:staffing") + query)


@login_required
def what_if(request):
    if not permissions.can_use_staffing_calculator(request.user):
        raise PermissionDenied
    result, errors = None, {}
    form = {
        "arrivals_per_hour": "200",
        "aht_seconds": "180",
        "target_seconds": "20",
        "target_level": "0.8",
    }
    if request.GET.get("arrivals_per_hour") is not None:
        form = {
            key: request.GET.get(key, "")
            for key in (
                "arrivals_per_hour",
                "aht_seconds",
                "target_seconds",
                "target_level",
                "shrinkage",
            )
        }
        query = ErlangQuerySerializer(data={k: v for k, v in form.items() if v != ""})
        if query.is_valid():
            data = query.validated_data
            result = erlang.agents_needed(
                data["arrivals_per_hour"],
                data["aht_seconds"],
                data["target_seconds"],
                data["target_level"],
            )
            table = (
                [
                    erlang.evaluate(
                        n, result.traffic_erlangs, data["aht_seconds"], data["target_seconds"]
                    )
                    for n in range(max(1, result.agents - 3), result.agents + 4)
                ]
                if result.agents
                else []
            )
            rostered = (
                erlang.rostered_for(result.agents, data["shrinkage"])
                if data.get("shrinkage") is not None
                else None
            )
            result = {"best": result, "table": table, "rostered": rostered}
        else:
            errors = {field: [str(m) for m in msgs] for field, msgs in query.errors.items()}
    return render(
        request, "services/what_if.html", {"form": form, "result": result, "errors": errors}
    )


# --- service agent console -------------------------------------------------------------


def _agent_branch(request) -> Branch:
    profile = staff_profile(request.user)
    if profile is None or not has_role(request.user, Role.SERVICE_AGENT):
        raise PermissionDenied
    return profile.branch


@login_required
def console(request):
    branch = _agent_branch(request)
    now = timezone.now()
    today = now.astimezone(timezone.get_current_timezone()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    open_records = ServiceRecord.objects.filter(
        branch=branch, outcome="", arrived_at__gte=today
    ).select_related("agent")
    mine = [r for r in open_records if r.agent_id == request.user.pk and r.called_at]
    waiting = [r for r in open_records if r.channel == Channel.COUNTER and r.called_at is None]
    ringing = [r for r in open_records if r.channel == Channel.PHONE and r.called_at is None]
    no_shows = ServiceRecord.objects.filter(
        branch=branch, outcome="no_show", arrived_at__gte=today
    ).order_by("-finished_at")[:10]
    return render(
        request,
        "services/console.html",
        {
            "branch": branch,
            "mine": mine,
            "waiting": sorted(waiting, key=lambda r: r.arrived_at),
            "ringing": sorted(ringing, key=lambda r: r.arrived_at),
            "no_shows": no_shows,
            "now": now,
            "service_types": ServiceType.choices,
        },
    )


CONSOLE_ACTIONS = {
    "call": lambda record, user, post: actions.call_ticket(
        record, actor=user, counter_number=post.get("counter", "")
    ),
    "finish": lambda record, user, post: actions.finish_ticket(
        record, actor=user, outcome=post.get("outcome", "served")
    ),
    "no_show": lambda record, user, post: actions.mark_no_show(record, actor=user),
    "abandon_ticket": lambda record, user, post: actions.abandon_ticket(record, actor=user),
    "answer": lambda record, user, post: actions.answer_call(record, actor=user),
    "end": lambda record, user, post: actions.end_call(
        record, actor=user, outcome=post.get("outcome", "served")
    ),
    "abandon_call": lambda record, user, post: actions.abandon_call(record, actor=user),
}


@login_required
@require_POST
def console_act(request, pk: int, verb: str):
    branch = _agent_branch(request)
    if verb not in CONSOLE_ACTIONS:
        raise Http404
    record = get_object_or_404(ServiceRecord.objects.filter(branch=branch), pk=pk)
    try:
        CONSOLE_ACTIONS[verb](record, request.user, request.POST)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("services:console")


@login_required
@require_POST
def console_new(request, kind: str):
    branch = _agent_branch(request)
    service_type = request.POST.get("service_type", ServiceType.OTHER)
    try:
        if kind == "ticket":
            customer = None
            number = request.POST.get("customer_number", "").strip()
            if number:
                customer = visible_customers(request.user).filter(customer_number=number).first()
                if customer is None:
                    raise ValidationError(
                        {"customer_number": _("No customer of this branch with this number.")}
                    )
            record = actions.take_ticket(
                branch, service_type=service_type, actor=request.user, customer=customer
            )
            messages.success(
                request, _("Ticket %(number)s issued.") % {"number": record.ticket_number}
            )
        elif kind == "call":
            actions.offer_call(branch, service_type=service_type, actor=request.user)
        elif kind == "next":
            counter = request.POST.get("counter", "").strip()[:10]
            request.session["services_counter"] = counter
            record = (
                queries.waiting_tickets([branch.pk], timezone.now())
                .order_by("arrived_at", "id")
                .first()
            )
            if record is None:
                messages.info(request, _("Nobody is waiting."))
            else:
                actions.call_ticket(record, actor=request.user, counter_number=counter)
                messages.success(
                    request, _("Ticket %(number)s called.") % {"number": record.ticket_number}
                )
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("services:console")


# --- customer --------------------------------------------------------------------------


@login_required
def rate(request):
    if not has_role(request.user, Role.CUSTOMER):
        raise PermissionDenied
    records = queries.customer_records(request.user).order_by("-arrived_at")[:50]
    return render(request, "services/rate.html", {"records": records, "ratings": range(5, 0, -1)})


@login_required
@require_POST
def rate_submit(request, pk: int):
    if not has_role(request.user, Role.CUSTOMER):
        raise PermissionDenied
    record = get_object_or_404(queries.customer_records(request.user), pk=pk)
    try:
        rating = int(request.POST.get("rating", ""))
    except ValueError:
        rating = 0
    try:
        actions.rate_service(
            record,
            rating=rating,
            comment=request.POST.get("comment", ""),
            actor=request.user,
            via=Feedback.Via.WEB,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("services:rate")


# --- standards -------------------------------------------------------------------------


@login_required
def standards(request):
    if not (
        permissions.can_view_service_pages(request.user)
        or permissions.can_edit_standards(request.user)
    ):
        raise PermissionDenied
    can_edit = permissions.can_edit_standards(request.user)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied

        def seconds(name):
            value = request.POST.get(name, "").strip()
            return int(value) if value.isdigit() else None

        try:
            actions.set_service_standard(
                channel=request.POST.get("channel", ""),
                service_type=request.POST.get("service_type", ""),
                response_target_seconds=seconds("response"),
                handling_target_seconds=seconds("handling"),
                effective_from=date.fromisoformat(request.POST.get("effective_from", "")),
                actor=request.user,
            )
        except ValueError:
            messages.error(request, _("Give the start date as YYYY-MM-DD."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Standard saved."))
        return redirect("services:standards")
    from services.models import ServiceStandard

    rows = ServiceStandard.objects.select_related("created_by").order_by(
        "channel", "service_type", "-effective_from"
    )
    return render(
        request,
        "services/standards.html",
        {
            "rows": rows,
            "can_edit": can_edit,
            "channels": Channel.choices,
            "service_types": ServiceType.choices,
            "tomorrow": timezone.localdate() + timedelta(days=1),
        },
    )
