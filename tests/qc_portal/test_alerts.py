"""Alerts: raised once per key, sent to the right people, handled with a note, seen in scope."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from qc_portal.alerts import (
    handle_alert,
    mark_alerts_read,
    raise_alert,
    recipients_for,
    unread_count,
    visible_alerts,
)
from qc_portal.models import Alert, AuditEvent, Notification
from qc_portal.roles import Role
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def queue_alert(branch, key="queue:BJ001:2026-10-31", **kwargs):
    return raise_alert(
        kind="services.queue",
        key=key,
        title=_("Queue at %(branch)s is too long"),
        message=_("%(waiting)s customers are waiting"),
        params={"branch": branch.code, "waiting": 12},
        roles=[Role.BRANCH_MANAGER, Role.HEAD_OFFICE],
        branch=branch,
        link="/services/board/",
        **kwargs,
    )


def test_alert_is_raised_once_per_key(branch, branch_manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = queue_alert(branch)
        again, created_again = queue_alert(branch)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert Alert.objects.count() == 1
    assert Notification.objects.filter(user=branch_manager).count() == 1
    assert AuditEvent.objects.filter(action="alert.raised").count() == 1
    assert len(mail.outbox) == 1


def test_alert_text_is_stored_in_both_languages_with_params(branch, branch_manager):
    alert, _created = queue_alert(branch)
    assert alert.title_en == "Queue at BJ001 is too long"
    assert alert.message_en == "12 customers are waiting"
    # Without a Chinese translation for these test strings, the English text is kept.
    assert alert.title_zh == "Queue at BJ001 is too long"


def test_alert_goes_to_branch_roles_at_that_branch_and_to_bank_wide_roles(
    branch, branch_manager, other_branch_manager, head_office, service_agent, auditor
):
    alert, _created = queue_alert(branch)
    notified = set(
        Notification.objects.filter(alert=alert).values_list("user__username", flat=True)
    )
    assert notified == {"branch_manager", "head_office"}


def test_branch_role_elsewhere_is_not_notified_because_of_another_bank_wide_role(
    branch, other_branch
):
    """A manager at another branch who also trains staff is told nothing about this branch."""
    from django.contrib.auth.models import Group

    manager_elsewhere = make_staff(Role.BRANCH_MANAGER, branch=other_branch, username="both")
    manager_elsewhere.groups.add(Group.objects.get(name=Role.HR_TRAINER))
    users = recipients_for(roles=[Role.BRANCH_MANAGER], branch=branch, department=None)
    assert manager_elsewhere not in users


def test_alert_without_branch_goes_to_every_holder_of_the_role(
    branch_manager, other_branch_manager
):
    alert, _created = raise_alert(
        kind="kpis.missed", key="k1", title=_("Missed"), roles=[Role.BRANCH_MANAGER]
    )
    assert Notification.objects.filter(alert=alert).count() == 2


def test_department_narrows_branch_roles_but_not_bank_wide_roles(
    branch, service_agent, branch_manager, risk_manager
):
    users = recipients_for(
        roles=[Role.SERVICE_AGENT, Role.BRANCH_MANAGER, Role.RISK_MANAGER],
        branch=branch,
        department=service_agent.staff_profile.department,
    )
    assert {u.username for u in users} == {"service_agent", "risk_manager"}


def test_inactive_users_are_not_notified(branch, branch_manager):
    branch_manager.is_active = False
    branch_manager.save(update_fields=["is_active"])
    alert, _created = queue_alert(branch)
    assert not Notification.objects.filter(alert=alert).exists()


def test_alert_mail_is_sent_after_commit_only(
    branch, branch_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue_alert(branch)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert mail.outbox[0].to == []
    assert mail.outbox[0].bcc == ["branch_manager@bank.example"]  # addresses not shared
    assert "Queue at BJ001 is too long" in mail.outbox[0].subject
    assert mail.outbox[0].body.endswith("http://127.0.0.1:8000/services/board/")


def test_a_mail_server_failure_does_not_undo_the_alert(
    branch, branch_manager, django_capture_on_commit_callbacks, caplog
):
    from unittest import mock

    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("smtp down")):
        with django_capture_on_commit_callbacks(execute=True):
            alert, _created = queue_alert(branch)
    assert Alert.objects.filter(pk=alert.pk).exists()
    assert "e-mail to 1 recipients failed" in caplog.text


def test_unread_count_is_per_user(branch, branch_manager, other_branch_manager):
    queue_alert(branch)
    assert unread_count(branch_manager) == 1
    assert unread_count(other_branch_manager) == 0


def test_marking_read_clears_the_bell_but_not_the_alert(branch, branch_manager):
    alert, _created = queue_alert(branch)
    assert mark_alerts_read(branch_manager, [alert]) == 1
    assert unread_count(branch_manager) == 0
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


# --- handling ---


def test_recipient_acknowledges_then_closes_with_a_note(branch, branch_manager):
    alert, _created = queue_alert(branch)
    handle_alert(alert, status=Alert.Status.ACKNOWLEDGED, note="", actor=branch_manager)
    alert = handle_alert(
        alert, status=Alert.Status.CLOSED, note="  Opened a second counter. ", actor=branch_manager
    )
    assert (alert.status, alert.note, alert.handled_by) == (
        "closed",
        "Opened a second counter.",
        branch_manager,
    )
    assert unread_count(branch_manager) == 0
    events = AuditEvent.objects.filter(action="alert.handled", actor=branch_manager)
    assert [e.changes["after"]["status"] for e in events.order_by("id")] == [
        "acknowledged",
        "closed",
    ]


def test_closing_needs_a_note(branch, branch_manager):
    alert, _created = queue_alert(branch)
    with pytest.raises(ValidationError) as error:
        handle_alert(alert, status=Alert.Status.CLOSED, note="   ", actor=branch_manager)
    assert "note" in error.value.message_dict


@pytest.mark.parametrize("status", ["open", "deleted", ""])
def test_only_acknowledge_or_close(branch, branch_manager, status):
    alert, _created = queue_alert(branch)
    with pytest.raises(ValidationError) as error:
        handle_alert(alert, status=status, note="x", actor=branch_manager)
    assert "status" in error.value.message_dict


def test_a_closed_alert_stays_closed(branch, branch_manager):
    alert, _created = queue_alert(branch)
    handle_alert(alert, status=Alert.Status.CLOSED, note="done", actor=branch_manager)
    with pytest.raises(ValidationError):
        handle_alert(alert, status=Alert.Status.ACKNOWLEDGED, note="", actor=branch_manager)


def test_someone_not_notified_cannot_handle(branch, branch_manager, other_branch_manager, auditor):
    alert, _created = queue_alert(branch)
    for outsider in (other_branch_manager, auditor):
        with pytest.raises(PermissionDenied):
            handle_alert(alert, status=Alert.Status.CLOSED, note="x", actor=outsider)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


# --- who sees what ---


def test_visible_alerts_are_the_ones_sent_to_you(
    branch, other_branch, branch_manager, other_branch_manager
):
    mine, _created = queue_alert(branch)
    theirs, _created = queue_alert(other_branch, key="queue:SH001")
    assert list(visible_alerts(branch_manager)) == [mine]
    assert list(visible_alerts(other_branch_manager)) == [theirs]


def test_head_office_and_auditors_see_every_alert(branch, other_branch, head_office, auditor):
    queue_alert(branch)
    raise_alert(kind="x", key="not-for-them", title=_("Other"), roles=[Role.RISK_MANAGER])
    assert visible_alerts(head_office).count() == 2
    assert visible_alerts(auditor).count() == 2
