from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from transparency import actions, tasks
from transparency.models import Outbox
from transparency.sms import FileSmsBackend, LocmemSmsBackend


def test_customer_is_told_by_mail_and_sms_in_their_language(
    customer, branch, relationship_manager, django_capture_on_commit_callbacks
):
    record = customer.customer
    record.preferred_language = "en"
    record.save()
    with django_capture_on_commit_callbacks(execute=True):
        case, _code = actions.open_case(
            record, business_type="mortgage", branch=branch, actor=relationship_manager
        )
    with django_capture_on_commit_callbacks(execute=True):
        actions.advance_case(case, actor=relationship_manager)
    assert len(mail.outbox) == 2
    assert "Initial review" in mail.outbox[-1].body and case.reference in mail.outbox[-1].subject
    assert len(LocmemSmsBackend.outbox) == 2
    assert not Outbox.objects.exclude(status=Outbox.Status.SENT).exists()


def test_chinese_is_the_default_language(
    open_case, relationship_manager, django_capture_on_commit_callbacks
):
    case, _code = open_case
    with django_capture_on_commit_callbacks(execute=True):
        actions.advance_case(case, actor=relationship_manager)
    assert "初审" in mail.outbox[-1].body


def test_broker_outage_keeps_the_row_pending_and_the_sweeper_delivers_it(
    open_case, relationship_manager, monkeypatch, django_capture_on_commit_callbacks
):
    case, _code = open_case

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_notification, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        actions.advance_case(case, actor=relationship_manager)
    pending = Outbox.objects.filter(case=case, status=Outbox.Status.PENDING)
    assert pending.count() == 4  # opening and advance, e-mail and SMS each
    assert mail.outbox == []
    monkeypatch.undo()  # the broker is back; beat runs the sweeper
    assert actions.sweep_outbox(now=timezone.now()) == 0  # not due yet: the task may still come
    assert tasks.sweep_outbox.apply().get() == 0
    assert actions.sweep_outbox(now=timezone.now() + timedelta(minutes=3)) == 4
    assert len(mail.outbox) == 2 and len(LocmemSmsBackend.outbox) == 2
    assert not pending.exists()
    # Sweeping again sends nothing twice.
    assert actions.sweep_outbox(now=timezone.now() + timedelta(hours=1)) == 0
    assert len(mail.outbox) == 2


def test_failed_delivery_backs_off_then_gives_up(open_case, monkeypatch):
    case, _code = open_case
    row = Outbox.objects.filter(case=case, kind=Outbox.Kind.SMS).get()

    def gateway_down(self, phone, text):
        raise ConnectionError("gateway down")

    monkeypatch.setattr(LocmemSmsBackend, "send", gateway_down)
    assert actions.deliver_outbox(row.pk) is False
    row.refresh_from_db()
    assert row.status == Outbox.Status.PENDING and row.attempts == 1
    assert row.next_attempt_at > timezone.now() + timedelta(minutes=1)
    for _ in range(actions.MAX_DELIVERY_ATTEMPTS - 1):
        actions.deliver_outbox(row.pk)
    row.refresh_from_db()
    assert row.status == Outbox.Status.FAILED and "gateway down" in row.last_error
    from qc_portal.models import Alert

    alert = Alert.objects.get(kind="transparency.notification_failed")
    assert alert.branch == case.branch and case.reference in alert.title_en


def test_a_sent_row_is_not_sent_again(open_case):
    case, _code = open_case
    row = Outbox.objects.filter(case=case, kind=Outbox.Kind.EMAIL).get()
    assert actions.deliver_outbox(row.pk) and actions.deliver_outbox(row.pk)
    assert len(mail.outbox) == 1


def test_file_sms_backend_appends_lines(tmp_path):
    backend = FileSmsBackend(tmp_path / "sms.log")
    backend.send("13800000000", "您的申请已受理")
    backend.send("13900000000", "second")
    lines = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and lines[0].endswith("13800000000\t您的申请已受理")


@pytest.mark.django_db
def test_sms_backend_is_chosen_by_setting(settings):
    from transparency import sms

    settings.QC_SMS_BACKEND = "transparency.sms.ConsoleSmsBackend"
    assert isinstance(sms.get_backend(), sms.ConsoleSmsBackend)
