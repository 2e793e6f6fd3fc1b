"""Client record pages: what each person sees, the audit events each page writes, validation,
and query counts that do not grow with the rows shown."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent, AuditOutcome, Team, User
from records.models import Client, ConflictDeclaration, Entry
from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory, allocate, make_client, make_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def team() -> Team:
    return TeamFactory.create(name="North")


@pytest.fixture
def other_team() -> Team:
    return TeamFactory.create(name="South")


def _member(username: str, role: str, *teams: Team) -> User:
    user = UserFactory.create(username=username, roles=[role])
    user.teams.set(teams)
    return user


def _browser(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def _events(user: User, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor=user, action=action).order_by("seq"))


# --- Caseload and lists ---------------------------------------------------------------------


def test_my_clients_lists_only_my_allocated_clients_and_audits_them(
    team: Team, other_team: Team
) -> None:
    pat = _member("pat", "practitioner", team)
    mine = make_client(team, given_name="Mine", family_name="Allocated")
    make_client(team, given_name="Teams", family_name="Unallocated")
    make_client(other_team, given_name="Elsewhere", family_name="Hidden")
    allocate(mine, pat)
    page = _browser(pat).get("/records/").content.decode()
    assert "Mine Allocated" in page
    assert "Unallocated" not in page
    assert "Hidden" not in page
    [event] = _events(pat, "clients.list_viewed")
    assert event.detail["shown"] == [mine.pk]
    assert event.object_id == "caseload"


def test_the_team_page_is_for_managers(team: Team) -> None:
    assert _browser(_member("pat", "practitioner", team)).get("/records/team/").status_code == 403
    manager = _member("morgan", "manager", team)
    client = make_client(team, family_name="Teamlisted")
    page = _browser(manager).get("/records/team/").content.decode()
    assert "Teamlisted" in page
    assert _events(manager, "clients.list_viewed")[0].detail["shown"] == [client.pk]


def _query_count(browser: Browser, path: str, method: str = "get", **data: str) -> int:
    getattr(browser, method)(path, data)  # warm the per-process caches (policy version, ids)
    with CaptureQueriesContext(connection) as queries:
        response = getattr(browser, method)(path, data)
    assert response.status_code == 200
    return len(queries)


def test_caseload_queries_do_not_grow_with_the_clients_shown(team: Team) -> None:
    pat = _member("pat", "practitioner", team)
    browser = _browser(pat)
    for _ in range(2):
        allocate(make_client(team), pat)
    few = _query_count(browser, "/records/")
    for _ in range(6):
        allocate(make_client(team), pat)
    assert _query_count(browser, "/records/") == few


def test_search_queries_do_not_grow_with_the_results(team: Team) -> None:
    manager = _member("morgan", "manager", team)
    browser = _browser(manager)
    born = datetime.date(1970, 1, 1)
    for _ in range(2):
        make_client(team, family_name="Samename", date_of_birth=born)
    few = _query_count(
        browser, "/records/search/", "post", family_name="Samename", date_of_birth="1970-01-01"
    )
    for _ in range(5):
        make_client(team, family_name="Samename", date_of_birth=born)
    many = _query_count(
        browser, "/records/search/", "post", family_name="Samename", date_of_birth="1970-01-01"
    )
    assert many == few


def test_client_page_queries_do_not_grow_with_the_entries(team: Team) -> None:
    pat = _member("pat", "practitioner", team)
    client = make_client(team)
    allocate(client, pat)
    browser = _browser(pat)
    make_entry(client, pat)
    few = _query_count(browser, f"/records/{client.uuid}/")
    for _ in range(6):
        make_entry(client, _member(f"author{_}", "practitioner", team))
    assert _query_count(browser, f"/records/{client.uuid}/") == few


# --- Search ---------------------------------------------------------------------------------


def test_search_finds_by_nhs_number_and_keeps_the_terms_out_of_the_audit_trail(
    team: Team,
) -> None:
    pat = _member("pat", "practitioner", team)
    client = make_client(team, family_name="Findable", nhs_number="943 476 5919")
    response = _browser(pat).post("/records/search/", {"nhs_number": "9434765919"})
    assert "Findable" in response.content.decode()
    [event] = _events(pat, "clients.searched")
    assert event.detail["count"] == 1
    assert event.detail["shown"] == [client.pk]
    assert "9434765919" not in str(event.detail)
    assert "943 476 5919" not in str(event.detail)
    assert set(event.detail["terms"]) == {"nhs_number"}


def test_search_does_not_reveal_a_record_the_user_may_not_open(
    team: Team, other_team: Team
) -> None:
    outsider = _member("olly", "practitioner", other_team)
    make_client(team, family_name="Secret", nhs_number="943 476 5919")
    page = _browser(outsider).post("/records/search/", {"nhs_number": "943 476 5919"})
    text = page.content.decode()
    assert "Secret" not in text
    assert "0 results" in text
    assert _events(outsider, "clients.searched")[0].detail["count"] == 0


def test_search_needs_both_surname_and_date_of_birth(team: Team) -> None:
    response = _browser(_member("pat", "practitioner", team)).post(
        "/records/search/", {"family_name": "Smith"}
    )
    assert "needs both the family name and date of birth" in response.content.decode()


def test_search_is_not_run_from_the_url(team: Team) -> None:
    make_client(team, family_name="Queryparam", nhs_number="943 476 5919")
    page = _browser(_member("morgan", "manager", team)).get(
        "/records/search/", {"nhs_number": "9434765919"}
    )
    assert "Queryparam" not in page.content.decode()


# --- The client page ------------------------------------------------------------------------


def test_opening_a_record_is_audited_with_the_reason_and_the_entries_listed(team: Team) -> None:
    pat = _member("pat", "practitioner", team)
    client = make_client(team, given_name="Opened", family_name="Record")
    allocate(client, pat)
    entry = make_entry(client, pat, title="First meeting")
    page = _browser(pat).get(f"/records/{client.uuid}/").content.decode()
    assert "Opened Record" in page
    assert "First meeting" in page
    [event] = _events(pat, "client.viewed")
    assert event.object_type == "records.client"
    assert event.object_id == str(client.pk)
    assert event.reason == "allocation"
    assert event.detail["part"] == "full"
    assert event.detail["entries_listed"] == [str(entry.uuid)]
    assert event.detail["user_agent"] is not None
    assert event.ip_address == "127.0.0.1"


def test_admin_staff_see_the_administrative_part_only(team: Team) -> None:
    adam = _member("adam", "admin_staff", team)
    pat = _member("pat", "practitioner", team)
    client = make_client(team, family_name="Adminpart", address="1 High Street")
    entry = make_entry(client, pat, title="Private session content")
    browser = _browser(adam)
    page = browser.get(f"/records/{client.uuid}/").content.decode()
    assert "Adminpart" in page
    assert "1 High Street" in page
    assert "Private session content" not in page
    assert browser.get(f"/records/{client.uuid}/entries/{entry.uuid}/").status_code == 403
    assert _events(adam, "client.viewed")[0].detail["part"] == "administrative"
    [denied] = _events(adam, "client.access_denied")
    assert denied.outcome == AuditOutcome.DENIED


def test_an_outsider_gets_404_and_the_attempt_is_audited(team: Team, other_team: Team) -> None:
    outsider = _member("olly", "practitioner", other_team)
    client = make_client(team)
    browser = _browser(outsider)
    assert browser.get(f"/records/{client.uuid}/").status_code == 404
    # The same answer for a record that does not exist.
    assert browser.get("/records/00000000-0000-4000-8000-000000000000/").status_code == 404
    events = _events(outsider, "client.access_denied")
    assert [e.object_id for e in events] == [str(client.pk), ""]
    assert events[0].reason == "no_grant"
    assert all(e.outcome == AuditOutcome.DENIED for e in events)


def test_a_page_is_not_served_if_its_audit_event_cannot_be_written(team: Team, settings) -> None:
    pat = _member("pat", "practitioner", team)
    client = make_client(team, family_name="Unservable")
    allocate(client, pat)
    browser = _browser(pat)
    settings.AUDIT_CURRENT_KEY_ID = "no-such-key"  # the audit write fails
    browser.raise_request_exception = False
    response = browser.get(f"/records/{client.uuid}/")
    assert response.status_code == 500
    assert b"Unservable" not in response.content


# --- Referrals and details ------------------------------------------------------------------


def _referral(team: Team, **changes: str) -> dict[str, str]:
    data = {
        "team": str(team.pk),
        "given_name": "New",
        "family_name": "Referral",
        "date_of_birth": "1988-08-08",
        "nhs_number": "",
        "referred_on": "2026-11-01",
        "referral_source": "gp",
        "referrer_name": "Dr Example",
    }
    data.update(changes)
    return data


def test_admin_staff_log_a_referral(team: Team) -> None:
    adam = _member("adam", "admin_staff", team)
    response = _browser(adam).post("/records/new/", _referral(team, nhs_number="943 476 5919"))
    client = Client.objects.get()
    assert response["Location"] == f"/records/{client.uuid}/"
    assert client.full_name == "New Referral"
    assert client.nhs_number == "943 476 5919"
    assert client.status == "referred"
    [event] = _events(adam, "client.created")
    assert "family_name" in event.detail["fields"]
    assert "Referral" not in str(event.detail)


def test_a_referral_needs_its_source_and_the_record_shows_it(team: Team) -> None:
    adam = _member("adam", "admin_staff", team)
    browser = _browser(adam)
    response = browser.post("/records/new/", _referral(team, referral_source=""))
    assert response.status_code == 200
    assert "Choose where the referral came from" in response.content.decode()
    assert not Client.objects.exists()
    browser.post("/records/new/", _referral(team, referral_source="criminal_justice"))
    client = Client.objects.get()
    assert client.referral_source == "criminal_justice"
    page = browser.get(f"/records/{client.uuid}/").content.decode()
    assert "Police, probation or criminal justice" in page
    [event] = _events(adam, "client.created")
    assert "referral_source" in event.detail["fields"]


def test_an_old_record_without_a_source_must_be_given_one_when_its_details_change(
    team: Team,
) -> None:
    adam = _member("adam", "admin_staff", team)
    client = make_client(team)
    assert client.referral_source == ""
    browser = _browser(adam)
    assert "Not recorded" in browser.get(f"/records/{client.uuid}/").content.decode()
    form = browser.get(f"/records/{client.uuid}/details/").content.decode()
    assert "Choose where the referral came from" in form  # the empty choice, selected
    data = _referral(team, referral_source="")
    data.pop("team")
    response = browser.post(f"/records/{client.uuid}/details/", data)
    assert response.status_code == 200
    assert "Choose where the referral came from" in response.content.decode()
    data["referral_source"] = "housing"
    assert browser.post(f"/records/{client.uuid}/details/", data).status_code == 302
    client.refresh_from_db()
    assert client.referral_source == "housing"


def test_a_referral_with_a_bad_nhs_number_is_refused_and_nothing_saved(team: Team) -> None:
    adam = _member("adam", "admin_staff", team)
    response = _browser(adam).post("/records/new/", _referral(team, nhs_number="943 476 5918"))
    assert response.status_code == 200
    assert "That is not a valid NHS number" in response.content.decode()
    assert 'value="943 476 5918"' in response.content.decode()  # what was typed is kept
    assert not Client.objects.exists()


def test_a_referral_for_another_team_is_refused(team: Team, other_team: Team) -> None:
    adam = _member("adam", "admin_staff", team)
    response = _browser(adam).post("/records/new/", _referral(other_team))
    assert "Choose one of your teams" in response.content.decode()
    assert not Client.objects.exists()


def test_changing_details_audits_the_fields_changed(team: Team) -> None:
    adam = _member("adam", "admin_staff", team)
    client = make_client(team, family_name="Before", date_of_birth=datetime.date(1990, 4, 1))
    browser = _browser(adam)
    data = _referral(team, family_name="After", date_of_birth="1990-04-01")
    data.pop("team")
    data["referred_on"] = client.referred_on.isoformat()
    response = browser.post(f"/records/{client.uuid}/details/", data)
    assert response.status_code == 302
    client.refresh_from_db()
    client.__dict__.pop("_plaintext")
    assert client.family_name == "After"
    [event] = _events(adam, "client.updated")
    assert "family_name" in event.detail["fields"]


def test_status_moves_from_referred_to_active_to_closed(team: Team) -> None:
    manager = _member("morgan", "manager", team)
    client = make_client(team)
    browser = _browser(manager)
    browser.post(f"/records/{client.uuid}/status/", {"status": "active"})
    browser.post(f"/records/{client.uuid}/status/", {"status": "closed"})
    client.refresh_from_db()
    assert client.status == "closed"
    assert client.closed_on is not None
    # django-auditlog keeps the before and after values, and no ciphertext or key columns.
    from auditlog.models import LogEntry

    changes = [e.changes_dict for e in LogEntry.objects.get_for_object(client).order_by("pk")]
    assert changes[-1]["status"] == ["active", "closed"]
    assert not any(
        name.endswith("_sealed") or name.startswith("data_key") for c in changes for name in c
    )
    page = browser.post(f"/records/{client.uuid}/status/", {"status": "referred"}, follow=True)
    assert "A closed record cannot become referred" in page.content.decode()


def test_a_manager_allocates_and_ends_an_allocation(team: Team) -> None:
    manager = _member("morgan", "manager", team)
    pat = _member("pat", "practitioner", team)
    client = make_client(team)
    browser = _browser(manager)
    assert (
        browser.post(f"/records/{client.uuid}/allocation/", {"worker": str(pat.pk)}).status_code
        == 302
    )
    allocation = client.allocations.get()
    assert [e.detail["worker"] for e in _events(manager, "client.allocated")] == [pat.pk]
    from records import policy

    assert policy.caseload(pat).get() == client
    browser.post(f"/records/{client.uuid}/allocation/{allocation.pk}/end/")
    assert not policy.caseload(pat).exists()
    assert _events(manager, "client.deallocated")


# --- Entries --------------------------------------------------------------------------------


def _entry_form(**changes: str) -> dict[str, str]:
    data = {
        "kind": "contact_note",
        "occurred_on": "2026-11-02",
        "title": "Session one",
        "body": "Talked about sleep.",
        "special_categories": "health",
    }
    data.update(changes)
    return data


def test_adding_and_amending_an_entry_keeps_every_version(team: Team) -> None:
    pat = _member("pat", "practitioner", team)
    client = make_client(team)
    allocate(client, pat)
    browser = _browser(pat)
    browser.post(f"/records/{client.uuid}/entries/new/", _entry_form())
    entry = Entry.objects.get()
    assert entry.created_by == pat
    amend = _entry_form(body="Talked about sleep and work.", amendment_reason="Missed a topic")
    amend.pop("kind")
    browser.post(f"/records/{client.uuid}/entries/{entry.uuid}/amend/", amend)
    entry.refresh_from_db()
    assert entry.version_count == 2
    history = browser.get(f"/records/{client.uuid}/entries/{entry.uuid}/history/")
    text = history.content.decode()
    assert "Talked about sleep." in text
    assert "Talked about sleep and work." in text
    assert "Missed a topic" in text
    assert [e.detail["version"] for e in _events(pat, "entry.created")] == [1]
    assert [e.detail["version"] for e in _events(pat, "entry.amended")] == [2]
    assert _events(pat, "entry.history_viewed")[0].detail["versions"] == [2, 1]


def test_an_amendment_needs_a_reason(team: Team) -> None:
    pat = _member("pat", "practitioner", team)
    client = make_client(team)
    allocate(client, pat)
    entry = make_entry(client, pat)
    amend = _entry_form()
    amend.pop("kind")
    response = _browser(pat).post(f"/records/{client.uuid}/entries/{entry.uuid}/amend/", amend)
    assert "Enter the reason for the amendment" in response.content.decode()
    entry.refresh_from_db()
    assert entry.version_count == 1


def test_third_party_information_needs_its_source(team: Team) -> None:
    pat = _member("pat", "practitioner", team)
    client = make_client(team)
    allocate(client, pat)
    response = _browser(pat).post(
        f"/records/{client.uuid}/entries/new/", _entry_form(third_party="on")
    )
    assert "Say who gave the information, and where" in response.content.decode()
    assert not Entry.objects.exists()


def test_an_entry_dated_in_the_future_is_refused(team: Team) -> None:
    pat = _member("pat", "practitioner", team)
    client = make_client(team)
    allocate(client, pat)
    response = _browser(pat).post(
        f"/records/{client.uuid}/entries/new/", _entry_form(occurred_on="2999-01-01")
    )
    assert "The date cannot be in the future" in response.content.decode()


# --- Break the glass ------------------------------------------------------------------------


def test_break_the_glass_grants_reviewed_read_only_access(team: Team, other_team: Team) -> None:
    olly = _member("olly", "practitioner", other_team)
    client = make_client(team, family_name="Emergency")
    browser = _browser(olly)
    response = browser.post(
        "/records/break-the-glass/",
        {"reference": client.reference, "reason": "Crisis team called about this client"},
    )
    assert response["Location"] == f"/records/{client.uuid}/"
    page = browser.get(f"/records/{client.uuid}/").content.decode()
    assert "Emergency" in page
    assert _events(olly, "client.viewed")[0].reason == "break_glass"
    assert _events(olly, "break_glass.granted")
    assert browser.get(f"/records/{client.uuid}/entries/new/").status_code == 403

    data_team = _member("dana", "data_team")
    reviewer = _browser(data_team)
    assert (
        "Crisis team called" in reviewer.get("/records/break-the-glass/reviews/").content.decode()
    )
    access = client.break_glass.get()
    reviewer.post(
        f"/records/break-the-glass/{access.uuid}/review/", {"justified": "yes", "note": ""}
    )
    access.refresh_from_db()
    assert access.review == "justified"
    assert access.reviewed_by == data_team


def test_break_the_glass_gives_the_same_answer_for_a_barred_and_a_missing_record(
    team: Team,
) -> None:
    worker = _member("conflicted", "practitioner", team)
    client = make_client(team)
    declaration = ConflictDeclaration.objects.create(staff=worker, team=team, client=client)
    assert declaration.decision == "pending"  # linked and undecided: already blocks
    browser = _browser(worker)
    reason = "I think I need to see this one"
    barred = browser.post(
        "/records/break-the-glass/", {"reference": client.reference, "reason": reason}
    )
    missing = browser.post("/records/break-the-glass/", {"reference": "C-NOPE", "reason": reason})
    message = "There is no record you can open with that reference"
    assert message in barred.content.decode()
    assert message in missing.content.decode()
    assert not client.break_glass.exists()
    assert _events(worker, "break_glass.refused")[0].outcome == AuditOutcome.DENIED


# --- Conflict of interest -------------------------------------------------------------------


def test_a_declaration_decided_restricted_hides_the_record_from_that_worker(team: Team) -> None:
    worker = _member("wes", "practitioner", team)
    manager = _member("morgan", "manager", team)
    client = make_client(team, family_name="Cousin", nhs_number="943 476 5919")
    staff_browser = _browser(worker)
    assert staff_browser.get(f"/records/{client.uuid}/").status_code == 200
    staff_browser.post(
        "/records/declarations/new/",
        {"team": str(team.pk), "connected_person": "My cousin, born 1990", "nature": "Family"},
    )
    declaration = ConflictDeclaration.objects.get()
    assert declaration.client is None  # the worker is never told whether a record exists

    manager_browser = _browser(manager)
    found = manager_browser.post(
        f"/records/declarations/{declaration.uuid}/",
        {"action": "lookup", "nhs_number": "9434765919"},
    )
    assert client.reference in found.content.decode()
    manager_browser.post(
        f"/records/declarations/{declaration.uuid}/",
        {
            "action": "decide",
            "decision": "restricted",
            "client_reference": client.reference,
            "measures": "Not to be allocated; record locked to them",
            "client_consulted": "yes",
            "reasons": "Close family: the client asked for protection",
        },
    )
    declaration.refresh_from_db()
    assert declaration.decision == "restricted"
    assert declaration.client == client
    assert declaration.decision_reasons.startswith("Close family")
    assert staff_browser.get(f"/records/{client.uuid}/").status_code == 404
    search = staff_browser.post("/records/search/", {"nhs_number": "9434765919"})
    assert "Cousin" not in search.content.decode()
    [decided] = _events(manager, "conflict.decided")
    assert decided.object_id == str(client.pk)
    assert decided.detail["decision"] == "restricted"


def test_a_decision_needs_a_reference_and_reasons(team: Team) -> None:
    worker = _member("wes", "practitioner", team)
    manager = _member("morgan", "manager", team)
    declaration = ConflictDeclaration.objects.create(staff=worker, team=team)
    response = _browser(manager).post(
        f"/records/declarations/{declaration.uuid}/",
        {"action": "decide", "decision": "restricted"},
    )
    text = response.content.decode()
    assert "Enter the case reference of the client" in text
    assert "Enter the reasons for the decision" in text
    declaration.refresh_from_db()
    assert declaration.decision == "pending"


def test_every_page_that_shows_part_of_a_record_writes_an_audit_event(team: Team) -> None:
    from records import services

    manager = _member("morgan", "manager", team)
    client = make_client(team)
    entry = make_entry(client, manager)
    consent = services.consent_record(
        actor=manager,
        client=client,
        details=services.ConsentDetails(
            purpose="referral",
            purpose_detail="",
            information="Contact details",
            recipients=[services.RecipientDetails(kind="agency", name="Housing")],
            given_by="client",
            given_by_name="",
            capacity_considered=True,
            evidence="verbal",
            evidence_note="",
            given_on=datetime.date(2026, 1, 2),
        ),
    )
    challenge = services.challenge_record(
        actor=manager, entry=entry, raised_on=datetime.date(2026, 1, 3), client_view="Wrong"
    )
    base = f"/records/{client.uuid}/"
    on_entry = f"{base}entries/{entry.uuid}/"
    pages = [
        base,
        f"{base}details/",
        f"{base}allocation/",
        f"{base}consent/",
        f"{base}consent/{consent.uuid}/withdraw/",
        f"{base}off-site/",
        f"{base}accesses/",
        on_entry,
        f"{on_entry}history/",
        f"{on_entry}amend/",
        f"{on_entry}challenges/new/",
        f"{on_entry}challenges/{challenge.uuid}/",
        f"{on_entry}documents/new/",
    ]
    browser = _browser(manager)
    about_client = AuditEvent.objects.filter(
        actor=manager, object_type="records.client", object_id=str(client.pk)
    )
    for page in pages:
        before = about_client.count()
        assert browser.get(page).status_code == 200, page
        assert about_client.count() == before + 1, f"{page} wrote no audit event"
