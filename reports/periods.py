"""The periods the statistics are asked for: a calendar month, a quarter or a year of the UK
financial year (April to March, as NHS and local-authority funders count), or dates given."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.utils import formats

DATES = "dates"
_QUARTER_MONTHS = {1: 4, 2: 7, 3: 10, 4: 1}  # the first month of each financial quarter


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str

    @property
    def slug(self) -> str:
        return f"{self.start.isoformat()}-to-{self.end.isoformat()}"


def _long(day: date) -> str:
    return formats.date_format(day, "j F Y")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def financial_year_of(day: date) -> int:
    """The financial year a day falls in, by the year it starts: 1 April 2026 is in 2026-27."""
    return day.year if day.month >= 4 else day.year - 1


def month(year: int, month: int) -> Period:
    start = date(year, month, 1)
    return Period(start, _month_end(year, month), formats.date_format(start, "F Y"))


def quarter(year: int, number: int) -> Period:
    """Quarter ``number`` (1 to 4) of the financial year that starts in April of ``year``."""
    first = _QUARTER_MONTHS[number]
    calendar_year = year if number < 4 else year + 1
    start = date(calendar_year, first, 1)
    end = _month_end(calendar_year, first + 2)
    months = f"{formats.date_format(start, 'F')} to {formats.date_format(end, 'F Y')}"
    return Period(start, end, f"Quarter {number} of {year}-{(year + 1) % 100:02d}: {months}")


def financial_year(year: int) -> Period:
    return Period(
        date(year, 4, 1),
        date(year + 1, 3, 31),
        f"Financial year {year}-{(year + 1) % 100:02d}: April {year} to March {year + 1}",
    )


def between(start: date, end: date) -> Period:
    return Period(start, end, f"{_long(start)} to {_long(end)}")


def _quarter_of(day: date) -> tuple[int, int]:
    year = financial_year_of(day)
    return year, (day.month - 4) % 12 // 3 + 1


def _previous_quarter(year: int, number: int) -> tuple[int, int]:
    return (year, number - 1) if number > 1 else (year - 1, 4)


def choices(today: date) -> list[tuple[str, str]]:
    """The periods offered: the last eight quarters, the last 24 months, the last five financial
    years (each including the one running now), then dates given."""
    options: list[tuple[str, str]] = []
    year, number = _quarter_of(today)
    for _ in range(8):
        options.append((f"q{year}-{number}", quarter(year, number).label))
        year, number = _previous_quarter(year, number)
    calendar_year, month_number = today.year, today.month
    for _ in range(24):
        options.append(
            (f"m{calendar_year}-{month_number:02d}", month(calendar_year, month_number).label)
        )
        calendar_year, month_number = (
            (calendar_year, month_number - 1) if month_number > 1 else (calendar_year - 1, 12)
        )
    first = financial_year_of(today)
    options += [(f"fy{y}", financial_year(y).label) for y in range(first, first - 5, -1)]
    options.append((DATES, "Dates I give below"))
    return options


def default_choice(today: date) -> str:
    """The last quarter to have ended: what a funder usually asks for."""
    year, number = _previous_quarter(*_quarter_of(today))
    return f"q{year}-{number}"


def parse(value: str) -> Period | None:
    """The period a choice names; None for dates given, or anything unrecognised."""
    if found := re.fullmatch(r"q(\d{4})-([1-4])", value):
        return quarter(int(found[1]), int(found[2]))
    if (found := re.fullmatch(r"m(\d{4})-(\d{2})", value)) and 1 <= int(found[2]) <= 12:
        return month(int(found[1]), int(found[2]))
    if found := re.fullmatch(r"fy(\d{4})", value):
        return financial_year(int(found[1]))
    return None
