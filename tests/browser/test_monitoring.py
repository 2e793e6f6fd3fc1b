"""Access monitoring in headless Chromium, through the real pages: the nightly job finds a
practitioner's late-night access; a member of the data team finds it from the header, reads the
evidence, marks it a suspected breach, and a breach report filled in with that evidence is on the
register. The same data-team member still cannot open the record's entries."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts.audit import append_event
from accounts.models import AuditEvent, Team, User
from breaches.models import Breach
from monitoring.models import Finding, FindingStatus
from monitoring.tasks import evaluate_rules
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_disclosures import _signed_in
from tests.factories import TeamFactory, UserFactory, allocate, enrol, make_client, make_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _person(username: str, first: str, role: str, team: Team | None = None) -> User:
    user = UserFactory.create(username=username, first_name=first, last_name="Tester", roles=[role])
    if team is not None:
        user.teams.add(team)
    enrol(user)
    return user


def test_the_data_team_turns_a_finding_into_a_breach_report_without_seeing_the_record(
    live_server, browser: Browser
) -> None:
    base = live_server.url
    team = TeamFactory.create(name="North talking therapies")
    worker = _person("pat", "Pat", "practitioner", team)
    analyst = _person("dana", "Dana", "data_team", team)
    _person("isla", "Isla", "ig_lead")
    client = make_client(team, given_name="Jordan", family_name="Latenight")
    allocation = allocate(client, worker)
    allocation.started_at = timezone.now() - timedelta(days=30)
    allocation.save()
    entry = make_entry(client, worker, title="Session four", body="Talked about the harbour")

    # Late last night, Pat opened the record and an entry (the audit trail as the views write it).
    late = datetime.combine(
        timezone.localdate() - timedelta(days=1), time(23, 40), tzinfo=ZoneInfo("Europe/London")
    )
    for minute, action in enumerate(("client.viewed", "entry.viewed")):
        append_event(
            AuditEvent(
                actor=worker,
                action=action,
                outcome="success",
                object_type="records.client",
                object_id=str(client.pk),
                reason="allocation",
            ),
            occurred_at=late + timedelta(minutes=minute),
        )
    evaluate_rules()  # the nightly job
    finding = Finding.objects.get()

    dana = _signed_in(browser, base, analyst)
    dana.get_by_role("link", name="Access monitoring", exact=True).click()
    row = dana.get_by_test_id("finding-row").filter(has_text=finding.reference)
    expect(row).to_contain_text("Pat Tester")
    expect(row).to_contain_text(client.reference)
    expect(row).to_contain_text("Access outside working hours")
    expect(row).to_contain_text("2 accesses to 1 record outside 08:00 to 18:00")
    row.get_by_role("link", name=finding.reference).click()

    expect(dana.get_by_role("heading", name="Access outside working hours")).to_be_visible()
    evidence = dana.get_by_test_id("evidence")
    expect(evidence).to_contain_text("Entry viewed")
    expect(evidence).to_contain_text("Allocated worker")
    expect(evidence).to_contain_text(client.reference)
    expect(dana.get_by_text("Talked about the harbour")).to_have_count(0)

    # Judge it: no reason given on the rota for a late-night look.
    dana.get_by_role("button", name="Save the review").click()
    expect(dana.get_by_test_id("review-form")).to_contain_text(
        "Choose legitimate, needs follow-up or suspected breach"
    )
    dana.get_by_label("Suspected breach").check()
    dana.get_by_label("Notes").fill("Not on call that night; no visit planned")
    ARTIFACTS.mkdir(exist_ok=True)
    dana.screenshot(path=str(ARTIFACTS / "monitoring_review.png"), full_page=True)
    dana.get_by_role("button", name="Save the review").click()
    expect(
        dana.get_by_text(re.compile(r"Reported to the breach register as BR-\d+"))
    ).to_be_visible()
    expect(dana.get_by_test_id("finding-status")).to_contain_text("Suspected breach")

    breach = Breach.objects.get()
    finding.refresh_from_db()
    assert (finding.status, finding.breach) == (FindingStatus.SUSPECTED_BREACH, breach)
    assert list(breach.clients.all()) == [client]
    assert finding.reference in breach.what_happened
    assert "Not on call that night" in breach.what_happened
    assert breach.staff_involved == "Pat Tester"

    # The breach report she made, from the finding's link.
    dana.get_by_test_id("finding-breach").get_by_role("link").click()
    expect(dana.get_by_test_id("breach-reference")).to_have_text(f"Breach {breach.reference}")

    # Monitoring never opened the record to her: its entries stay shut.
    response = dana.goto(f"{base}/records/{client.uuid}/entries/{entry.uuid}/")
    assert response is not None
    assert response.status == 404
    expect(dana.get_by_text("Talked about the harbour")).to_have_count(0)
    response = dana.goto(f"{base}/records/{client.uuid}/")
    assert response is not None
    assert response.status == 404
