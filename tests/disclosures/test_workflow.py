"""The disclosure state machine, driven through its services: no path from intake to release
skips verification, skips a Guardian approval the policy requires, or lets the proposer approve
their own release; and the rules hold whatever is chosen."""

from __future__ import annotations

import datetime
import io
import itertools
from dataclasses import dataclass, replace
from typing import Any, cast

import pypdf
import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from accounts.models import AuditEvent, AuditOutcome, Team, User
from disclosures import policy, services
from disclosures.errors import DisclosureError, NotPermitted, RuleRefused
from disclosures.models import (
    CaseStatus,
    ClientField,
    DisclosureCase,
    GuardianTrigger,
    Proposal,
    Release,
    ReleaseMethod,
    RequestKind,
    Statement,
)
from disclosures.services import DecisionDetails, ReleaseDetails, RequestDetails
from records import services as record_services
from records.models import Client, ConsentPurpose, Entry, EntryKind, RecipientCategory
from tests.factories import TeamFactory, UserFactory, allocate, make_client

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@dataclass
class World:
    team: Team
    client: Client
    worker: User
    manager: User
    admin: User
    guardian: User
    guardian_manager: User
    ig: User
    outsider: User
    plain: Entry
    special: Entry
    private: Entry


def _entry(
    client: Client,
    author: User,
    title: str,
    *,
    special_categories: tuple[str, ...] = (),
    **flags: Any,
) -> Entry:
    return record_services.entry_create(
        actor=author,
        client=client,
        kind=EntryKind.CONTACT_NOTE,
        content=record_services.EntryContent(
            occurred_on=TODAY - datetime.timedelta(days=3),
            title=title,
            body=f"{title}: the text of the entry.",
            special_categories=list(special_categories),
            **flags,
        ),
    )


@pytest.fixture
def world() -> World:
    team = TeamFactory.create(name="North")
    users = {
        name: UserFactory.create(username=name, roles=roles)
        for name, roles in {
            "worker": ["practitioner"],
            "manager": ["manager"],
            "admin": ["admin_staff"],
            "guardian": ["caldicott_guardian"],
            "guardian_manager": ["caldicott_guardian", "manager"],
            "ig": ["ig_lead"],
            "outsider": ["practitioner"],
        }.items()
    }
    for name in ("worker", "manager", "admin", "guardian_manager"):
        users[name].teams.add(team)
    client = make_client(team, given_name="Robin", family_name="Disclosed", address="1 Safe St")
    allocate(client, users["worker"])
    worker = users["worker"]
    return World(
        team=team,
        client=client,
        plain=_entry(client, worker, "Plain note"),
        special=_entry(client, worker, "Health note", special_categories=("health",)),
        private=_entry(
            client,
            worker,
            "Doctor's letter",
            third_party=True,
            third_party_source="GP letter",
            withhold_from_sar=True,
            withhold_reason="Given in confidence",
        ),
        **users,
    )


def _request(**changes: object) -> RequestDetails:
    details = RequestDetails(
        kind=RequestKind.POLICE,
        channel="phone",
        received_on=TODAY,
        requester_name="DC Example",
        requester_organisation="Northshire Police",
        requester_contact="Switchboard 0100 000 000",
        purpose="Investigating a burglary",
        asked_for="Attendance on 3 March",
        legal_basis_cited="DPA 2018 Schedule 2 Part 1 paragraph 2",
        caller_told_call_back=True,
    )
    return replace(details, **changes)  # type: ignore[arg-type]


def _open(w: World, **changes: object) -> DisclosureCase:
    return services.case_open(actor=w.admin, client=w.client, details=_request(**changes))


def _verify(w: World, case: DisclosureCase, **kw: object) -> None:
    services.case_verify(
        actor=w.admin,
        case=case,
        method=str(kw.pop("method", "call_back")),
        note="Called back through the force switchboard",
        **kw,  # type: ignore[arg-type]
    )


def _share(*entries: Entry, **changes: object) -> DecisionDetails:
    decision = DecisionDetails(
        share=True,
        reasons="Needed to investigate a serious crime; minimum necessary.",
        consent_purpose=ConsentPurpose.OTHER,
        exception="serious_crime",
        lawful_basis="legal_obligation",
        article9_condition="substantial_public_interest",
        items=[(entry.uuid, ["date", "title", "body"]) for entry in entries],
    )
    return replace(decision, **changes)  # type: ignore[arg-type]


def _release(w: World, case: DisclosureCase, **changes: object) -> tuple[Release, str | None]:
    details = ReleaseDetails(
        method=ReleaseMethod.ENCRYPTED_BUNDLE,
        recipient="Northshire Police",
        client_told=False,
        client_told_note="Telling the client would prejudice the investigation",
    )
    return services.case_release(actor=w.worker, case=case, details=replace(details, **changes))  # type: ignore[arg-type]


def _consent(w: World, *, purpose: str, name: str = "", category: str = "") -> None:
    record_services.consent_record(
        actor=w.worker,
        client=w.client,
        details=record_services.ConsentDetails(
            purpose=purpose,
            purpose_detail="Described" if purpose == ConsentPurpose.OTHER else "",
            information="What is needed",
            recipients=[
                record_services.RecipientDetails(
                    kind="category" if category else "agency", name=name, category=category
                )
            ],
            given_by="client",
            given_by_name="",
            capacity_considered=True,
            evidence="signed_form",
            evidence_note="",
            given_on=TODAY - datetime.timedelta(days=10),
        ),
    )


def _actions(case: DisclosureCase) -> list[str]:
    return [
        event.action
        for event in AuditEvent.objects.filter(detail__case=str(case.uuid)).order_by("seq")
    ]


# --- The police walk, and what it writes ---------------------------------------------------


def test_police_request_runs_from_intake_to_an_encrypted_bundle_of_only_the_chosen_entries(
    world: World,
) -> None:
    case = _open(world)
    _verify(world, case)
    proposal = services.case_propose(actor=world.worker, case=case, decision=_share(world.plain))
    assert case.status == CaseStatus.AWAITING_GUARDIAN
    assert proposal.guardian_triggers == [GuardianTrigger.POLICE, GuardianTrigger.NO_CONSENT]

    services.guardian_review(
        actor=world.guardian, case=case, outcome="approved", reasons="Proportionate"
    )
    assert case.status == CaseStatus.READY
    entry, password = _release(world, case)

    assert case.status == CaseStatus.RELEASED
    assert password
    pdf = services.bundle_read(actor=world.worker, entry=entry)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted
    assert reader.decrypt("not-the-password") == 0
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.decrypt(password) != 0
    encrypt = cast(dict[str, Any], reader.trailer["/Encrypt"])
    assert encrypt["/V"] == 5  # AES-256
    assert encrypt["/CF"]["/StdCF"]["/CFM"] == "/AESV3"
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Plain note: the text of the entry." in text
    assert "Health note" not in text
    assert "Doctor's letter" not in text
    assert "Robin" not in text  # no client field was chosen
    assert "Private & Confidential, for the attention of the addressee only" in text
    assert entry.released["entries"][0]["entry"] == str(world.plain.uuid)
    assert entry.exception == "serious_crime"
    assert entry.consent is None
    assert _actions(case) == [
        "disclosure.logged",
        "disclosure.verified",
        "disclosure.proposed",
        "disclosure.guardian_reviewed",
        "disclosure.released",
        "disclosure.bundle_downloaded",
    ]


def test_the_password_is_not_stored_anywhere(world: World) -> None:
    case = _open(world, kind=RequestKind.AGENCY, requester_body="social_services")
    _verify(world, case)
    _consent(world, purpose=ConsentPurpose.CARE_COORDINATION, name="Northshire Police")
    services.case_propose(
        actor=world.worker,
        case=case,
        decision=_share(world.plain, consent_purpose=ConsentPurpose.CARE_COORDINATION),
    )
    assert case.status == CaseStatus.READY  # consent, no special category: no Guardian
    _entry_row, password = _release(world, case)
    assert password
    with connection.cursor() as cursor:
        for table in ("disclosures_release", "accounts_auditevent", "disclosures_proposal"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            assert password not in repr(cursor.fetchall())


# --- No path skips verification, the Guardian, or lets the proposer approve -----------------


def test_an_unverified_requester_gets_nothing(world: World) -> None:
    case = _open(world)
    services.case_propose(actor=world.worker, case=case, decision=_share(world.plain))
    services.guardian_review(actor=world.guardian, case=case, outcome="approved", reasons="Fine")
    with pytest.raises(RuleRefused, match="Verify the requester"):
        _release(world, case)
    assert not Release.objects.exists()
    refused = AuditEvent.objects.filter(action="disclosure.refused_by_rule").get()
    assert refused.outcome == AuditOutcome.DENIED


def test_an_escalated_case_cannot_be_released_before_the_guardian_decides(world: World) -> None:
    case = _open(world)
    _verify(world, case)
    services.case_propose(actor=world.worker, case=case, decision=_share(world.plain))
    with pytest.raises(NotPermitted):
        _release(world, case)
    assert case.status == CaseStatus.AWAITING_GUARDIAN


def test_the_proposer_never_approves_their_own_release(world: World) -> None:
    case = _open(world)
    _verify(world, case)
    services.case_propose(actor=world.guardian_manager, case=case, decision=_share(world.plain))
    with pytest.raises(NotPermitted, match="did not propose"):
        services.guardian_review(
            actor=world.guardian_manager, case=case, outcome="approved", reasons="Mine"
        )
    assert not policy.case_access(world.guardian_manager, case).review
    services.guardian_review(actor=world.guardian, case=case, outcome="approved", reasons="Ok")
    assert case.status == CaseStatus.READY


def test_only_a_guardian_reviews(world: World) -> None:
    case = _open(world)
    services.case_propose(actor=world.worker, case=case, decision=_share(world.plain))
    for user in (world.manager, world.ig, world.admin, world.outsider):
        with pytest.raises(NotPermitted):
            services.guardian_review(actor=user, case=case, outcome="approved", reasons="x")


@pytest.mark.parametrize(
    ("kind", "changes", "trigger"),
    [
        (RequestKind.MEDIA, {}, GuardianTrigger.MEDIA),
        (RequestKind.URGENT, {"requester_body": "crisis_team"}, GuardianTrigger.URGENT),
        (RequestKind.POLICE, {}, GuardianTrigger.POLICE),
    ],
)
def test_media_police_and_urgent_requests_always_go_to_the_guardian_even_to_refuse(
    world: World, kind: str, changes: dict[str, str], trigger: str
) -> None:
    case = _open(world, kind=kind, **changes)
    proposal = services.case_propose(
        actor=world.manager,
        case=case,
        decision=DecisionDetails(share=False, reasons="Nothing should be said"),
    )
    assert proposal.guardian_triggers == [trigger]
    assert case.status == CaseStatus.AWAITING_GUARDIAN


def test_release_without_consent_special_category_and_doubt_each_escalate(world: World) -> None:
    case = _open(world, kind=RequestKind.AGENCY, requester_body="probation")
    _consent(world, purpose=ConsentPurpose.CARE_COORDINATION, name="Northshire Police")
    proposal = services.case_propose(
        actor=world.worker,
        case=case,
        decision=_share(
            world.special, consent_purpose=ConsentPurpose.CARE_COORDINATION, doubt=True
        ),
    )
    assert proposal.consent is not None
    assert proposal.guardian_triggers == [GuardianTrigger.SPECIAL_CATEGORY, GuardianTrigger.DOUBT]


def test_a_restricted_address_never_leaves_without_the_guardian(world: World) -> None:
    Client.objects.filter(pk=world.client.pk).update(restricted=True)
    world.client.refresh_from_db()
    case = _open(world, kind=RequestKind.AGENCY, requester_body="housing_benefit")
    _consent(world, purpose=ConsentPurpose.BENEFITS, category=RecipientCategory.HOUSING_BENEFIT)
    _verify(world, case)
    proposal = services.case_propose(
        actor=world.worker,
        case=case,
        decision=_share(consent_purpose=ConsentPurpose.BENEFITS, client_fields=["name", "address"]),
    )
    assert proposal.consent is not None  # consent does not lift the restriction
    assert proposal.guardian_triggers == [GuardianTrigger.RESTRICTED_ADDRESS]
    with pytest.raises(NotPermitted):
        _release(world, case)


def test_no_path_through_the_machine_reaches_release_without_its_safeguards(world: World) -> None:
    """Every order of the steps a user can try: release succeeds only after verification and,
    for this police case, a Guardian approval by someone other than the proposer."""
    steps = ("verify", "propose", "approve_self", "approve_other", "release")
    for order in itertools.permutations(steps):
        case = _open(world)
        done: set[str] = set()
        for step in order:
            try:
                if step == "verify":
                    _verify(world, case)
                elif step == "propose":
                    services.case_propose(
                        actor=world.guardian_manager, case=case, decision=_share(world.plain)
                    )
                elif step == "approve_self":
                    services.guardian_review(
                        actor=world.guardian_manager, case=case, outcome="approved", reasons="x"
                    )
                elif step == "approve_other":
                    services.guardian_review(
                        actor=world.guardian, case=case, outcome="approved", reasons="x"
                    )
                elif step == "release":
                    services.case_release(
                        actor=world.guardian_manager,
                        case=case,
                        details=ReleaseDetails(
                            method=ReleaseMethod.VERBAL, recipient="Police", client_told=True
                        ),
                    )
            except DisclosureError:
                continue
            done.add(step)
            case.refresh_from_db()
        released = case.status == CaseStatus.RELEASED
        assert "approve_self" not in done, order
        assert released == (
            order.index("verify") < order.index("release")
            and order.index("propose") < order.index("approve_other") < order.index("release")
        ), order


# --- Rules that hold whatever is clicked --------------------------------------------------


def test_family_without_consent_are_told_nothing_not_even_that_the_person_is_a_client(
    world: World,
) -> None:
    case = _open(
        world,
        kind=RequestKind.FAMILY_FRIENDS,
        requester_name="A relative",
        requester_organisation="",
        purpose="Worried about them",
    )
    _verify(world, case)
    for decision in (
        _share(world.plain),
        _share(client_fields=[ClientField.STATUS]),
        _share(client_fields=[ClientField.STATUS], exception="vital_interests", doubt=True),
    ):
        with pytest.raises(RuleRefused, match="not even that the person uses the service"):
            services.case_propose(actor=world.manager, case=case, decision=decision)
    assert case.status == CaseStatus.RECEIVED
    proposal = services.case_propose(
        actor=world.worker,
        case=case,
        decision=DecisionDetails(share=False, reasons="No consent", reply="They are fine"),
    )
    assert proposal.reply.startswith("We can neither confirm nor deny")
    assert case.status == CaseStatus.NOT_SHARED


def test_family_with_consent_can_be_told_what_was_agreed(world: World) -> None:
    _consent(
        world, purpose=ConsentPurpose.FAMILY_CONTACT, category=RecipientCategory.FAMILY_FRIENDS
    )
    case = _open(world, kind=RequestKind.FAMILY_FRIENDS, requester_organisation="")
    proposal = services.case_propose(
        actor=world.worker,
        case=case,
        decision=_share(client_fields=[ClientField.APPOINTMENTS], exception=""),
    )
    assert proposal.consent is not None
    assert proposal.consent_purpose == "family_contact"
    assert case.status == CaseStatus.READY


def test_consent_withdrawn_after_a_decision_stops_the_release(world: World) -> None:
    _consent(
        world, purpose=ConsentPurpose.FAMILY_CONTACT, category=RecipientCategory.FAMILY_FRIENDS
    )
    case = _open(world, kind=RequestKind.FAMILY_FRIENDS, requester_organisation="")
    _verify(world, case)
    services.case_propose(
        actor=world.worker, case=case, decision=_share(client_fields=[ClientField.APPOINTMENTS])
    )
    consent = world.client.consents.get()
    record_services.consent_withdraw(actor=world.worker, consent=consent, on=TODAY, note="Asked")
    with pytest.raises(RuleRefused, match="not even that the person uses the service"):
        _release(world, case, method=ReleaseMethod.VERBAL)


def test_a_referrer_before_the_first_appointment_hears_only_the_two_statements(
    world: World,
) -> None:
    Client.objects.filter(pk=world.client.pk).update(
        first_appointment_on=TODAY + datetime.timedelta(days=7)
    )
    world.client.refresh_from_db()
    case = _open(world, kind=RequestKind.REFERRER, requester_organisation="Northtown GP surgery")
    for decision in (
        _share(world.plain, statements=[Statement.REFERRAL_RECEIVED]),
        _share(client_fields=[ClientField.APPOINTMENTS]),
    ):
        with pytest.raises(RuleRefused, match="only that the referral was received"):
            services.case_propose(actor=world.worker, case=case, decision=decision)
    statements = [Statement.REFERRAL_RECEIVED, Statement.APPOINTMENT_BOOKED]
    proposal = services.case_propose(
        actor=world.worker,
        case=case,
        decision=_share(statements=statements, items=[], consent_purpose="", exception=""),
    )
    assert proposal.guardian_triggers == []  # the policy allows these two statements
    _verify(world, case)  # verified, but not confirmed to be the referrer
    with pytest.raises(RuleRefused, match="is the referrer"):
        _release(world, case, method=ReleaseMethod.VERBAL)


def test_the_referrer_statements_leave_once_the_referrer_is_confirmed(world: World) -> None:
    Client.objects.filter(pk=world.client.pk).update(first_appointment_on=TODAY)
    world.client.refresh_from_db()
    case = _open(world, kind=RequestKind.REFERRER)
    _verify(world, case, referrer_confirmed=True)
    services.case_propose(
        actor=world.worker,
        case=case,
        decision=_share(statements=[Statement.REFERRAL_RECEIVED], items=[], exception=""),
    )
    entry, password = _release(world, case, method=ReleaseMethod.VERBAL)
    assert password is None
    assert not entry.has_bundle
    assert entry.released["statements"] == ["referral_received"]


def test_an_entry_amended_after_approval_must_be_decided_again(world: World) -> None:
    case = _open(world)
    _verify(world, case)
    services.case_propose(actor=world.worker, case=case, decision=_share(world.plain))
    services.guardian_review(actor=world.guardian, case=case, outcome="approved", reasons="Ok")
    record_services.entry_amend(
        actor=world.worker,
        entry=world.plain,
        content=record_services.EntryContent(
            occurred_on=TODAY, title="Plain note", body="Changed", special_categories=[]
        ),
        reason="Typo",
    )
    with pytest.raises(RuleRefused, match="amended since the decision"):
        _release(world, case)


# --- Refusals, the Guardian's other answers, and the log ----------------------------------


def test_a_refusal_by_the_guardian_closes_the_case_with_nothing_released(world: World) -> None:
    case = _open(world, kind=RequestKind.MEDIA, requester_organisation="The Daily Example")
    _verify(world, case)
    services.case_propose(actor=world.manager, case=case, decision=_share(world.plain))
    services.guardian_review(actor=world.guardian, case=case, outcome="refused", reasons="No")
    assert case.status == CaseStatus.NOT_SHARED
    with pytest.raises(NotPermitted):
        _release(world, case)


def test_more_information_sends_the_case_back_for_a_new_proposal(world: World) -> None:
    case = _open(world)
    _verify(world, case)
    services.case_propose(actor=world.worker, case=case, decision=_share(world.plain))
    services.guardian_review(
        actor=world.guardian, case=case, outcome="more_info", reasons="Which dates exactly?"
    )
    assert case.status == CaseStatus.MORE_INFO
    second = services.case_propose(actor=world.worker, case=case, decision=_share(world.plain))
    assert second.number == 2
    assert case.status == CaseStatus.AWAITING_GUARDIAN
    first = case.proposals.get(number=1)
    assert first.review == Proposal.Review.MORE_INFO


def test_sharing_without_consent_needs_an_exception_and_special_category_an_article_9_condition(
    world: World,
) -> None:
    case = _open(world)
    with pytest.raises(DisclosureError, match="which exception"):
        services.case_propose(
            actor=world.worker, case=case, decision=_share(world.plain, exception="")
        )
    with pytest.raises(DisclosureError, match="Article 9"):
        services.case_propose(
            actor=world.worker, case=case, decision=_share(world.special, article9_condition="")
        )
    with pytest.raises(DisclosureError, match="reasons"):
        services.case_propose(
            actor=world.worker, case=case, decision=_share(world.plain, reasons="")
        )
    assert case.status == CaseStatus.RECEIVED
    assert not case.proposals.exists()


def test_intake_insists_on_the_call_back_and_who_is_asking(world: World) -> None:
    with pytest.raises(DisclosureError, match="called back"):
        _open(world, caller_told_call_back=False)
    with pytest.raises(DisclosureError, match="crisis team or a GP"):
        _open(world, kind=RequestKind.URGENT, requester_body="")
    with pytest.raises(DisclosureError, match="future"):
        _open(world, received_on=TODAY + datetime.timedelta(days=1))
    assert not DisclosureCase.objects.exists()
    assert _open(world, channel="letter", caller_told_call_back=False).status == "received"


def test_people_without_access_to_the_record_cannot_log_or_act(world: World) -> None:
    with pytest.raises(NotPermitted):
        services.case_open(actor=world.outsider, client=world.client, details=_request())
    case = _open(world)
    with pytest.raises(NotPermitted):
        services.case_propose(actor=world.admin, case=case, decision=_share(world.plain))
    assert not policy.case_access(world.outsider, case).see
    assert policy.case_access(world.ig, case).see
    assert not policy.case_access(world.ig, case).content
    assert not policy.case_access(world.guardian, case).see  # not escalated yet


def test_the_disclosure_log_cannot_be_edited_or_deleted(world: World) -> None:
    case = _open(world, kind=RequestKind.REFERRER)
    _verify(world, case, referrer_confirmed=True)
    Client.objects.filter(pk=world.client.pk).update(first_appointment_attended=True)
    world.client.refresh_from_db()
    _consent(world, purpose=ConsentPurpose.UPDATES_TO_REFERRER, name="Northshire Police")
    services.case_propose(
        actor=world.worker,
        case=case,
        decision=_share(
            client_fields=[ClientField.APPOINTMENTS],
            consent_purpose=ConsentPurpose.UPDATES_TO_REFERRER,
        ),
    )
    entry, _ = _release(world, case, method=ReleaseMethod.SECURE_EMAIL)
    rows = Release.objects.filter(pk=entry.pk)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        rows.update(method="verbal")
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        rows.delete()
    correction = services.release_correct(
        actor=world.worker, entry=entry, note="Client told at the next session", client_told=True
    )
    assert correction.release == entry
    entry.refresh_from_db()
    assert entry.method == ReleaseMethod.SECURE_EMAIL
    assert entry.client_told is False


def test_a_decision_cites_an_agreement_in_force_and_the_log_keeps_it(world: World) -> None:
    from disclosures.models import DataSharingAgreement

    agreement = DataSharingAgreement.objects.create(
        title="Section 115 protocol",
        kind="protocol",
        partner="Northshire Police",
        parties="Police; charity",
        scope="Crime and disorder",
        review_on=TODAY + datetime.timedelta(days=300),
    )
    case = _open(world)
    _verify(world, case)
    services.case_propose(
        actor=world.worker, case=case, decision=_share(world.plain, agreement=agreement)
    )
    services.guardian_review(actor=world.guardian, case=case, outcome="approved", reasons="Ok")
    entry, _ = _release(world, case, method=ReleaseMethod.VERBAL)
    assert entry.agreement == agreement

    DataSharingAgreement.objects.filter(pk=agreement.pk).update(active=False)
    agreement.refresh_from_db()
    second = _open(world)
    with pytest.raises(DisclosureError, match="no longer in force"):
        services.case_propose(
            actor=world.worker, case=second, decision=_share(world.plain, agreement=agreement)
        )
