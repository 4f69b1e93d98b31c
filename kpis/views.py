"""Dashboard pages (thin): parse the period and scope, call kpis.dashboard / kpis.plan, render."""

from __future__ import annotations

import csv
import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis import actions, dashboard, queries
from kpis.models import KpiDefinition, PlanStep
from kpis.permissions import can_compare_branches, can_mark_step, can_view_dashboard
from kpis.plan import plan_with_states, programme_month
from kpis.serializers import ResultSerializer
from qc_portal.periods import Period
from qc_portal.scoping import sees_all_branches, staff_profile, visible_branches

EXPORT_FIELDS = list(ResultSerializer().fields)


def _require_dashboard(request) -> None:
    if not can_view_dashboard(request.user):
        raise PermissionDenied(
            _("The dashboard is for branch managers, head office and the measure owners.")
        )


def _month(request) -> Period:
    """?period=2026-10 (a month) or 2026-Q3 (its last month); default: the current month."""
    text = request.GET.get("period", "")
    if not text:
        return Period.current("month")
    period = queries.parse_period(text)
    return period if period.kind == "month" else period.months()[-1]


def _scope(request) -> queries.Scope:
    """?scope=bank|branch:<code>; default: a branch manager's own branch, else the bank."""
    scope = queries.parse_scope(request.GET.get("scope", ""), request.user)
    if scope is not None:
        return scope
    profile = staff_profile(request.user)
    if not sees_all_branches(request.user) and profile is not None:
        return queries.Scope(profile.branch)
    return queries.Scope()


def _bad_request(request, error: ValidationError):
    return render(request, "kpis/bad_request.html", {"errors": error.messages}, status=400)


def _picker_context(request, month: Period, scope: queries.Scope) -> dict:
    return {
        "month": month,
        "quarter": month.quarter(),
        "scope": scope,
        "branches": list(visible_branches(request.user).order_by("code")),
        "can_compare": can_compare_branches(request.user),
        "previous_month": month.previous(),
        "next_month": month.next() if month.next().start <= timezone.now() else None,
        "month_choices": sorted(
            {month, *[Period.current("month").shift(-n) for n in range(0, 24)]}, reverse=True
        ),
    }


@login_required
def overview(request):
    _require_dashboard(request)
    try:
        month, scope = _month(request), _scope(request)
    except ValidationError as error:
        return _bad_request(request, error)
    blocks = dashboard.overview(request.user, month=month, scope=scope)
    cards = [card for block in blocks for card in block.cards]
    context = {
        **_picker_context(request, month, scope),
        "blocks": blocks,
        "has_results": any(card.result for card in cards),
        "summary": _summary(cards),
        "provisional": any(card.result and card.result.provisional for card in cards),
        "computed_at": max(
            (card.result.computed_at for card in cards if card.result), default=None
        ),
    }
    template = "kpis/_cards.html" if request.headers.get("HX-Request") else "kpis/overview.html"
    return render(request, template, context)


def _summary(cards) -> list[tuple[str, str, int]]:
    """How many KPIs are met, missed, short of data or untargeted: the ten-second answer."""
    from kpis.models import Status

    counts = {status: 0 for status in Status.values}
    for card in cards:
        if card.result is not None:
            counts[card.result.status] += 1
    return [(status.value, status.label, counts[status.value]) for status in Status]


@login_required
def branch_comparison(request):
    _require_dashboard(request)
    if not can_compare_branches(request.user):
        raise PermissionDenied(
            _("The branch comparison is for head office, auditors and risk managers.")
        )
    try:
        month = _month(request)
    except ValidationError as error:
        return _bad_request(request, error)
    sort = request.GET.get("sort", "")
    definitions, rows = dashboard.branch_comparison(request.user, month=month, sort=sort)
    heat = [
        [column, row_index, _STATUS_SCORE.get(cell.status if cell else "", 0)]
        for row_index, row in enumerate(rows)
        for column, cell in enumerate(row.cells)
    ]
    context = {
        **_picker_context(request, month, queries.Scope()),
        "definitions": definitions,
        "rows": rows,
        "sort": sort,
        "chart": {
            "kpis": [d.code for d in definitions],
            "titles": [d.title for d in definitions],
            "branches": [row.branch.code for row in rows],
            "cells": heat,
            "labels": {str(k): str(v) for k, v in _STATUS_LABELS().items()},
        },
    }
    return render(request, "kpis/branches.html", context)


_STATUS_SCORE = {"missed": 1, "insufficient_data": 2, "no_target": 3, "met": 4}


def _STATUS_LABELS():  # noqa: N802 - a constant that needs the active language
    from kpis.models import Status

    return {0: _("No result"), **{_STATUS_SCORE[s.value]: s.label for s in Status}}


@login_required
def kpi_detail(request, code: str):
    _require_dashboard(request)
    definition = get_object_or_404(KpiDefinition, code=code)
    try:
        month, scope = _month(request), _scope(request)
    except ValidationError as error:
        return _bad_request(request, error)
    period = dashboard.periods_for(month)[definition.period_kind]
    history = dashboard.kpi_history(request.user, definition=definition, period=period, scope=scope)
    current = history[-1][1] if history else None
    ranking = dashboard.branch_ranking(request.user, definition=definition, period=period)
    chart = {
        "periods": [str(p) for p, _r, _b in history],
        "values": [_display(r.value if r else None, definition) for _p, r, _b in history],
        "bank": [_display(b.value if b else None, definition) for _p, _r, b in history]
        if not scope.is_bank
        else [],
        "targets": [_display(_threshold(r), definition) for _p, r, _b in history],
        "baseline": _display(current.baseline_value if current else None, definition),
        "labels": {
            "value": scope.branch.name if scope.branch else _("Bank"),
            "bank": _("Bank"),
            "target": _("Target"),
            "baseline": _("Baseline"),
        },
    }
    context = {
        **_picker_context(request, month, scope),
        "definition": definition,
        "period": period,
        "current": current,
        "history": history,
        "ranking": ranking,
        "targets": dashboard.target_history(definition),
        "chart": chart,
        "report_link": _measure_report(definition),
    }
    return render(request, "kpis/kpi_detail.html", context)


def _display(value, definition):
    if value is None:
        return None
    return round(value * definition.display_factor, 4)


def _threshold(result):
    """The strictest resolved threshold a result was judged by (for the target line)."""
    if result is None:
        return None
    values = [
        spec.get("threshold")
        for spec in result.target_snapshot
        if spec.get("threshold") is not None
    ]
    if not values:
        return None
    return min(values) if result.kpi.direction == "lower" else max(values)


# The measure's own report, where the records behind a number are: the most specific code
# prefix first, then the measure. The first URL name that exists wins.
REPORTS_BY_CODE = {
    "transparency.steps_on_time": ["transparency:overdue"],
    "credit.npl_ratio": ["credit:npl", "credit:loans"],
    "credit.approval_error_rate": ["credit:reviews"],
    "integration.processing_time": ["integration:records", "integration:health"],
    "integration.data_sharing_rate": ["integration:datasets"],
    "training.coverage": ["training:coverage"],
    "training.employee_satisfaction": ["training:surveys"],
    "training.ideas": ["training:ideas"],
}
MEASURE_REPORTS = {
    1: ["services:report", "services:board"],
    2: ["transparency:cases"],
    3: ["credit:applications", "credit:queue"],
    4: ["integration:health"],
    5: ["training:courses", "training:plan"],
}


def _measure_report(definition: KpiDefinition) -> str | None:
    from django.urls import NoReverseMatch

    names = [
        name
        for prefix, names in REPORTS_BY_CODE.items()
        if definition.code.startswith(prefix)
        for name in names
    ]
    for name in [*names, *MEASURE_REPORTS.get(definition.measure, [])]:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


@login_required
def plan(request):
    _require_dashboard_or_owner(request)
    initiatives = plan_with_states()
    timeline = []
    for initiative, states in initiatives:
        for state in states:
            timeline.append(
                {
                    "initiative": f"{initiative.number}. {initiative.title}",
                    "step": state.step.title,
                    "start": state.starts.isoformat(),
                    "end": state.due.isoformat(),
                    "state": state.state,
                }
            )
    context = {
        "initiatives": [
            (initiative, [(state, can_mark_step(request.user, state.step)) for state in states])
            for initiative, states in initiatives
        ],
        "start": programme_month(1),
        "timeline": timeline,
        "state_labels": {
            "done": _("Done"),
            "overdue": _("Overdue"),
            "in_progress": _("In progress"),
            "planned": _("Planned"),
        },
        "today": timezone.localdate().isoformat(),
    }
    return render(request, "kpis/plan.html", context)


def _require_dashboard_or_owner(request) -> None:
    from kpis.permissions import DEPARTMENT_ROLES
    from qc_portal.roles import roles_of

    owners = set().union(*DEPARTMENT_ROLES.values())
    if not (can_view_dashboard(request.user) or roles_of(request.user) & owners):
        raise PermissionDenied


@login_required
def plan_step_done(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _require_dashboard_or_owner(request)
    step = get_object_or_404(PlanStep.objects.select_related("initiative__department"), pk=pk)
    try:
        actions.mark_step_done(
            step,
            note=request.POST.get("note", ""),
            evidence_url=request.POST.get("evidence_url", "").strip(),
            actor=request.user,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Step marked done."))
    return redirect(reverse("kpis:plan") + f"#step-{pk}")


def _export_rows(request):
    period = queries.parse_period(request.GET.get("period"))
    scope = queries.parse_scope(request.GET.get("scope", ""), request.user)
    results = queries.list_results(
        request.user,
        period=period,
        scope=scope,
        measure=queries.parse_measure(request.GET.get("measure")),
        status=queries.parse_status(request.GET.get("status")),
    )
    return period, ResultSerializer(results, many=True).data


def _cell(value):
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


@login_required
def export(request, fmt: str):
    """The API's results of a period as CSV or XLSX (same filters, same fields)."""
    _require_dashboard(request)
    try:
        period, rows = _export_rows(request)
    except ValidationError as error:
        return _bad_request(request, error)
    filename = f"kpi-results-{period}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_FIELDS)
        for row in rows:
            writer.writerow([_cell(row[name]) for name in EXPORT_FIELDS])
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = str(period)
        sheet.append(EXPORT_FIELDS)
        for row in rows:
            sheet.append([_cell(row[name]) for name in EXPORT_FIELDS])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@login_required
def report(request):
    """A printable report: one page per measure."""
    _require_dashboard(request)
    try:
        month, scope = _month(request), _scope(request)
    except ValidationError as error:
        return _bad_request(request, error)
    blocks = dashboard.overview(request.user, month=month, scope=scope)
    return render(
        request,
        "kpis/report.html",
        {
            "blocks": blocks,
            "month": month,
            "quarter": month.quarter(),
            "scope": scope,
            "generated_at": timezone.now(),
        },
    )
