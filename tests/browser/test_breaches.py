"""The breach register in headless Chromium, through the real pages: a practitioner reports a
breach from the link in a page's header; the IG lead sees it on the register with its 72-hour
clock, assigns an investigating officer, records containment, the risk assessment and the ICO
notification, and the register shows the clock stopped in time."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import AuditEvent, Notification, Team, User
from breaches.models import Breach, Status
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_disclosures import _signed_in
from tests.factories import TeamFactory, UserFactory, allocate, enrol, make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _person(username: str, first: str, role: str, team: Team) -> User:
    user = UserFactory.create(username=username, first_name=first, last_name="Tester", roles=[role])
    user.teams.add(team)
    enrol(user)
    return user


def _report(page: Page, base: str, reference: str) -> None:
    # From an ordinary page: the record list, through the header's link.
    page.goto(f"{base}/records/")
    page.get_by_test_id("report-breach-link").click()
    expect(page.get_by_role("heading", name="Report a data breach or near miss")).to_be_visible()
    page.get_by_role("group", name="Is this a near miss?").get_by_label("No").check()
    expect(page.get_by_label("When the organisation became aware")).not_to_have_value("")
    page.get_by_label(
        "Confidentiality: seen by, or sent to, someone who should not have it"
    ).check()
    page.get_by_label("Sent to the wrong recipient").check()
    page.get_by_label("Describe what actually happened").fill(
        "A letter about Jordan's next session went to the previous tenant at the old address."
    )
    page.get_by_label("What data is involved?").fill("Name, address and appointment date")
    page.get_by_label("What format is it in?").select_option(label="Paper")
    page.get_by_label("Not protected").check()
    page.get_by_label("Clients (service users)").check()
    page.get_by_label("What type of information or records?").fill("Appointment letter")
    page.get_by_label("How many records?").fill("1")
    page.get_by_label("Confidential case information").check()
    page.get_by_label("Are there potential risks to the people affected?").fill(
        "The previous tenant knows Jordan uses the service"
    )
    page.get_by_label("What has been done to recover or locate the information?").fill(
        "Called the previous tenant and asked for the letter back"
    )
    page.get_by_role("group", name="Were items stolen?").get_by_label("No").check()
    page.get_by_label("Which members of staff were involved?").fill("Pat, who posted it")
    page.get_by_label("Case references of the records affected").fill(reference)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "breaches_report_form.png"), full_page=True)
    page.get_by_role("button", name="Report it").click()
    expect(page.get_by_text(re.compile(r"Breach BR-\d+ reported"))).to_be_visible()


def test_a_breach_goes_from_a_header_link_to_the_ico_within_the_72_hours(
    live_server, browser: Browser
) -> None:
    base = live_server.url
    team = TeamFactory.create(name="North housing support")
    worker = _person("pat", "Pat", "practitioner", team)
    manager = _person("mo", "Mo", "manager", team)
    lead = UserFactory.create(
        username="isla", first_name="Isla", last_name="Tester", roles=["ig_lead"]
    )
    enrol(lead)
    client = make_client(team, given_name="Jordan", family_name="Breach-Walk")
    allocate(client, worker)

    # The practitioner reports it from the header of an ordinary page, and sees their summary.
    pat = _signed_in(browser, base, worker)
    _report(pat, base, client.reference)
    breach = Breach.objects.get()
    expect(pat.get_by_test_id("breach-reference")).to_have_text(f"Breach {breach.reference}")
    expect(pat.get_by_test_id("affected-records")).to_contain_text(client.reference)
    expect(pat.get_by_test_id("summary-only")).to_be_visible()
    expect(pat.get_by_test_id("ico-clock")).to_have_count(0)
    expect(pat.get_by_test_id("breach-actions")).to_have_count(0)
    assert Notification.objects.get(user=lead).message == (
        f"A breach has been reported: {breach.reference}."
    )

    # The IG lead finds it on the register, with the 72 hours running.
    isla = _signed_in(browser, base, lead)
    isla.get_by_role("link", name="Breaches", exact=True).click()
    row = isla.get_by_test_id("register-row").filter(has_text=breach.reference)
    expect(row.get_by_test_id("clock")).to_have_text(re.compile(r"^2 days 2[23] hours left$"))
    row.get_by_test_id("breach-link").click()
    expect(isla.get_by_test_id("ico-clock")).to_contain_text("left")
    expect(isla.get_by_test_id("what-happened")).to_contain_text("previous tenant")

    # Assign the investigating officer.
    isla.get_by_test_id("assign-link").click()
    isla.get_by_label("Investigating officer").select_option(value=str(manager.pk))
    isla.get_by_role("button", name="Assign").click()
    expect(isla.get_by_text("Investigating officer assigned")).to_be_visible()
    expect(isla.get_by_test_id("officer")).to_have_text("Mo Tester")

    # Containment.
    isla.get_by_test_id("contain-link").click()
    isla.get_by_label("How was it contained?").fill(
        "The previous tenant handed the letter back unopened"
    )
    isla.get_by_role("button", name="Record containment").click()
    expect(isla.get_by_text("Containment recorded")).to_be_visible()
    expect(isla.get_by_test_id("containment")).to_contain_text("handed the letter back")

    # The risk assessment: reportable, and the person is told nothing more.
    isla.get_by_test_id("assess-link").click()
    isla.get_by_role("group", name="How likely is harm to the people affected?").get_by_label(
        "Medium"
    ).check()
    isla.get_by_role("group", name="How severe could the harm be?").get_by_label("High").check()
    isla.get_by_role("group", name="Report it to the ICO?").get_by_label("Yes").check()
    isla.get_by_label("Reasons for the ICO decision").fill(
        "Reveals that a named person uses a mental-health service"
    )
    isla.get_by_role("group", name="Tell the people affected?").get_by_label("No").check()
    isla.get_by_label("Reasons for the decision about telling them").fill(
        "Contained unopened; the risk to Jordan is not high"
    )
    isla.get_by_role("button", name="Record the assessment").click()
    expect(isla.get_by_text("Risk assessment recorded")).to_be_visible()
    expect(isla.get_by_test_id("assessment")).to_contain_text("risk high")

    # The ICO notification, well within the 72 hours.
    isla.get_by_test_id("notify-ico-link").click()
    isla.get_by_label("The ICO's reference").fill("IC-123456-A1B2")
    isla.get_by_role("button", name="Record the notification").click()
    expect(isla.get_by_text("ICO notification recorded")).to_be_visible()
    expect(isla.get_by_test_id("ico")).to_contain_text("IC-123456-A1B2")
    expect(isla.get_by_test_id("clock")).to_contain_text("within 72 hours")
    expect(isla.get_by_test_id("lessons-link")).to_be_visible()  # not telling: lessons are next

    # The register shows the clock stopped in time.
    isla.get_by_role("link", name="Breaches", exact=True).click()
    row = isla.get_by_test_id("register-row").filter(has_text=breach.reference)
    expect(row.get_by_test_id("clock")).to_contain_text("ICO notified")
    expect(row.get_by_test_id("clock")).to_contain_text("within 72 hours")
    isla.screenshot(path=str(ARTIFACTS / "breaches_register.png"), full_page=True)
    row.get_by_test_id("breach-link").click()
    isla.screenshot(path=str(ARTIFACTS / "breaches_breach.png"), full_page=True)

    # The IG group's report counts it, in a chart and a table.
    isla.get_by_role("link", name="Breaches", exact=True).click()
    isla.get_by_role("link", name="Report for the IG group").click()
    chart = isla.get_by_role("img", name="Reports by category")
    expect(chart).to_be_visible()
    expect(isla.get_by_test_id("headline")).to_contain_text("1 report: 1 breach and 0 near misses")
    expect(
        isla.get_by_test_id("figure-row").filter(has_text="Sent to the wrong recipient")
    ).to_contain_text("1")
    isla.screenshot(path=str(ARTIFACTS / "breaches_ig_report.png"), full_page=True)

    breach.refresh_from_db()
    assert breach.status == Status.ICO_NOTIFIED
    assert breach.investigating_officer == manager
    assert breach.ico_reference == "IC-123456-A1B2"
    assert not breach.ico_late
    assert list(
        AuditEvent.objects.filter(object_type="breaches.breach")
        .exclude(action="breach.viewed")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == [
        "breach.reported",
        "breach.assigned",
        "breach.contained",
        "breach.assessed",
        "breach.ico_notified",
    ]
