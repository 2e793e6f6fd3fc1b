"""The one-month clock of subject access and the other data-subject rights (UK GDPR Article 12(3),
Article 12A as inserted by the Data (Use and Access) Act 2025).

The month is calendar: the same date next month, or that month's last day when the date does not
exist (31 January gives 28 or 29 February). A complex request may be extended by up to two further
months, counted from receipt. While the organisation waits for identity evidence or clarification
the clock stops, and the days it stood still are added back. A due date on a weekend or a UK bank
holiday moves to the next working day.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache

import holidays
from django.conf import settings

MAX_EXTENSION_MONTHS = 2


def add_months(day: date, months: int) -> date:
    """The same date ``months`` later, or the last day of that month when it has no such date."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@cache
def _bank_holidays(subdivision: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=subdivision, years=[year, year + 1])


def is_working_day(day: date, *, subdivision: str | None = None) -> bool:
    region = subdivision or settings.BANK_HOLIDAY_REGION
    return day.weekday() < 5 and day not in _bank_holidays(region, day.year)


def next_working_day(day: date, *, subdivision: str | None = None) -> date:
    while not is_working_day(day, subdivision=subdivision):
        day += timedelta(days=1)
    return day


def stopped_days(pauses: Iterable[tuple[date, date | None]]) -> int | None:
    """Days the clock stood still; None while it is stopped now (a pause with no end)."""
    total = 0
    for started, ended in pauses:
        if ended is None:
            return None
        total += max((ended - started).days, 0)
    return total


def due_date(
    received_on: date,
    *,
    extension_months: int = 0,
    pauses: Iterable[tuple[date, date | None]] = (),
    subdivision: str | None = None,
) -> date | None:
    """When the answer is due; None while the clock is stopped."""
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise ValueError("A request can be extended by up to two further months")
    stopped = stopped_days(pauses)
    if stopped is None:
        return None
    due = add_months(received_on, 1 + extension_months) + timedelta(days=stopped)
    return next_working_day(due, subdivision=subdivision)


def tell_extension_by(received_on: date, pauses: Iterable[tuple[date, date | None]] = ()) -> date:
    """An extension must be told to the requester within the first month (plus stopped days)."""
    return due_date(received_on, pauses=[(a, b or a) for a, b in pauses]) or received_on
