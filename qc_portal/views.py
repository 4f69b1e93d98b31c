import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from qc_portal.alerts import handle_alert, mark_alerts_read, visible_alerts
from qc_portal.api.errors import error_body
from qc_portal.auth_views import needs_second_step, two_factor_redirect
from qc_portal.models import Alert, AuditEvent, Notification
from qc_portal.nav import home_url_for
from qc_portal.permissions import can_browse_audit_trail
from qc_portal.queries import (
    AuditEventFilter,
    list_audit_actions,
    list_audit_events,
    list_audit_target_types,
)
from qc_portal.roles import STAFF_ROLES, roles_of
from qc_portal.scoping import customer_of
from qc_portal.security import security_event

logger = logging.getLogger(__name__)
ALERTS_PER_PAGE = 50


class SignInView(LoginView):
    """Django's sign-in, plus: a customer who never chose a language on this device gets the
    one they asked the bank for (Customer.preferred_language)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if needs_second_step(user):
            # Password right: now the one-time code, then where the person was going.
            response = redirect(two_factor_redirect(self.request, user, self.get_success_url()))
        customer = customer_of(user)
        chosen = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if customer is not None and not chosen:
            if customer.preferred_language in dict(settings.LANGUAGES):
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    customer.preferred_language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    secure=settings.SESSION_COOKIE_SECURE,
                    samesite="Lax",
                )
        return response


@login_required
def home(request):
    """Send each role to its place; a user without any role gets a clear message."""
    if not roles_of(request.user):
        if request.user.is_staff:  # the technical administrator's place is the admin site
            return redirect("admin:index")
        return render(request, "qc_portal/no_role.html", status=403)
    target = home_url_for(request.user)
    if target:
        return redirect(target)
    return render(request, "qc_portal/home.html")


@login_required
def alert_list(request):
    """The alerts sent to this user (all of them for head office and auditors), by status."""
    if not roles_of(request.user) & STAFF_ROLES:
        raise PermissionDenied
    status = request.GET.get("status", Alert.Status.OPEN)
    if status not in Alert.Status.values:
        status = Alert.Status.OPEN
    alerts = (
        visible_alerts(request.user)
        .filter(status=status)
        .select_related("handled_by")
        .annotate(
            sent_to_me=Exists(Notification.objects.filter(alert=OuterRef("pk"), user=request.user))
        )
    )
    kind = request.GET.get("kind", "")
    if kind:
        alerts = alerts.filter(kind=kind)
    page = Paginator(alerts, ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    mark_alerts_read(request.user, page.object_list)
    counts = dict(
        visible_alerts(request.user)
        .filter(**({"kind": kind} if kind else {}))
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return render(
        request,
        "qc_portal/alerts.html",
        {
            "page": page,
            "alerts": page.object_list,
            "status": status,
            "kind": kind,
            "status_tabs": [
                (value, label, counts.get(value, 0)) for value, label in Alert.Status.choices
            ],
            "query": urlencode({"status": status, **({"kind": kind} if kind else {})}),
        },
    )


@login_required
@require_POST
def alert_handle(request, pk: int):
    alert = get_object_or_404(visible_alerts(request.user), pk=pk)
    try:
        handle_alert(
            alert,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
            actor=request.user,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Alert updated."))
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("alerts")


@never_cache
def healthz(request):
    """The process is alive; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Ready to serve: the database answers and, when configured, the broker and the shared
    cache do too. 503 names the part that failed."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        logger.warning("readyz: database unreachable: %s", error)
        checks["database"] = "unreachable"
    if settings.CELERY_BROKER_URL:
        from qc_portal.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as error:  # noqa: BLE001
            logger.warning("readyz: broker unreachable: %s", error)
            checks["broker"] = "unreachable"
    if _shared_cache_configured():
        # Throttles and live figures live in the shared cache: without it the API fails.
        try:
            cache.set("qc:readyz", "ok", timeout=10)
            checks["cache"] = "ok" if cache.get("qc:readyz") == "ok" else "unreachable"
        except Exception as error:  # noqa: BLE001
            logger.warning("readyz: cache unreachable: %s", error)
            checks["cache"] = "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


def _shared_cache_configured() -> bool:
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))


def _wants_json(request) -> bool:
    # The API's clients read the common error body, never an HTML page.
    return request.path.startswith("/api/")


def error_403(request, exception=None):
    reason = str(exception or "")
    security_event("permission_denied", request=request, reason=reason)
    if _wants_json(request):
        message = reason or _("You do not have permission to perform this action.")
        return JsonResponse(error_body("permission_denied", message), status=403)
    return render(request, "403.html", {"reason": reason}, status=403)


def csrf_failure(request, reason=""):
    """A form posted from a page that is too old (session expired, signed in elsewhere):
    say what to do instead of showing Django's technical page."""
    if _wants_json(request):
        return JsonResponse(error_body("csrf_failed", _("CSRF check failed.")), status=403)
    message = _("This form has expired. Go back, reload the page and try again.")
    return render(request, "403.html", {"reason": message}, status=403)


def error_404(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return render(request, "404.html", status=404)


def error_500(request):
    request_id = getattr(request, "request_id", "")
    if _wants_json(request):
        body = error_body(
            "server_error", _("Server error. Please quote request ID %(id)s.") % {"id": request_id}
        )
        return JsonResponse(body, status=500)
    # Rendered without the request: context processors query the database, which may be
    # exactly what failed.
    html = loader.get_template("500.html").render({"request_id": request_id})
    return HttpResponseServerError(html)


AUDIT_EVENTS_PER_PAGE = 50


@login_required
def audit_trail(request):
    """Auditors and head office browse the audit trail, read-only, with filters."""
    if not can_browse_audit_trail(request.user):
        raise PermissionDenied
    events = AuditEventFilter(request.GET or None, queryset=list_audit_events(request.user))
    if events.is_bound and not events.is_valid():
        rows = AuditEvent.objects.none()
    else:
        rows = events.qs
    page = Paginator(rows, AUDIT_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "qc_portal/audit_trail.html",
        {
            "filter": events,
            "page": page,
            "events": page.object_list,
            "query": query.urlencode(),
            "actions": list_audit_actions(request.user),
            "target_types": list_audit_target_types(request.user),
        },
    )
