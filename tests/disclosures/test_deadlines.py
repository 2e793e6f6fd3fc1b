"""The one-month clock of subject access and the other rights: month ends, leap years, weekends
and bank holidays, extensions, and a clock stopped while waiting for identity or clarification."""

from __future__ import annotations

from datetime import date

import pytest

from disclosures.deadlines import add_months, due_date, next_working_day, tell_extension_by


@pytest.mark.parametrize(
    ("received", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # a leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),  # across the year end
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
    ],
)
def test_a_calendar_month_is_the_same_date_or_the_last_day_of_the_month(
    received: date, months: int, expected: date
) -> None:
    assert add_months(received, months) == expected


def test_a_due_date_on_a_weekend_moves_to_the_monday() -> None:
    # 31 January 2026 gives Saturday 28 February, so Monday 2 March.
    assert due_date(date(2026, 1, 31)) == date(2026, 3, 2)
    # 31 January 2028 gives Tuesday 29 February: a working day, it stays.
    assert due_date(date(2028, 1, 31)) == date(2028, 2, 29)


def test_a_due_date_on_bank_holidays_moves_past_all_of_them() -> None:
    # 25 December 2026 is a Friday; Boxing Day falls on Saturday, so its substitute is Monday 28.
    assert due_date(date(2026, 11, 25)) == date(2026, 12, 29)


def test_bank_holidays_follow_the_configured_nation(settings) -> None:
    # Easter Monday (6 April 2026) is a bank holiday in England, not in Scotland.
    assert due_date(date(2026, 3, 6)) == date(2026, 4, 7)
    settings.BANK_HOLIDAY_REGION = "SCT"
    assert due_date(date(2026, 3, 6)) == date(2026, 4, 6)


def test_an_extension_adds_up_to_two_months_from_receipt() -> None:
    assert due_date(date(2026, 1, 31), extension_months=1) == date(2026, 3, 31)
    assert due_date(date(2026, 1, 31), extension_months=2) == date(2026, 4, 30)
    assert due_date(date(2027, 11, 30), extension_months=2) == date(2028, 2, 29)
    with pytest.raises(ValueError, match="two further months"):
        due_date(date(2026, 1, 31), extension_months=3)


def test_the_requester_must_hear_of_an_extension_within_the_first_month() -> None:
    assert tell_extension_by(date(2026, 1, 31)) == date(2026, 3, 2)


def test_a_stopped_clock_has_no_due_date_and_adds_its_days_back_when_it_restarts() -> None:
    received = date(2026, 3, 2)
    assert due_date(received) == date(2026, 4, 2)
    waiting = [(date(2026, 3, 5), None)]
    assert due_date(received, pauses=waiting) is None
    restarted = [(date(2026, 3, 5), date(2026, 3, 12))]  # 7 days waiting for identity evidence
    assert due_date(received, pauses=restarted) == date(2026, 4, 9)
    twice = [*restarted, (date(2026, 3, 20), date(2026, 3, 23))]  # and 3 for clarification
    # 2 April + 10 days = Sunday 12 April: Monday 13 April.
    assert due_date(received, pauses=twice) == date(2026, 4, 13)


def test_a_stopped_clock_and_an_extension_combine() -> None:
    # 30 November 2027 + 3 months = 29 February 2028 (leap year), + 2 stopped days = 2 March.
    pauses = [(date(2027, 12, 1), date(2027, 12, 3))]
    assert due_date(date(2027, 11, 30), extension_months=2, pauses=pauses) == date(2028, 3, 2)


def test_next_working_day_leaves_a_working_day_alone() -> None:
    assert next_working_day(date(2026, 6, 10)) == date(2026, 6, 10)
