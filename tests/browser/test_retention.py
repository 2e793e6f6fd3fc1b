"""Retention and disposal in headless Chromium, through the real pages: the IG lead opens Retention
from the header, finds a record the sweep flagged in the disposal reviews, approves its destruction
(after being stopped for not ticking "I understand"), and finds its disposal certificate listed."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from records.models import ClientStatus
from retention.models import DisposalCertificate, DisposalReview
from retention.sweep import run_sweep
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_disclosures import _signed_in
from tests.factories import TeamFactory, UserFactory, allocate, enrol, make_client, make_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_retention(page: Page) -> None:
    menu = page.get_by_role("navigation", name="Menu")
    link = menu.get_by_role("link", name="Retention", exact=True)
    if not link.is_visible():  # a narrow window folds the header's links into "More"
        menu.get_by_role("button", name=re.compile("More")).click()
    link.click()
    expect(page.get_by_role("heading", name="Retention and disposal", level=1)).to_be_visible()


def test_the_ig_lead_destroys_a_flagged_record_and_finds_its_certificate(
    live_server, browser: Browser
) -> None:
    base = live_server.url
    team = TeamFactory.create(name="North housing support")
    worker = UserFactory.create(username="pat", roles=["practitioner"])
    worker.teams.add(team)
    lead: User = UserFactory.create(
        username="isla", first_name="Isla", last_name="Tester", roles=["ig_lead"]
    )
    enrol(lead)
    client = make_client(team, given_name="Jordan", family_name="Disposal-Walk")
    client.status, client.closed_on = ClientStatus.CLOSED, datetime.date(2010, 3, 1)
    client.save()
    allocate(client, worker)
    make_entry(client, worker)
    run_sweep()  # the nightly sweep flags it: closed more than 8 years ago
    review = DisposalReview.objects.get(client=client)

    page = _signed_in(browser, base, lead)
    _open_retention(page)
    expect(page.get_by_test_id("sweep-progress")).to_contain_text("1 flagged")
    page.get_by_test_id("reviews-link").click()
    expect(page.get_by_role("heading", name="Disposal reviews")).to_be_visible()
    page.get_by_test_id("review-queue").get_by_role("link", name=client.reference).click()
    expect(page.get_by_role("heading", name="Disposal review")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Waiting for review")
    page.get_by_test_id("approve").click()

    # Not ticking "I understand" stops it, with the message in the error summary.
    expect(page.get_by_role("heading", name="Approve destruction")).to_be_visible()
    page.get_by_role("button", name="Destroy the record").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Confirm that you understand destruction cannot be undone")
    summary.get_by_role("link").click()
    checkbox = page.get_by_label("I understand that destruction cannot be undone")
    expect(checkbox).to_be_focused()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "retention_approve_unticked.png"), full_page=True)
    assert not DisposalCertificate.objects.exists()

    checkbox.check()
    page.get_by_role("button", name="Destroy the record").click()
    message = page.get_by_text(re.compile(r"Record destroyed\. Disposal certificate DC-\d{6}"))
    expect(message).to_be_visible()
    certificate = DisposalCertificate.objects.get()
    expect(message).to_contain_text(f"Disposal certificate {certificate.reference} is kept.")
    expect(page.get_by_test_id("status")).to_have_text("Destroyed")
    review.refresh_from_db()
    assert review.status == DisposalReview.Status.DESTROYED
    page.screenshot(path=str(ARTIFACTS / "retention_destroyed.png"), full_page=True)

    _open_retention(page)
    page.get_by_role("link", name="Disposal certificates").click()
    row = page.get_by_test_id("certificate-row").filter(has_text=certificate.reference)
    expect(row).to_contain_text(f"Record {client.reference}")
    expect(page.get_by_test_id("certificates")).not_to_contain_text("Jordan")
    page.screenshot(path=str(ARTIFACTS / "retention_certificates.png"), full_page=True)
    row.get_by_role("link", name=certificate.reference).click()
    expect(page.get_by_test_id("record-reference")).to_have_text(
        f"{client.reference}, North housing support"
    )
