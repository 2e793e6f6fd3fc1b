"""Taking records off site: asked with what, why and how kept safe; a manager of the team
approves or refuses (never their own request); the return is recorded."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client as Browser
from django.utils import timezone

from accounts.models import AuditEvent, Team, User
from records.models import Client, OffSiteRequest
from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory, allocate, make_client

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def team() -> Team:
    return TeamFactory.create(name="North")


def _member(username: str, role: str, team: Team) -> User:
    user = UserFactory.create(username=username, roles=[role])
    user.teams.add(team)
    return user


@pytest.fixture
def record(team: Team) -> Client:
    return make_client(team)


def _browser(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def _ask(**changes: str) -> dict[str, str]:
    data = {
        "what": "Printed support plan",
        "purpose": "Home visit with no signal",
        "safeguards": "Locked bag, never left in the car",
        "leave_on": TODAY.isoformat(),
        "return_by": (TODAY + datetime.timedelta(days=1)).isoformat(),
    }
    data.update(changes)
    return data


def test_a_manager_approves_and_the_return_is_recorded(team: Team, record: Client) -> None:
    pat = _member("pat", "practitioner", team)
    allocate(record, pat)
    manager = _member("morgan", "manager", team)
    asking = _browser(pat)
    assert asking.post(f"/records/{record.uuid}/off-site/", _ask()).status_code == 302
    item = OffSiteRequest.objects.get()
    assert item.status == "pending"
    assert item.requested_by == pat

    deciding = _browser(manager)
    assert record.reference in deciding.get("/records/off-site/").content.decode()
    deciding.post(
        f"/records/{record.uuid}/off-site/{item.uuid}/decide/",
        {"approve": "yes", "note": "Back by Friday"},
    )
    item.refresh_from_db()
    assert item.status == "approved"
    assert item.decided_by == manager
    asking.post(f"/records/{record.uuid}/off-site/{item.uuid}/returned/")
    item.refresh_from_db()
    assert item.status == "returned"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"off_site.requested", "off_site.decided", "off_site.returned"} <= actions
    page = asking.get(f"/records/{record.uuid}/off-site/").content.decode()
    assert "Back by Friday" in page


def test_a_manager_cannot_approve_their_own_request(team: Team, record: Client) -> None:
    manager = _member("morgan", "manager", team)
    browser = _browser(manager)
    browser.post(f"/records/{record.uuid}/off-site/", _ask())
    item = OffSiteRequest.objects.get()
    page = browser.post(
        f"/records/{record.uuid}/off-site/{item.uuid}/decide/", {"approve": "yes"}, follow=True
    )
    assert "Another manager of the record&#x27;s team must decide" in page.content.decode()
    item.refresh_from_db()
    assert item.status == "pending"


def test_a_refusal_needs_its_reason(team: Team, record: Client) -> None:
    pat = _member("pat", "practitioner", team)
    manager = _member("morgan", "manager", team)
    _browser(pat).post(f"/records/{record.uuid}/off-site/", _ask())
    item = OffSiteRequest.objects.get()
    page = _browser(manager).post(
        f"/records/{record.uuid}/off-site/{item.uuid}/decide/", {"approve": "no"}, follow=True
    )
    assert "Give the reason for refusing" in page.content.decode()
    item.refresh_from_db()
    assert item.status == "pending"


def test_a_request_in_the_past_is_refused(team: Team, record: Client) -> None:
    pat = _member("pat", "practitioner", team)
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = _browser(pat).post(
        f"/records/{record.uuid}/off-site/", _ask(leave_on=yesterday, return_by=yesterday)
    )
    assert "cannot be in the past" in response.content.decode()
    assert not OffSiteRequest.objects.exists()


def test_a_practitioner_cannot_decide(team: Team, record: Client) -> None:
    pat = _member("pat", "practitioner", team)
    other = _member("olive", "practitioner", team)
    _browser(pat).post(f"/records/{record.uuid}/off-site/", _ask())
    item = OffSiteRequest.objects.get()
    response = _browser(other).post(
        f"/records/{record.uuid}/off-site/{item.uuid}/decide/", {"approve": "yes"}
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == "pending"
