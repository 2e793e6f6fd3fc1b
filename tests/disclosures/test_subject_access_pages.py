"""Subject access and rights pages through Django's test client: the IG lead logs a request from
the record's access log, sees its deadline on their home page, runs the clock with clear refusals,
decides a subject access request seeing what is left out and why, and answers a rights
request."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client as Browser
from django.utils import timezone

from accounts.models import AuditEvent, User
from disclosures import rights, services
from disclosures.models import CaseStatus, DisclosureCase, RequestKind
from tests.conftest import sign_in_fully
from tests.disclosures import test_workflow
from tests.disclosures.test_workflow import World

pytestmark = pytest.mark.django_db

world = test_workflow.world

TODAY = timezone.localdate()


def _browser(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def _log(browser: Browser, w: World, **changes: str) -> DisclosureCase:
    data = {
        "kind": RequestKind.SUBJECT_ACCESS,
        "channel": "letter",
        "urgency": "routine",
        "received_on": (TODAY - datetime.timedelta(days=20)).isoformat(),
        "requester_name": "Robin Disclosed",
        "asked_for": "A copy of my records",
        **changes,
    }
    response = browser.post(f"/disclosures/new/{w.client.uuid}/", data)
    assert response.status_code == 302, response.content.decode()
    return DisclosureCase.objects.get(uuid=response["Location"].split("/")[-2])


def test_the_ig_lead_logs_a_request_from_the_access_log_and_sees_its_deadline(
    world: World,
) -> None:
    browser = _browser(world.ig)
    accesses = browser.get(f"/records/{world.client.uuid}/accesses/").content.decode()
    assert f"/disclosures/new/{world.client.uuid}/" in accesses
    form = browser.get(f"/disclosures/new/{world.client.uuid}/").content.decode()
    assert "Subject access request" in form
    assert "Police: prevention or detection of crime" not in form  # the person's requests only
    refused = browser.post(
        f"/disclosures/new/{world.client.uuid}/",
        {"kind": RequestKind.POLICE, "channel": "letter", "received_on": TODAY.isoformat()},
    )
    assert refused.status_code == 200
    assert not DisclosureCase.objects.exists()
    case = _log(browser, world)
    assert case.due_on == rights.compute_due(case)
    assert case.due_on is not None
    home = browser.get("/").content.decode()
    assert case.client.reference in home
    assert case.due_on.strftime("%-d %b %Y") in home
    days = (case.due_on - TODAY).days
    assert f"{days} day{'s' if days != 1 else ''} left" in home
    page = browser.get("/disclosures/deadlines/").content.decode()
    assert f"/disclosures/{case.uuid}/" in page
    assert "Robin" not in page  # a list of references and dates, no names
    # Practitioners log one too, from the record; the IG lead still runs it.
    staff_case = _log(_browser(world.worker), world, kind=RequestKind.ERASURE)
    assert (
        f"/disclosures/{staff_case.uuid}/"
        in browser.get("/disclosures/deadlines/").content.decode()
    )


def test_the_clock_pages_refuse_bad_input_with_a_message_and_save_nothing(world: World) -> None:
    browser = _browser(world.ig)
    case = _log(browser, world)
    url = f"/disclosures/{case.uuid}/clock/stop/"
    response = browser.post(url, {"reason": "identity", "started_on": "2000-01-01"})
    assert "cannot be before the request was received" in response.content.decode()
    assert not case.pauses.exists()
    response = browser.post(url, {"started_on": TODAY.isoformat()})
    assert "Say what you are waiting for" in response.content.decode()
    assert (
        browser.post(url, {"reason": "identity", "started_on": TODAY.isoformat()}).status_code
        == 302
    )
    page = browser.get(f"/disclosures/{case.uuid}/").content.decode()
    assert "The clock is stopped" in page
    assert "still waiting" in page
    assert f"Stopped the clock from {TODAY.isoformat()}" in page  # in the case's history
    response = browser.post(
        f"/disclosures/{case.uuid}/clock/extend/",
        {"months": "2", "reason": "", "told_on": TODAY.isoformat()},
    )
    assert "Say why the request is complex" in response.content.decode()
    case.refresh_from_db()
    assert case.extension_months == 0
    # Verifying the requester's identity restarts the clock.
    browser.post(
        f"/disclosures/{case.uuid}/verify/",
        {"method": "identity_documents", "note": "Passport seen"},
    )
    case.refresh_from_db()
    assert case.due_on is not None
    assert case.pauses.get().ended_on == TODAY
    # A practitioner who may open the record sees the case, not the clock's controls.
    worker = _browser(world.worker)
    assert worker.get(f"/disclosures/{case.uuid}/").status_code == 200
    assert worker.get(url).status_code == 403


def test_the_subject_access_decision_shows_what_is_left_out_and_the_case_keeps_it(
    world: World,
) -> None:
    browser = _browser(world.ig)
    case = _log(browser, world)
    page = browser.get(f"/disclosures/{case.uuid}/subject-access/").content.decode()
    assert "Plain note" in page
    assert "Doctor&#x27;s letter" in page
    assert "Given in confidence" in page  # the exemption's note, for the IG lead
    response = browser.post(f"/disclosures/{case.uuid}/subject-access/", {"reasons": ""})
    assert "Say how the search was made" in response.content.decode()
    assert not case.proposals.exists()
    response = browser.post(
        f"/disclosures/{case.uuid}/subject-access/", {"reasons": "Searched all services"}
    )
    assert response.status_code == 302
    page = browser.get(f"/disclosures/{case.uuid}/").content.decode()
    assert 'data-testid="exemption"' in page
    assert "Withheld from subject access" in page
    event = AuditEvent.objects.filter(action="disclosure.viewed", detail__page="case").last()
    assert event is not None
    assert str(world.plain.uuid) in event.detail["entries_shown"]
    case.refresh_from_db()
    assert case.status == CaseStatus.READY
    release = browser.get(f"/disclosures/{case.uuid}/release/").content.decode()
    assert "Has the client been told?" not in release  # they asked for it
    # The record's practitioner sees the case, not what the bundle holds.
    seen = _browser(world.worker).get(f"/disclosures/{case.uuid}/").content.decode()
    assert 'data-testid="subject-access-summary"' in seen
    assert "Plain note" not in seen
    assert "Given in confidence" not in seen


def test_a_rights_request_is_answered_on_its_page(world: World) -> None:
    browser = _browser(world.ig)
    case = _log(browser, world, kind=RequestKind.OBJECTION)
    response = browser.post(f"/disclosures/{case.uuid}/answer/", {"outcome": "done", "reasons": ""})
    assert "Give the reasons for the outcome" in response.content.decode()
    response = browser.post(
        f"/disclosures/{case.uuid}/answer/", {"outcome": "done", "reasons": "Stopped mailings"}
    )
    assert "Verify the requester" in response.content.decode()
    services.case_verify(actor=world.ig, case=case, method="letterhead", note="Signed letter")
    response = browser.post(
        f"/disclosures/{case.uuid}/answer/", {"outcome": "done", "reasons": "Stopped mailings"}
    )
    assert response.status_code == 302
    page = browser.get(f"/disclosures/{case.uuid}/").content.decode()
    assert "Outcome: done as asked" in page
    assert "Answered: done as asked" in page  # in the case's history
    assert "Stopped mailings" in page
    assert "in time" in page
    assert (
        f"/disclosures/{case.uuid}/" not in browser.get("/disclosures/deadlines/").content.decode()
    )


def test_an_overdue_request_says_so_on_the_ig_leads_home_page(world: World) -> None:
    browser = _browser(world.ig)
    case = _log(browser, world)
    DisclosureCase.objects.filter(pk=case.pk).update(due_on=TODAY - datetime.timedelta(days=3))
    home = browser.get("/").content.decode()
    assert "Overdue by 3 days" in home
    DisclosureCase.objects.filter(pk=case.pk).update(due_on=TODAY)
    assert "Due today" in browser.get("/disclosures/deadlines/").content.decode()
