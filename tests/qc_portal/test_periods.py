from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from qc_portal.periods import MONTH, QUARTER, Period, bank_tz, period_range


def test_parse_month_and_quarter():
    assert Period.parse("2026-10") == Period(2026, 10, MONTH)
    assert Period.parse("2026-Q4") == Period(2026, 4, QUARTER)
    assert str(Period.parse("2026-q1")) == "2026-Q1"


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026-Q5", "26-10", "", "2026/10", "2026-Q0", "abc"]
)
def test_parse_rejects_bad_text_with_a_reason(text):
    with pytest.raises(ValidationError) as error:
        Period.parse(text)
    assert error.value.messages[0]


def test_month_boundaries_are_local_midnight_half_open():
    october = Period.parse("2026-10")
    assert october.start == datetime(2026, 10, 1, tzinfo=bank_tz())
    assert october.end == datetime(2026, 11, 1, tzinfo=bank_tz())
    assert october.start.astimezone(UTC) == datetime(2026, 9, 30, 16, tzinfo=UTC)


def test_last_evening_of_month_in_shanghai_belongs_to_that_month_though_utc_says_otherwise():
    # 23:59 on 31 October in Shanghai is 15:59 UTC the same day; 00:30 on 1 November in
    # Shanghai is still 31 October in UTC and must count for November.
    late = datetime(2026, 10, 31, 23, 59, tzinfo=bank_tz())
    early_utc = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    assert Period.containing(late) == Period(2026, 10)
    assert Period.containing(early_utc) == Period(2026, 11)
    assert not Period(2026, 10).contains(early_utc)


def test_q4_next_is_next_years_q1_and_back():
    assert Period.parse("2026-Q4").next() == Period(2027, 1, QUARTER)
    assert Period.parse("2027-Q1").previous() == Period(2026, 4, QUARTER)
    assert Period.parse("2026-12").next() == Period(2027, 1, MONTH)


def test_quarter_contains_its_three_months():
    assert [str(m) for m in Period.parse("2026-Q3").months()] == ["2026-07", "2026-08", "2026-09"]
    assert Period.parse("2026-08").quarter() == Period(2026, 3, QUARTER)


def test_containing_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        Period.containing(datetime(2026, 1, 1))


@given(st.integers(1901, 9000), st.integers(1, 12))
def test_month_next_previous_roundtrip(year, month):
    period = Period(year, month)
    assert period.next().previous() == period
    assert period.end == period.next().start
    assert Period.parse(str(period)) == period


@given(
    st.integers(1950, 9000),
    st.integers(1, 12),
    st.integers(-40, 40),
    st.sampled_from([MONTH, QUARTER]),
)
def test_shift_is_that_many_steps(year, index, steps, kind):
    period = Period(year, min(index, 4) if kind == QUARTER else index, kind)
    walked = period
    for _step in range(abs(steps)):
        walked = walked.next() if steps > 0 else walked.previous()
    assert period.shift(steps) == walked


def test_shift_crosses_years():
    assert Period.parse("2026-Q1").shift(-1) == Period.parse("2025-Q4")
    assert Period.parse("2026-11").shift(14) == Period.parse("2028-01")
    assert Period.parse("2026-11").shift(0) == Period.parse("2026-11")


def test_period_range_includes_both_ends():
    assert [str(p) for p in period_range(Period.parse("2026-Q4"), Period.parse("2027-Q2"))] == [
        "2026-Q4",
        "2027-Q1",
        "2027-Q2",
    ]
    assert period_range(Period.parse("2026-05"), Period.parse("2026-04")) == []
    with pytest.raises(ValueError):
        period_range(Period.parse("2026-05"), Period.parse("2026-Q2"))


def test_last_date_and_is_running():
    february = Period.parse("2028-02")
    assert february.last_date == date(2028, 2, 29)
    assert february.is_running(february.end - timedelta(microseconds=1))
    assert not february.is_running(february.end)
