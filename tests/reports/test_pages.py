"""The statistics page, its filter form, the CSV and PDF, who may reach them, and their audit
events."""

from __future__ import annotations

import csv
import html as html_module
import io

import pypdf
import pytest
from django.test import Client as Browser
from django.test import override_settings

from accounts.models import AuditEvent, User
from tests.conftest import sign_in_fully
from tests.factories import UserFactory
from tests.reports.conftest import Organisation

pytestmark = pytest.mark.django_db

QUARTER = {"period": "q2026-1"}


def _browser(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def _page_cells(html: str, table_id: str) -> list[list[str]]:
    """The rows of a table on the page: heading then cells, as text."""
    import re

    table = html.split(f'data-testid="table-{table_id}"')[1].split("</table>")[0]
    body = table.split("<tbody")[1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append([html_module.unescape(re.sub(r"<[^>]+>", "", cell).strip()) for cell in cells])
    return rows


def _csv_cells(text: str, caption: str) -> list[list[str]]:
    rows: dict[str, list[str]] = {}
    for table, row, _column, value in csv.reader(io.StringIO(text)):
        if table == caption:
            rows.setdefault(row, [row]).append(value)
    return list(rows.values())


def test_the_ig_lead_sees_the_last_quarter_by_default_and_the_view_is_audited(
    organisation: Organisation,
) -> None:
    browser = _browser(organisation.lead)
    response = browser.get("/reports/statistics/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Statistics for funders and the IG group" in page
    assert "Quarter 2 of 2026-27: July to September 2026" in page  # the last quarter to end
    assert 'data-testid="table-referrals"' in page
    [event] = _events("reports.statistics_viewed")
    assert event.actor == organisation.lead
    assert event.detail["from"] == "2026-07-01"
    assert event.detail["to"] == "2026-09-30"
    assert event.detail["service"] == "All services"
    assert event.detail["format"] == "html"
    assert event.detail["suppress_below"] == 5


def test_a_quarter_shows_suppressed_figures_with_their_note(organisation: Organisation) -> None:
    browser = _browser(organisation.guardian)
    page = browser.get("/reports/statistics/", QUARTER).content.decode()
    assert "Quarter 1 of 2026-27: April to June 2026" in page
    assert "Numbers from 1 to 4 are shown as &lt;5" in page
    rows = _page_cells(page, "referrals")
    assert rows[1][:3] == ["Talking therapies", "<5", "withheld"]  # 2 self, 6 GP referrals
    assert 'data-testid="chart-referrals"' in page
    # The chart draws the suppressed totals as their text, with no bar.
    chart = page.split('data-testid="chart-referrals"')[1].split("</svg>")[0]
    assert "Self-referral: &lt;5" in chart


@override_settings(STATS_SUPPRESS_BELOW=1)
def test_a_threshold_of_one_shows_every_count(organisation: Organisation) -> None:
    page = _browser(organisation.lead).get("/reports/statistics/", QUARTER).content.decode()
    assert _page_cells(page, "referrals")[1][:3] == ["Talking therapies", "2", "6"]
    assert "No numbers are suppressed" in page


def test_one_service(organisation: Organisation) -> None:
    browser = _browser(organisation.lead)
    page = browser.get(
        "/reports/statistics/", {**QUARTER, "service": "Housing support"}
    ).content.decode()
    assert [row[0] for row in _page_cells(page, "referrals")] == ["Housing support", "Total"]
    [event] = _events("reports.statistics_viewed")
    assert event.detail["service"] == "Housing support"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"period": "dates", "date_from": "2026-06-30", "date_to": "2026-04-01"},
            "The end of the period must be on or after its start",
        ),
        ({"period": "dates", "date_to": "2026-04-01"}, "Enter the first day of the period"),
        ({"period": "dates", "date_from": "2026-04-01"}, "Enter the last day of the period"),
        ({"period": "dates", "date_from": "2099-01-01", "date_to": "2099-02-01"}, "future"),
        ({"period": "dates", "date_from": "2026-02-30", "date_to": "2026-04-01"}, "real date"),
        ({"period": "q1999-5"}, "Choose a period from the list"),
        ({"period": ""}, "Choose a period"),
        ({**QUARTER, "service": "Dentistry"}, "Choose a service from the list"),
    ],
)
def test_the_filter_form_refuses_bad_input_and_shows_nothing(
    organisation: Organisation, query: dict[str, str], message: str
) -> None:
    response = _browser(organisation.lead).get("/reports/statistics/", query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert 'data-testid="table-referrals"' not in page
    assert not _events("reports.statistics_viewed")


def test_dates_given(organisation: Organisation) -> None:
    page = (
        _browser(organisation.lead)
        .get(
            "/reports/statistics/",
            {"period": "dates", "date_from": "2026-04-01", "date_to": "2026-06-30"},
        )
        .content.decode()
    )
    assert "1 April 2026 to 30 June 2026" in page
    assert _page_cells(page, "referrals")[1][:3] == ["Talking therapies", "<5", "withheld"]


def test_the_csv_has_the_page_cells_and_is_audited(organisation: Organisation) -> None:
    browser = _browser(organisation.lead)
    page = browser.get("/reports/statistics/", QUARTER).content.decode()
    response = browser.get("/reports/statistics/csv/", QUARTER)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "statistics-2026-04-01-to-2026-06-30.csv" in response["Content-Disposition"]
    text = response.content.decode()
    caption = "Referrals received, by service and referral source"
    assert _csv_cells(text, caption) == _page_cells(page, "referrals")
    caption = "Requests for information received, by kind and outcome"
    assert _csv_cells(text, caption) == _page_cells(page, "disclosures")
    assert "Period,,From,2026-04-01" in text
    [event] = _events("reports.statistics_exported")
    assert event.detail["format"] == "csv"
    assert event.detail["from"] == "2026-04-01"


def test_the_pdf_has_the_same_suppressed_cells(organisation: Organisation) -> None:
    browser = _browser(organisation.lead)
    query = {**QUARTER, "service": "Housing support"}
    page = browser.get("/reports/statistics/", query).content.decode()
    response = browser.get("/reports/statistics/pdf/", query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert "Statistics for funders and the IG group" in text
    assert "Quarter 1 of 2026-27: April to June 2026. Housing support." in text
    assert "Referrals received, by service and referral source" in text
    # Housing's 5 from housing providers and 1 not recorded: the 1 is "<5", the 5 withheld.
    [housing, _total] = _page_cells(page, "referrals")
    assert housing[6] == "withheld"
    assert housing[10] == "<5"
    row = next(line for line in text.splitlines() if line.startswith("Housing support 0"))
    assert row.split()[2:] == housing[1:]
    [event] = _events("reports.statistics_exported")
    assert (event.detail["format"], event.detail["service"]) == ("pdf", "Housing support")


def test_a_download_with_bad_input_goes_back_to_the_form(organisation: Organisation) -> None:
    browser = _browser(organisation.lead)
    response = browser.get("/reports/statistics/csv/", {"period": "nonsense"}, follow=True)
    assert "Choose a period and service from the lists" in response.content.decode()
    assert not _events("reports.statistics_exported")


@pytest.mark.parametrize("role", ["practitioner", "manager", "data_team", "admin_staff"])
def test_other_roles_are_refused(organisation: Organisation, role: str) -> None:
    browser = _browser(UserFactory.create(username=f"someone-{role}", roles=[role]))
    for url in ("/reports/statistics/", "/reports/statistics/csv/", "/reports/statistics/pdf/"):
        assert browser.get(url, QUARTER).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="reports.").exists()


def test_the_ig_lead_and_the_guardian_reach_it_from_home_and_the_header(
    organisation: Organisation,
) -> None:
    for user in (organisation.lead, organisation.guardian):
        page = _browser(user).get("/").content.decode()
        assert 'href="/reports/statistics/"' in page
        assert "Statistics for funders and the IG group" in page
    other = UserFactory.create(username="pat", roles=["practitioner"])
    assert "/reports/statistics/" not in _browser(other).get("/").content.decode()
