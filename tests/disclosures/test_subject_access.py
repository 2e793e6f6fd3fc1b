"""Subject access and the other data-subject rights, through their services: the IG lead logs
and decides them, the clock stops, restarts and extends, the bundle gathers every record about
the person less what is exempt, and rights requests end with an outcome and reasons."""

from __future__ import annotations

import datetime
import io
from dataclasses import replace

import pypdf
import pytest
from django.utils import timezone

from accounts.models import AuditEvent, User
from disclosures import policy, rights, services
from disclosures.errors import DisclosureError, NotPermitted, RuleRefused
from disclosures.models import (
    CaseStatus,
    ClockStop,
    DisclosureCase,
    Exemption,
    GuardianTrigger,
    ReleaseMethod,
    RequestKind,
    RightsOutcome,
)
from disclosures.services import ReleaseDetails, RequestDetails
from records import services as record_services
from records.models import Challenge, Client
from tests.disclosures import test_workflow
from tests.disclosures.test_workflow import World, _entry
from tests.factories import TeamFactory, allocate, make_client

pytestmark = pytest.mark.django_db

world = test_workflow.world

TODAY = timezone.localdate()


def _sar(w: World, *, actor: User | None = None, **changes: object) -> DisclosureCase:
    details = RequestDetails(
        kind=RequestKind.SUBJECT_ACCESS,
        channel="letter",
        received_on=TODAY,
        requester_name="Robin Disclosed",
        asked_for="Everything you hold about me",
    )
    return services.case_open(
        actor=actor or w.ig,
        client=w.client,
        details=replace(details, **changes),  # type: ignore[arg-type]
    )


def _verify(w: World, case: DisclosureCase) -> None:
    services.case_verify(
        actor=w.ig, case=case, method="identity_documents", note="Passport seen at reception"
    )


def _release(w: World, case: DisclosureCase) -> tuple[bytes, str]:
    entry, password = services.case_release(
        actor=w.ig,
        case=case,
        details=ReleaseDetails(
            method=ReleaseMethod.ENCRYPTED_BUNDLE, recipient="Robin Disclosed", client_told=False
        ),
    )
    assert password is not None
    data = services.bundle_read(actor=w.ig, entry=entry)
    return data, password


def _text(pdf: bytes, password: str) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.decrypt(password) != 0
    # Justified lines come out with doubled spaces: compare words, not layout.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_ig_lead_logs_a_subject_access_request_about_any_record_and_its_clock_starts(
    world: World,
) -> None:
    case = _sar(world)
    assert case.due_on == rights.compute_due(case)
    assert case.due_on is not None
    assert case.due_on > TODAY
    access = policy.case_access(world.ig, case)
    assert (access.see, access.content, access.decide, access.clock) == (True,) * 4
    # The IG lead logs only data-subject requests, never a police request, say.
    with pytest.raises(NotPermitted):
        services.case_open(
            actor=world.ig,
            client=world.client,
            details=RequestDetails(
                kind=RequestKind.POLICE,
                channel="letter",
                received_on=TODAY,
                requester_name="DC Example",
                asked_for="Everything",
                purpose="Investigation",
            ),
        )


def test_the_practitioner_logs_and_verifies_a_subject_access_request_but_does_not_decide_it(
    world: World,
) -> None:
    case = _sar(world, actor=world.worker)
    access = policy.case_access(world.worker, case)
    assert (access.see, access.verify) == (True, True)
    assert (access.decide, access.release, access.clock) == (False,) * 3
    with pytest.raises(NotPermitted):
        rights.sar_propose(actor=world.worker, case=case, reasons="All of it")
    # Nor can the general decision path be used for it.
    with pytest.raises(NotPermitted):
        services.case_propose(
            actor=world.ig,
            case=case,
            decision=services.DecisionDetails(share=True, reasons="Everything"),
        )


def test_the_bundle_gathers_every_record_about_the_person_less_exempt_entries(
    world: World,
) -> None:
    # A second record about the same person in another team, matched on name and birth date.
    other_team = TeamFactory.create(name="South")
    other = make_client(other_team, given_name="Robin", family_name="Disclosed")
    someone_else = make_client(other_team, given_name="Sam", family_name="Elsewhere")
    author = world.outsider
    allocate(other, author)
    allocate(someone_else, author)
    _entry(other, author, "South housing note")
    _entry(someone_else, author, "Not about Robin")
    _entry(
        world.client, world.worker, "Neighbour's account", third_party=True, third_party_source="X"
    )
    case = _sar(world)
    _verify(world, case)
    proposal = rights.sar_propose(actor=world.ig, case=case, reasons="Searched both services")
    assert {client.pk for client in proposal.subject_records.all()} == {world.client.pk, other.pk}
    grounds = {
        (row.entry.current_version.title, row.ground)  # type: ignore[union-attr]
        for row in rights.proposal_exemptions(proposal)
    }
    assert grounds == {
        ("Doctor's letter", Exemption.WITHHELD),
        ("Neighbour's account", Exemption.THIRD_PARTY),
    }
    case.refresh_from_db()
    assert case.status == CaseStatus.READY
    # The record's own practitioner sees the case but not the bundle, which spans a record in
    # another team that they may not open.
    assert policy.case_access(world.worker, case).see
    assert not policy.case_access(world.worker, case).content
    pdf, password = _release(world, case)
    text = _text(pdf, password)
    assert "Plain note: the text of the entry." in text
    assert "Health note" in text  # special category: the subject's own data
    assert "South housing note" in text
    assert "Doctor's letter" not in text
    assert "Neighbour's account" not in text
    assert "Given in confidence" not in text  # the exemption stays in the case
    assert "Not about Robin" not in text
    # Who accessed the record: the practitioner who wrote it, and the IG lead.
    assert "Who has accessed your record" in text
    assert world.worker.display_name in text
    assert f"{world.worker.display_name}: Entry added" in text
    assert world.ig.display_name in text
    case.refresh_from_db()
    assert case.status == CaseStatus.RELEASED
    assert case.releases.get().client_told is True


def test_the_bundle_lists_what_was_disclosed_about_the_person(world: World) -> None:
    from tests.disclosures.test_workflow import _open, _share
    from tests.disclosures.test_workflow import _release as police_release
    from tests.disclosures.test_workflow import _verify as police_verify

    police = _open(world, kind=RequestKind.URGENT, requester_body="gp", requester_name="Dr A")
    police_verify(world, police)
    services.case_propose(actor=world.worker, case=police, decision=_share(world.plain))
    police.refresh_from_db()
    services.guardian_review(actor=world.guardian, case=police, outcome="approved", reasons="Ok")
    police.refresh_from_db()
    police_release(world, police, recipient="Dr A at the practice")
    case = _sar(world)
    _verify(world, case)
    rights.sar_propose(actor=world.ig, case=case, reasons="Everything")
    case.refresh_from_db()
    text = _text(*_release(world, case))
    assert "What we have disclosed about you" in text
    assert "To Dr A at the practice" in text
    assert "1 record entry" in text


def test_an_exempt_entry_can_never_be_released_in_a_subject_access_bundle(world: World) -> None:
    case = _sar(world)
    _verify(world, case)
    proposal = rights.sar_propose(actor=world.ig, case=case, reasons="Everything")
    # Someone marks a released entry for withholding after the decision: a new version.
    record_services.entry_amend(
        actor=world.worker,
        entry=world.plain,
        content=record_services.EntryContent(
            occurred_on=TODAY,
            title="Plain note",
            body="Now withheld.",
            special_categories=[],
            withhold_from_sar=True,
            withhold_reason="Serious harm",
        ),
        reason="Withhold it",
    )
    case.refresh_from_db()
    problems = services.release_check(case, proposal)
    assert any("amended" in problem for problem in problems)
    with pytest.raises(RuleRefused):
        _release(world, case)


def test_a_restricted_record_sends_a_subject_access_decision_to_the_guardian(
    world: World,
) -> None:
    Client.objects.filter(pk=world.client.pk).update(restricted=True)
    world.client.refresh_from_db()
    case = _sar(world)
    proposal = rights.sar_propose(actor=world.ig, case=case, reasons="Everything", doubt=False)
    assert proposal.guardian_triggers == [GuardianTrigger.RESTRICTED_ADDRESS]
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_GUARDIAN
    assert policy.case_access(world.guardian, case).review


def test_the_clock_stops_for_identity_and_restarts_when_verified(world: World) -> None:
    received = TODAY - datetime.timedelta(days=10)
    case = _sar(world, received_on=received)
    first_due = case.due_on
    rights.clock_stop(
        actor=world.ig,
        case=case,
        reason=ClockStop.IDENTITY,
        started_on=received + datetime.timedelta(days=2),
    )
    assert case.due_on is None  # stopped: no due date
    with pytest.raises(DisclosureError, match="already stopped"):
        rights.clock_stop(
            actor=world.ig, case=case, reason=ClockStop.CLARIFICATION, started_on=TODAY
        )
    _verify(world, case)  # the passport arrives today
    case.refresh_from_db()
    assert case.due_on is not None
    assert first_due is not None
    assert case.due_on >= first_due + datetime.timedelta(days=8)
    assert case.pauses.get().ended_on == TODAY


def test_the_clock_refuses_bad_dates_and_people_without_the_duty(world: World) -> None:
    case = _sar(world, received_on=TODAY - datetime.timedelta(days=3))
    with pytest.raises(DisclosureError, match="before the request was received"):
        rights.clock_stop(
            actor=world.ig,
            case=case,
            reason=ClockStop.CLARIFICATION,
            started_on=TODAY - datetime.timedelta(days=5),
        )
    with pytest.raises(DisclosureError, match="future"):
        rights.clock_stop(
            actor=world.ig,
            case=case,
            reason=ClockStop.CLARIFICATION,
            started_on=TODAY + datetime.timedelta(days=1),
        )
    with pytest.raises(DisclosureError, match="nothing to restart"):
        rights.clock_restart(actor=world.ig, case=case, ended_on=TODAY)
    with pytest.raises(NotPermitted):
        rights.clock_stop(
            actor=world.worker, case=case, reason=ClockStop.CLARIFICATION, started_on=TODAY
        )


def test_an_extension_must_be_told_within_the_first_month(world: World) -> None:
    case = _sar(world, received_on=TODAY - datetime.timedelta(days=40))
    with pytest.raises(DisclosureError, match="too late"):
        rights.clock_extend(actor=world.ig, case=case, months=2, reason="Complex", told_on=TODAY)
    case = _sar(world, received_on=TODAY - datetime.timedelta(days=5))
    due = case.due_on
    with pytest.raises(DisclosureError, match="why"):
        rights.clock_extend(actor=world.ig, case=case, months=2, reason=" ", told_on=TODAY)
    rights.clock_extend(actor=world.ig, case=case, months=2, reason="Six records", told_on=TODAY)
    assert case.extension_months == 2
    assert case.due_on is not None
    assert due is not None
    assert case.due_on > due
    with pytest.raises(DisclosureError, match="already extended"):
        rights.clock_extend(actor=world.ig, case=case, months=1, reason="More", told_on=TODAY)
    assert AuditEvent.objects.filter(action="disclosure.clock_extended").count() == 1


def _rights(w: World, kind: str) -> DisclosureCase:
    return services.case_open(
        actor=w.ig,
        client=w.client,
        details=RequestDetails(
            kind=kind,
            channel="letter",
            received_on=TODAY,
            requester_name="Robin Disclosed",
            asked_for="Please correct my date of birth",
        ),
    )


def test_a_rectification_is_answered_through_a_decided_challenge(world: World) -> None:
    case = _rights(world, RequestKind.RECTIFICATION)
    assert case.due_on is not None
    access = policy.case_access(world.ig, case)
    assert (access.answer, access.content, access.decide) == (True, False, False)
    with pytest.raises(DisclosureError, match="Verify"):
        rights.rights_answer(actor=world.ig, case=case, outcome=RightsOutcome.DONE, reasons="x")
    _verify(world, case)
    with pytest.raises(DisclosureError, match="challenge"):
        rights.rights_answer(
            actor=world.ig, case=case, outcome=RightsOutcome.DONE, reasons="Corrected"
        )
    challenge = record_services.challenge_record(
        actor=world.worker,
        entry=world.plain,
        raised_on=TODAY,
        client_view="The date is wrong",
    )
    with pytest.raises(DisclosureError, match="waiting"):
        rights.rights_answer(
            actor=world.ig,
            case=case,
            outcome=RightsOutcome.DONE,
            reasons="Corrected",
            challenge=challenge,
        )
    Challenge.objects.filter(pk=challenge.pk).update(outcome=Challenge.Outcome.NOT_ALTERED)
    challenge.refresh_from_db()
    with pytest.raises(DisclosureError, match="reasons"):
        rights.rights_answer(
            actor=world.ig, case=case, outcome=RightsOutcome.PARTLY, reasons="", challenge=challenge
        )
    rights.rights_answer(
        actor=world.ig,
        case=case,
        outcome=RightsOutcome.PARTLY,
        reasons="The date was right; the client's view is noted with the entry",
        challenge=challenge,
    )
    case.refresh_from_db()
    assert (case.status, case.outcome, case.challenge_id) == (
        CaseStatus.ANSWERED,
        RightsOutcome.PARTLY,
        challenge.pk,
    )
    assert case.closed_reason.startswith("The date was right")
    with pytest.raises(NotPermitted):
        rights.rights_answer(actor=world.ig, case=case, outcome=RightsOutcome.DONE, reasons="x")


@pytest.mark.parametrize(
    "kind",
    [RequestKind.ERASURE, RequestKind.RESTRICTION, RequestKind.OBJECTION, RequestKind.PORTABILITY],
)
def test_other_rights_are_logged_on_the_clock_and_answered_with_reasons(
    world: World, kind: str
) -> None:
    case = _rights(world, kind)
    assert case.due_on == rights.compute_due(case)
    with pytest.raises(NotPermitted):
        rights.rights_answer(
            actor=world.worker, case=case, outcome=RightsOutcome.REFUSED, reasons="No"
        )
    rights.rights_answer(
        actor=world.ig,
        case=case,
        outcome=RightsOutcome.REFUSED,
        reasons="Records must be kept for the retention period",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.ANSWERED
    event = AuditEvent.objects.filter(action="disclosure.rights_answered").get()
    assert event.detail["outcome"] == RightsOutcome.REFUSED
    assert "retention" not in str(event.detail)  # reasons stay sealed in the case
