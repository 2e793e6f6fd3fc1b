"""When a client record falls due for disposal review, from its retention class.

Pure date arithmetic over what the record says: when the case closed, the date of birth (for a
birthday class), and the date of death. An open case is never due; nor is a record under a legal
hold (the sweep checks holds, this module does not).
"""

from __future__ import annotations

from datetime import date

from retention.models import RetentionClass, Trigger


def add_years(day: date, years: int) -> date:
    """The same date ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def due_on(
    retention_class: RetentionClass,
    *,
    closed_on: date | None,
    date_of_birth: date | None,
    deceased_on: date | None = None,
) -> date | None:
    """The day the record is due for disposal review, or None while it must be kept (the case
    is open, or a birthday class lacks the date of birth)."""
    if closed_on is None:
        return None
    if retention_class.trigger == Trigger.CASE_CLOSED:
        due = add_years(closed_on, retention_class.years)
    else:
        if date_of_birth is None:
            return None
        # Until that birthday, and never before the case closes.
        due = max(add_years(date_of_birth, retention_class.years), closed_on)
    if deceased_on is not None and retention_class.years_after_death is not None:
        due = min(due, add_years(deceased_on, retention_class.years_after_death))
    return due
