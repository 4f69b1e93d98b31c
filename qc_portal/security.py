"""The security log: one JSON line per security-relevant event, on the `qc_portal.security`
logger, for the bank's SIEM. Sign-in events also go to the audit trail (AuditEvent).

Events: login_succeeded, login_failed, login_locked_out (the attempt that locks, and every
attempt refused while locked), two_factor_failed, two_factor_verified, permission_denied
(any 403 from PermissionDenied, four-eyes refusals included, with the reason),
ingest_signature_rejected, session_expired.
"""

from __future__ import annotations

import json
import logging

from django.utils import timezone

from qc_portal.middleware import client_ip, current_client_ip, current_request_id

logger = logging.getLogger("qc_portal.security")

_WARNING_EVENTS = {
    "login_failed",
    "login_locked_out",
    "two_factor_failed",
    "permission_denied",
    "ingest_signature_rejected",
}


def security_event(event: str, *, request=None, user=None, username: str = "", **details) -> dict:
    """Write one security event. `user` defaults to the request's user; `username` names
    someone who is not signed in (a failed sign-in). Returns the record written."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        username = user.get_username()
    request_id = getattr(request, "request_id", None) or current_request_id()
    record = {
        "time": timezone.now().isoformat(),
        "event": event,
        "user": str(username)[:150] or None,
        "ip": (client_ip(request) if request is not None else None) or current_client_ip(),
        "path": getattr(request, "path", None),
        "request_id": None if request_id == "-" else request_id,
        **{
            key: str(value) if not isinstance(value, int | bool | None) else value
            for key, value in details.items()
        },
    }
    level = logging.WARNING if event in _WARNING_EVENTS else logging.INFO
    logger.log(level, json.dumps(record, ensure_ascii=False, sort_keys=False))
    return record
