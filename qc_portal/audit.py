"""The one way every app records a state change in the audit trail."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from qc_portal.middleware import current_client_ip, current_request_id
from qc_portal.models import AuditEvent


def _jsonable(value: Any) -> Any:
    # Dates, decimals and UUIDs as the API shows them, so the JSON column accepts them.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def record_event(
    action: str,
    *,
    actor=None,
    actor_label: str = "",
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one audit row. Call it inside the action's transaction, so the row exists
    exactly when the change does. `actor` is a user; `actor_label` names a system or job."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    changes = {}
    if before is not None:
        changes["before"] = _jsonable(before)
    if after is not None:
        changes["after"] = _jsonable(after)
    user = actor if getattr(actor, "is_authenticated", False) else None
    if not actor_label:
        if user is not None:
            actor_label = user.get_username()
        else:
            actor_label = "anonymous" if actor is not None else "system"
    return AuditEvent.objects.create(
        actor=user,
        actor_label=actor_label,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        changes=changes,
        request_id="" if current_request_id() == "-" else current_request_id(),
        client_ip=current_client_ip(),
    )


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The named fields of a model instance, for an audit before/after."""
    return {name: getattr(instance, name) for name in fields}


# --- sign-in and sign-out, recorded for every way in (the web form, the admin, the API) ---


def record_sign_in(sender, request, user, **kwargs) -> None:
    from qc_portal.security import security_event

    record_event("auth.signed_in", actor=user, target=user)
    security_event("login_succeeded", request=request, user=user)


def record_sign_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_event("auth.signed_out", actor=user, target=user)


def record_failed_sign_in(sender, credentials, request=None, **kwargs) -> None:
    # An attempt refused by the lock-out without checking the password is logged once, by
    # record_locked_out (axes sends user_locked_out for it).
    if request is not None and getattr(request, "qc_login_blocked", False):
        return
    from qc_portal.security import security_event

    username = str(credentials.get("username", ""))[:80]
    record_event("auth.sign_in_failed", actor_label=username or "anonymous")
    security_event("login_failed", request=request, user=False, username=username)


def record_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """django-axes' user_locked_out: the attempt that reached the failure limit, and each
    attempt refused while the lock lasts."""
    from qc_portal.security import security_event

    username = str(username or "")[:80]
    record_event("auth.sign_in_locked_out", actor_label=username or "anonymous")
    security_event(
        "login_locked_out",
        request=request,
        user=False,
        username=username,
        blocked=bool(request is not None and getattr(request, "qc_login_blocked", False)),
    )
