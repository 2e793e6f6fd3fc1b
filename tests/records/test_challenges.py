"""Challenges to accuracy: recorded in the client's words, then either a corrected version or
the client's view noted with the reasons for not altering; shown with the entry either way."""

from __future__ import annotations

import pytest
from django.test import Client as Browser

from accounts.models import AuditEvent, Team, User
from records.models import Challenge, Client, Entry
from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory, allocate, make_client, make_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def team() -> Team:
    return TeamFactory.create(name="North")


@pytest.fixture
def pat(team: Team) -> User:
    user = UserFactory.create(username="pat", roles=["practitioner"])
    user.teams.add(team)
    return user


@pytest.fixture
def record(team: Team, pat: User) -> Client:
    client = make_client(team)
    allocate(client, pat)
    return client


@pytest.fixture
def entry(record: Client, pat: User) -> Entry:
    return make_entry(record, pat, title="Home visit", body="Visited on Tuesday; flat untidy.")


@pytest.fixture
def browser(pat: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, pat)
    return browser


def _url(entry: Entry, tail: str = "") -> str:
    return f"/records/{entry.client.uuid}/entries/{entry.uuid}/{tail}"


def _challenge(browser: Browser, entry: Entry) -> Challenge:
    response = browser.post(
        _url(entry, "challenges/new/"),
        {"raised_on": "2026-11-10", "client_view": "The visit was on Wednesday, not Tuesday."},
    )
    assert response.status_code == 302
    return Challenge.objects.get()


def test_a_challenge_is_shown_with_the_entry_until_decided(browser: Browser, entry: Entry) -> None:
    challenge = _challenge(browser, entry)
    page = browser.get(_url(entry)).content.decode()
    assert "The visit was on Wednesday, not Tuesday." in page
    assert "Waiting for a decision" in page
    record = browser.get(f"/records/{entry.client.uuid}/").content.decode()
    assert "Challenged" in record
    event = AuditEvent.objects.get(action="challenge.recorded")
    assert event.detail["challenge"] == str(challenge.uuid)
    assert "Wednesday" not in str(event.detail)


def test_upholding_a_challenge_makes_a_corrected_version(
    browser: Browser, entry: Entry, pat: User
) -> None:
    challenge = _challenge(browser, entry)
    response = browser.post(
        _url(entry, f"challenges/{challenge.uuid}/"),
        {
            "action": "correct",
            "correct-occurred_on": "2026-11-04",
            "correct-title": "Home visit",
            "correct-body": "Visited on Wednesday; flat untidy.",
            "correct-correction_note": "Day of the visit",
        },
    )
    assert response.status_code == 302
    challenge.refresh_from_db()
    entry.refresh_from_db()
    assert challenge.outcome == "corrected"
    assert challenge.corrected_version == entry.current_version
    assert entry.version_count == 2
    version = entry.current_version
    assert version is not None
    version.entry = entry
    assert version.body == "Visited on Wednesday; flat untidy."
    assert version.amendment_reason.startswith("Corrected after the client's challenge")
    history = browser.get(_url(entry, "history/")).content.decode()
    assert "Visited on Tuesday; flat untidy." in history  # the original stays
    page = browser.get(_url(entry)).content.decode()
    assert "Corrected" in page
    assert "The visit was on Wednesday, not Tuesday." in page
    actions = list(
        AuditEvent.objects.filter(actor=pat).order_by("seq").values_list("action", flat=True)
    )
    decided = actions.index("challenge.decided")
    assert actions[decided - 1] == "entry.amended"  # the correction, in the same action


def test_not_altering_keeps_the_entry_and_shows_the_clients_view(
    browser: Browser, entry: Entry
) -> None:
    challenge = _challenge(browser, entry)
    browser.post(
        _url(entry, f"challenges/{challenge.uuid}/"),
        {"action": "keep", "keep-note": "The visit log and the client's text confirm Tuesday."},
    )
    challenge.refresh_from_db()
    entry.refresh_from_db()
    assert challenge.outcome == "not_altered"
    assert entry.version_count == 1
    page = browser.get(_url(entry)).content.decode()
    assert "Not altered" in page
    assert "The visit was on Wednesday, not Tuesday." in page
    assert "The visit log and the client&#x27;s text confirm Tuesday." in page
    # A decided challenge cannot be decided again.
    assert browser.get(_url(entry, f"challenges/{challenge.uuid}/")).status_code == 404


def test_a_decision_needs_its_reasons(browser: Browser, entry: Entry) -> None:
    challenge = _challenge(browser, entry)
    response = browser.post(_url(entry, f"challenges/{challenge.uuid}/"), {"action": "keep"})
    assert "Enter the reasons for not altering the entry" in response.content.decode()
    challenge.refresh_from_db()
    assert challenge.outcome == "pending"


def test_a_challenge_needs_the_clients_words(browser: Browser, entry: Entry) -> None:
    response = browser.post(_url(entry, "challenges/new/"), {"raised_on": "2999-01-01"})
    text = response.content.decode()
    assert "The date cannot be in the future" in text
    assert "Say what the client says is wrong" in text
    assert not Challenge.objects.exists()


def test_admin_staff_cannot_record_challenges(team: Team, entry: Entry) -> None:
    adam = UserFactory.create(username="adam", roles=["admin_staff"])
    adam.teams.add(team)
    browser = Browser()
    sign_in_fully(browser, adam)
    assert browser.get(_url(entry, "challenges/new/")).status_code == 403
