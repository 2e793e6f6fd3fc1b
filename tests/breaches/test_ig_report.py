"""The IG group's report: the figures for a period (kinds, categories, near misses, time to contain
and to notify, late notifications, lessons), the page with its accessible chart and table, and the
CSV and PDF downloads, none of which carries personal data."""

from __future__ import annotations

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pypdf
import pytest
from django.test import Client as Browser

from accounts.models import AuditEvent, User
from breaches import ig_report, services
from breaches.forms import default_period
from breaches.models import Breach, Category, Kind
from tests.breaches import test_workflow
from tests.breaches.test_workflow import World, report, to_assessed
from tests.conftest import sign_in_fully

pytestmark = pytest.mark.django_db

world = test_workflow.world
LONDON = ZoneInfo("Europe/London")
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)


def _browser(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def _at(days: int, hours: float = 0) -> datetime.datetime:
    return START + datetime.timedelta(days=days, hours=hours)


def _contained(w: World, breach: Breach, after_hours: float) -> None:
    services.breach_assign(actor=w.ig, breach=breach, officer=w.manager)
    services.breach_contain(
        actor=w.manager,
        breach=breach,
        contained_at=breach.aware_at + datetime.timedelta(hours=after_hours),
        note="Contained",
    )


@pytest.fixture
def period(world: World) -> dict[str, Breach]:
    """March 2026: two breaches told to the ICO (one on time, one late), a near miss, an
    undecided breach now past its 72 hours, and one outside the period."""
    on_time = report(world, aware_at=_at(0))
    _contained(world, on_time, 2)
    services.breach_assess(
        actor=world.manager, breach=on_time, assessment=test_workflow.assessment()
    )
    services.breach_notify_ico(
        actor=world.ig, breach=on_time, notified_at=_at(0, 48), reference="ICO-1"
    )
    services.breach_tell_people(actor=world.ig, breach=on_time, told_at=_at(0, 50), how="Phone")
    services.breach_record_lessons(
        actor=world.ig, breach=on_time, lessons="Check the address against the record"
    )
    late = report(
        world,
        aware_at=_at(5),
        kind=Kind.AVAILABILITY,
        category=Category.LOST_OR_STOLEN,
        stolen=True,
        crime_number="NP/1/26",
    )
    _contained(world, late, 10)
    services.breach_assess(
        actor=world.manager,
        breach=late,
        assessment=test_workflow.assessment(tell_people=False),
    )
    services.breach_notify_ico(
        actor=world.ig,
        breach=late,
        notified_at=_at(5, 80),
        reference="ICO-2",
        late_reason="Waited for the police",
    )
    near_miss = report(world, aware_at=_at(10), near_miss=True)
    to_assessed(world, near_miss, notify_ico=False, tell_people=False)
    undecided = report(world, aware_at=_at(20), category=Category.UNAUTHORISED_ACCESS)
    outside = report(world, aware_at=_at(40))
    return {
        "on_time": on_time,
        "late": late,
        "near_miss": near_miss,
        "undecided": undecided,
        "outside": outside,
    }


def test_the_figures_for_a_period(world: World, period: dict[str, Breach]) -> None:
    f = ig_report.figures(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    assert (f.total, f.breaches, f.near_misses) == (4, 3, 1)
    assert {c.label.split(":")[0]: c.value for c in f.by_kind} == {
        "Confidentiality": 3,
        "Integrity": 0,
        "Availability": 1,
    }
    assert {c.label: c.value for c in f.by_category} == {
        "Access by an unauthorised party": 1,
        "Sent to the wrong recipient": 2,
        "Device or papers lost or stolen": 1,
        "Altered without permission": 0,
        "Loss of availability": 0,
    }
    # Contained after 2 hours, 10 hours, and (the near miss, contained "now") much later.
    assert f.to_contain.count == 3
    assert f.to_notify.count == 2
    assert f.to_notify.median_hours == pytest.approx(64)
    assert f.to_notify.mean_hours == pytest.approx(64)
    assert (f.reported_to_ico, f.not_reportable) == (2, 1)
    assert (f.notified_late, f.overdue_unnotified, f.late) == (1, 1, 2)
    assert f.people_told == 1
    assert f.lessons == [
        ig_report.Lesson(
            period["on_time"].reference,
            "Sent to the wrong recipient",
            "Check the address against the record",
        )
    ]


def test_the_durations_are_medians_and_means_of_hours(world: World) -> None:
    durations = ig_report.Durations.of([datetime.timedelta(hours=h) for h in (2, 4, 30)])
    assert (durations.count, durations.median_hours, durations.mean_hours) == (3, 4, 12)
    assert ig_report.hours_label(durations.mean_hours) == "12 hours"
    assert ig_report.hours_label(50.4) == "2 days 2 hours"
    assert ig_report.hours_label(None) == "None in the period"
    assert ig_report.Durations.of([]).median_hours is None


def test_the_period_is_inclusive_of_both_days(world: World) -> None:
    report(world, aware_at=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=LONDON))
    report(world, aware_at=datetime.datetime(2026, 4, 1, 0, 0, tzinfo=LONDON))
    f = ig_report.figures(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    assert f.total == 1


def test_the_default_period_is_the_last_three_months() -> None:
    assert default_period(datetime.date(2026, 5, 31)) == (
        datetime.date(2026, 2, 28),
        datetime.date(2026, 5, 31),
    )
    assert default_period(datetime.date(2026, 1, 15)) == (
        datetime.date(2025, 10, 15),
        datetime.date(2026, 1, 15),
    )


def test_the_page_shows_an_accessible_chart_and_the_same_figures_in_a_table(
    world: World, period: dict[str, Breach]
) -> None:
    page = (
        _browser(world.ig)
        .get("/breaches/ig-report/?date_from=2026-03-01&date_to=2026-03-31")
        .content.decode()
    )
    assert 'role="img"' in page
    assert '<title id="chart-category-title">Reports by category</title>' in page
    assert "Sent to the wrong recipient: 2" in page  # the chart's description
    assert "<script" not in page.split("<main")[1]
    assert 'data-testid="figures"' in page
    assert "Check the address against the record" in page
    assert "4 reports: 3 breaches and 1 near miss; 2 late to the ICO." in page
    # No personal data: no client, no reporter, no free text but the lessons.
    for secret in ("Robin", test_workflow.STAFF, "old address", "NP/1/26", "Waited for the police"):
        assert secret not in page
    event = AuditEvent.objects.get(action="breach.ig_report_viewed")
    assert event.object_id == "2026-03-01..2026-03-31"
    assert event.detail["format"] == "html"


def test_the_csv_download_carries_the_same_figures(world: World, period: dict[str, Breach]) -> None:
    response = _browser(world.ig).get(
        "/breaches/ig-report/csv/?date_from=2026-03-01&date_to=2026-03-31"
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "breach-report-2026-03-01-to-2026-03-31.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "measure", "value"]
    assert ["Reports", "Near misses", "1"] in rows
    assert ["By category", "Sent to the wrong recipient", "2"] in rows
    assert ["ICO", "Late in all", "2"] in rows
    assert ["Time to notify the ICO", "Median", "2 days 16 hours"] in rows
    assert [
        "Lessons learned",
        period["on_time"].reference,
        "Check the address against the record",
    ] in rows
    assert "Robin" not in response.content.decode()
    assert AuditEvent.objects.get(action="breach.ig_report_exported").detail["format"] == "csv"


def test_a_lesson_cannot_run_as_a_spreadsheet_formula(world: World) -> None:
    breach = report(world, aware_at=_at(0))
    to_assessed(world, breach, notify_ico=False, tell_people=False)
    services.breach_record_lessons(actor=world.ig, breach=breach, lessons="=HYPERLINK(1)")
    text = ig_report.as_csv(
        ig_report.figures(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    )
    assert "'=HYPERLINK(1)" in text


def test_the_pdf_download_carries_the_same_figures(world: World, period: dict[str, Breach]) -> None:
    response = _browser(world.guardian).get(
        "/breaches/ig-report/pdf/?date_from=2026-03-01&date_to=2026-03-31"
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Breach report for the IG group" in text
    assert "Reports by category" in text
    assert "Sent to the wrong recipient" in text
    assert "Check the address against the record" in text
    assert "Robin" not in text


def test_only_the_ig_lead_and_the_guardian_get_the_report(world: World) -> None:
    for user in (world.worker, world.manager):
        assert _browser(user).get("/breaches/ig-report/").status_code == 403
        assert _browser(user).get("/breaches/ig-report/csv/").status_code == 403
    assert _browser(world.guardian).get("/breaches/ig-report/").status_code == 200


def test_a_bad_period_is_refused_with_a_clear_message(world: World) -> None:
    browser = _browser(world.ig)
    page = browser.get("/breaches/ig-report/?date_from=2026-03-31&date_to=2026-03-01")
    assert "The end of the period must be on or after its start" in page.content.decode()
    assert not AuditEvent.objects.filter(action="breach.ig_report_viewed").exists()
    download = browser.get(
        "/breaches/ig-report/csv/?date_from=soon&date_to=2026-03-01", follow=True
    )
    assert "Choose a period with real dates" in download.content.decode()
    assert browser.get("/breaches/ig-report/").status_code == 200
