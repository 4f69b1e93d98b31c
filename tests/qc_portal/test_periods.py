from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from qc_portal.periods import MONTH, QUARTER, Period, bank_tz


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
