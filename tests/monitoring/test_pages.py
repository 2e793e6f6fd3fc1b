"""The data team's findings pages through the real views: who sees what, the review and its
refusals, "suspected breach" reporting a breach filled in with the evidence, all audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client as Browser

from accounts.audit import append_event
from accounts.models import AuditEvent, Notification, User
from breaches.models import Breach, Category, Kind
from monitoring.evaluate import evaluate_day
from monitoring.models import Finding, FindingStatus, Rule, RuleKind
from records import crypto
from records.models import BreakGlassAccess, Client, ConflictDeclaration
from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory, make_client, make_entry

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 10, 21, 30, tzinfo=UTC)  # a Tuesday evening


@pytest.fixture
def people(db) -> dict[str, User]:
    team = TeamFactory.create(name="North")
    people = {
        "dana": UserFactory.create(username="dana", roles=["data_team"]),
        "dev": UserFactory.create(username="dev", roles=["data_team"]),
        "lead": UserFactory.create(username="lead", roles=["ig_lead"]),
        "pat": UserFactory.create(username="pat", first_name="Pat", roles=["practitioner"]),
    }
    people["pat"].teams.add(team)
    return people


@pytest.fixture
def client_a(people: dict[str, User]) -> Client:
    return make_client(people["pat"].teams.get(), family_name="Quillfeather")


def _view(actor: User, client: Client, **fields: str) -> AuditEvent:
    return append_event(
        AuditEvent(
            actor=actor,
            action=fields.get("action", "client.viewed"),
            outcome="success",
            object_type="records.client",
            object_id=str(client.pk),
            reason=fields.get("reason", "team"),
            detail={"access": fields["access"]} if "access" in fields else {},
        ),
        occurred_at=DAY,
    )


@pytest.fixture
def finding(people: dict[str, User], client_a: Client) -> Finding:
    _view(people["pat"], client_a)
    evaluate_day(DAY.date())
    return Finding.objects.get(rule__kind=RuleKind.AFTER_HOURS)


def _as(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def test_the_data_team_lists_open_findings_and_the_list_is_audited(
    people: dict[str, User], finding: Finding, client_a: Client
) -> None:
    page = _as(people["dana"]).get("/monitoring/")
    assert page.status_code == 200
    text = page.content.decode()
    assert finding.reference in text
    assert client_a.reference in text
    assert "Quillfeather" not in text  # references, never names
    listed = AuditEvent.objects.filter(action="monitoring.findings_listed").latest("seq")
    assert listed.actor == people["dana"]
    assert listed.detail["shown"] == [finding.pk]


def test_nobody_is_shown_findings_about_themselves(
    people: dict[str, User], client_a: Client
) -> None:
    _view(people["dana"], client_a, reason="ig_duty")
    evaluate_day(DAY.date())
    mine = Finding.objects.get(subject=people["dana"], rule__kind=RuleKind.AFTER_HOURS)
    assert mine.reference not in _as(people["dana"]).get("/monitoring/").content.decode()
    assert _as(people["dana"]).get(f"/monitoring/findings/{mine.uuid}/").status_code == 404
    assert mine.reference in _as(people["dev"]).get("/monitoring/").content.decode()


def test_findings_about_a_record_the_reader_is_restricted_from_are_hidden(
    people: dict[str, User], finding: Finding, client_a: Client
) -> None:
    ConflictDeclaration.objects.create(
        staff=people["dana"],
        team=client_a.team,
        client=client_a,
        decision=ConflictDeclaration.Decision.RESTRICTED,
    )
    assert _as(people["dana"]).get(f"/monitoring/findings/{finding.uuid}/").status_code == 404
    assert _as(people["dev"]).get(f"/monitoring/findings/{finding.uuid}/").status_code == 200


def test_the_finding_page_shows_the_evidence_and_never_entry_content(
    people: dict[str, User], client_a: Client
) -> None:
    make_entry(client_a, people["pat"], title="Harbourmaster", body="Snowleopard at the harbour")
    _view(people["pat"], client_a, action="entry.viewed")
    evaluate_day(DAY.date())
    found = Finding.objects.get(rule__kind=RuleKind.AFTER_HOURS)
    page = _as(people["dana"]).get(f"/monitoring/findings/{found.uuid}/")
    text = page.content.decode()
    assert "Entry viewed" in text
    assert "Member of the team that holds the record" in text
    assert client_a.reference in text
    assert "Snowleopard" not in text
    assert "Harbourmaster" not in text
    viewed = AuditEvent.objects.filter(action="monitoring.finding_viewed").latest("seq")
    assert (viewed.object_id, viewed.detail["clients"]) == (str(found.pk), [client_a.reference])


def test_a_break_glass_finding_shows_the_reason_and_whether_it_was_reviewed(
    people: dict[str, User], client_a: Client
) -> None:
    access = BreakGlassAccess(client=client_a, user=people["pat"], expires_at=DAY)
    access.reason = "Police at the door asking for a welfare check"
    access.save()
    _view(
        people["pat"],
        client_a,
        action="break_glass.granted",
        reason="break_glass",
        access=str(access.uuid),
    )
    evaluate_day(DAY.date())
    found = Finding.objects.get(rule__kind=RuleKind.BREAK_GLASS)
    text = _as(people["dana"]).get(f"/monitoring/findings/{found.uuid}/").content.decode()
    assert "Police at the door asking for a welfare check" in text
    assert "Waiting for review" in text


def test_the_ig_lead_reads_findings_but_does_not_review_them(
    people: dict[str, User], finding: Finding
) -> None:
    lead = _as(people["lead"])
    page = lead.get(f"/monitoring/findings/{finding.uuid}/")
    assert page.status_code == 200
    assert b"review-form" not in page.content
    refused = lead.post(
        f"/monitoring/findings/{finding.uuid}/", {"status": "legitimate", "notes": "Fine"}
    )
    assert refused.status_code == 403
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"notes": "Checked the rota"}, "Choose legitimate, needs follow-up or suspected breach"),
        ({"status": "legitimate"}, "Write your notes"),
        ({"status": "open", "notes": "x"}, "Select a valid choice"),
    ],
)
def test_a_review_without_its_judgement_or_notes_is_refused_and_saves_nothing(
    people: dict[str, User], finding: Finding, data: dict[str, str], message: str
) -> None:
    page = _as(people["dana"]).post(f"/monitoring/findings/{finding.uuid}/", data)
    assert page.status_code == 200
    assert message in page.content.decode()
    finding.refresh_from_db()
    assert (finding.status, finding.reviewed_by) == (FindingStatus.OPEN, None)
    assert not AuditEvent.objects.filter(action="monitoring.finding_reviewed").exists()


def test_a_legitimate_finding_is_settled_audited_and_its_notes_sealed(
    people: dict[str, User], finding: Finding
) -> None:
    dana = _as(people["dana"])
    response = dana.post(
        f"/monitoring/findings/{finding.uuid}/",
        {"status": "legitimate", "notes": "On call that night: the rota confirms it"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.reviewed_by) == (FindingStatus.LEGITIMATE, people["dana"])
    assert finding.review_notes == "On call that night: the rota confirms it"
    assert b"rota" not in bytes(finding.review_notes_sealed)
    reviewed = AuditEvent.objects.get(action="monitoring.finding_reviewed")
    assert reviewed.actor == people["dana"]
    assert reviewed.detail["status"] == "legitimate"
    assert "rota" not in str(reviewed.detail)
    # Settled: nobody reviews it again.
    again = dana.post(
        f"/monitoring/findings/{finding.uuid}/", {"status": "follow_up", "notes": "Hmm"}
    )
    assert again.status_code == 403


def test_a_suspected_breach_is_reported_to_the_register_with_the_evidence(
    people: dict[str, User], finding: Finding, client_a: Client
) -> None:
    response = _as(people["dana"]).post(
        f"/monitoring/findings/{finding.uuid}/",
        {"status": "suspected_breach", "notes": "Not on call; no reason on the rota"},
        follow=True,
    )
    finding.refresh_from_db()
    breach = Breach.objects.get()
    assert finding.breach == breach
    assert f"Reported to the breach register as {breach.reference}" in response.content.decode()
    assert (breach.kind, breach.category, breach.reported_by) == (
        Kind.CONFIDENTIALITY,
        Category.UNAUTHORISED_ACCESS,
        people["dana"],
    )
    assert list(breach.clients.all()) == [client_a]
    assert finding.reference in breach.what_happened
    assert "Not on call; no reason on the rota" in breach.what_happened
    assert breach.staff_involved == people["pat"].display_name
    assert breach.records_count == 1
    # The IG lead hears of it as of any breach report: a link, no names.
    note = Notification.objects.get(user=people["lead"])
    assert breach.reference in note.message
    assert "Pat" not in note.message


def test_rule_parameters_are_checked_in_django_admin(db) -> None:
    admin = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    browser = _as(admin)
    rule = Rule.objects.get(kind=RuleKind.BULK)
    url = f"/admin/monitoring/rule/{rule.pk}/change/"
    assert b"Distinct records within the window" in browser.get(url).content
    bad = browser.post(
        url,
        {
            "name": rule.name,
            "description": rule.description,
            "enabled": "on",
            "parameters": '{"minutes": 0}',
        },
    )
    assert "minutes must be at least 1" in bad.content.decode()
    rule.refresh_from_db()
    assert rule.parameters == {}
    good = browser.post(
        url,
        {
            "name": rule.name,
            "description": rule.description,
            "enabled": "on",
            "parameters": '{"minutes": 5, "records": 15}',
        },
    )
    assert good.status_code == 302
    rule.refresh_from_db()
    assert rule.parameters == {"minutes": 5, "records": 15}


def test_a_staff_home_postcode_is_kept_only_as_a_keyed_hash(db) -> None:
    admin = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    pat = UserFactory.create(username="pat2", roles=["practitioner"])
    browser = _as(admin)
    url = f"/admin/accounts/user/{pat.pk}/change/"
    form = {
        "username": pat.username,
        "first_name": pat.first_name,
        "last_name": pat.last_name,
        "email": pat.email,
        "is_active": "on",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
    }
    bad = browser.post(url, {**form, "home_postcode": "nowhere"})
    assert "Enter a UK postcode" in bad.content.decode()
    assert browser.post(url, {**form, "home_postcode": "ls1 4ap"}).status_code == 302
    pat.refresh_from_db()
    assert pat.home_postcode_index == crypto.postcode_index("LS1 4AP")
    page = browser.get(url).content.decode()
    assert "4AP" not in page.upper()  # never shown again
    assert "Yes (as a keyed hash)" in page
    # Left empty, it keeps what is held; NONE removes it.
    browser.post(url, {**form, "home_postcode": ""})
    pat.refresh_from_db()
    assert pat.home_postcode_index
    browser.post(url, {**form, "home_postcode": "none"})
    pat.refresh_from_db()
    assert pat.home_postcode_index == ""
