"""Who has accessed this record: every access event for the client, newest first, with reasons,
for the record's manager and the IG lead; nobody else may know it exists."""

from __future__ import annotations

import pytest
from django.test import Client as Browser

from accounts.models import AuditEvent, Team, User
from records import services
from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory, allocate, make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def team() -> Team:
    return TeamFactory.create(name="North")


def _member(username: str, role: str, *teams: Team) -> User:
    user = UserFactory.create(username=username, roles=[role])
    user.teams.set(teams)
    return user


def _browser(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def test_the_manager_sees_every_access_with_its_reason(team: Team) -> None:
    client = make_client(team, nhs_number="943 476 5919")
    pat = _member("pat", "practitioner", team)
    allocate(client, pat)
    outsider = _member("olly", "practitioner", TeamFactory.create(name="South"))
    _browser(pat).get(f"/records/{client.uuid}/")
    outsider_browser = _browser(outsider)
    outsider_browser.get(f"/records/{client.uuid}/")  # refused
    services.break_glass(actor=outsider, client=client, reason="Crisis line called about them")
    outsider_browser.get(f"/records/{client.uuid}/")

    manager = _member("morgan", "manager", team)
    page = _browser(manager).get(f"/records/{client.uuid}/accesses/")
    assert page.status_code == 200
    text = page.content.decode()
    rows = text.split('data-testid="access-row"')[1:]
    assert "Client record viewed" in rows[0]  # newest first: the outsider's break-the-glass view
    assert "Break the glass" in rows[0]
    assert "Refused: no grant" in text
    assert "Allocated worker" in text
    assert pat.display_name in text
    assert outsider.display_name in text
    event = AuditEvent.objects.get(action="client.access_log_viewed")
    assert event.reason == "team_manager"
    assert event.object_id == str(client.pk)


def test_the_ig_lead_finds_any_record_and_sees_who_not_what(team: Team) -> None:
    client = make_client(team, family_name="Asking", nhs_number="943 476 5919")
    isla = _member("isla", "ig_lead", TeamFactory.create(name="Governance"))
    browser = _browser(isla)
    found = browser.post("/records/access-log/", {"nhs_number": "9434765919"}).content.decode()
    assert client.reference in found
    assert "Asking" not in found
    assert browser.get(f"/records/{client.uuid}/accesses/").status_code == 200
    assert browser.get(f"/records/{client.uuid}/").status_code == 404  # not the record itself
    assert AuditEvent.objects.get(action="client.access_log_viewed").reason == "ig_duty"
    searched = AuditEvent.objects.get(action="clients.searched", actor=isla)
    assert searched.detail["shown"] == [client.pk]
    assert "9434765919" not in str(searched.detail)


def test_others_cannot_know_the_log_exists(team: Team) -> None:
    client = make_client(team)
    pat = _member("pat", "practitioner", team)
    allocate(client, pat)
    browser = _browser(pat)
    assert browser.get(f"/records/{client.uuid}/accesses/").status_code == 404
    assert browser.post("/records/access-log/", {"reference": client.reference}).status_code == 403
    assert AuditEvent.objects.filter(action="client.access_denied", actor=pat).exists()


def test_a_restricted_ig_lead_cannot_read_that_log(team: Team) -> None:
    client = make_client(team)
    isla = _member("isla", "ig_lead", team)
    manager = _member("morgan", "manager", team)
    declaration = services.conflict_declare(
        actor=isla, team=team, connected_person="My sister", nature="Family"
    )
    services.conflict_decide(
        actor=manager,
        declaration=declaration,
        client=client,
        decision="restricted",  # type: ignore[arg-type]
        measures="",
        reasons="Close family",
        client_consulted=False,
    )
    assert _browser(isla).get(f"/records/{client.uuid}/accesses/").status_code == 404
