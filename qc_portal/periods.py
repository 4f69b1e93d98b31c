"""Months and quarters in the bank's time zone: the one definition of a reporting period.

A period is half-open, [start, end), with aware datetimes at local midnight, so a record at
23:59:59 on the last evening of October in Shanghai (15:59 UTC) belongs to October.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONTH = "month"
QUARTER = "quarter"
KINDS = (MONTH, QUARTER)

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)


def bank_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True, order=True)
class Period:
    year: int
    index: int  # month 1–12 or quarter 1–4
    kind: str = MONTH

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if not 1 <= self.index <= (12 if self.kind == MONTH else 4):
            raise ValueError(f"{self.kind} index out of range: {self.index}")
        if not 1900 <= self.year <= 9998:
            raise ValueError(f"year out of range: {self.year}")

    # --- construction ---
    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse `2026-10` or `2026-Q4`; raise ValidationError saying what is wrong."""
        value = (text or "").strip()
        if match := _MONTH_RE.match(value):
            year, month = int(match[1]), int(match[2])
            if not 1 <= month <= 12:
                raise ValidationError(
                    _("The month must be between 01 and 12: %(value)s"), params={"value": value}
                )
            kind, index = MONTH, month
        elif match := _QUARTER_RE.match(value):
            year, kind, index = int(match[1]), QUARTER, int(match[2])
        else:
            raise ValidationError(
                _("Write a period as YYYY-MM (month) or YYYY-Qn (quarter); got: %(value)s"),
                params={"value": value[:40]},
            )
        if not 1900 <= year <= 9998:
            raise ValidationError(_("Year out of range: %(value)s"), params={"value": value})
        return cls(year, index, kind)

    @classmethod
    def containing(cls, moment: datetime | date, kind: str = MONTH) -> Period:
        if isinstance(moment, datetime):
            if timezone.is_naive(moment):
                raise ValueError("naive datetime: periods need aware datetimes")
            moment = moment.astimezone(bank_tz()).date()
        if kind == MONTH:
            return cls(moment.year, moment.month, MONTH)
        return cls(moment.year, (moment.month - 1) // 3 + 1, QUARTER)

    @classmethod
    def current(cls, kind: str = MONTH) -> Period:
        return cls.containing(timezone.now(), kind)

    # --- boundaries ---
    @property
    def first_month(self) -> int:
        return self.index if self.kind == MONTH else (self.index - 1) * 3 + 1

    @property
    def start_date(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end_date(self) -> date:
        """The first day *after* the period (exclusive end)."""
        return self.next().start_date

    @property
    def last_date(self) -> date:
        return date.fromordinal(self.end_date.toordinal() - 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.start_date, datetime.min.time(), tzinfo=bank_tz())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.end_date, datetime.min.time(), tzinfo=bank_tz())

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    # --- navigation ---
    def next(self) -> Period:
        last = 12 if self.kind == MONTH else 4
        if self.index == last:
            return Period(self.year + 1, 1, self.kind)
        return Period(self.year, self.index + 1, self.kind)

    def previous(self) -> Period:
        last = 12 if self.kind == MONTH else 4
        if self.index == 1:
            return Period(self.year - 1, last, self.kind)
        return Period(self.year, self.index - 1, self.kind)

    def shift(self, steps: int) -> Period:
        per_year = 12 if self.kind == MONTH else 4
        position = self.year * per_year + (self.index - 1) + steps
        return Period(position // per_year, position % per_year + 1, self.kind)

    def months(self) -> list[Period]:
        if self.kind == MONTH:
            return [self]
        return [Period(self.year, self.first_month + i, MONTH) for i in range(3)]

    def quarter(self) -> Period:
        return Period.containing(self.start_date, QUARTER)

    def is_running(self, now: datetime | None = None) -> bool:
        """True while the period has not ended: its results are provisional."""
        return (now or timezone.now()) < self.end

    def __str__(self) -> str:
        if self.kind == MONTH:
            return f"{self.year}-{self.index:02d}"
        return f"{self.year}-Q{self.index}"


def period_range(first: Period, last: Period) -> list[Period]:
    if first.kind != last.kind:
        raise ValueError("a range needs two periods of the same kind")
    periods, period = [], first
    while period <= last:
        periods.append(period)
        period = period.next()
    return periods
