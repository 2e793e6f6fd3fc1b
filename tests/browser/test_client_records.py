"""Real pages in headless Chromium: a practitioner's caseload, a client's record, and an entry
added, amended and read back through its version history."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import AuditEvent
from tests.browser.conftest import ARTIFACTS
from tests.conftest import current_code
from tests.factories import PASSWORD, TeamFactory, UserFactory, allocate, enrol, make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORIGINAL = "Avery described poor sleep and low mood since the eviction notice."
AMENDED = "Avery described poor sleep and low mood since the eviction notice in March."
REASON = "Added the month the notice arrived, which Avery confirmed by phone."


def test_practitioner_sees_only_their_caseload_then_adds_and_amends_an_entry_and_consent(
    live_server, page: Page
) -> None:
    team = TeamFactory.create(name="North talking therapies")
    other_team = TeamFactory.create(name="South talking therapies")
    pat = UserFactory.create(
        username="pat", first_name="Pat", last_name="Practitioner", roles=["practitioner"]
    )
    pat.teams.add(team)
    enrol(pat)
    avery = make_client(team, given_name="Avery", family_name="Canary-One")
    blake = make_client(team, given_name="Blake", family_name="Canary-Two")
    casey = make_client(other_team, given_name="Casey", family_name="Hidden")
    allocate(avery, pat)
    allocate(blake, pat)

    # Sign in through the real pages: password, security code, confidentiality declaration.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/account/sign-in/?next=/")
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    page.get_by_label("Security code").fill(current_code(pat))
    page.get_by_role("button", name="Sign in").click()
    policy_heading = page.get_by_role("heading", name="Confidentiality declaration")
    home_heading = page.get_by_role("heading", name="Hello, Pat Practitioner")
    expect(policy_heading.or_(home_heading)).to_be_visible()
    if policy_heading.is_visible():
        page.get_by_label("I have read this policy").check()
        page.get_by_role("button", name="Acknowledge and continue").click()
    expect(home_heading).to_be_visible()

    # My clients, from the header's navigation.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My clients").click()
    expect(page).to_have_url(f"{live_server.url}/records/")
    expect(page.get_by_role("heading", name="My clients")).to_be_visible()
    rows = page.get_by_test_id("client-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Avery Canary-One")).to_have_count(1)
    expect(rows.filter(has_text="Blake Canary-Two")).to_have_count(1)
    main = page.locator("main")
    expect(main).not_to_contain_text("Hidden")
    expect(main).not_to_contain_text("Casey")
    expect(main).not_to_contain_text(casey.reference)

    # Open Avery's record.
    rows.filter(has_text="Avery Canary-One").get_by_test_id("client-link").click()
    expect(page).to_have_url(f"{live_server.url}/records/{avery.uuid}/")
    expect(page.get_by_test_id("client-name")).to_have_text("Avery Canary-One")
    expect(page.get_by_test_id("no-entries")).to_be_visible()

    # Add an entry.
    page.get_by_role("button", name="Add an entry").click()
    expect(page.get_by_role("heading", name="Add an entry")).to_be_visible()
    occurred = timezone.localdate() - datetime.timedelta(days=3)
    page.get_by_label("Kind of entry").select_option(label="Contact note")
    page.get_by_label("Date of the contact or event").fill(occurred.isoformat())
    page.get_by_label("Title", exact=True).fill("First session")
    page.get_by_label("Entry", exact=True).fill(ORIGINAL)
    page.get_by_label("Health", exact=True).check()
    page.get_by_role("button", name="Save entry").click()

    expect(page.get_by_text("Entry added")).to_be_visible()
    expect(page.get_by_test_id("entry-title")).to_have_text("First session")
    expect(page.get_by_test_id("entry-body")).to_have_text(ORIGINAL)
    expect(page.get_by_test_id("special-categories")).to_have_text("Health")
    expect(page.get_by_test_id("entry-summary")).to_contain_text(f"{occurred.day} {occurred:%B %Y}")

    # Amend it.
    page.get_by_test_id("amend-link").click()
    expect(page.get_by_role("heading", name="Amend entry")).to_be_visible()
    expect(page.get_by_label("Entry", exact=True)).to_have_value(ORIGINAL)
    expect(page.get_by_label("Health", exact=True)).to_be_checked()
    page.get_by_label("Entry", exact=True).fill(AMENDED)
    page.get_by_label("Reason for the amendment").fill(REASON)
    page.get_by_role("button", name="Save amendment").click()

    expect(page.get_by_text("Entry amended")).to_be_visible()
    expect(page.get_by_test_id("entry-body")).to_have_text(AMENDED)
    expect(page.get_by_test_id("last-amended")).to_contain_text("Pat Practitioner")
    expect(page.get_by_test_id("entry-summary")).to_contain_text(REASON)

    # The version history keeps both, newest first.
    page.get_by_test_id("history-link").click()
    expect(page.get_by_role("heading", name="Version history")).to_be_visible()
    versions = page.get_by_test_id("version")
    expect(versions).to_have_count(2)
    current, original = versions.nth(0), versions.nth(1)
    expect(current.get_by_role("heading")).to_have_text("Version 2 (current)")
    expect(current.get_by_test_id("version-body")).to_have_text(AMENDED)
    expect(current).to_contain_text(REASON)
    expect(original.get_by_role("heading")).to_have_text("Version 1")
    expect(original.get_by_test_id("version-body")).to_have_text(ORIGINAL)
    expect(original).not_to_contain_text("Reason for the amendment")
    for version in (current, original):
        expect(version).to_contain_text("By Pat Practitioner")
        expect(version).to_contain_text("First session")
        expect(version).to_contain_text("Health")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "client_records_entry_history.png"), full_page=True)

    # Record the client's consent to share with a housing association, then its withdrawal.
    page.goto(f"{live_server.url}/records/{avery.uuid}/")
    page.get_by_test_id("consent-link").click()
    expect(page.get_by_role("heading", name="Consent to share")).to_be_visible()
    page.get_by_role("button", name="Record consent").click()
    page.get_by_label("Purpose", exact=True).select_option(label="Referral to another service")
    page.get_by_label("What information may be shared").fill("Name, contact details, support needs")
    page.get_by_label("Named people or agencies, one per line").fill("Riverside Housing")
    page.get_by_label("How consent is evidenced").select_option(label="Signed consent form")
    page.get_by_label("Date consent was given").fill(occurred.isoformat())
    page.get_by_role("button", name="Save consent").click()
    expect(page.get_by_text("Consent recorded")).to_be_visible()
    consent_card = page.get_by_test_id("consent")
    expect(consent_card).to_contain_text("Riverside Housing")
    expect(consent_card).to_contain_text("In force")
    consent_card.get_by_role("link", name="Record withdrawal").click()
    page.get_by_label("Date consent was withdrawn").fill(timezone.localdate().isoformat())
    page.get_by_label("How the client withdrew consent").fill("Told me at today's session")
    page.get_by_role("button", name="Record withdrawal").click()
    expect(page.get_by_text("Withdrawal recorded")).to_be_visible()
    expect(page.get_by_test_id("consent")).to_contain_text("Withdrawn")
    expect(page.get_by_test_id("withdrawal")).to_contain_text("Told me at today's session")
    page.screenshot(path=str(ARTIFACTS / "client_records_consent.png"), full_page=True)

    # Each step left its audit event, attributed to pat.
    actions = set(AuditEvent.objects.filter(actor=pat).values_list("action", flat=True))
    assert {
        "clients.list_viewed",
        "client.viewed",
        "entry.created",
        "entry.amended",
        "entry.history_viewed",
        "consent.recorded",
        "consent.withdrawn",
    } <= actions
    caseload_event = AuditEvent.objects.get(
        actor=pat, action="clients.list_viewed", object_id="caseload"
    )
    assert sorted(caseload_event.detail["shown"]) == sorted([avery.pk, blake.pk])
    assert not AuditEvent.objects.filter(object_type="records.client", object_id=str(casey.pk))
