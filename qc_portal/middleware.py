"""Request id and client address, made available to the audit trail and to log lines."""

import contextvars
import ipaddress
import logging
import re
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
