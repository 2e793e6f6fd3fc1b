"""A subject access request in headless Chromium, through the real pages: the IG lead finds the
record's access log, logs the request, stops the clock for identity and restarts it by verifying,
decides seeing what is left out and why, and releases an encrypted bundle that holds the person's
entries less the exempt ones, and lists who has accessed the record."""

from __future__ import annotations

import datetime
import io

import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts.models import AuditEvent, User
from disclosures.models import CaseStatus, DisclosureCase
from records import services as record_services
from records.actions import RecordAction
from records.models import Client, EntryKind
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_disclosures import _person, _signed_in
from tests.factories import TeamFactory, UserFactory, allocate, enrol, make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
BIRTH_DATE = datetime.date(1988, 7, 14)
PLAIN_BODY = "Morgan came to the drop-in and we talked through the tenancy paperwork."
WITHHELD_TITLE = "Safeguarding strategy meeting"
WITHHELD_BODY = "The strategy meeting agreed actions that must not be shared yet."
WITHHELD_REASON = "Disclosure would be likely to cause serious harm to Morgan's safety."
THIRD_PARTY_TITLE = "Call from the neighbour"
THIRD_PARTY_BODY = "The neighbour reported shouting late at night from the flat."
THIRD_PARTY_SOURCE = "Neighbour at number 12, by telephone"


def _entry(client: Client, author: User, title: str, body: str, **flags: bool | str) -> None:
    record_services.entry_create(
        actor=author,
        client=client,
        kind=EntryKind.CONTACT_NOTE,
        content=record_services.EntryContent(
            occurred_on=TODAY - datetime.timedelta(days=10),
            title=title,
            body=body,
            special_categories=[],
            **flags,  # type: ignore[arg-type]
        ),
    )


def _long_date(day: datetime.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def test_a_subject_access_bundle_leaves_out_exempt_entries_and_lists_who_accessed_the_record(
    live_server, browser: Browser
) -> None:
    base = live_server.url
    team = TeamFactory.create(name="West housing support")
    worker = _person("pat", "Pat", "practitioner", team)
    ig_lead = UserFactory.create(
        username="iggy", first_name="Iggy", last_name="Tester", roles=["ig_lead"]
    )
    enrol(ig_lead)
    client = make_client(
        team, given_name="Morgan", family_name="Subject-Walk", date_of_birth=BIRTH_DATE
    )
    allocate(client, worker)
    _entry(client, worker, "Drop-in visit", PLAIN_BODY)
    _entry(
        client,
        worker,
        WITHHELD_TITLE,
        WITHHELD_BODY,
        withhold_from_sar=True,
        withhold_reason=WITHHELD_REASON,
    )
    _entry(
        client,
        worker,
        THIRD_PARTY_TITLE,
        THIRD_PARTY_BODY,
        third_party=True,
        third_party_source=THIRD_PARTY_SOURCE,
    )

    # The practitioner opens the record: a real page view, recorded in the audit trail.
    pat = _signed_in(browser, base, worker)
    pat.get_by_role("navigation", name="Menu").get_by_role("link", name="My clients").click()
    pat.get_by_test_id("client-row").filter(has_text="Morgan Subject-Walk").get_by_test_id(
        "client-link"
    ).click()
    expect(pat.get_by_test_id("client-name")).to_have_text("Morgan Subject-Walk")
    assert AuditEvent.objects.filter(
        action=RecordAction.CLIENT_VIEWED, actor=worker, object_id=str(client.pk)
    ).exists()

    # The IG lead finds the record's access log by exact family name and date of birth.
    ig = _signed_in(browser, base, ig_lead)
    ig.get_by_test_id("role-ig_lead").get_by_role("link", name="Who has accessed a record").click()
    expect(ig.get_by_role("heading", name="Find a record's access log")).to_be_visible()
    ig.get_by_label("Family name").fill("Subject-Walk")
    ig.get_by_label("Date of birth").fill(BIRTH_DATE.isoformat())
    ig.get_by_role("button", name="Find").click()
    expect(ig.get_by_role("heading", name="1 record found")).to_be_visible()
    ig.get_by_role("link", name=client.reference, exact=True).click()
    expect(ig.get_by_role("heading", name="Who has accessed this record")).to_be_visible()
    expect(ig.get_by_test_id("access-log")).to_contain_text(worker.display_name)

    # It logs the subject access request from the access log.
    ig.get_by_test_id("log-rights-request").click()
    expect(ig.get_by_role("heading", name="Log a request from the person")).to_be_visible()
    ig.get_by_label("Subject access request", exact=True).check()
    ig.get_by_label("How did it arrive?").select_option(label="Letter")
    ig.get_by_label("Date received").fill((TODAY - datetime.timedelta(days=3)).isoformat())
    ig.get_by_label("Requester's name").fill("Morgan Subject-Walk")
    ig.get_by_label("What they ask for").fill("A copy of everything you hold about me")
    ig.get_by_role("button", name="Log the request").click()
    expect(ig.get_by_text("Request logged")).to_be_visible()
    case = DisclosureCase.objects.get()
    assert case.client == client
    assert case.due_on is not None
    clock = ig.get_by_test_id("clock")
    expect(clock.get_by_test_id("due")).to_contain_text(_long_date(case.due_on))

    # The clock stops while the requester's identity is awaited, and restarts on verification.
    clock.get_by_test_id("clock-stop-link").click()
    ig.get_by_label("Waiting for evidence of identity or authority").check()
    ig.get_by_test_id("submit").click()
    expect(ig.get_by_text("The clock is stopped until what you asked for arrives")).to_be_visible()
    expect(clock.get_by_test_id("due")).to_contain_text("The clock is stopped")
    ig.get_by_test_id("verify-link").click()
    ig.get_by_label("Identity documents seen (subject access)").check()
    ig.get_by_label("Details", exact=True).fill("Passport and a utility bill seen at reception")
    ig.get_by_role("button", name="Record verification").click()
    expect(ig.get_by_text("Verification recorded")).to_be_visible()
    case.refresh_from_db()
    assert case.due_on is not None
    expect(clock.get_by_test_id("due")).not_to_contain_text("The clock is stopped")
    expect(clock.get_by_test_id("due")).to_contain_text(_long_date(case.due_on))
    expect(clock.get_by_test_id("pause")).to_contain_text(f"to {TODAY.day} {TODAY:%b %Y}")

    # Decide: the plain entry goes; the flagged ones are left out, each with its exemption.
    ig.get_by_test_id("decide-link").click()
    expect(ig.get_by_role("heading", name="Decide the subject access request")).to_be_visible()
    included = ig.get_by_test_id("included-row")
    expect(included).to_have_count(1)
    expect(included).to_contain_text("Drop-in visit")
    exempt = ig.get_by_test_id("exempt-row")
    expect(exempt).to_have_count(2)
    expect(exempt.filter(has_text=WITHHELD_TITLE)).to_contain_text("Withheld from subject access")
    expect(exempt.filter(has_text=THIRD_PARTY_TITLE)).to_contain_text("Third-party information")
    ig.get_by_label("How the search was made, and anything to note").fill(
        "Searched every service's records by name and date of birth"
    )
    ig.get_by_role("button", name="Record the decision").click()
    expect(ig.get_by_text("the bundle is ready to release")).to_be_visible()
    exemptions = ig.get_by_test_id("exemption")
    expect(exemptions).to_have_count(2)
    expect(exemptions.filter(has_text=WITHHELD_TITLE)).to_contain_text(
        "Withheld from subject access"
    )
    expect(exemptions.filter(has_text=THIRD_PARTY_TITLE)).to_contain_text(
        "Information about or from a third party"
    )

    # Release as the encrypted bundle: the person asked, so there is no "client told" question.
    ig.get_by_test_id("release-link").click()
    expect(ig.get_by_text("Has the client been told?")).to_have_count(0)
    ig.get_by_label("Encrypted, password-protected PDF bundle").check()
    ig.get_by_role("button", name="Release and log it").click()
    password = ig.get_by_test_id("bundle-password").inner_text().strip()
    assert password
    ig.get_by_role("link", name="Back to the request").click()
    expect(ig.get_by_test_id("case-status")).to_have_text("Released")
    with ig.expect_download() as download_info:
        ig.get_by_test_id("release").get_by_test_id("bundle-link").click()
    pdf = download_info.value.path().read_bytes()

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted
    assert reader.decrypt(password) != 0
    # Justified lines come out with doubled spaces: compare words, not layout.
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert PLAIN_BODY in text
    for left_out in (
        WITHHELD_TITLE,
        WITHHELD_BODY,
        WITHHELD_REASON,
        THIRD_PARTY_TITLE,
        THIRD_PARTY_BODY,
        THIRD_PARTY_SOURCE,
    ):
        assert left_out not in text
    assert "Who has accessed your record" in text
    assert f"{worker.display_name}: Client record viewed" in text  # the page view above
    assert "What we have disclosed about you" in text
    ig.screenshot(path=str(ARTIFACTS / "subject_access_case.png"), full_page=True)

    # The request is closed: no longer among the IG lead's open requests.
    case.refresh_from_db()
    assert case.status == CaseStatus.RELEASED
    ig.goto(f"{base}/")
    expect(ig.get_by_test_id("no-deadlines")).to_be_visible()
    expect(ig.locator("main")).not_to_contain_text(client.reference)
    ig.goto(f"{base}/disclosures/deadlines/")
    expect(ig.get_by_test_id("deadline-row")).to_have_count(0)
    expect(ig.get_by_test_id("no-deadlines")).to_be_visible()
