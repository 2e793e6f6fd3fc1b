"""Consent to share: recording (one form, several agencies), withdrawal with history, privacy
information and opt-out, and the one question disclosures ask: is there valid consent?"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client as Browser
from django.utils import timezone

from accounts.models import AuditEvent, Team, User
from records import services
from records.models import Client, Consent
from records.selectors import valid_consent
from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory, allocate, make_client

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_MONTH = TODAY - datetime.timedelta(days=30)


@pytest.fixture
def team() -> Team:
    return TeamFactory.create(name="North")


@pytest.fixture
def pat(team: Team) -> User:
    user = UserFactory.create(username="pat", roles=["practitioner"])
    user.teams.add(team)
    return user


@pytest.fixture
def client_record(team: Team, pat: User) -> Client:
    record = make_client(team, family_name="Consenting")
    allocate(record, pat)
    return record


@pytest.fixture
def browser(pat: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, pat)
    return browser


def _form(**changes: str) -> dict[str, str]:
    data = {
        "purpose": "care_coordination",
        "information": "Attendance and risk information",
        "named_kind": "agency",
        "recipient_names": "Northtown Housing Association\nCommunity Mental Health Team",
        "given_by": "client",
        "capacity_considered": "on",
        "evidence": "multi_agency_form",
        "evidence_note": "Signed form scanned to the case file",
        "given_on": LAST_MONTH.isoformat(),
    }
    data.update(changes)
    return data


def test_a_multi_agency_form_is_one_consent_over_several_agencies(
    browser: Browser, client_record: Client, pat: User
) -> None:
    response = browser.post(f"/records/{client_record.uuid}/consent/new/", _form())
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert sorted(r.name for r in consent.recipients.all()) == [
        "Community Mental Health Team",
        "Northtown Housing Association",
    ]
    assert consent.recorded_by == pat
    page = browser.get(f"/records/{client_record.uuid}/consent/").content.decode()
    assert "Northtown Housing Association" in page
    assert "In force" in page
    [event] = AuditEvent.objects.filter(action="consent.recorded")
    assert event.detail["recipients"] == 2
    assert "Northtown" not in str(event.detail)


def test_valid_consent_matches_recipient_purpose_and_dates(client_record: Client) -> None:
    form = _form(recipient_category="family_friends")
    pat = User.objects.get(username="pat")
    services.consent_record(
        actor=pat,
        client=client_record,
        details=_details(form),
    )
    ask = valid_consent
    assert ask(
        client_record, purpose="care_coordination", recipient_name="northtown housing association"
    )
    assert ask(client_record, purpose="care_coordination", recipient_category="family_friends")
    assert (
        ask(client_record, purpose="referral", recipient_name="Northtown Housing Association")
        is None
    )
    assert ask(client_record, purpose="care_coordination", recipient_name="Police") is None
    assert ask(client_record, purpose="care_coordination", recipient_category="gp") is None
    before = LAST_MONTH - datetime.timedelta(days=1)
    assert (
        ask(client_record, purpose="care_coordination", recipient_category="gp", on=before) is None
    )
    assert (
        ask(
            client_record,
            purpose="care_coordination",
            recipient_category="family_friends",
            on=before,
        )
        is None
    )


def _details(form: dict[str, str]) -> services.ConsentDetails:
    from records.forms import ConsentForm

    bound = ConsentForm(form)
    assert bound.is_valid(), bound.errors
    return bound.details()


def test_an_expired_consent_is_not_valid(client_record: Client, pat: User) -> None:
    services.consent_record(
        actor=pat,
        client=client_record,
        details=_details(_form(expires_on=(TODAY - datetime.timedelta(days=1)).isoformat())),
    )
    assert (
        valid_consent(
            client_record,
            purpose="care_coordination",
            recipient_name="Northtown Housing Association",
        )
        is None
    )


def test_withdrawal_ends_consent_and_keeps_its_history(
    browser: Browser, client_record: Client
) -> None:
    browser.post(f"/records/{client_record.uuid}/consent/new/", _form())
    consent = Consent.objects.get()
    assert valid_consent(
        client_record, purpose="care_coordination", recipient_name="Northtown Housing Association"
    )
    response = browser.post(
        f"/records/{client_record.uuid}/consent/{consent.uuid}/withdraw/",
        {"withdrawn_on": TODAY.isoformat(), "note": "Phoned to say she no longer agrees"},
    )
    assert response.status_code == 302
    assert (
        valid_consent(
            client_record,
            purpose="care_coordination",
            recipient_name="Northtown Housing Association",
        )
        is None
    )
    # Still valid for the days before the withdrawal: the history is kept, not rewritten.
    assert valid_consent(
        client_record,
        purpose="care_coordination",
        recipient_name="Northtown Housing Association",
        on=TODAY - datetime.timedelta(days=1),
    )
    page = browser.get(f"/records/{client_record.uuid}/consent/").content.decode()
    assert "Withdrawn" in page
    assert "Phoned to say she no longer agrees" in page
    assert AuditEvent.objects.filter(action="consent.withdrawn").count() == 1
    again = browser.get(f"/records/{client_record.uuid}/consent/{consent.uuid}/withdraw/")
    assert again.status_code == 404


def test_consent_needs_a_recipient_and_a_named_designated_person(
    browser: Browser, client_record: Client
) -> None:
    response = browser.post(
        f"/records/{client_record.uuid}/consent/new/",
        _form(recipient_names="", given_by="designated"),
    )
    text = response.content.decode()
    assert "Name who the client consents to sharing with" in text
    assert "Name the person who gave consent for the client" in text
    assert not Consent.objects.exists()


def test_consent_given_in_the_future_is_refused(browser: Browser, client_record: Client) -> None:
    future = (TODAY + datetime.timedelta(days=2)).isoformat()
    response = browser.post(f"/records/{client_record.uuid}/consent/new/", _form(given_on=future))
    assert "cannot be in the future" in response.content.decode()
    assert not Consent.objects.exists()


def test_admin_staff_cannot_see_or_record_consent(team: Team, client_record: Client) -> None:
    adam = UserFactory.create(username="adam", roles=["admin_staff"])
    adam.teams.add(team)
    browser = Browser()
    sign_in_fully(browser, adam)
    assert browser.get(f"/records/{client_record.uuid}/consent/").status_code == 403
    assert browser.post(f"/records/{client_record.uuid}/consent/new/", _form()).status_code == 403
    assert not Consent.objects.exists()


def test_privacy_information_and_opt_out_are_recorded(
    browser: Browser, client_record: Client
) -> None:
    browser.post(
        f"/records/{client_record.uuid}/consent/privacy/",
        {"privacy_notice_given_on": LAST_MONTH.isoformat(), "national_opt_out": "on"},
    )
    client_record.refresh_from_db()
    assert client_record.privacy_notice_given_on == LAST_MONTH
    assert client_record.national_opt_out is True
    event = AuditEvent.objects.filter(action="client.updated").latest("seq")
    assert event.detail["fields"] == ["privacy_notice_given_on", "national_opt_out"]
    page = browser.get(f"/records/{client_record.uuid}/").content.decode()
    assert "National data opt-out" in page
