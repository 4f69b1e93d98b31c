"""Raising alerts: every app flags what people must act on through `raise_alert`."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from qc_portal.audit import record_event
from qc_portal.models import Alert, Branch, Department, Notification
from qc_portal.roles import BANK_WIDE_ROLES, Role, roles_of

logger = logging.getLogger(__name__)


def _render(text, params: dict | None) -> dict[str, str]:
    rendered = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            value = str(text)
            rendered[language] = value % params if params else value
    return rendered


def recipients_for(
    *, roles: list[str], branch: Branch | None, department: Department | None
) -> list:
    """Active users holding one of `roles`. Holders of a bank-wide role are notified wherever
    they sit; holders of a branch-scoped role only at `branch` and, when given, in
    `department`. Both conditions are tested against the *same* role of a user, so a branch
    manager elsewhere who also trains staff is not told about this branch's queue."""
    wide = [role for role in roles if role in BANK_WIDE_ROLES]
    local = Q(groups__name__in=[role for role in roles if role not in BANK_WIDE_ROLES])
    if branch is not None:
        local &= Q(staff_profile__branch=branch)
    if department is not None:
        local &= Q(staff_profile__department=department)
    users = get_user_model().objects.filter(Q(groups__name__in=wide) | local, is_active=True)
    return list(users.distinct().order_by("pk"))


@transaction.atomic
def raise_alert(
    *,
    kind: str,
    key: str,
    title,
    message="",
    params: dict | None = None,
    severity: str = Alert.Severity.WARNING,
    roles: list[str],
    branch: Branch | None = None,
    department_code: str | None = None,
    link: str = "",
    evidence: dict | None = None,
) -> tuple[Alert, bool]:
    """Raise the alert identified by `key` once: a second call with the same key returns the
    existing alert and notifies nobody. `title`/`message` are lazy translatable strings with
    %(name)s placeholders filled from `params`, stored in both languages."""
    existing = Alert.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    department = (
        Department.objects.filter(code=department_code).first() if department_code else None
    )
    titles, messages = _render(title, params), _render(message, params)
    alert, created = Alert.objects.get_or_create(
        key=key,
        defaults=dict(
            kind=kind,
            severity=severity,
            title_zh=titles["zh-hans"][:250],
            title_en=titles["en"][:250],
            message_zh=messages["zh-hans"],
            message_en=messages["en"],
            branch=branch,
            department=department,
            link=link,
            evidence=evidence or {},
        ),
    )
    if not created:
        return alert, False
    users = recipients_for(roles=roles, branch=branch, department=department)
    Notification.objects.bulk_create(
        [Notification(user=user, alert=alert) for user in users], ignore_conflicts=True
    )
    record_event("alert.raised", actor_label="system", target=alert, after={"key": key})
    addresses = [user.email for user in users if user.email]
    if addresses:
        transaction.on_commit(lambda: _mail_alert(alert.pk, addresses))
    return alert, True


def _mail_alert(alert_id: int, addresses: list[str]) -> None:
    """One message, recipients in Bcc: colleagues' addresses are not handed round. A mail
    server that is down must not break the job that raised the alert; it is logged."""
    alert = Alert.objects.get(pk=alert_id)
    link = f"{settings.QC_PORTAL_URL}{alert.link or reverse('alerts')}"
    message = EmailMessage(
        subject=f"[QC Portal] {alert.title_zh} / {alert.title_en}",
        body=f"{alert.title_zh}\n{alert.message_zh}\n\n{alert.title_en}\n{alert.message_en}\n\n{link}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        bcc=addresses,
    )
    try:
        message.send()
    except (OSError, smtplib.SMTPException):
        logger.exception("alert %s: e-mail to %d recipients failed", alert.key, len(addresses))


def visible_alerts(user):
    """Alerts a user was notified of, plus all alerts for bank-wide read roles."""
    if roles_of(user) & {Role.HEAD_OFFICE, Role.AUDITOR}:
        return Alert.objects.select_related("branch", "department")
    return Alert.objects.filter(notifications__user=user).select_related("branch", "department")


@transaction.atomic
def handle_alert(alert: Alert, *, status: str, note: str, actor) -> Alert:
    """Acknowledge or close an alert with a note. Only someone it was sent to may."""
    if status not in (Alert.Status.ACKNOWLEDGED, Alert.Status.CLOSED):
        raise ValidationError({"status": _("The status can only be “acknowledged” or “closed”.")})
    if status == Alert.Status.CLOSED and not note.strip():
        raise ValidationError({"note": _("Closing an alert needs a note on how it was handled.")})
    if not Notification.objects.filter(alert=alert, user=actor).exists():
        raise PermissionDenied(_("Only the people this alert was sent to may handle it."))
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == Alert.Status.CLOSED:
        raise ValidationError({"status": _("This alert is already closed.")})
    before = {"status": alert.status, "note": alert.note}
    alert.status, alert.note = status, note.strip()
    alert.handled_by, alert.handled_at = actor, timezone.now()
    alert.save(update_fields=["status", "note", "handled_by", "handled_at"])
    Notification.objects.filter(alert=alert, user=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    record_event(
        "alert.handled",
        actor=actor,
        target=alert,
        before=before,
        after={"status": status, "note": alert.note},
    )
    return alert


def unread_count(user) -> int:
    """The bell's number: alerts sent to this user that they have not looked at yet."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_alerts_read(user, alerts) -> int:
    """The user has seen these alerts (on the alerts page): the bell stops counting them.
    Reading is not handling: an open alert stays open until someone acknowledges or closes it."""
    return Notification.objects.filter(
        user=user, alert__in=[alert.pk for alert in alerts], read_at__isnull=True
    ).update(read_at=timezone.now())
