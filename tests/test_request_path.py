"""What every signed-in request pays, and that the shortcuts taken for it keep their answers.

The session's user comes with their roles, teams, unread count and confirmed authenticators in
one query (``accounts.backends``); django-otp's check reads those (``SessionUserOTPMiddleware``);
a record's page reads the user's grants and blocking declarations with the record
(``records.policy.with_access_facts``); the audit event is one statement after the lock, written
after the page is rendered. These tests hold the query budgets the benchmarks measure at scale
and check each shortcut gives the answer the long way gives.
"""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext

from accounts.audit import verify_chain
from accounts.models import AuditEvent, Notification, Team, TOTPDevice, User
from accounts.notifications import notify
from records import policy
from records.models import Client
from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory, allocate, make_client
from tests.records.test_policy import _restrict

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _statements(browser: Browser, path: str) -> tuple[int, list[str]]:
    browser.get(path)  # the first request of a session writes it; measure a later one
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(path)
    assert response.status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    return len([s for s in sql if not s.startswith(TRANSACTION_CONTROL)]), sql


@pytest.fixture
def team() -> Team:
    return TeamFactory.create(name="North")


@pytest.fixture
def worker(team: Team) -> User:
    user = UserFactory.create(username="pat", roles=["practitioner"])
    user.teams.set([team])
    return user


@pytest.fixture
def caseload(team: Team, worker: User) -> list[Client]:
    clients = [make_client(team) for _ in range(25)]
    for client in clients:
        allocate(client, worker)
    return clients


def _browser(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def test_the_caseload_costs_five_queries_whatever_its_length(
    worker: User, caseload: list[Client]
) -> None:
    count, sql = _statements(_browser(worker), "/records/")
    assert count <= 5, "\n".join(sql)
    event = AuditEvent.objects.filter(action="clients.list_viewed").first()
    assert event is not None
    assert len(event.detail["shown"]) == 25


def test_a_client_page_costs_six_queries_with_its_audit_write(
    worker: User, caseload: list[Client]
) -> None:
    count, sql = _statements(_browser(worker), f"/records/{caseload[0].uuid}/")
    assert count <= 6, "\n".join(sql)
    # One round trip for the event and the chain head together, and the chain still verifies.
    assert sum('INSERT INTO "accounts_auditevent"' in s for s in sql) == 1
    assert not any(s.startswith('UPDATE "accounts_auditchainhead"') for s in sql)
    assert verify_chain().intact


def test_roles_and_teams_read_with_the_session_user_match_the_long_way(team: Team) -> None:
    south = TeamFactory.create(name="South")
    manager = UserFactory.create(username="mo", roles=["manager", "practitioner"])
    manager.teams.set([team, south])
    browser = _browser(manager)
    response = browser.get("/")
    user = response.wsgi_request.user
    assert isinstance(user, User)
    fresh = User.objects.get(pk=manager.pk)
    assert user.role_names == fresh.role_names == {"manager", "practitioner"}
    assert policy._team_ids(user) == sorted(fresh.teams.values_list("pk", flat=True))
    # The header offers what both roles give.
    page = response.content.decode()
    assert "My clients" in page
    assert 'href="/records/team/"' in page


def test_the_header_counts_unread_notifications_and_forgets_the_count_once_some_are_read(
    worker: User,
) -> None:
    notify([worker], key="a", message="First thing", url="/")
    notify([worker], key="b", message="Second thing", url="/")
    browser = _browser(worker)
    assert "Notifications (2)" in browser.get("/").content.decode()
    opened = Notification.objects.filter(user=worker, key="a").get()
    browser.get(f"/account/notifications/{opened.uuid}/")
    assert "Notifications (1)" in browser.get("/").content.decode()
    page = browser.post("/account/notifications/read/", follow=True).content.decode()
    assert "Notifications (" not in page


def test_a_session_whose_authenticator_was_removed_is_no_longer_verified(worker: User) -> None:
    browser = _browser(worker)
    assert browser.get("/records/").status_code == 200
    TOTPDevice.objects.filter(user=worker).update(confirmed=False)
    response = browser.get("/records/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/")  # back to the second factor


def test_a_session_with_another_users_device_is_not_verified(worker: User, team: Team) -> None:
    other = UserFactory.create(username="sam", roles=["practitioner"])
    browser = _browser(worker)
    theirs = TOTPDevice.objects.create(user=other, name="theirs", confirmed=True)
    session = browser.session
    session["otp_device_id"] = theirs.persistent_id
    session.save()
    response = browser.get("/records/")
    assert response.status_code == 302


def test_access_facts_read_for_one_user_are_never_used_for_another(team: Team) -> None:
    client = make_client(team)
    allocated = UserFactory.create(username="al", roles=["practitioner"])
    allocate(client, allocated)
    barred = UserFactory.create(username="bo", roles=["practitioner"])
    barred.teams.set([team])
    _restrict(barred, client)
    read_for_allocated = policy.with_access_facts(Client.objects.filter(pk=client.pk), allocated)
    record = read_for_allocated.get()
    assert policy.decide(allocated, record).reason == policy.Reason.ALLOCATION
    assert policy.decide(barred, record).reason == policy.Reason.CONFLICT
    read_for_barred = policy.with_access_facts(Client.objects.filter(pk=client.pk), barred).get()
    assert policy.decide(barred, read_for_barred).reason == policy.Reason.CONFLICT
    assert policy.decide(allocated, read_for_barred).reason == policy.Reason.ALLOCATION


def test_disabling_an_account_removes_its_sessions_from_the_cache_too(worker: User) -> None:
    browser = _browser(worker)
    key = browser.session.session_key
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert store().exists(key)
    from accounts.services import user_deactivate

    admin = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    user_deactivate(actor=admin, user=worker, reason="Left the service")
    assert not store().exists(key)
    assert browser.get("/records/")["Location"].startswith("/account/sign-in/")


def test_the_access_log_pages_without_counting_the_whole_log(team: Team) -> None:
    client = make_client(team)
    manager = UserFactory.create(username="mo", roles=["manager"])
    manager.teams.set([team])
    browser = _browser(manager)
    for _ in range(50):
        browser.get(f"/records/{client.uuid}/")
    # 50 views, and each page of the log is itself an event about the record.
    count, sql = _statements(browser, f"/records/{client.uuid}/accesses/")
    assert not any("COUNT(" in s.upper() and "accounts_auditevent" in s for s in sql)
    assert count <= 6, "\n".join(sql)
    first = browser.get(f"/records/{client.uuid}/accesses/").content.decode()
    assert first.count('data-testid="access-row"') == 50
    assert "Older" in first
    assert "Newer" not in first
    second = browser.get(f"/records/{client.uuid}/accesses/?page=2").content.decode()
    assert 0 < second.count('data-testid="access-row"') < 50
    assert "Newer" in second
    assert "Older" not in second
    nonsense = browser.get(f"/records/{client.uuid}/accesses/?page=-3").content.decode()
    assert nonsense.count('data-testid="access-row"') == 50
    # A page past the end (an old link) shows the newest page, not "No access has been recorded".
    past_the_end = browser.get(f"/records/{client.uuid}/accesses/?page=99").content.decode()
    assert past_the_end.count('data-testid="access-row"') == 50
    assert "No access has been recorded" not in past_the_end
