"""Stage turnaround standards in mainland working days, and the escalation sweep."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from credit import actions
from credit.calendar import add_working_days, is_working_day, working_days_between
from credit.models import Application
from credit.tasks import escalate_overdue_applications
from qc_portal.models import Alert, Notification

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_national_day_holidays_are_not_working_days():
    assert add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 9)
    assert is_working_day(date(2026, 10, 10))  # the adjusted Saturday working day
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2


def test_beyond_the_calendar_s_years_monday_to_friday_counts():
    assert add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 4)
    assert not is_working_day(date(2027, 1, 2))


def _enter(application, when):
    Application.objects.filter(pk=application.pk).update(stage_entered_at=when)
    application.refresh_from_db()


def test_an_application_is_escalated_once_when_overdue(application, risk_manager):
    _enter(application, datetime(2026, 9, 30, 10, tzinfo=SHANGHAI))
    assert actions.stage_due_on(application) == date(2026, 10, 9)
    assert (
        actions.escalate_overdue_applications(now=datetime(2026, 10, 9, 18, tzinfo=SHANGHAI)) == 0
    )
    assert (
        actions.escalate_overdue_applications(now=datetime(2026, 10, 10, 9, tzinfo=SHANGHAI)) == 1
    )
    assert (
        actions.escalate_overdue_applications(now=datetime(2026, 10, 12, 9, tzinfo=SHANGHAI)) == 0
    )
    alert = Alert.objects.get(kind="credit.stage_overdue")
    assert application.reference in alert.title_en
    assert alert.evidence["due_on"] == "2026-10-09"
    assert Notification.objects.filter(alert=alert, user=risk_manager).exists()


def test_the_next_stage_is_escalated_separately(application, risk_initial, risk_manager):
    _enter(application, datetime(2026, 9, 1, 10, tzinfo=SHANGHAI))
    actions.escalate_overdue_applications(now=datetime(2026, 9, 20, tzinfo=SHANGHAI))
    actions.decide_stage(
        application, stage="initial_review", decision="approve", reason="ok", actor=risk_initial
    )
    _enter(application, datetime(2026, 9, 1, 10, tzinfo=SHANGHAI))
    assert actions.escalate_overdue_applications(now=datetime(2026, 9, 20, tzinfo=SHANGHAI)) == 1
    assert Alert.objects.filter(kind="credit.stage_overdue").count() == 2


def test_returned_and_closed_applications_are_not_swept(application, risk_initial):
    actions.decide_stage(
        application, stage="initial_review", decision="return", reason="docs", actor=risk_initial
    )
    _enter(application, datetime(2026, 9, 1, 10, tzinfo=SHANGHAI))
    assert actions.escalate_overdue_applications(now=datetime(2026, 9, 20, tzinfo=SHANGHAI)) == 0


def test_standards_are_configurable(application, settings):
    settings.QC_CREDIT_STAGE_STANDARD_DAYS = {"initial_review": 5}
    _enter(application, datetime(2026, 9, 30, 10, tzinfo=SHANGHAI))
    assert actions.stage_due_on(application) == date(
        2026, 10, 13
    )  # 8, 9, 10 (Sat, adjusted), 12, 13


def test_the_sweep_is_a_celery_task_on_the_beat_schedule(application, settings):
    from django.conf import settings as django_settings

    entries = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "credit.escalate_overdue_applications" in entries
    _enter(application, datetime(2020, 1, 2, 10, tzinfo=SHANGHAI))
    assert escalate_overdue_applications.delay().get() == 1
