import random
from datetime import date, timedelta

import pytest
from django.utils import timezone

from qc_portal.demo import DemoContext, seed_organisation
from qc_portal.periods import Period
from services import demo, metrics, queries
from services.models import Channel, Feedback, Outcome, Roster, ServiceRecord
from tests.services.factories import at, make_feedback, make_record

pytestmark = pytest.mark.django_db


def test_demo_seeds_a_year_with_improvement_and_is_idempotent():
    context = DemoContext(seed=7, scale="small", rng=random.Random(7), now=timezone.now())
    seed_organisation(context)
    demo.seed(context)
    count = ServiceRecord.objects.count()
    assert count > 2000
    assert Feedback.objects.exists() and Roster.objects.exists()
    assert not ServiceRecord.objects.filter(arrived_at__gt=context.now).exists()
    start = Period.containing(context.programme_start)
    before, after = start.shift(-2), start.shift(5)
    wait_before = metrics.response_time_counter(before)[None].computed_value()
    wait_after = metrics.response_time_counter(after)[None].computed_value()
    assert wait_after < 0.85 * wait_before
    demo.seed(context)
    assert ServiceRecord.objects.count() == count


def test_agent_service_stats_is_one_grouped_query(
    branch, service_agent, other_service_agent, django_assert_num_queries
):
    first = make_record(branch, wait=10, handling=200, agent=service_agent)
    make_record(branch, wait=10, handling=400, agent=service_agent)
    make_record(branch, wait=10, handling=999, agent=service_agent, outcome=Outcome.TRANSFERRED)
    make_record(
        branch, wait=10, handling=100, agent=other_service_agent, arrived=at(2026, 9, 30, 23, 0)
    )
    make_feedback(first, 5)
    with django_assert_num_queries(1):
        stats = queries.agent_service_stats(
            [service_agent.pk, other_service_agent.pk], at(2026, 10, 1), at(2026, 11, 1)
        )
    assert stats == {service_agent.pk: {"mean_handling_seconds": 300.0, "csat": 1.0, "records": 2}}


def test_monthly_report_compares_with_standards(branch, service_agent):
    make_record(branch, wait=100, handling=300, agent=service_agent, service_type="card")
    make_record(branch, wait=100, handling=301, agent=service_agent, service_type="card")
    make_record(branch, channel=Channel.PHONE, wait=30, handling=100)
    make_record(branch, channel=Channel.PHONE, wait=31, handling=100)
    report = queries.monthly_report(branch, Period.parse("2026-10"))
    counter = next(c for c in report["channels"] if c["channel"] == "counter")
    phone = next(c for c in report["channels"] if c["channel"] == "phone")
    assert counter["handling_over"] == 1 and counter["mean_handling"] == 300.5
    assert phone["wait_over"] == 1 and phone["response_target"] == 30
    assert report["worst"][0]["service_type"] == "card"
    assert report["satisfaction"]["total"] == 0 and report["satisfaction"]["csat"] is None


def test_heatmap_and_forecast_use_shanghai_weekday_and_hour(branch):
    monday_nine = at(2026, 11, 2, 9, 30)  # a Monday, 01:30 UTC
    make_record(branch, arrived=monday_nine, wait=10, handling=10)
    make_record(branch, arrived=monday_nine - timedelta(weeks=1), wait=10, handling=10)
    heat = queries.arrivals_heatmap(branch, Channel.COUNTER, at(2026, 10, 1), at(2026, 12, 1))
    assert heat == {(1, 9): 2}
    assert queries.forecast(branch, Channel.COUNTER, before=date(2026, 11, 9), weeks=2) == {
        (1, 9): 1.0
    }


def test_live_queue_counts_only_todays_waiting(branch):
    now = at(2026, 10, 15, 11, 0)
    make_record(branch, arrived=now - timedelta(minutes=7), outcome="", ticket_number="001")
    make_record(branch, arrived=now - timedelta(minutes=3), outcome="", ticket_number="002")
    make_record(branch, arrived=now - timedelta(days=1), outcome="")
    make_record(branch, arrived=now - timedelta(minutes=30), wait=60, handling=240)
    live = queries.live_queue(branch, now=now)
    assert live["waiting_count"] == 2 and live["longest_wait_seconds"] == 420
    counter = live["channels"][0]
    assert counter["mean_handling"] == 240 and counter["handling_ok"] is True


def test_monthly_trend_buckets_by_shanghai_month(branch):
    make_record(branch, arrived=at(2026, 10, 31, 23, 30), wait=100, handling=300)
    make_record(branch, arrived=at(2026, 11, 1, 0, 30), wait=300, handling=100)
    rated = make_record(
        branch, channel=Channel.PHONE, arrived=at(2026, 11, 2, 9), wait=20, handling=60
    )
    make_feedback(rated, 5, rated=at(2026, 11, 2, 10))
    trend = queries.monthly_trend(branch, Period.parse("2026-11"), months=3)
    assert [row["period"] for row in trend] == ["2026-09", "2026-10", "2026-11"]
    assert trend[0]["contacts"] == 0 and trend[0]["counter_wait"] is None
    assert (trend[1]["counter_wait"], trend[1]["counter_handling"]) == (100, 300)
    assert (trend[2]["counter_wait"], trend[2]["phone_asa"], trend[2]["csat"]) == (300, 20, 1.0)


def test_report_no_show_rate_is_over_arrived_counter_tickets(branch):
    make_record(branch, wait=60, handling=100)
    make_record(branch, wait=60, outcome=Outcome.NO_SHOW)
    make_record(branch, outcome=Outcome.ABANDONED)
    make_record(branch, wait=60, handling=100)
    counter = queries.monthly_report(branch, Period.parse("2026-10"))["channels"][0]
    assert (counter["no_show_rate"], counter["abandon_rate"]) == (0.25, 0.25)
