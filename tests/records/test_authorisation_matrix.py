"""The authorisation matrix: every URL in the URLconf, for every kind of person, with the outcome
each must get. No unexpected successes; a 404 wherever the person may not know the record
exists; a 403 where they may know it but not do this. A URL with no row here fails the suite,
so a new page cannot ship without someone deciding who may reach it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client as Browser
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Team, User
from accounts.notifications import notify
from breaches import services as breach_services
from breaches.models import Breach
from disclosures import services as disclosure_services
from disclosures.models import DataSharingAgreement, DisclosureCase, Release
from monitoring.models import Finding, MonthlyReport, Rule, RuleKind
from records import policy, services
from records.models import Client, ConflictDeclaration
from retention import services as retention_services
from retention.models import DisposalReview, LegalHold
from tests.conftest import sign_in_fully
from tests.factories import (
    PASSWORD,
    TeamFactory,
    UserFactory,
    allocate,
    enrol,
    make_client,
    make_entry,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


# --- The people -----------------------------------------------------------------------------

ANONYMOUS = "anonymous"
PASSWORD_ONLY = "password_only"  # password accepted, second factor not yet given
ALLOCATED = "practitioner_allocated"  # team A, allocated to the client
TEAM_PRACTITIONER = "practitioner_team"  # team A, not allocated: team access
UNALLOCATED = "practitioner_unallocated"  # team B: no grant at all
CONFLICTED = "practitioner_conflicted"  # team A and allocated, but restricted: deny wins
ADMIN_STAFF = "admin_staff"  # team A: the administrative part only
MANAGER = "manager"  # team A
DATA_TEAM = "data_team"  # team A member, but a role with no need for the record
IG_LEAD = "ig_lead"  # likewise
CALDICOTT_GUARDIAN = "caldicott_guardian"  # likewise
SYSADMIN = "sysadmin"  # Django admin rights, no role, team A member

USERS = (
    ANONYMOUS,
    PASSWORD_ONLY,
    ALLOCATED,
    TEAM_PRACTITIONER,
    UNALLOCATED,
    CONFLICTED,
    ADMIN_STAFF,
    MANAGER,
    DATA_TEAM,
    IG_LEAD,
    CALDICOTT_GUARDIAN,
    SYSADMIN,
)
PRACTITIONERS = (ALLOCATED, TEAM_PRACTITIONER, UNALLOCATED, CONFLICTED)


# --- Outcomes -------------------------------------------------------------------------------

OK = "ok"  # 200 (or 204)
NOT_FOUND = "404"  # may not know the record (or thing) exists
FORBIDDEN = "403"  # may know it exists, may not do this
NOT_ALLOWED = "405"  # wrong method: the view refuses before it looks at anything
SIGN_IN = "signin"  # 302 to Confide's sign-in page
SECOND_FACTOR = "mfa"  # 302 to the two-factor page
HOME = "home"  # 302 to the home page (e.g. the sign-in page when already signed in)
ADMIN_LOGIN = "admin_login"  # 302 to Django admin's login, which leads to sign-in or 403
ADMIN_INDEX = "admin_index"  # 302 to Django admin's index
REDIRECT = "redirect"  # 302 elsewhere: a POST view that acted (or re-asked) and sent back

SUCCESSES = {OK, REDIRECT, ADMIN_INDEX}

Row = Mapping[str, str]


def row(
    signed_in: str, *, anonymous: str = SIGN_IN, password_only: str = SECOND_FACTOR, **only: str
) -> dict[str, str]:
    """Every fully signed-in person gets ``signed_in`` unless named in ``only``; an anonymous
    visitor is sent to sign in, a password-only session to its second factor."""
    unknown = set(only) - set(USERS)
    assert not unknown, f"not a matrix user: {sorted(unknown)}"
    outcomes = dict.fromkeys(USERS, signed_in)
    outcomes.update({ANONYMOUS: anonymous, PASSWORD_ONLY: password_only}, **only)
    return outcomes


def for_users(users: Iterable[str], outcome: str) -> dict[str, str]:
    return dict.fromkeys(users, outcome)


# Who may open client A's record, and how much of it (records.policy):
# allocated and team practitioners: full (not the administrative edit, not allocation);
# admin staff of the team: the administrative part only; the team's manager: everything.
# Everyone else, the conflicted practitioner included: 404.
CLIENT_PAGE = row(NOT_FOUND, **for_users((ALLOCATED, TEAM_PRACTITIONER, ADMIN_STAFF, MANAGER), OK))
ADMINISTRATIVE_EDIT = row(
    NOT_FOUND,
    **for_users((ALLOCATED, TEAM_PRACTITIONER), FORBIDDEN),
    **for_users((ADMIN_STAFF, MANAGER), OK),
)
MANAGING = row(
    NOT_FOUND,
    **for_users((ALLOCATED, TEAM_PRACTITIONER, ADMIN_STAFF), FORBIDDEN),
    manager=OK,
)
CLINICAL = row(
    NOT_FOUND,
    **for_users((ALLOCATED, TEAM_PRACTITIONER, MANAGER), OK),
    admin_staff=FORBIDDEN,
)

CLIENT_SEERS = (ALLOCATED, TEAM_PRACTITIONER, ADMIN_STAFF, MANAGER)
OVERSIGHT = (IG_LEAD, CALDICOTT_GUARDIAN)
CASE_SEERS = for_users((*CLIENT_SEERS, *OVERSIGHT), OK)
CASE_ACTORS = row(NOT_FOUND, **for_users(CLIENT_SEERS, OK), **for_users(OVERSIGHT, FORBIDDEN))
CASE_WRITERS = row(
    NOT_FOUND,
    **for_users((ALLOCATED, TEAM_PRACTITIONER, MANAGER), OK),
    **for_users((ADMIN_STAFF, IG_LEAD), FORBIDDEN),
)
IG_CASE = row(NOT_FOUND, **for_users(CLIENT_SEERS, FORBIDDEN), ig_lead=OK)
# The register of data-sharing agreements (disclosures.policy.may_see_agreements and
# may_manage_agreements) is organisational, not about a client: everyone who takes part in
# disclosures reads it, a restricted practitioner included; only the IG lead changes it. Saying
# an agreement exists tells no one anything about a person, so refusals are 403, not 404.
AGREEMENT_READERS = row(
    FORBIDDEN, **for_users((*PRACTITIONERS, ADMIN_STAFF, MANAGER, *OVERSIGHT), OK)
)
AGREEMENT_KEEPER = row(FORBIDDEN, ig_lead=OK)
RETENTION_LEAD = row(FORBIDDEN, ig_lead=OK)
CERTIFICATE_READERS = row(FORBIDDEN, **for_users(OVERSIGHT, OK))
# The breach register (breaches.policy.breach_access): the allocated practitioner reported the
# breach (about client A), the manager is its investigating officer. The reporter sees their
# summary; the IG lead, the Guardian and the officer see it all; the officer contains and
# assesses; the IG lead takes every step. Anyone else may not know it exists.
BREACH_SEERS = (ALLOCATED, MANAGER, IG_LEAD, CALDICOTT_GUARDIAN)
BREACH_INVESTIGATORS = row(
    NOT_FOUND,
    **for_users((ALLOCATED, CALDICOTT_GUARDIAN), FORBIDDEN),
    **for_users((MANAGER, IG_LEAD), OK),
)
BREACH_KEEPER = row(
    NOT_FOUND, **for_users((ALLOCATED, MANAGER, CALDICOTT_GUARDIAN), FORBIDDEN), ig_lead=OK
)
# Access monitoring (monitoring.policy): the data team and the IG lead they report to.
MONITORING_READERS = row(FORBIDDEN, data_team=OK, ig_lead=OK)
# The IG group's report holds no personal data; it is the IG lead's and the Guardian's.
BREACH_REPORT = row(FORBIDDEN, ig_lead=OK, caldicott_guardian=OK)
STATISTICS = row(FORBIDDEN, ig_lead=OK, caldicott_guardian=OK)

# GET, for every named URL outside Django admin. Views that take only POST answer GET with 405
# (the sign-in gate still comes first); their POST rows are in POST_MATRIX.
MATRIX: dict[str, Row] = {
    "home": row(OK),
    "healthz": row(OK, anonymous=OK, password_only=OK),
    # accounts
    "accounts:sign_in": row(HOME, anonymous=OK),
    "accounts:sign_out": row(OK, password_only=OK),
    "accounts:mfa_verify": row(HOME, password_only=OK),
    "accounts:mfa_setup": row(HOME),
    "accounts:locked": row(OK),  # locks the session: walked last
    "accounts:keep_alive": row(NOT_ALLOWED),
    "accounts:policy": row(OK),
    "accounts:password_change": row(OK),
    "accounts:security": row(OK),
    "accounts:backup_codes": row(NOT_ALLOWED),
    "accounts:notifications": row(OK),  # each person's own notifications
    # the allocated practitioner's notification: opening it sends them to its page
    "accounts:notification_open": row(NOT_FOUND, practitioner_allocated=REDIRECT),
    "accounts:notifications_read_all": row(NOT_ALLOWED),
    # records: lists and role pages
    "records:caseload": row(OK),  # each person's own caseload
    "records:team": row(FORBIDDEN, manager=OK),
    "records:search": row(OK),  # finds only what the person may open
    "records:client_new": row(FORBIDDEN, **for_users((*PRACTITIONERS, ADMIN_STAFF, MANAGER), OK)),
    "records:break_glass": row(OK),  # anyone may ask, with a reason
    "records:break_glass_reviews": row(FORBIDDEN, manager=OK, data_team=OK),
    "records:break_glass_review": row(NOT_ALLOWED),
    "records:declarations": row(FORBIDDEN, manager=OK),
    "records:declaration_new": row(OK),  # anyone may declare
    "records:declaration_decide": row(NOT_FOUND, manager=OK),
    # records: client A's record
    "records:client": CLIENT_PAGE,
    "records:client_edit": ADMINISTRATIVE_EDIT,
    "records:client_status": row(NOT_ALLOWED),
    "records:client_allocation": MANAGING,
    "records:client_deallocate": row(NOT_ALLOWED),
    "records:entry_new": CLINICAL,
    "records:entry": CLINICAL,
    "records:entry_history": CLINICAL,
    "records:entry_amend": CLINICAL,
    "records:attachment_new": CLINICAL,
    "records:attachment": CLINICAL,
    "records:challenge_new": CLINICAL,
    "records:challenge_decide": CLINICAL,
    "records:client_accesses": row(NOT_FOUND, manager=OK, ig_lead=OK),
    "records:access_log_lookup": row(FORBIDDEN, ig_lead=OK),
    "records:off_site": CLINICAL,
    "records:off_site_decide": row(NOT_ALLOWED),
    "records:off_site_return": row(NOT_ALLOWED),
    "records:off_site_queue": row(FORBIDDEN, manager=OK),
    "records:consents": CLINICAL,
    "records:consent_new": CLINICAL,
    "records:consent_withdraw": CLINICAL,
    "records:client_privacy": row(NOT_ALLOWED),
    # disclosures (disclosures.policy.case_access): the case's client decides who may see it;
    # the Guardian sees the cases escalated to them, the IG lead every case but not its content.
    "disclosures:list": row(OK),  # each person's own visible cases
    "disclosures:guardian_queue": row(FORBIDDEN, caldicott_guardian=OK),
    # staff who may open the record log any request; the IG lead the person's own requests
    "disclosures:agreements": AGREEMENT_READERS,
    "disclosures:agreement_new": AGREEMENT_KEEPER,
    "disclosures:agreement": AGREEMENT_READERS,  # an agreement in force
    "disclosures:agreement_edit": AGREEMENT_KEEPER,
    "disclosures:agreement_end": AGREEMENT_KEEPER,  # the page that asks why; ends on POST
    "disclosures:new": row(
        NOT_FOUND, **for_users((ALLOCATED, TEAM_PRACTITIONER, ADMIN_STAFF, MANAGER, IG_LEAD), OK)
    ),
    "disclosures:deadlines": row(FORBIDDEN, ig_lead=OK),
    "disclosures:client_log": row(NOT_FOUND, manager=OK, ig_lead=OK),
    # an escalated case, waiting for the Guardian and not yet verified
    "disclosures:case": row(NOT_FOUND, **CASE_SEERS),
    "disclosures:verify": CASE_ACTORS,
    "disclosures:review": row(
        NOT_FOUND,
        **for_users((ALLOCATED, TEAM_PRACTITIONER, ADMIN_STAFF, MANAGER, IG_LEAD), FORBIDDEN),
        caldicott_guardian=OK,
    ),
    "disclosures:withdraw": CASE_ACTORS,
    # a new case (decide), a ready one (release), a released one (bundle, correct): the Guardian
    # has never been asked about them
    "disclosures:decide": CASE_WRITERS,
    "disclosures:release": CASE_WRITERS,
    "disclosures:bundle": CASE_WRITERS,
    "disclosures:correct": CASE_WRITERS,
    # an open subject access request (clock, decision) and rectification request (answer):
    # the IG lead's; staff who may open the record see the case but do not act on it
    "disclosures:clock_stop": IG_CASE,
    "disclosures:clock_restart": IG_CASE,
    "disclosures:clock_extend": IG_CASE,
    "disclosures:subject_access": IG_CASE,
    "disclosures:rights_answer": IG_CASE,
    # retention (retention.policy): the retention pages are the IG lead's; they are about the
    # organisation's schedule, so others get 403 before any record is looked up.
    "retention:overview": RETENTION_LEAD,
    "retention:sweep_now": row(NOT_ALLOWED),
    "retention:find": row(NOT_ALLOWED),
    "retention:record": RETENTION_LEAD,
    "retention:assign_class": RETENTION_LEAD,
    "retention:hold_new": RETENTION_LEAD,
    "retention:hold": RETENTION_LEAD,  # a hold in force on another record
    # the queue: the IG lead, the managers (their teams' records), the Guardian (confirmations)
    "retention:reviews": row(FORBIDDEN, **for_users((MANAGER, *OVERSIGHT), OK)),
    # client A's review, waiting: the IG lead and team A's manager see and decide it; only the
    # IG lead approves destruction
    "retention:review": row(NOT_FOUND, manager=OK, ig_lead=OK),
    "retention:review_keep": row(NOT_FOUND, manager=OK, ig_lead=OK),
    "retention:review_hold": row(NOT_FOUND, manager=OK, ig_lead=OK),
    "retention:review_approve": row(NOT_FOUND, manager=FORBIDDEN, ig_lead=OK),
    # another team A record's destruction, approved by a second IG lead: a second person (this
    # IG lead, or the Guardian) confirms; the manager sees it but may not
    "retention:review_confirm": row(
        NOT_FOUND, manager=FORBIDDEN, ig_lead=OK, caldicott_guardian=OK
    ),
    "retention:certificates": CERTIFICATE_READERS,
    "retention:certificate": CERTIFICATE_READERS,
    "retention:paper_new": RETENTION_LEAD,
    # breaches: anyone reports; each person's own visible breaches; each step on a breach in the
    # state that step needs (breaches.services.next_step)
    "breaches:register": row(OK),
    "breaches:report": row(OK),
    "breaches:ig_report": BREACH_REPORT,
    "breaches:ig_report_csv": BREACH_REPORT,
    "breaches:ig_report_pdf": BREACH_REPORT,
    "breaches:breach": row(NOT_FOUND, **for_users(BREACH_SEERS, OK)),
    "breaches:assign": BREACH_KEEPER,
    "breaches:contain": BREACH_INVESTIGATORS,
    "breaches:assess": BREACH_INVESTIGATORS,
    "breaches:notify_ico": BREACH_KEEPER,
    "breaches:tell_people": BREACH_KEEPER,
    "breaches:lessons": BREACH_KEEPER,
    "breaches:close": BREACH_KEEPER,
    # access monitoring: the data team review, the IG lead reads; the finding is about the
    # allocated practitioner, who is not shown findings about themselves
    "monitoring:findings": MONITORING_READERS,
    "monitoring:finding": MONITORING_READERS,
    "monitoring:report": MONITORING_READERS,
    "monitoring:report_csv": MONITORING_READERS,
    "monitoring:report_pdf": MONITORING_READERS,
    "monitoring:monthly_list": MONITORING_READERS,
    "monitoring:monthly": MONITORING_READERS,
    "monitoring:monthly_pdf": MONITORING_READERS,
    # statistics for funders and the IG group (reports.policy): aggregated and suppressed, the
    # IG lead's and the Guardian's; being refused says nothing about anyone, so 403
    "reports:statistics": STATISTICS,
    "reports:statistics_csv": STATISTICS,
    "reports:statistics_pdf": STATISTICS,
}

# POST with empty data, for the views that take only POST and act on a record. An allowed person
# is sent back (with an error message for the missing data; ending an allocation needs none).
POST_MATRIX: dict[str, Row] = {
    # each person's own notifications, whoever they are
    "accounts:notifications_read_all": row(REDIRECT),
    "records:client_status": row(
        NOT_FOUND,
        **for_users((ALLOCATED, TEAM_PRACTITIONER), FORBIDDEN),
        **for_users((ADMIN_STAFF, MANAGER), REDIRECT),
    ),
    "records:break_glass_review": row(NOT_FOUND, manager=REDIRECT, data_team=REDIRECT),
    "records:off_site_decide": row(
        NOT_FOUND,
        **for_users((ALLOCATED, TEAM_PRACTITIONER, ADMIN_STAFF), FORBIDDEN),
        manager=REDIRECT,
    ),
    "records:off_site_return": row(
        NOT_FOUND,
        **for_users((ALLOCATED, TEAM_PRACTITIONER, MANAGER), REDIRECT),
        admin_staff=FORBIDDEN,
    ),
    "records:client_privacy": row(
        NOT_FOUND,
        **for_users((ALLOCATED, TEAM_PRACTITIONER, MANAGER), REDIRECT),
        admin_staff=FORBIDDEN,
    ),
    "retention:sweep_now": row(FORBIDDEN, ig_lead=REDIRECT),
    "retention:find": row(FORBIDDEN, ig_lead=REDIRECT),
    # Last: the manager's POST really ends the allocation.
    "records:client_deallocate": row(
        NOT_FOUND,
        **for_users((ALLOCATED, TEAM_PRACTITIONER, ADMIN_STAFF), FORBIDDEN),
        manager=REDIRECT,
    ),
}

# URLs that change the session for every request after them: walked after everything else.
SESSION_CHANGING = ("accounts:locked",)

# Django admin is one family: ConfideAdminSite.has_permission (staff, active, second factor)
# guards every one of its URLs alike, so a sample stands for the family.
FAMILIES: dict[str, str] = {
    "admin:": "Django admin (ConfideAdminSite): system administrators with a second factor only",
}
# Without the permission, admin sends to its login page. An anonymous visitor is stopped first by
# LoginRequiredMiddleware: the site's own views name admin's login as their login URL, a model
# page names none, so it goes straight to Confide's sign-in.
ADMIN_MODEL_PAGE = row(ADMIN_LOGIN, sysadmin=OK)
FAMILY_SAMPLES: dict[str, Row] = {
    "admin:index": row(ADMIN_LOGIN, anonymous=ADMIN_LOGIN, sysadmin=OK),
    "admin:accounts_user_changelist": ADMIN_MODEL_PAGE,
    "admin:accounts_auditevent_changelist": ADMIN_MODEL_PAGE,
    "admin:accounts_notification_changelist": ADMIN_MODEL_PAGE,
    # Its login page has no form: it sends to Confide's sign-in, or refuses the signed-in.
    "admin:login": row(FORBIDDEN, sysadmin=ADMIN_INDEX),
}

# Patterns without a name (outside the families), by route: none are expected. A URL that cannot
# be reversed by name must be added here knowingly, with what protects it.
UNNAMED: dict[str, str] = {}


# --- Walking the URLconf --------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # "records:client"; None for an unnamed pattern
    namespace: str  # "records", or "" at the top
    route: str  # the full pattern text, e.g. "records/<uuid:client_id>/"
    params: frozenset[str]


def routes(
    patterns: Iterable[URLPattern | URLResolver] | None = None,
    namespace: str = "",
    prefix: str = "",
    params: frozenset[str] = frozenset(),
) -> Iterator[Route]:
    """Every pattern in the URLconf, through every include, with its namespaced name."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        here = params | frozenset(pattern.pattern.regex.groupindex)
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from routes(pattern.url_patterns, inner, route, here)
        else:
            name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else None
            yield Route(name, namespace, route, here)


def family_of(route: Route) -> str | None:
    full = f"{route.namespace}:" if route.namespace else ""
    return next((family for family in FAMILIES if full.startswith(family)), None)


def without_a_row(found: Iterable[Route]) -> list[str]:
    """The URLs that no row, family or unnamed-pattern entry accounts for."""
    missing = []
    for route in found:
        if family_of(route) is not None:
            continue
        if route.name is None:
            if route.route not in UNNAMED:
                missing.append(f"unnamed pattern {route.route!r}")
        elif route.name not in MATRIX:
            missing.append(f"{route.name} ({route.route})")
    return missing


def test_every_url_has_a_row_in_the_matrix() -> None:
    missing = without_a_row(routes())
    assert not missing, (
        "URLs with no row in the authorisation matrix (tests/records/test_authorisation_matrix"
        ".py): decide who may reach each, add its row, and make the view enforce it:\n  "
        + "\n  ".join(missing)
    )


def test_every_row_in_the_matrix_names_a_url_and_every_user() -> None:
    found = list(routes())
    names = {route.name for route in found if route.name}
    stale = sorted((set(MATRIX) | set(POST_MATRIX) | set(FAMILY_SAMPLES)) - names)
    assert not stale, f"rows for URLs that no longer exist: {stale}"
    assert set(POST_MATRIX) <= set(MATRIX)
    for family in FAMILIES:
        assert any(route.name and route.name.startswith(family) for route in found), family
        assert any(name.startswith(family) for name in FAMILY_SAMPLES), f"no sample for {family}"
    assert not [name for name in MATRIX for family in FAMILIES if name.startswith(family)]
    for table in (MATRIX, POST_MATRIX, FAMILY_SAMPLES):
        for name, outcomes in table.items():
            assert set(outcomes) == set(USERS), name


def test_a_new_url_without_a_row_is_reported_by_name() -> None:
    new = Route("records:client_export", "records", "records/<uuid:client_id>/export/", frozenset())
    unnamed = Route(None, "records", "records/<uuid:client_id>/raw/", frozenset())
    admin = Route("admin:records_client_changelist", "admin", "admin/records/client/", frozenset())
    assert without_a_row([*routes(), new, unnamed, admin]) == [
        "records:client_export (records/<uuid:client_id>/export/)",
        "unnamed pattern 'records/<uuid:client_id>/raw/'",
    ]


# --- The world the matrix is walked in ------------------------------------------------------


@dataclass
class World:
    browsers: dict[str, Browser]
    kwargs: dict[str, object]
    # Pages that need their object in another state than the shared one (a case ready to
    # release, say): their own keyword arguments.
    per_url: dict[str, dict[str, object]]


def _member(username: str, roles: list[str], *teams: Team, **fields: object) -> User:
    user = UserFactory.create(username=username, roles=roles, **fields)
    user.teams.set(teams)
    return user


def _signed_in(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def _password_only(user: User) -> Browser:
    enrol(user)
    browser = Browser()
    response = browser.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:mfa_verify")
    return browser


def _world() -> World:
    team_a = TeamFactory.create(name="Team A")
    team_b = TeamFactory.create(name="Team B")
    manager = _member("manager", ["manager"], team_a)
    alloc = _member("alloc", ["practitioner"], team_a)
    conflicted = _member("conflicted", ["practitioner"], team_a)
    client = make_client(team_a, given_name="Matrix", family_name="Client")
    allocation = allocate(client, alloc)
    entry = make_entry(client, alloc)

    # The conflicted practitioner declared a connection; the manager linked it to client A and
    # restricted them. The restriction ends their allocation; give them a grant again anyway (a
    # grant made by mistake or left behind): a restriction must beat it, and team access too.
    allocate(client, conflicted)
    declared = services.conflict_declare(
        actor=conflicted, team=team_a, connected_person="Matrix Client", nature="My neighbour"
    )
    services.conflict_decide(
        actor=manager,
        declaration=declared,
        client=client,
        decision=ConflictDeclaration.Decision.RESTRICTED,
        measures="No access to the record",
        reasons="Close personal connection",
        client_consulted=False,
    )
    allocate(client, conflicted)
    assert policy.decide(conflicted, client).denied_by_conflict

    # Someone outside the matrix broke the glass (a review for the data team and the manager),
    # and someone else in team A sent a declaration still waiting for the manager.
    glass = _member("glassuser", ["practitioner"], team_b)
    access = services.break_glass(
        actor=glass, client=client, reason="Urgent safeguarding call out of hours"
    )
    declarer = _member("declarer", ["practitioner"], team_a)
    declaration = services.conflict_declare(
        actor=declarer, team=team_a, connected_person="A friend", nature="We play football"
    )

    consent = services.consent_record(
        actor=alloc,
        client=client,
        details=services.ConsentDetails(
            purpose="referral",
            purpose_detail="",
            information="Name and contact details",
            recipients=[services.RecipientDetails(kind="agency", name="Matrix Housing")],
            given_by="client",
            given_by_name="",
            capacity_considered=True,
            evidence="signed_form",
            evidence_note="",
            given_on=datetime.date(2026, 1, 2),
        ),
    )

    challenge = services.challenge_record(
        actor=alloc,
        entry=entry,
        raised_on=datetime.date(2026, 1, 3),
        client_view="The date of the meeting is wrong",
    )

    off_site = services.off_site_request(
        actor=alloc,
        client=client,
        details=services.OffSiteDetails(
            what="Support plan",
            purpose="Home visit",
            safeguards="Locked bag",
            leave_on=timezone.localdate(),
            return_by=timezone.localdate(),
        ),
    )

    attachment = services.attachment_add(
        actor=alloc, entry=entry, filename="letter.pdf", data=b"%PDF-1.4\nmatrix\n%%EOF\n"
    )

    cases, released = _disclosure_cases(client=client, worker=alloc, manager=manager)
    agreement = DataSharingAgreement.objects.create(
        title="Matrix protocol",
        partner="Matrix Police",
        parties="Matrix Police; the charity",
        scope="Crime and disorder",
        review_on=timezone.localdate(),
    )
    retention = _retention(team_a, client)
    (notification,) = notify(
        [alloc], key="matrix", message="A request is due soon", url="/disclosures/"
    )

    users = {
        PASSWORD_ONLY: _member("pwonly", ["manager"], team_a),  # a manager: the gate still holds
        ALLOCATED: alloc,
        TEAM_PRACTITIONER: _member("teampract", ["practitioner"], team_a),
        UNALLOCATED: _member("unalloc", ["practitioner"], team_b),
        CONFLICTED: conflicted,
        ADMIN_STAFF: _member("adminstaff", ["admin_staff"], team_a),
        MANAGER: manager,
        DATA_TEAM: _member("datateam", ["data_team"], team_a),
        IG_LEAD: _member("iglead", ["ig_lead"], team_a),
        CALDICOTT_GUARDIAN: _member("caldicott", ["caldicott_guardian"], team_a),
        SYSADMIN: _member("root", [], team_a, is_staff=True, is_superuser=True),
    }
    breaches = _breaches(reporter=alloc, client=client, ig_lead=users[IG_LEAD], officer=manager)
    finding = _finding(subject=alloc, client=client)
    monthly = MonthlyReport.objects.create(
        month=datetime.date(2026, 1, 1), figures={"source": "rollup"}
    )
    browsers = {ANONYMOUS: Browser(), PASSWORD_ONLY: _password_only(users[PASSWORD_ONLY])}
    for key, user in users.items():
        if key != PASSWORD_ONLY:
            browsers[key] = _signed_in(user)
    return World(
        browsers={key: browsers[key] for key in USERS},
        kwargs={
            "client_id": client.uuid,
            "entry_id": entry.uuid,
            "allocation_id": allocation.pk,
            "access_id": access.uuid,
            "declaration_id": declaration.uuid,
            "consent_id": consent.uuid,
            "challenge_id": challenge.uuid,
            "request_id": off_site.uuid,
            "attachment_id": attachment.uuid,
            "case_id": cases["waiting"].uuid,
            "agreement_id": agreement.pk,
            "notification_id": notification.uuid,
            "review_id": retention["waiting"].uuid,
            "hold_id": retention["hold"].uuid,
            "certificate_id": retention["certificate"].pk,
            "breach_id": breaches["assigned"].uuid,
            "finding_id": finding.uuid,
            "report_id": monthly.pk,
        },
        per_url={
            "disclosures:decide": {"case_id": cases["new"].uuid},
            "disclosures:release": {"case_id": cases["ready"].uuid},
            "disclosures:bundle": {"case_id": cases["released"].uuid, "release_id": released.uuid},
            "disclosures:correct": {
                "case_id": cases["released"].uuid,
                "release_id": released.uuid,
            },
            "disclosures:clock_stop": {"case_id": cases["sar"].uuid},
            "disclosures:clock_restart": {"case_id": cases["sar"].uuid},
            "disclosures:clock_extend": {"case_id": cases["sar"].uuid},
            "disclosures:subject_access": {"case_id": cases["sar"].uuid},
            "disclosures:rights_answer": {"case_id": cases["rectification"].uuid},
            "retention:review_confirm": {"review_id": retention["confirming"].uuid},
            "breaches:assess": {"breach_id": breaches["contained"].uuid},
            "breaches:notify_ico": {"breach_id": breaches["assessed"].uuid},
            "breaches:tell_people": {"breach_id": breaches["ico_notified"].uuid},
            "breaches:lessons": {"breach_id": breaches["people_told"].uuid},
            "breaches:close": {"breach_id": breaches["lessons_learned"].uuid},
        },
    )


def _finding(*, subject: User, client: Client) -> Finding:
    now = timezone.now()
    finding = Finding.objects.create(
        rule=Rule.objects.get(kind=RuleKind.AFTER_HOURS),
        key="matrix",
        subject=subject,
        day=now.date(),
        first_at=now,
        last_at=now,
        event_count=0,
        summary="Matrix finding",
    )
    finding.clients.set([client])
    return finding


def _retention(team: Team, client: Client) -> dict[str, Any]:
    """Client A waiting for a disposal review; another record of team A whose destruction a
    second IG lead approved; a hold in force on a third; a paper disposal certificate."""
    other_lead = _member("iglead2", ["ig_lead"], team)
    waiting = DisposalReview.objects.create(client=client)
    restricted = make_client(
        team,
        given_name="Second",
        family_name="Record",
        restricted=True,
        restricted_reason="Address never to be disclosed",
    )
    confirming = DisposalReview.objects.create(
        client=restricted,
        status=DisposalReview.Status.CONFIRMING,
        decided_by=other_lead,
        decided_at=timezone.now(),
    )
    held = LegalHold(
        client=make_client(team, given_name="Third", family_name="Record"),
        reason=LegalHold.Reason.COMPLAINT,
        placed_by=other_lead,
        review_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    held.detail = "Complaint to the ombudsman"
    held.save()
    certificate = retention_services.paper_destruction_record(
        actor=other_lead,
        contractor="Shred Co",
        contractor_certificate="SC-1",
        destroyed_on=timezone.localdate(),
        description="Two archive boxes",
    )
    return {"waiting": waiting, "confirming": confirming, "hold": held, "certificate": certificate}


def _disclosure_cases(
    *, client: Client, worker: User, manager: User
) -> tuple[dict[str, DisclosureCase], Release]:
    """A police request waiting for the Guardian, a new one, an agency request ready to release
    (consent on file) and one released as a bundle."""
    entry = client.entries.get()

    def request(kind: str, **changes: str) -> DisclosureCase:
        details = disclosure_services.RequestDetails(
            kind=kind,
            channel="letter",
            received_on=timezone.localdate(),
            requester_name="Requester",
            requester_organisation="Matrix Housing",
            purpose="Housing application",
            asked_for="Support history",
            **changes,  # type: ignore[arg-type]
        )
        return disclosure_services.case_open(actor=worker, client=client, details=details)

    def share(case: DisclosureCase, actor: User) -> None:
        disclosure_services.case_propose(
            actor=actor,
            case=case,
            decision=disclosure_services.DecisionDetails(
                share=True,
                reasons="Consented referral",
                consent_purpose="referral",
                exception="serious_crime",
                lawful_basis="consent",
                items=[(entry.uuid, ["date", "body"])],
            ),
        )

    waiting = request("police")
    share(waiting, manager)
    ready = request("agency", requester_body="other_agency")
    share(ready, worker)
    released_case = request("agency", requester_body="other_agency")
    share(released_case, worker)
    disclosure_services.case_verify(
        actor=worker, case=released_case, method="letterhead", note="Letter on headed paper"
    )
    released, _password = disclosure_services.case_release(
        actor=worker,
        case=released_case,
        details=disclosure_services.ReleaseDetails(
            method="encrypted_bundle", recipient="Matrix Housing", client_told=True
        ),
    )
    cases = {"waiting": waiting, "new": request("solicitor"), "ready": ready}
    cases["released"] = released_case
    cases["sar"] = request("subject_access")
    cases["rectification"] = request("rectification")
    return cases, released


def _breaches(*, reporter: User, client: Client, ig_lead: User, officer: User) -> dict[str, Breach]:
    """One breach at each stage of the workflow, reported by ``reporter`` about ``client`` and
    investigated by ``officer``, keyed by its status."""
    now = timezone.now()
    made: dict[str, Breach] = {}
    steps = [
        lambda b: breach_services.breach_assign(actor=ig_lead, breach=b, officer=officer),
        lambda b: breach_services.breach_contain(
            actor=officer, breach=b, contained_at=now, note="Contained"
        ),
        lambda b: breach_services.breach_assess(
            actor=officer,
            breach=b,
            assessment=breach_services.Assessment(
                likelihood="high",
                severity="high",
                notify_ico=True,
                ico_reasons="Health information",
                tell_people=True,
                tell_reasons="High risk",
            ),
        ),
        lambda b: breach_services.breach_notify_ico(
            actor=ig_lead, breach=b, notified_at=now, reference="ICO-MATRIX"
        ),
        lambda b: breach_services.breach_tell_people(
            actor=ig_lead, breach=b, told_at=now, how="Letter"
        ),
        lambda b: breach_services.breach_record_lessons(actor=ig_lead, breach=b, lessons="x"),
    ]
    for taken in range(1, len(steps) + 1):
        breach = breach_services.breach_report(
            actor=reporter,
            details=breach_services.BreachDetails(
                aware_at=now - datetime.timedelta(hours=1),
                kind="confidentiality",
                category="wrong_recipient",
                near_miss=False,
                urgent_safety=False,
                what_data="A letter",
                data_format="paper",
                protection="unprotected",
                affected="clients",
                record_types="Letter",
                records_count=1,
                sensitivity="confidential",
                risks="Distress",
                recovery_steps="Asked for it back",
                stolen=False,
                crime_number="",
                what_happened="Posted to the wrong address",
                staff_involved="",
                ongoing_risk="",
                client_references=[client.reference],
            ),
        )
        for step in steps[:taken]:
            step(breach)
        made[breach.status] = breach
    return made


# --- Walking the matrix ---------------------------------------------------------------------


def _outcome(response: _MonkeyPatchedWSGIResponse) -> str:
    status = response.status_code
    if status in (200, 204):
        return OK
    if status in (301, 302, 303, 307, 308):
        path = response["Location"].split("?")[0]
        return {
            reverse("accounts:sign_in"): SIGN_IN,
            reverse("accounts:mfa_verify"): SECOND_FACTOR,
            reverse("home"): HOME,
            reverse("admin:login"): ADMIN_LOGIN,
            reverse("admin:index"): ADMIN_INDEX,
        }.get(path, REDIRECT)
    return str(status)


def _check(
    mismatches: list[str],
    browser: Browser,
    user: str,
    method: str,
    name: str,
    url: str,
    expected: str,
) -> None:
    response = browser.post(url, {}) if method == "POST" else browser.get(url)
    got = _outcome(response)
    if got != expected:
        flag = "UNEXPECTED SUCCESS: " if got in SUCCESSES else ""
        where = f" -> {response['Location']}" if response.has_header("Location") else ""
        mismatches.append(
            f"{flag}{user} {method} {name} ({url}): expected {expected}, "
            f"got {got} [{response.status_code}{where}]"
        )


def test_every_url_gives_every_person_exactly_the_matrix_outcome() -> None:
    world = _world()
    urls = {
        route.name: reverse(
            route.name,
            kwargs={
                key: {**world.kwargs, **world.per_url.get(route.name, {})}[key]
                for key in route.params
            },
        )
        for route in routes()
        if route.name in MATRIX or route.name in FAMILY_SAMPLES
    }
    gets = MATRIX | FAMILY_SAMPLES
    mismatches: list[str] = []

    def walk(method: str, names: Iterable[str], table: Mapping[str, Row]) -> None:
        for name in names:
            for user, browser in world.browsers.items():
                _check(mismatches, browser, user, method, name, urls[name], table[name][user])

    walk("GET", [name for name in gets if name not in SESSION_CHANGING], gets)
    walk("POST", POST_MATRIX, POST_MATRIX)  # after the GETs: one of them ends an allocation
    walk("GET", SESSION_CHANGING, gets)
    assert not mismatches, f"{len(mismatches)} outcomes differ from the matrix:\n  " + "\n  ".join(
        mismatches
    )
