"""Request id and client address, made available to the audit trail and to log lines."""

import contextvars
import ipaddress
import logging
import re
import time
import uuid

from django.conf import settings

_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def current_request_id() -> str:
    return _request_id.get()


def current_client_ip() -> str | None:
    return _client_ip.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Keep the proxy's id so one request can be followed across systems, but only if it is
        # a plain token: it goes into log lines and the audit trail verbatim.
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        id_token = _request_id.set(request_id)
        ip_token = _client_ip.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(id_token)
            _client_ip.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


def client_ip(request) -> str | None:
    """The client's address, by the same rule as DRF's throttles (settings.NUM_PROXIES): the
    connecting address, or the one the last trusted proxy appended to X-Forwarded-For."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "NUM_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    candidate = addresses[-min(proxies, len(addresses))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote  # garbage in the header: keep what we know


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


# --- Sessions: idle and absolute limits -------------------------------------------------

SESSION_STARTED_KEY = "_qc_signed_in_at"
SESSION_SEEN_KEY = "_qc_seen_at"
SEEN_RESOLUTION = 60  # seconds: the last-seen time is written at most once a minute


def mark_session_started(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the absolute limit counts from here."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[SESSION_STARTED_KEY] = now
        session[SESSION_SEEN_KEY] = now


class SessionExpiryMiddleware:
    """Signs out a session unused for QC_SESSION_IDLE_TIMEOUT seconds, or older than
    QC_SESSION_ABSOLUTE_TIMEOUT seconds since sign-in, however busy. A page request is sent
    to the sign-in page with a message; an API request simply continues unauthenticated."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and session is not None and user.is_authenticated:
            expired = self._check(session)
            if expired:
                from django.contrib import messages
                from django.contrib.auth import logout
                from django.contrib.auth.views import redirect_to_login
                from django.utils.translation import gettext as _

                from qc_portal.security import security_event

                security_event("session_expired", request=request, reason=expired)
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, _("Your session has ended. Please sign in again."))
                    return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _check(session) -> str:
        now = int(time.time())
        started = session.get(SESSION_STARTED_KEY)
        seen = session.get(SESSION_SEEN_KEY)
        if started is None:  # a session from before these limits: they start now
            session[SESSION_STARTED_KEY] = session[SESSION_SEEN_KEY] = now
            return ""
        if now - started > settings.QC_SESSION_ABSOLUTE_TIMEOUT:
            return "absolute"
        if seen is not None and now - seen > settings.QC_SESSION_IDLE_TIMEOUT:
            return "idle"
        if seen is None or now - seen >= SEEN_RESOLUTION:
            session[SESSION_SEEN_KEY] = now
        return ""


# --- Two-factor authentication ------------------------------------------------------------

TWO_FACTOR_EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/2fa/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/readyz",
)


def requires_two_factor(user) -> bool:
    """Risk officers, risk managers and integration admins, and anyone who can open the
    admin site, must confirm each sign-in with a one-time code."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    from qc_portal.roles import roles_of

    return bool(roles_of(user) & set(settings.QC_2FA_ROLES))


class TwoFactorMiddleware:
    """A session of someone who needs 2FA and has not yet given a code reaches only the
    sign-in, sign-out and 2FA pages: pages redirect to the code (or enrolment) page, the
    API answers 403 `two_factor_required`. Off when settings.QC_REQUIRE_2FA is False."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.QC_REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
            and not _is_verified(user)
            and requires_two_factor(user)
        ):
            return self._refuse(request, user)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, user):
        from urllib.parse import urlencode

        from django.http import JsonResponse
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.translation import gettext as _
        from django_otp import user_has_device

        from qc_portal.api.errors import error_body

        if request.path.startswith("/api/"):
            body = error_body(
                "two_factor_required",
                _("This account needs two-factor authentication: sign in on the portal first."),
            )
            return JsonResponse(body, status=403)
        target = "two-factor-verify" if user_has_device(user) else "two-factor-setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


def _is_verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


# --- Headers django-csp and SecurityMiddleware do not set ---------------------------------


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.QC_PERMISSIONS_POLICY)
        return response
