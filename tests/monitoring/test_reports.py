"""The access report: exact figures for a crafted trail, the same from the rollup as from the raw
trail, per person, team and record; its page, CSV and PDF; the monthly report to the IG lead."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as Browser
from pypdf import PdfReader

from accounts.audit import append_event
from accounts.models import AuditEvent, Notification, User
from breaches.ig_report import Count
from monitoring import reports
from monitoring.evaluate import evaluate_day
from monitoring.models import EvaluatedDay, MonthlyReport
from monitoring.monthly import make_monthly_report
from records.models import Client
from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory, make_client

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
DAYS = [date(2026, 2, 2), date(2026, 2, 3), date(2026, 2, 4)]


def _event(
    actor: User,
    client: Client,
    day: date,
    hour: int,
    action: str,
    reason: str,
    *,
    outcome: str = "success",
) -> AuditEvent:
    return append_event(
        AuditEvent(
            actor=actor,
            action=action,
            outcome=outcome,
            object_type="records.client",
            object_id=str(client.pk),
            reason=reason,
        ),
        occurred_at=datetime(day.year, day.month, day.day, hour, tzinfo=LONDON),
    )


@pytest.fixture
def trail(db) -> dict[str, object]:
    north, south = TeamFactory.create(name="North"), TeamFactory.create(name="South")
    pat = UserFactory.create(username="pat", first_name="Pat", last_name="Able")
    sam = UserFactory.create(username="sam", first_name="Sam", last_name="Baker")
    a, b = make_client(north), make_client(north)
    c = make_client(south, family_name="Zebedee")
    _event(pat, a, DAYS[0], 9, "client.viewed", "allocation")
    _event(pat, a, DAYS[0], 10, "entry.viewed", "allocation")
    _event(pat, b, DAYS[1], 11, "client.viewed", "team")
    _event(sam, c, DAYS[1], 12, "client.viewed", "allocation")
    _event(sam, a, DAYS[2], 13, "client.access_denied", "no_grant", outcome="denied")
    _event(sam, c, DAYS[2], 14, "entry.created", "allocation")
    return {"pat": pat, "sam": sam, "a": a, "b": b, "c": c, "north": north, "south": south}


def _bars(bars: list[Count]) -> dict[str, int]:
    return {bar.label: bar.value for bar in bars if bar.value}


def test_the_figures_count_who_accessed_what_and_why(trail: dict[str, object]) -> None:
    found = reports.from_trail(reports.Scope(DAYS[0], DAYS[2]))
    assert (found.total, found.refused, found.people) == (6, 1, 2)
    assert _bars(found.by_day) == {"Mon 02 Feb": 2, "Tue 03 Feb": 2, "Wed 04 Feb": 2}
    assert _bars(found.by_reason) == {
        "Allocated worker": 4,
        "Member of the team that holds the record": 1,
        "Refused: no grant": 1,
    }
    assert _bars(found.by_team) == {"North": 4, "South": 2}
    assert _bars(found.by_person) == {"Pat Able": 3, "Sam Baker": 3}
    assert _bars(found.by_action)["Client record viewed"] == 3


def test_the_rollup_gives_the_same_figures_as_the_trail(trail: dict[str, object]) -> None:
    scope = reports.Scope(DAYS[0], DAYS[2])
    assert not reports.rollup_covers(scope)
    for day in DAYS:
        evaluate_day(day)
    assert reports.rollup_covers(scope)
    for one in (
        scope,
        reports.Scope(DAYS[0], DAYS[2], user=trail["pat"]),  # type: ignore[arg-type]
        reports.Scope(DAYS[0], DAYS[2], team=trail["north"]),  # type: ignore[arg-type]
        reports.Scope(DAYS[1], DAYS[1]),
    ):
        rolled, raw = reports.from_rollup(one).as_json(), reports.from_trail(one).as_json()
        assert rolled.pop("source") == "rollup"
        assert raw.pop("source") == "trail"
        assert rolled == raw
    assert reports.figures(scope).source == "rollup"


def test_one_record_one_person_one_team(trail: dict[str, object]) -> None:
    record = reports.from_trail(reports.Scope(DAYS[0], DAYS[2], client=trail["a"]))  # type: ignore[arg-type]
    assert (record.total, _bars(record.by_person)) == (3, {"Pat Able": 2, "Sam Baker": 1})
    team = reports.figures(reports.Scope(DAYS[0], DAYS[2], team=trail["south"]))  # type: ignore[arg-type]
    assert (team.total, _bars(team.by_person)) == (2, {"Sam Baker": 2})


def _reader() -> Browser:
    browser = Browser()
    sign_in_fully(browser, UserFactory.create(username="dana", roles=["data_team"]))
    return browser


def test_the_report_page_csv_and_pdf(trail: dict[str, object]) -> None:
    browser = _reader()
    query = {"start": "2026-02-02", "end": "2026-02-04", "team": str(trail["north"].pk)}  # type: ignore[attr-defined]
    page = browser.get("/monitoring/reports/", query)
    text = page.content.decode()
    assert page.status_code == 200
    assert "records of North" in text
    assert trail["a"].reference in text  # type: ignore[attr-defined]
    assert "Zebedee" not in text
    assert "Person" not in text
    viewed = AuditEvent.objects.filter(action="monitoring.report_viewed").latest("seq")
    assert viewed.detail["team"] == trail["north"].pk  # type: ignore[attr-defined]

    response = browser.get("/monitoring/reports/csv", query)
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]
    assert lines[0] == reports.HEADINGS
    assert len(lines) == 1 + 4
    assert {line[2] for line in lines[1:]} == {trail["a"].reference, trail["b"].reference}  # type: ignore[attr-defined]
    assert lines[1][1] == "Sam Baker"
    assert lines[1][6] == "Denied"

    pdf = browser.get("/monitoring/reports/pdf", query)
    assert pdf["Content-Type"] == "application/pdf"
    content = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "Access monitoring report" in content
    assert "4 accesses by 2 people, 1 refused" in content
    assert trail["a"].reference in content  # type: ignore[attr-defined]
    assert list(
        AuditEvent.objects.filter(action="monitoring.report_exported")
        .order_by("seq")
        .values_list("detail__format", flat=True)
    ) == ["csv", "pdf"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-02-04", "end": "2026-02-02"}, "on or after the first day"),
        ({"start": "2025-01-01", "end": "2026-02-02"}, "a year or less"),
        ({"start": "2026-02-02", "end": "2026-02-04", "record": "C-NOPE"}, "No record has"),
        ({"start": "2026-02-31", "end": "2026-03-01"}, "Enter a real date"),
    ],
)
def test_a_bad_scope_is_refused_with_its_reason(
    trail: dict[str, object], query: dict[str, str], message: str
) -> None:
    browser = _reader()
    page = browser.get("/monitoring/reports/", query)
    assert message in page.content.decode()
    assert b"report-rows" not in page.content
    assert browser.get("/monitoring/reports/csv", query).status_code == 404


def test_the_monthly_report_is_made_once_and_announced_without_personal_data(
    trail: dict[str, object], settings
) -> None:
    settings.MONITORING_FIRST_DAYS = 40
    lead = UserFactory.create(username="lead", roles=["ig_lead"])
    report, made = make_monthly_report(today=date(2026, 3, 1))
    assert made
    assert report.month == date(2026, 2, 1)
    assert EvaluatedDay.objects.filter(day__month=2).count() == 28  # the month was evaluated
    assert report.figures["source"] == "rollup"
    assert report.figures["total"] == 6
    note = Notification.objects.get(user=lead)
    assert note.message == "The access monitoring report for February 2026 is ready."
    assert note.url == f"/monitoring/reports/monthly/{report.pk}/"
    again, made_again = make_monthly_report(today=date(2026, 3, 1))
    assert (again, made_again) == (report, False)
    assert Notification.objects.filter(user=lead).count() == 1
    assert MonthlyReport.objects.count() == 1

    browser = Browser()
    sign_in_fully(browser, lead)
    page = browser.get(note.url)
    assert page.status_code == 200
    assert "Access report for February 2026" in page.content.decode()
    assert "Pat Able" in page.content.decode()
    pdf = browser.get(f"{note.url}pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "February 2026" in text


def test_the_team_filter_lists_teams(trail: dict[str, object]) -> None:
    page = _reader().get("/monitoring/reports/")
    assert b"South" in page.content  # the last month by default: a valid, empty report
    assert b"No accesses in this period" in page.content
