from datetime import timedelta

import pytest

from kpis.registry import BANK, definitions, discover
from qc_portal.periods import Period
from services import metrics
from services.models import Channel, Outcome
from tests.services.factories import at, make_feedback, make_record

pytestmark = pytest.mark.django_db
OCTOBER = Period.parse("2026-10")


def test_all_seven_kpis_are_registered():
    discover()
    codes = {code for code in definitions() if code.startswith("services.")}
    assert codes == {
        "services.response_time.counter",
        "services.response_time.phone",
        "services.response_time.online",
        "services.counter_handling_time",
        "services.csat",
        "services.bot_containment",
        "services.abandon_rate",
    }


def test_counter_handling_exactly_300_seconds(branch, other_branch):
    make_record(branch, wait=60, handling=300)
    make_record(branch, wait=60, handling=300)
    make_record(branch, wait=60, handling=900, outcome=Outcome.TRANSFERRED)  # not "served"
    make_record(other_branch, wait=60, handling=200)
    result = metrics.counter_handling_time(OCTOBER)
    assert result[branch.pk].computed_value() == 300.0
    assert result[branch.pk].observations == 2
    assert result[other_branch.pk].computed_value() == 200.0
    assert result[BANK].numerator == 800 and result[BANK].denominator == 3


def test_phone_asa_exactly_30_seconds_over_answered_calls(branch):
    make_record(branch, channel=Channel.PHONE, wait=20, handling=100)
    make_record(branch, channel=Channel.PHONE, wait=40, handling=100)
    make_record(branch, channel=Channel.PHONE, wait=None, outcome=Outcome.ABANDONED)
    result = metrics.response_time_phone(OCTOBER)
    assert result[branch.pk].computed_value() == 30.0
    assert result[BANK].observations == 2


def test_counter_wait_counts_no_shows_that_were_called(branch):
    make_record(branch, wait=100, handling=100)
    make_record(branch, wait=300, handling=0, outcome=Outcome.NO_SHOW)
    make_record(branch, wait=None, outcome=Outcome.ABANDONED)
    make_record(branch, channel=Channel.ONLINE, wait=50, handling=10)
    assert metrics.response_time_counter(OCTOBER)[branch.pk].computed_value() == 200.0
    assert metrics.response_time_online(OCTOBER)[branch.pk].computed_value() == 50.0


def test_month_edge_in_shanghai_time(branch):
    make_record(branch, arrived=at(2026, 10, 31, 23, 59, 59), wait=100, handling=100)
    make_record(
        branch, arrived=at(2026, 11, 1, 0, 0, 0), wait=500, handling=500
    )  # = 31 Oct 16:00 UTC
    make_record(branch, arrived=at(2026, 10, 1, 0, 0, 0), wait=200, handling=200)
    make_record(branch, arrived=at(2026, 9, 30, 23, 59, 59), wait=900, handling=900)
    october = metrics.response_time_counter(OCTOBER)[branch.pk]
    assert (october.numerator, october.denominator) == (300, 2)
    november = metrics.response_time_counter(Period.parse("2026-11"))[branch.pk]
    assert (november.numerator, november.denominator) == (500, 1)


def test_empty_month_gives_no_observations():
    for compute in (
        metrics.response_time_counter,
        metrics.counter_handling_time,
        metrics.csat,
        metrics.bot_containment,
        metrics.abandon_rate,
        metrics.response_time_phone,
    ):
        result = compute(OCTOBER)
        assert list(result) == [BANK]
        assert result[BANK].observations == 0 and result[BANK].computed_value() is None


def test_csat_is_top_two_box_by_rating_month(branch, other_branch):
    records = [make_record(branch, wait=10, handling=10) for _ in range(4)]
    for record, rating in zip(records, (5, 4, 3, 1), strict=True):
        make_feedback(record, rating, rated=at(2026, 10, 20, 9, 0))
    late = make_record(other_branch, wait=10, handling=10)
    make_feedback(late, 5, rated=at(2026, 11, 1, 0, 0))
    result = metrics.csat(OCTOBER)
    assert (result[branch.pk].numerator, result[branch.pk].denominator) == (2, 4)
    assert other_branch.pk not in result
    assert result[BANK].computed_value() == 0.5


def test_bot_containment_and_abandon_rate(branch):
    make_record(branch, channel=Channel.CHATBOT, outcome=Outcome.RESOLVED_BY_ASSISTANT)
    make_record(branch, channel=Channel.CHATBOT, outcome=Outcome.RESOLVED_BY_ASSISTANT)
    make_record(branch, channel=Channel.CHATBOT, outcome=Outcome.TRANSFERRED)
    make_record(branch, channel=Channel.CHATBOT, outcome="")  # still open: not counted
    bot = metrics.bot_containment(OCTOBER)[branch.pk]
    assert (bot.numerator, bot.denominator) == (2, 3)
    make_record(branch, wait=10, handling=10)
    make_record(branch, channel=Channel.PHONE, wait=10, handling=10)
    make_record(branch, channel=Channel.PHONE, outcome=Outcome.ABANDONED)
    make_record(
        branch, outcome=Outcome.ABANDONED, arrived=at(2026, 10, 2, 9, 0) - timedelta(days=5)
    )
    rate = metrics.abandon_rate(OCTOBER)[branch.pk]
    assert (rate.numerator, rate.denominator) == (1, 3)


def test_each_kpi_is_one_query(branch, other_branch, django_assert_num_queries):
    make_record(branch, wait=10, handling=10)
    make_record(other_branch, wait=10, handling=10)
    for compute in (metrics.response_time_counter, metrics.csat, metrics.abandon_rate):
        with django_assert_num_queries(1):
            compute(OCTOBER)
