"""The retention schedule as data: the default class and its neighbours, when a record falls due
for disposal review under each, and the classes kept in Django admin (audited, never deleted)."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, transaction
from django.test import Client as Browser

from retention.models import RetentionClass, Trigger
from retention.schedule import add_years, due_on
from tests.conftest import sign_in_fully
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def _class(
    years: int, *, trigger: str = Trigger.CASE_CLOSED, after_death: int | None = None
) -> RetentionClass:
    return RetentionClass(name="x", trigger=trigger, years=years, years_after_death=after_death)


def test_the_default_class_keeps_records_8_years_after_the_case_closes() -> None:
    default = RetentionClass.objects.get(is_default=True)
    assert (default.trigger, default.years) == (Trigger.CASE_CLOSED, 8)
    assert due_on(default, closed_on=D(2020, 3, 1), date_of_birth=None) == D(2028, 3, 1)
    assert due_on(default, closed_on=None, date_of_birth=D(1990, 1, 1)) is None  # still open
    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionClass.objects.create(
            name="Another default", trigger=Trigger.CASE_CLOSED, years=3, is_default=True
        )


def test_29_february_moves_to_28_february_in_a_common_year() -> None:
    assert add_years(D(2024, 2, 29), 8) == D(2032, 2, 29)  # a leap year again
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)


def test_after_death_the_shorter_period_wins() -> None:
    mental_health = _class(20, after_death=10)
    assert due_on(
        mental_health, closed_on=D(2020, 1, 1), date_of_birth=None, deceased_on=D(2021, 6, 1)
    ) == D(2031, 6, 1)
    # Death long after the case closed: the 20 years after treatment come first.
    assert due_on(
        mental_health, closed_on=D(2000, 1, 1), date_of_birth=None, deceased_on=D(2015, 1, 1)
    ) == D(2020, 1, 1)
    # A class without a period after death ignores it.
    assert due_on(
        _class(8), closed_on=D(2020, 1, 1), date_of_birth=None, deceased_on=D(2020, 6, 1)
    ) == D(2028, 1, 1)


def test_a_birthday_class_keeps_to_that_birthday_and_never_before_the_case_closes() -> None:
    children = _class(25, trigger=Trigger.BIRTHDAY, after_death=8)
    assert due_on(children, closed_on=D(2024, 1, 1), date_of_birth=D(2010, 5, 5)) == D(2035, 5, 5)
    assert due_on(children, closed_on=D(2026, 1, 1), date_of_birth=D(2000, 1, 1)) == D(2026, 1, 1)
    assert due_on(children, closed_on=D(2024, 1, 1), date_of_birth=None) is None
    assert due_on(
        children, closed_on=D(2020, 1, 1), date_of_birth=D(2012, 1, 1), deceased_on=D(2021, 1, 1)
    ) == D(2029, 1, 1)


def test_classes_are_kept_in_admin_audited_and_never_deleted() -> None:
    root = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    browser = Browser()
    sign_in_fully(browser, root)
    listing = browser.get("/admin/retention/retentionclass/").content.decode()
    assert "Client records: 8 years after the case closes" in listing
    assert "Children&#x27;s records: until the 25th birthday" in listing
    response = browser.post(
        "/admin/retention/retentionclass/add/",
        {
            "name": "Housing: 6 years",
            "trigger": "case_closed",
            "years": "6",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/admin/retention/retentionclass/", response["Location"]
    made = RetentionClass.objects.get(name="Housing: 6 years")
    assert LogEntry.objects.get_for_object(made).count() == 1
    assert browser.get(f"/admin/retention/retentionclass/{made.pk}/delete/").status_code == 403
