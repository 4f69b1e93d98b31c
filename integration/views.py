"""Integration pages: sync health, source systems, inbound records and replays, the data
inventory and sharing matrix. Thin: permission, call a query or an action, render."""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from integration import actions, queries
from integration.forms import DataSetForm, SourceSystemForm
from integration.models import DataSet, InboundRecord, SourceSystem
from integration.permissions import can_manage_integration, can_view_integration
from qc_portal.models import Department
from qc_portal.periods import Period


def viewer_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_view_integration(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_manage_integration(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _show_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _add_form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field_name, errors in error.message_dict.items():
            form.add_error(field_name if field_name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@viewer_required
def health(request):
    """Every source system's sync health on one page."""
    rows = queries.sync_health()
    return render(
        request,
        "integration/health.html",
        {
            "rows": rows,
            "totals": queries.accounting(),
            "can_manage": can_manage_integration(request.user),
            "window_days": queries.HEALTH_WINDOW_DAYS,
        },
    )


@never_cache
@admin_required
def source_create(request):
    form = SourceSystemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source, secret = actions.create_source_system(**form.cleaned_data, actor=request.user)
        except ValidationError as error:
            _add_form_errors(form, error)
        else:
            return render(
                request,
                "integration/secret.html",
                {"source": source, "secret": secret, "created": True},
            )
    return render(request, "integration/source_form.html", {"form": form})


@viewer_required
def source_detail(request, code: str):
    source = get_object_or_404(SourceSystem.objects.select_related("owning_department"), code=code)
    health_row = queries.sync_health(SourceSystem.objects.filter(pk=source.pk))[0]
    days = queries.volume_by_day(source)
    chart = {
        "days": [row["day"].isoformat() for row in days],
        "applied": [row["applied"] for row in days],
        "rejected": [row["rejected"] for row in days],
        "pending": [row["pending"] for row in days],
    }
    rejected = queries.list_records(source=source, status=InboundRecord.Status.REJECTED)[:20]
    can_manage = can_manage_integration(request.user)
    return render(
        request,
        "integration/source_detail.html",
        {
            "source": source,
            "health": health_row,
            "days": days,
            "chart_json": json.dumps(chart),
            "rejected": rejected,
            "batches": source.batches.all()[:10],
            "can_manage": can_manage,
            "form": SourceSystemForm.for_update(source) if can_manage else None,
            "overlap_active": source.previous_secret_is_valid(),
            "month": Period.current().previous(),
        },
    )


@admin_required
@require_POST
def source_update(request, code: str):
    source = get_object_or_404(SourceSystem, code=code)
    form = SourceSystemForm.for_update(source, request.POST)
    if form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key != "code"}
        try:
            actions.update_source_system(source, **data, actor=request.user)
        except ValidationError as error:
            _show_errors(request, error)
        else:
            messages.success(request, _("Source system updated."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("integration:source-detail", code=source.code)


@never_cache
@admin_required
@require_POST
def source_rotate(request, code: str):
    source = get_object_or_404(SourceSystem, code=code)
    secret = actions.rotate_secret(source, actor=request.user)
    source.refresh_from_db()
    return render(
        request, "integration/secret.html", {"source": source, "secret": secret, "created": False}
    )


@admin_required
@require_POST
def source_status(request, code: str):
    source = get_object_or_404(SourceSystem, code=code)
    try:
        actions.set_source_status(source, status=request.POST.get("status", ""), actor=request.user)
    except ValidationError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("Status changed."))
    return redirect("integration:source-detail", code=source.code)


@viewer_required
def source_evaluation(request, code: str):
    """The monthly system evaluation: availability, volume, rejects and latency trend."""
    source = get_object_or_404(SourceSystem, code=code)
    try:
        period = (
            Period.parse(request.GET["month"])
            if request.GET.get("month")
            else Period.current().previous()
        )
        if period.kind != "month":
            raise ValidationError(_("Choose a month."))
    except ValidationError as error:
        _show_errors(request, error)
        period = Period.current().previous()
    report = queries.evaluation_report(source, period)
    return render(
        request,
        "integration/evaluation.html",
        {"source": source, "period": period, "report": report, "current": report[-1]},
    )


@viewer_required
def record_list(request):
    sources = SourceSystem.objects.order_by("code")
    source = sources.filter(code=request.GET.get("source", "")).first()
    status = request.GET.get("status", "")
    record_type = request.GET.get("type", "")
    records = queries.list_records(source=source, status=status, record_type=record_type)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "integration/records.html",
        {
            "page": page,
            "sources": sources,
            "source": source,
            "status": status,
            "record_type": record_type,
            "statuses": InboundRecord.Status.choices,
            "can_manage": can_manage_integration(request.user),
        },
    )


@admin_required
@require_POST
def record_replay(request, pk: int):
    record = get_object_or_404(InboundRecord, pk=pk)
    try:
        record = actions.replay_record(record, actor=request.user)
    except ValidationError as error:
        _show_errors(request, error)
    else:
        if record.status == InboundRecord.Status.APPLIED:
            messages.success(request, _("Record replayed and applied."))
        else:
            messages.error(request, _("Record replayed but rejected again; see its errors."))
    return _back(request, "integration:records")


@admin_required
@require_POST
def records_replay_all(request):
    source = SourceSystem.objects.filter(code=request.POST.get("source", "")).first()
    counts = actions.replay_rejected(
        actor=request.user, source=source, record_type=request.POST.get("type", "")
    )
    messages.success(
        request,
        _("Replayed: %(applied)s applied, %(rejected)s rejected again.") % counts,
    )
    return _back(request, "integration:records")


@viewer_required
def data_sets(request):
    departments, rows, rate = queries.sharing_matrix()
    return render(
        request,
        "integration/datasets.html",
        {
            "departments": departments,
            "rows": rows,
            "rate": rate,
            "can_manage": can_manage_integration(request.user),
        },
    )


@admin_required
def data_set_create(request):
    form = DataSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.create_data_set(**form.cleaned_data, actor=request.user)
        except ValidationError as error:
            _add_form_errors(form, error)
        else:
            messages.success(request, _("Data set added to the inventory."))
            return redirect("integration:datasets")
    return render(request, "integration/dataset_form.html", {"form": form})


@admin_required
@require_POST
def data_set_sharing(request, code: str):
    data_set = get_object_or_404(DataSet, code=code)
    department = get_object_or_404(Department, code=request.POST.get("department", ""))

    def flag(name):
        value = request.POST.get(name)
        return None if value is None else value == "1"

    try:
        actions.set_sharing(
            data_set,
            department,
            required=flag("required"),
            granted=flag("granted"),
            actor=request.user,
        )
    except ValidationError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("Sharing matrix updated."))
    return redirect("integration:datasets")
