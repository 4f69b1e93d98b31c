"""Races that only a real database shows (PostgreSQL: row locks)."""

import threading

import pytest
from django.core import mail
from django.db import connection

from tests.factories import make_customer_user, make_staff
from transparency import actions
from transparency.models import CaseStep, Outbox

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _in_threads(function, count=2):
    barrier = threading.Barrier(count)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(function())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_workers_deliver_one_notification_once(branch):
    user, customer = make_customer_user(branch=branch, username="racer")
    officer = make_staff("relationship_manager", branch=branch, username="officer")
    case, _code = actions.open_case(
        customer, business_type="mortgage", branch=branch, actor=officer
    )
    row = Outbox.objects.filter(case=case, kind=Outbox.Kind.EMAIL).first()
    Outbox.objects.filter(pk=row.pk).update(status=Outbox.Status.PENDING, sent_at=None)
    mail.outbox = []
    _in_threads(lambda: actions.deliver_outbox(row.pk))
    assert len(mail.outbox) == 1


def test_two_simultaneous_advances_leave_one_running_step(branch):
    _user, customer = make_customer_user(branch=branch, username="racer2")
    officer = make_staff("relationship_manager", branch=branch, username="officer2")
    case, _code = actions.open_case(
        customer, business_type="mortgage", branch=branch, actor=officer
    )
    _in_threads(lambda: actions.advance_case(case, actor=officer))
    assert CaseStep.objects.filter(case=case, outcome="running").count() == 1
    assert CaseStep.objects.filter(case=case, outcome="done").count() == 2
