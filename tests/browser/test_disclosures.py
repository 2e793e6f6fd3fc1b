"""Disclosure requests in headless Chromium, through the real pages: a police request from intake
to an encrypted bundle, a media request that cannot skip the Caldicott Guardian, and a family
enquiry without consent that the software refuses."""

from __future__ import annotations

import datetime
import io

import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import AuditEvent, Team, User
from disclosures.models import CaseStatus, DisclosureCase, Release
from records import services as record_services
from records.models import Client, EntryKind
from tests.browser.conftest import ARTIFACTS
from tests.conftest import current_code
from tests.factories import PASSWORD, TeamFactory, UserFactory, allocate, enrol, make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
CHOSEN = "Attended the drop-in on the evening in question, left at nine."
LEFT_BEHIND = "Talked about the family row and feelings about the move."


def _person(username: str, first: str, role: str, team: Team) -> User:
    user = UserFactory.create(username=username, first_name=first, last_name="Tester", roles=[role])
    user.teams.add(team)
    enrol(user)
    return user


def _signed_in(browser: Browser, base: str, user: User) -> Page:
    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Security code").fill(current_code(user))
    page.get_by_role("button", name="Sign in").click()
    declaration = page.get_by_role("heading", name="Confidentiality declaration")
    hello = page.get_by_role("heading", name=f"Hello, {user.first_name} Tester")
    expect(declaration.or_(hello)).to_be_visible()
    if declaration.is_visible():
        page.get_by_label("I have read this policy").check()
        page.get_by_role("button", name="Acknowledge and continue").click()
    expect(hello).to_be_visible()
    return page


def _entry(client: Client, author: User, title: str, body: str) -> None:
    record_services.entry_create(
        actor=author,
        client=client,
        kind=EntryKind.CONTACT_NOTE,
        content=record_services.EntryContent(
            occurred_on=TODAY - datetime.timedelta(days=2),
            title=title,
            body=body,
            special_categories=[],
        ),
    )


def _log_request(page: Page, base: str, client: Client, **fields: str) -> None:
    page.goto(f"{base}/records/{client.uuid}/")
    page.get_by_test_id("log-request-link").click()
    expect(page.get_by_test_id("call-back-prompt")).to_contain_text("will be called back")
    page.get_by_label(fields.pop("kind"), exact=True).check()
    if "body" in fields:
        page.get_by_label("Who is asking?").select_option(label=fields.pop("body"))
    page.get_by_label("How did it arrive?").select_option(label=fields.pop("channel", "Telephone"))
    page.get_by_label("Requester's name").fill(fields.pop("name"))
    page.get_by_label("Requester's organisation").fill(fields.pop("organisation", ""))
    page.get_by_label("How to reach them").fill("Through the switchboard")
    page.get_by_label("The purpose they gave").fill(fields.pop("purpose"))
    page.get_by_label("What they ask for").fill(fields.pop("asked_for"))
    page.get_by_label("I have told the caller they will be called back").check()
    page.get_by_role("button", name="Log the request").click()
    expect(page.get_by_text("Request logged")).to_be_visible()


def _verify(page: Page) -> None:
    page.get_by_test_id("verify-link").click()
    page.get_by_label("Called back through the organisation's switchboard").check()
    page.get_by_label("Details", exact=True).fill(
        "Called the force's main number and was put through"
    )
    page.get_by_role("button", name="Record verification").click()
    expect(page.get_by_text("Verification recorded")).to_be_visible()


def test_a_police_request_goes_from_intake_to_an_encrypted_bundle_of_only_the_chosen_entry(
    live_server, browser: Browser
) -> None:
    base = live_server.url
    team = TeamFactory.create(name="North housing support")
    admin = _person("ada", "Ada", "admin_staff", team)
    worker = _person("pat", "Pat", "practitioner", team)
    guardian = UserFactory.create(
        username="cara", first_name="Cara", last_name="Tester", roles=["caldicott_guardian"]
    )
    enrol(guardian)
    client = make_client(team, given_name="Jordan", family_name="Police-Walk")
    allocate(client, worker)
    _entry(client, worker, "Drop-in attendance", CHOSEN)
    _entry(client, worker, "Key work session", LEFT_BEHIND)

    # Admin staff log the call and verify the officer by calling back through the switchboard.
    desk = _signed_in(browser, base, admin)
    _log_request(
        desk,
        base,
        client,
        kind="Police: prevention or detection of crime",
        name="DC Sam Example",
        organisation="Northshire Police",
        purpose="Investigating a burglary on the night of the 3rd",
        asked_for="Whether Jordan was at the project that evening",
    )
    _verify(desk)
    case = DisclosureCase.objects.get()
    expect(desk.get_by_test_id("decide-link")).to_have_count(0)  # admin staff do not decide

    # The allocated worker decides to share one entry's date and text, without consent.
    pat = _signed_in(browser, base, worker)
    pat.goto(f"{base}/disclosures/{case.uuid}/")
    pat.get_by_test_id("decide-link").click()
    expect(pat.get_by_test_id("consent-positions")).to_contain_text("No consent")
    pat.get_by_label("Yes", exact=True).check()
    pat.get_by_label("What would it be shared for?").select_option(
        label="Another purpose (described)"
    )
    pat.get_by_label("Without consent, the exception that justifies sharing").select_option(
        label="Preventing or detecting serious crime"
    )
    pat.get_by_label("Article 6 lawful basis").select_option(label="6(1)(c) legal obligation")
    row = pat.get_by_test_id("entry-choice").filter(has_text="Drop-in attendance")
    row.get_by_label("Date", exact=False).first.check()
    row.get_by_label("Text", exact=False).check()
    pat.get_by_label("Reasons for the decision").fill(
        "Attendance that evening is needed to investigate a serious crime; nothing else."
    )
    pat.get_by_role("button", name="Record the decision").click()
    expect(pat.get_by_text("It now waits for the Caldicott Guardian")).to_be_visible()
    expect(pat.get_by_test_id("what-will-leave")).to_contain_text(CHOSEN)
    expect(pat.get_by_test_id("what-will-leave")).not_to_contain_text(LEFT_BEHIND)
    expect(pat.get_by_test_id("release-link")).to_have_count(0)

    # The Guardian finds it on their home page, sees it side by side, and approves.
    cara = _signed_in(browser, base, guardian)
    queue = cara.get_by_test_id("queue-row")
    expect(queue).to_have_count(1)
    expect(queue).to_contain_text("Sharing without the client's consent")
    queue.get_by_test_id("queue-link").click()
    expect(cara.get_by_test_id("request")).to_contain_text("Northshire Police")
    expect(cara.get_by_test_id("verification")).to_contain_text("switchboard")
    expect(cara.get_by_test_id("consent-position")).to_contain_text("No consent")
    expect(cara.get_by_test_id("proposal-reasons")).to_contain_text("needed to investigate")
    expect(cara.get_by_test_id("what-will-leave")).to_contain_text(CHOSEN)
    cara.get_by_label("Approve the decision as proposed").check()
    cara.get_by_label("Reasons").fill("Necessary and proportionate for a serious crime.")
    cara.get_by_role("button", name="Record your decision").click()
    expect(cara.get_by_text("Your decision is recorded")).to_be_visible()
    expect(cara.get_by_test_id("queue-empty")).to_be_visible()

    # The worker releases it as the encrypted bundle and is shown the password once.
    pat.goto(f"{base}/disclosures/{case.uuid}/")
    pat.get_by_test_id("release-link").click()
    pat.get_by_label("Encrypted, password-protected PDF bundle").check()
    pat.get_by_label("No", exact=True).check()
    pat.get_by_label("If not, why not").fill("Telling Jordan could prejudice the investigation")
    pat.get_by_role("button", name="Release and log it").click()
    password = pat.get_by_test_id("bundle-password").inner_text().strip()
    assert len(password) == 24
    with pat.expect_download() as download_info:
        pat.get_by_test_id("bundle-link").click()
    pdf = open(download_info.value.path(), "rb").read()  # noqa: SIM115

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted
    assert reader.decrypt(password) != 0
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert CHOSEN in text
    assert LEFT_BEHIND not in text
    assert "Key work session" not in text
    assert "Private & Confidential, for the attention of the addressee only" in text
    assert password.encode() not in pdf

    # The case page tells the whole story; the log entry is there.
    pat.goto(f"{base}/disclosures/{case.uuid}/")
    expect(pat.get_by_test_id("case-status")).to_have_text("Released")
    history = pat.get_by_test_id("history")
    for step in ("Logged the request", "Verified the requester", "Decision 1: share", "Approved"):
        expect(history).to_contain_text(step)
    expect(pat.get_by_test_id("release")).to_contain_text("Preventing or detecting serious crime")
    pat.screenshot(path=str(ARTIFACTS / "disclosures_police_case.png"), full_page=True)
    assert Release.objects.get().released_by == worker
    assert AuditEvent.objects.filter(action="disclosure.bundle_downloaded", actor=worker).exists()


def test_a_media_request_cannot_skip_the_caldicott_guardian(live_server, browser: Browser) -> None:
    base = live_server.url
    team = TeamFactory.create(name="South family support")
    manager = _person("morgan", "Morgan", "manager", team)
    client = make_client(team, given_name="Riley", family_name="Media-Walk")
    _entry(client, manager, "Support plan", "Weekly visits")

    page = _signed_in(browser, base, manager)
    _log_request(
        page,
        base,
        client,
        kind="Media (may be a Freedom of Information request)",
        name="A journalist",
        organisation="The Daily Example",
        purpose="A story about the project",
        asked_for="Comment on Riley's support",
    )
    _verify(page)
    page.get_by_test_id("decide-link").click()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("What would it be shared for?").select_option(
        label="Another purpose (described)"
    )
    page.get_by_label("Without consent, the exception that justifies sharing").select_option(
        label="Vital interests"
    )
    page.get_by_label("Article 6 lawful basis").select_option(label="6(1)(f) legitimate interests")
    page.get_by_role("group", name="Details from the record").get_by_label(
        "Name", exact=True
    ).check()
    page.get_by_label("Reasons for the decision").fill("The family asked us to speak to the press")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("case-status")).to_have_text("With the Caldicott Guardian")
    expect(page.get_by_test_id("proposal")).to_contain_text("Media request")
    expect(page.get_by_test_id("release-link")).to_have_count(0)

    case = DisclosureCase.objects.get()
    response = page.goto(f"{base}/disclosures/{case.uuid}/release/")
    assert response is not None
    assert response.status == 403
    posted = page.request.post(f"{base}/disclosures/{case.uuid}/release/", form={})
    assert posted.status == 403  # CSRF or permission: either way, nothing leaves
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_GUARDIAN
    assert not Release.objects.exists()


def test_a_family_enquiry_without_consent_is_refused_and_told_nothing(
    live_server, browser: Browser
) -> None:
    base = live_server.url
    team = TeamFactory.create(name="East talking therapies")
    worker = _person("pat", "Pat", "practitioner", team)
    client = make_client(team, given_name="Quinn", family_name="Family-Walk")
    allocate(client, worker)
    _entry(client, worker, "Session", "Quinn does not want the family to know")

    page = _signed_in(browser, base, worker)
    _log_request(
        page,
        base,
        client,
        kind="Family or friends",
        name="Quinn's brother",
        purpose="Worried; wants to know if Quinn is coming to sessions",
        asked_for="Whether Quinn attends",
    )
    page.get_by_test_id("decide-link").click()
    expect(page.get_by_test_id("consent-positions")).to_contain_text("No consent")
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("group", name="Details from the record").get_by_label(
        "That the person uses the service, and the case's status"
    ).check()
    page.get_by_label("Without consent, the exception that justifies sharing").select_option(
        label="Vital interests"
    )
    page.get_by_label("Article 6 lawful basis").select_option(label="6(1)(d) vital interests")
    page.get_by_label("I am in doubt").check()
    page.get_by_label("Reasons for the decision").fill("He sounded very worried")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "not even that the person uses the service"
    )
    case = DisclosureCase.objects.get()
    assert case.status == CaseStatus.RECEIVED

    page.get_by_label("No", exact=True).check()
    page.get_by_label("I am in doubt").uncheck()
    page.get_by_label("Reasons for the decision").fill("No consent to share with family")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Not shared")
    expect(page.get_by_test_id("reply")).to_have_text(
        "We can neither confirm nor deny whether we hold information about the person you asked "
        "about."
    )
    assert AuditEvent.objects.filter(action="disclosure.refused_by_rule").count() == 1
    assert not Release.objects.exists()
