"""The statistics for funders in headless Chromium: the IG lead opens them from the header, is
stopped by a period that ends before it starts, filters a quarter, and downloads the CSV with
the same suppressed cells the page shows."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import AuditEvent, User
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_disclosures import _signed_in
from tests.factories import UserFactory, enrol
from tests.reports import conftest as reports_conftest
from tests.reports.conftest import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

organisation = reports_conftest.organisation


def _open_statistics(page: Page) -> None:
    menu = page.get_by_role("navigation", name="Menu")
    link = menu.get_by_role("link", name="Statistics", exact=True)
    if not link.is_visible():  # a narrow window folds the header's links into "More"
        menu.get_by_role("button", name=re.compile("More")).click()
    link.click()
    expect(
        page.get_by_role("heading", name="Statistics for funders and the IG group", level=1)
    ).to_be_visible()


def test_the_ig_lead_filters_a_quarter_and_downloads_the_csv(
    live_server, browser: Browser, organisation: Organisation
) -> None:
    lead: User = UserFactory.create(
        username="iona", first_name="Iona", last_name="Tester", roles=["ig_lead"]
    )
    enrol(lead)
    page = _signed_in(browser, live_server.url, lead)
    _open_statistics(page)

    # Dates the wrong way round are refused, with the error beside the field.
    page.get_by_label("Period").select_option(label="Dates I give below")
    page.get_by_label("From").fill("2026-06-30")
    page.get_by_label("To", exact=True).fill("2026-04-01")
    page.get_by_role("button", name="Show the statistics").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The end of the period must be on or after its start"
    )
    expect(page.get_by_test_id("table-referrals")).to_have_count(0)

    page.get_by_label("Period").select_option(label="Quarter 1 of 2026-27: April to June 2026")
    page.get_by_label("From").fill("")
    page.get_by_label("To", exact=True).fill("")
    page.get_by_role("button", name="Show the statistics").click()
    expect(page.get_by_test_id("period")).to_have_text("Quarter 1 of 2026-27: April to June 2026")
    referrals = page.get_by_test_id("table-referrals")
    therapies = referrals.get_by_role("row", name=re.compile("^Talking therapies"))
    expect(therapies.get_by_role("cell").nth(0)).to_have_text("<5")  # 2 self-referrals
    expect(therapies.get_by_role("cell").nth(1)).to_have_text("withheld")  # 6 from GPs
    expect(page.get_by_test_id("suppression-note")).to_contain_text("shown as <5")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "statistics_quarter.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_test_id("csv-link").click()
    download = download_info.value
    assert download.suggested_filename == "statistics-2026-04-01-to-2026-06-30.csv"
    rows = list(csv.reader(io.StringIO(download.path().read_text())))
    caption = "Referrals received, by service and referral source"
    assert [caption, "Talking therapies", "Self-referral", "<5"] in rows
    assert [caption, "Talking therapies", "GP", "withheld"] in rows
    exported = AuditEvent.objects.get(action="reports.statistics_exported", actor=lead)
    assert (exported.detail["from"], exported.detail["format"]) == ("2026-04-01", "csv")
