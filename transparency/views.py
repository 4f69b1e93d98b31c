"""Pages: public tracking and manuals, a customer's applications, staff case work."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.throttling import SimpleRateThrottle

from qc_portal.models import Department
from qc_portal.scoping import visible_customers
from transparency import actions, permissions, queries
from transparency.models import BusinessType, Case, Channel, ProgressInquiry


class TrackPageThrottle(SimpleRateThrottle):
    """The /track/ form shares the API's `track` rate, counted per client address."""

    scope = "track"

    def get_cache_key(self, request, view):
        return f"throttle_track_web_{self.get_ident(request)}"


def _message_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- public ----------------------------------------------------------------------------------


def track(request):
    """Reference + access code, no login. Wrong reference or code: one and the same answer."""
    context = {"reference": "", "progress": None, "not_found": False}
    if request.method == "POST":
        throttle = TrackPageThrottle()
        if not throttle.allow_request(request, None):
            wait = int(throttle.wait() or 60)
            response = render(
                request, "transparency/track.html", {**context, "throttled": wait}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        reference = request.POST.get("reference", "")[:32]
        case = queries.find_case_by_reference(reference)
        context["reference"] = reference
        if actions.access_code_matches(case, request.POST.get("access_code", "")[:32]):
            actions.record_tracking_view(case, channel=Channel.WEB)
            context["progress"] = queries.progress_of(case)
        else:
            context["not_found"] = True
            return render(request, "transparency/track.html", context, status=404)
    return render(request, "transparency/track.html", context)


def manual_index(request):
    return render(request, "transparency/manual_index.html", {"manuals": queries.current_manuals()})


def manual_page(request, business_type: str):
    versions = list(queries.manual_versions(business_type))
    current = queries.current_manual(business_type)
    manual = current
    if request.GET.get("version", "").isdigit():
        manual = next((m for m in versions if m.version == int(request.GET["version"])), None)
    if manual is None:
        raise Http404
    return render(
        request,
        "transparency/manual.html",
        {
            "manual": manual,
            "current": current,
            "versions": versions,
            "html": queries.render_markdown(manual.body),
            "can_publish": permissions.can_publish_manuals(request.user),
        },
    )


@login_required
def manual_publish(request, business_type: str):
    """Publish a new version of a manual, starting from the current text."""
    if not permissions.can_publish_manuals(request.user):
        raise PermissionDenied
    if business_type not in BusinessType.values:
        raise Http404
    current = queries.current_manual(business_type)
    values = (
        request.POST
        if request.method == "POST"
        else {
            "title_zh": current.title_zh if current else "",
            "title_en": current.title_en if current else "",
            "body_zh": current.body_zh if current else "",
            "body_en": current.body_en if current else "",
            "department_code": current.department_code if current else "retail",
            "next_review_on": "",
        }
    )
    if request.method == "POST":
        try:
            review = date.fromisoformat(request.POST.get("next_review_on", ""))
        except ValueError:
            messages.error(request, _("Give the next review date."))
        else:
            try:
                manual = actions.publish_manual(
                    business_type,
                    title_zh=values.get("title_zh", "").strip()[:200],
                    title_en=values.get("title_en", "").strip()[:200],
                    body_zh=values.get("body_zh", ""),
                    body_en=values.get("body_en", ""),
                    department_code=values.get("department_code", ""),
                    next_review_on=review,
                    actor=request.user,
                )
            except ValidationError as error:
                _message_errors(request, error)
            else:
                messages.success(
                    request, _("Version %(version)s published.") % {"version": manual.version}
                )
                return redirect("transparency:manual", business_type=business_type)
    return render(
        request,
        "transparency/manual_publish.html",
        {
            "business_type": business_type,
            "business_label": BusinessType(business_type).label,
            "current": current,
            "values": values,
            "departments": Department.Code.choices,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- customers -------------------------------------------------------------------------------


def _customer_only(request) -> None:
    if not permissions.is_customer(request.user):
        raise PermissionDenied


@login_required
def my_cases(request):
    _customer_only(request)
    cases = queries.customer_cases(request.user)
    open_cases = list(cases.filter(status=Case.Status.OPEN))
    # The list shows each open case's step and expected date: that is a look at progress.
    actions.record_tracking_views(open_cases, channel=Channel.WEB)
    return render(
        request,
        "transparency/my_cases.html",
        {
            "open_cases": [queries.progress_of(c) for c in open_cases],
            "closed_cases": cases.exclude(status=Case.Status.OPEN)[:50],
        },
    )


@login_required
def my_case(request, reference: str):
    _customer_only(request)
    case = queries.customer_cases(request.user).filter(reference=reference.upper()).first()
    if case is None:
        raise Http404
    actions.record_tracking_view(case, channel=Channel.WEB)
    return render(request, "transparency/my_case.html", {"progress": queries.progress_of(case)})


# --- staff -----------------------------------------------------------------------------------


def _staff_reader(request) -> None:
    if not permissions.can_read_cases(request.user):
        raise PermissionDenied


def _staff_case(request, reference: str) -> Case:
    case = queries.staff_case_list(request.user).filter(reference=reference.upper()).first()
    if case is None:
        raise Http404
    return case


@login_required
def case_list(request):
    _staff_reader(request)
    status = request.GET.get("status", Case.Status.OPEN)
    business_type = request.GET.get("business_type", "")
    overdue = request.GET.get("overdue") == "1"
    search = request.GET.get("q", "")[:60]
    cases = queries.staff_case_list(
        request.user, status=status, business_type=business_type, overdue=overdue, search=search
    )
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "transparency/case_list.html",
        {
            "page": page,
            "status": status,
            "business_type": business_type,
            "overdue": overdue,
            "q": search,
            "statuses": Case.Status.choices,
            "business_types": BusinessType.choices,
            "can_open": permissions.work_branch(request.user) is not None,
        },
    )


@login_required
def case_detail(request, reference: str):
    _staff_reader(request)
    case = _staff_case(request, reference)
    return render(
        request,
        "transparency/case_detail.html",
        {
            "case": case,
            "progress": queries.progress_of(case),
            "timeline": queries.staff_timeline(case),
            "inquiries": queries.inquiries_of(case)[:50],
            "can_work": permissions.can_work_case(request.user, case),
            "can_record_inquiry": permissions.can_record_inquiry(request.user, case),
            "steps": case.template.steps.order_by("position"),
            "inquiry_channels": ProgressInquiry.Channel.choices,
            "notifications": case.outbox.order_by("-created_at")[:20],
        },
    )


@login_required
@require_POST
def case_act(request, reference: str):
    """One form posts every staff action on a case: advance, note, complete, reject, cancel."""
    _staff_reader(request)
    case = _staff_case(request, reference)
    action = request.POST.get("action", "")
    text = request.POST.get("text", "")[:2000]
    try:
        if action == "advance":
            actions.advance_case(
                case, actor=request.user, to_step=request.POST.get("to_step") or None, note=text
            )
        elif action == "note":
            actions.add_note(
                case,
                actor=request.user,
                text=text,
                customer_visible=request.POST.get("customer_visible") == "1",
            )
        elif action == "complete":
            actions.complete_case(case, actor=request.user, note=text)
        elif action == "reject":
            actions.reject_case(case, actor=request.user, reason=text)
        elif action == "cancel":
            actions.cancel_case(case, actor=request.user, reason=text)
        else:
            return HttpResponse(status=400)
    except ValidationError as error:
        _message_errors(request, error)
    else:
        messages.success(request, _("Case updated."))
    return redirect("transparency:case-detail", reference=case.reference)


@login_required
def case_new(request):
    """Open a case for a customer of my branch; the access code is shown this once."""
    branch = permissions.work_branch(request.user)
    if branch is None:
        raise PermissionDenied
    context = {"business_types": BusinessType.choices, "opened": None, "values": request.POST}
    if request.method == "POST":
        customer = (
            visible_customers(request.user)
            .filter(customer_number=request.POST.get("customer_number", "").strip())
            .first()
        )
        if customer is None:
            messages.error(request, _("No customer of your branch has this number."))
            return render(request, "transparency/case_new.html", context, status=400)
        try:
            case, code = actions.open_case(
                customer,
                business_type=request.POST.get("business_type", ""),
                branch=branch,
                actor=request.user,
                title=request.POST.get("title", "")[:200],
            )
        except ValidationError as error:
            _message_errors(request, error)
            return render(request, "transparency/case_new.html", context, status=400)
        context["opened"] = {"case": case, "access_code": code}
    return render(request, "transparency/case_new.html", context)


@login_required
def inquiry_new(request):
    """An agent logs a "where is my application?" contact and then sees what the customer
    sees."""
    if not permissions.has_role(request.user, *permissions.INQUIRY_ROLES):
        raise PermissionDenied
    context = {"channels": ProgressInquiry.Channel.choices, "progress": None, "reference": ""}
    if request.method == "POST":
        reference = request.POST.get("reference", "")[:32]
        context["reference"] = reference
        case = (
            queries.staff_case_list(request.user)
            .filter(reference=reference.strip().upper())
            .first()
        )
        if case is None:
            messages.error(request, _("No case of your branch has this reference."))
            return render(request, "transparency/inquiry.html", context, status=404)
        try:
            actions.record_inquiry(
                case, channel=request.POST.get("channel", ""), actor=request.user
            )
        except ValidationError as error:
            _message_errors(request, error)
            return render(request, "transparency/inquiry.html", context, status=400)
        messages.success(request, _("Inquiry recorded."))
        context["progress"] = queries.progress_of(case)
        context["case"] = case
    return render(request, "transparency/inquiry.html", context)


@login_required
def overdue_board(request):
    if not permissions.can_see_overdue_board(request.user):
        raise PermissionDenied
    department_code = request.GET.get("department", "")
    departments = {d.code: d for d in Department.objects.all()}
    rows = queries.overdue_by_department(request.user)
    for row in rows:
        row["department"] = departments.get(row["step__department_code"])
    return render(
        request,
        "transparency/overdue.html",
        {
            "rows": rows,
            "department_code": department_code,
            "steps": queries.overdue_steps(request.user, department_code=department_code),
        },
    )
