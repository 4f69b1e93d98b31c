from datetime import timedelta

import pytest

from qc_portal.models import Alert, Notification
from services import actions, tasks
from services.models import Outcome, QueueThreshold, Roster
from tests.services.factories import at, make_record

pytestmark = pytest.mark.django_db
NOW = at(2026, 10, 15, 10, 20)


def queue(branch, count, *, oldest_minutes):
    for index in range(count):
        make_record(branch, arrived=NOW - timedelta(minutes=oldest_minutes - index), outcome="")


def test_queue_breach_alerts_the_branch_manager_once(branch, branch_manager, other_branch_manager):
    QueueThreshold.objects.create(branch=branch, max_wait_seconds=1200, max_queue_length=5)
    Roster.objects.create(branch=branch, channel="counter", date=NOW.date(), hour=10, staff_count=1)
    for minutes in range(0, 50, 5):  # served earlier this hour: ~10 arrivals per hour, 300 s each
        make_record(branch, arrived=NOW - timedelta(minutes=minutes + 1), wait=30, handling=300)
    queue(branch, 6, oldest_minutes=10)
    first = actions.flag_queue_breaches(now=NOW)
    second = actions.flag_queue_breaches(now=NOW + timedelta(minutes=5))
    assert len(first) == 1 and second == []
    alert = Alert.objects.get(kind="services.queue_breach")
    assert alert.branch == branch
    assert alert.evidence["waiting"] == 6
    assert alert.evidence["extra_staff"] >= 1
    assert alert.evidence["on_duty"] == 1
    assert alert.evidence["extra_staff"] == alert.evidence["agents_needed"] - 1
    assert list(
        Notification.objects.filter(alert=alert).values_list("user__username", flat=True)
    ) == ["branch_manager"]


def test_long_wait_alone_is_a_breach_and_a_new_hour_is_a_new_breach(branch, branch_manager):
    queue(branch, 1, oldest_minutes=16)  # default threshold 900 s
    assert len(actions.flag_queue_breaches(now=NOW)) == 1
    assert len(actions.flag_queue_breaches(now=NOW + timedelta(hours=1))) == 1
    assert Alert.objects.filter(kind="services.queue_breach").count() == 2


def test_queue_at_exactly_the_thresholds_is_not_a_breach(branch, branch_manager):
    QueueThreshold.objects.create(branch=branch, max_wait_seconds=600, max_queue_length=3)
    queue(branch, 3, oldest_minutes=10)  # 3 waiting, oldest exactly 600 s
    assert actions.flag_queue_breaches(now=NOW) == []
    make_record(branch, arrived=NOW, outcome="")
    assert len(actions.flag_queue_breaches(now=NOW)) == 1


def test_yesterdays_leftovers_and_closed_tickets_do_not_count(branch, branch_manager):
    make_record(branch, arrived=NOW - timedelta(days=1), outcome="")
    make_record(branch, arrived=NOW - timedelta(hours=2), outcome=Outcome.ABANDONED)
    queue(branch, 2, oldest_minutes=5)
    assert actions.flag_queue_breaches(now=NOW) == []


def test_task_runs_the_check(branch, branch_manager):
    assert tasks.flag_queue_breaches.delay().get() == 0


def test_alert_is_stored_in_both_languages(branch, branch_manager):
    queue(branch, 1, oldest_minutes=20)
    alert = actions.flag_queue_breaches(now=NOW)[0]
    assert "Queue too long" in alert.title_en and branch.name_en in alert.title_en
    assert "排队过长" in alert.title_zh  # compiled catalogue (make messages)
    assert alert.link == f"/services/board/?branch={branch.code}"
