"""The register of data-sharing agreements through Django's test client: the IG lead adds, changes
and ends agreements (never deletes them), each change audited with the fields it changed; bad
input is refused with its message and nothing saved; everyone who decides disclosures reads the
register, no one else changes it; an ended agreement is no longer offered to a decision."""

from __future__ import annotations

import datetime
import json
from dataclasses import replace
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.test import Client as Browser
from django.utils import timezone

from accounts.models import AuditEvent, User
from disclosures import agreement_services, services
from disclosures.agreement_services import AgreementDetails
from disclosures.errors import NotPermitted
from disclosures.models import DataSharingAgreement, ReleaseMethod
from tests.conftest import sign_in_fully
from tests.disclosures import test_workflow
from tests.disclosures.test_workflow import World, _open, _release, _share, _verify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

world = test_workflow.world  # the same people and record as the workflow tests

TODAY = timezone.localdate()
NEW = "/disclosures/agreements/new/"
REGISTER = "/disclosures/agreements/"


def _browser(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def _form(**changes: str) -> dict[str, str]:
    data = {
        "title": "Section 115 protocol",
        "kind": "protocol",
        "partner": "Northshire Police",
        "parties": "Northshire Police\nThe charity",
        "scope": "Crime and disorder reduction: names and addresses, on request",
        "signed_on": (TODAY - datetime.timedelta(days=30)).isoformat(),
        "review_on": (TODAY + datetime.timedelta(days=335)).isoformat(),
    }
    data.update(changes)
    return data


def _agreement(ig: User, **changes: Any) -> DataSharingAgreement:
    details = AgreementDetails(
        title="Housing referrals",
        partner="Northshire Homes",
        parties="Northshire Homes; the charity",
        scope="Referrals for housing support, with consent",
        signed_on=TODAY - datetime.timedelta(days=60),
        review_on=TODAY + datetime.timedelta(days=300),
    )
    return agreement_services.agreement_create(actor=ig, details=replace(details, **changes))


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# --- The IG lead keeps the register ---------------------------------------------------------


def test_the_ig_lead_adds_an_agreement_and_the_event_names_the_fields_not_their_text(
    world: World,
) -> None:
    response = _browser(world.ig).post(NEW, _form())
    agreement = DataSharingAgreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/disclosures/agreements/{agreement.pk}/"
    assert agreement.title == "Section 115 protocol"
    assert agreement.kind == DataSharingAgreement.Kind.PROTOCOL
    assert agreement.parties == "Northshire Police\nThe charity"
    assert agreement.active
    [event] = _events("disclosure.agreement_created")
    assert event.actor == world.ig
    assert (event.object_type, event.object_id) == (
        "disclosures.datasharingagreement",
        str(agreement.pk),
    )
    assert event.reason == "ig_lead"
    assert event.detail["agreement"] == agreement.pk
    assert event.detail["changed"] == [
        "title",
        "kind",
        "partner",
        "parties",
        "scope",
        "signed_on",
        "review_on",
    ]
    assert "Northshire" not in json.dumps(event.detail)
    assert LogEntry.objects.get_for_object(agreement).count() == 1  # django-auditlog too


def test_the_ig_lead_changes_an_agreement_and_the_event_lists_only_what_changed(
    world: World,
) -> None:
    agreement = _agreement(world.ig)
    browser = _browser(world.ig)
    edit = f"/disclosures/agreements/{agreement.pk}/edit/"
    page = browser.get(edit).content.decode()
    assert 'value="Housing referrals"' in page  # the form starts from what is held
    later = TODAY + datetime.timedelta(days=700)
    data = {
        "title": "Housing referrals",
        "kind": "agreement",
        "partner": "Northshire Homes",
        "parties": "Northshire Homes; the charity",
        "scope": "Referrals for housing support, with consent; tenancy sustainment",
        "signed_on": (TODAY - datetime.timedelta(days=60)).isoformat(),
        "review_on": later.isoformat(),
    }
    assert browser.post(edit, data).status_code == 302
    agreement.refresh_from_db()
    assert agreement.review_on == later
    assert agreement.scope.endswith("tenancy sustainment")
    [event] = _events("disclosure.agreement_updated")
    assert event.detail["changed"] == ["scope", "review_on"]
    assert "tenancy" not in json.dumps(event.detail)
    changes = LogEntry.objects.get_for_object(agreement).order_by("pk").last()
    assert changes is not None
    assert set(changes.changes_dict) == {"scope", "review_on"}

    # Saving the form unchanged changes nothing, so records nothing.
    unchanged = browser.post(edit, data, follow=True)
    assert "Nothing was changed." in unchanged.content.decode()
    assert len(_events("disclosure.agreement_updated")) == 1


def test_the_ig_lead_ends_an_agreement_with_a_reason_and_it_is_kept(world: World) -> None:
    agreement = _agreement(world.ig)
    browser = _browser(world.ig)
    end = f"/disclosures/agreements/{agreement.pk}/end/"
    assert browser.get(end).status_code == 200
    response = browser.post(end, {"reason": "Replaced by the 2027 protocol"}, follow=True)
    page = response.content.decode()
    assert "Agreement ended." in page
    assert "Replaced by the 2027 protocol" in page
    agreement.refresh_from_db()
    assert not agreement.active
    assert agreement.ended_by == world.ig
    assert agreement.ended_at is not None
    assert agreement.end_reason == "Replaced by the 2027 protocol"
    [event] = _events("disclosure.agreement_ended")
    assert event.detail == {
        "agreement": agreement.pk,
        "changed": ["active", "ended_at", "ended_by", "end_reason"],
        "user_agent": event.detail["user_agent"],
    }
    assert 'data-testid="agreement-actions"' not in page  # nothing left to change or end

    register = browser.get(REGISTER).content.decode()
    assert 'data-testid="ended-row"' in register
    assert 'data-testid="agreement-row"' not in register


def test_an_ended_agreement_cannot_be_changed_or_ended_again(world: World) -> None:
    agreement = _agreement(world.ig)
    agreement_services.agreement_end(actor=world.ig, agreement=agreement, reason="Lapsed")
    browser = _browser(world.ig)
    edit = f"/disclosures/agreements/{agreement.pk}/edit/"
    for url, data in ((edit, _form(title="Revived")), (edit.replace("edit", "end"), {})):
        response = browser.post(url, data, follow=True)
        assert response.redirect_chain == [(f"/disclosures/agreements/{agreement.pk}/", 302)]
        assert "This agreement has ended: it can no longer be changed." in (
            response.content.decode()
        )
    assert browser.get(edit)["Location"] == f"/disclosures/agreements/{agreement.pk}/"
    agreement.refresh_from_db()
    assert agreement.title == "Housing referrals"
    assert agreement.end_reason == "Lapsed"
    assert _events("disclosure.agreement_updated") == []
    assert len(_events("disclosure.agreement_ended")) == 1
    with pytest.raises(agreement_services.AgreementEnded):
        agreement_services.agreement_update(
            actor=world.ig,
            agreement=agreement,
            details=AgreementDetails(
                title="Revived",
                partner="Northshire Homes",
                parties="Both",
                scope="All",
                review_on=TODAY,
            ),
        )


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Enter the title of the agreement"),
        ({"partner": "  "}, "Enter the partner organisation"),
        ({"parties": ""}, "Enter every organisation that is party to it"),
        ({"scope": ""}, "Enter its scope: what may be shared, and for what purposes"),
        ({"kind": ""}, "Choose whether it is an agreement or a protocol"),
        ({"review_on": ""}, "Enter the review date"),
        ({"review_on": "2026-02-30"}, "Enter a real date"),
        (
            {
                "signed_on": TODAY.isoformat(),
                "review_on": (TODAY - datetime.timedelta(1)).isoformat(),
            },
            "The review date cannot be before the date it was signed",
        ),
        (
            {"signed_on": (TODAY + datetime.timedelta(days=1)).isoformat()},
            "The date signed cannot be in the future",
        ),
    ],
)
def test_bad_input_is_refused_with_its_message_and_nothing_saved(
    world: World, changes: dict[str, str], message: str
) -> None:
    response = _browser(world.ig).post(NEW, _form(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert not DataSharingAgreement.objects.exists()
    assert _events("disclosure.agreement_created") == []


def test_a_bad_change_is_refused_and_the_agreement_left_as_it_was(world: World) -> None:
    agreement = _agreement(world.ig)
    response = _browser(world.ig).post(
        f"/disclosures/agreements/{agreement.pk}/edit/",
        _form(signed_on=TODAY.isoformat(), review_on=(TODAY - datetime.timedelta(1)).isoformat()),
    )
    assert "The review date cannot be before the date it was signed" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.title == "Housing referrals"
    assert _events("disclosure.agreement_updated") == []


def test_ending_needs_a_reason(world: World) -> None:
    agreement = _agreement(world.ig)
    response = _browser(world.ig).post(
        f"/disclosures/agreements/{agreement.pk}/end/", {"reason": "   "}
    )
    assert response.status_code == 200
    assert "Say why the agreement is ended" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.active
    assert _events("disclosure.agreement_ended") == []


def test_the_change_and_its_audit_event_commit_or_fail_together(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(agreement_services, "audit_log", broken)
    with pytest.raises(RuntimeError):
        _agreement(world.ig)
    assert not DataSharingAgreement.objects.exists()


# --- Who may do what ------------------------------------------------------------------------


def test_only_the_ig_lead_adds_changes_or_ends_agreements(world: World) -> None:
    agreement = _agreement(world.ig)
    data_team = UserFactory.create(username="data", roles=["data_team"])
    pages = {
        NEW: _form(title="Not allowed"),
        f"/disclosures/agreements/{agreement.pk}/edit/": _form(title="Not allowed"),
        f"/disclosures/agreements/{agreement.pk}/end/": {"reason": "Not allowed"},
    }
    for user in (world.worker, world.manager, world.admin, world.guardian, data_team):
        browser = _browser(user)
        for url, data in pages.items():
            assert browser.get(url).status_code == 403, (user.username, url)
            assert browser.post(url, data).status_code == 403, (user.username, url)
    agreement.refresh_from_db()
    assert agreement.title == "Housing referrals"
    assert agreement.active
    assert DataSharingAgreement.objects.count() == 1
    # The services ask again: a task or command cannot go round the pages.
    with pytest.raises(NotPermitted):
        agreement_services.agreement_end(actor=world.manager, agreement=agreement, reason="No")


def test_those_who_decide_disclosures_read_the_register_but_cannot_change_it(
    world: World,
) -> None:
    agreement = _agreement(world.ig)
    detail = f"/disclosures/agreements/{agreement.pk}/"
    for user in (world.worker, world.manager, world.admin, world.guardian):
        browser = _browser(user)
        register = browser.get(REGISTER)
        assert register.status_code == 200
        assert "Housing referrals" in register.content.decode()
        assert 'data-testid="agreement-new-link"' not in register.content.decode()
        page = browser.get(detail)
        assert page.status_code == 200
        assert "Referrals for housing support, with consent" in page.content.decode()
        assert 'data-testid="agreement-actions"' not in page.content.decode()
    ig_page = _browser(world.ig).get(detail).content.decode()
    assert 'data-testid="agreement-actions"' in ig_page
    data_team = _browser(UserFactory.create(username="data", roles=["data_team"]))
    assert data_team.get(REGISTER).status_code == 403
    assert data_team.get(detail).status_code == 403
    assert _browser(world.ig).get("/disclosures/agreements/999999/").status_code == 404


# --- The register ---------------------------------------------------------------------------


def test_the_register_puts_overdue_reviews_first_and_the_ended_after(world: World) -> None:
    later = _agreement(world.ig, title="Later review", review_on=TODAY + datetime.timedelta(400))
    sooner = _agreement(world.ig, title="Sooner review", review_on=TODAY + datetime.timedelta(10))
    overdue = _agreement(
        world.ig,
        title="Overdue review",
        signed_on=TODAY - datetime.timedelta(800),
        review_on=TODAY - datetime.timedelta(5),
    )
    ended = _agreement(world.ig, title="Ended long ago", review_on=TODAY - datetime.timedelta(50))
    agreement_services.agreement_end(actor=world.ig, agreement=ended, reason="Partner closed")
    page = _browser(world.ig).get(REGISTER).content.decode()
    positions = [page.index(a.title) for a in (overdue, sooner, later, ended)]
    assert positions == sorted(positions)
    assert page.count('data-testid="review-overdue"') == 1  # an ended one is not flagged
    assert page.index('data-testid="review-overdue"') < page.index(sooner.title)


def test_the_agreement_page_says_how_often_it_was_relied_on(world: World) -> None:
    agreement = _agreement(world.ig)
    case = _open(world)
    _verify(world, case)
    services.case_propose(
        actor=world.worker, case=case, decision=_share(world.plain, agreement=agreement)
    )
    services.guardian_review(actor=world.guardian, case=case, outcome="approved", reasons="Ok")
    _release(world, case, method=ReleaseMethod.VERBAL)
    page = _browser(world.ig).get(f"/disclosures/agreements/{agreement.pk}/").content.decode()
    assert "1 release in the disclosure log; 1 decision citing it" in page


def test_an_ended_agreement_is_no_longer_offered_to_a_decision(world: World) -> None:
    in_force = _agreement(world.ig, title="Still in force")
    ended = _agreement(world.ig, title="Now ended")
    browser = _browser(world.ig)
    browser.post(f"/disclosures/agreements/{ended.pk}/end/", {"reason": "Superseded"})
    case = _open(world)
    worker = _browser(world.worker)
    decide = f"/disclosures/{case.uuid}/decide/"
    page = worker.get(decide).content.decode()
    assert f'<option value="{in_force.pk}">' in page
    assert f'<option value="{ended.pk}">' not in page
    assert "Now ended" not in page
    response = worker.post(
        decide,
        {
            "share": "yes",
            "consent_purpose": "other",
            "exception": "serious_crime",
            "lawful_basis": "legal_obligation",
            "agreement": str(ended.pk),
            "reasons": "Relying on the ended agreement",
            "items": [f"{world.plain.uuid}:date"],
        },
    )
    assert response.status_code == 200
    assert "Choose an agreement from the register" in response.content.decode()
    assert not case.proposals.exists()


# --- Finding the register -------------------------------------------------------------------


def test_the_ig_leads_header_and_home_page_lead_to_the_register(world: World) -> None:
    browser = _browser(world.ig)
    home = browser.get("/").content.decode()
    assert home.count(f'href="{REGISTER}"') == 2  # the header and the IG lead's card
    page = browser.get(REGISTER).content.decode()
    assert page.count('aria-current="page"') == 1
    assert f'href="{REGISTER}" aria-current="page">Data-sharing agreements' in page
    worker_home = _browser(world.worker).get("/").content.decode()
    assert f'href="{REGISTER}"' not in worker_home
