"""Working time on the mainland China calendar.

Working days come from the `chinese_calendar` package (the State Council's official holidays
and adjusted working weekends). It only knows the years it was released for; for any other
year we fall back to Monday–Friday, so an expected date can always be given (and becomes
exact once the package is upgraded with that year's notice).

A working day runs 09:00–17:00 Asia/Shanghai (8 working hours). A standard duration of
N working days is N × 8 working hours, so a step started on Friday at 10:00 with one working
day is due on the next working day at 10:00.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

HOURS_PER_DAY = 8
DAY_START = time(9, 0)
DAY_END = time(17, 0)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Outside the package's known years (e.g. 2027 before its release): Monday–Friday.
        return day.weekday() < 5


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=SHANGHAI)


def _normalise(moment: datetime) -> datetime:
    """The first working instant at or after `moment`."""
    local = moment.astimezone(SHANGHAI)
    day = local.date()
    if is_working_day(day):
        if local.time() < DAY_START:
            return _at(day, DAY_START)
        if local.time() < DAY_END:
            return local
    return _at(next_working_day(day), DAY_START)


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` working hours after `start` (aware datetime, in Asia/Shanghai)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    moment = _normalise(start)
    remaining = timedelta(hours=hours)
    while True:
        day_end = _at(moment.date(), DAY_END)
        available = day_end - moment
        if remaining <= available:
            return moment + remaining
        remaining -= available
        moment = _at(next_working_day(moment.date()), DAY_START)


def add_working_days(start: datetime, days: int) -> datetime:
    return add_working_hours(start, days * HOURS_PER_DAY)


def working_days_between(first: date, last: date) -> int:
    """Working days in [first, last]."""
    count, day = 0, first
    while day <= last:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count
