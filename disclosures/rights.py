"""Subject access and the other data-subject rights: the statutory clock, the subject access
decision (which gathers every record held about the person), and the answer to a rectification,
erasure, restriction, objection or portability request.

Access is decided in :mod:`disclosures.policy` (these are the IG lead's); every write checks it
again, moves the case on under a row lock or a conditional update, and writes its audit event in
the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from disclosures import deadlines, policy
from disclosures.actions import DisclosureAction
from disclosures.errors import CaseMoved, DisclosureError, NotPermitted
from disclosures.events import audit_case
from disclosures.models import (
    OPEN_STATUSES,
    CaseStatus,
    ClientField,
    ClockPause,
    ClockStop,
    DisclosureCase,
    EntryField,
    Exemption,
    GuardianTrigger,
    LawfulBasis,
    Proposal,
    ProposalItem,
    RequestKind,
    RightsOutcome,
    SarExemption,
)
from records import policy as records_policy
from records import selectors as record_selectors
from records.models import Challenge, Client, Entry, EntryVersion
from retention.services import review_for_erasure

# --- The clock -------------------------------------------------------------------------------


def _pauses(case: DisclosureCase) -> list[tuple[date, date | None]]:
    if case.pk is None:
        return []
    return [(pause.started_on, pause.ended_on) for pause in case.pauses.order_by("started_on")]


def compute_due(case: DisclosureCase) -> date | None:
    if not case.is_clocked:
        return None
    return deadlines.due_date(
        case.received_on, extension_months=case.extension_months, pauses=_pauses(case)
    )


def tell_extension_by(case: DisclosureCase) -> date:
    return deadlines.tell_extension_by(case.received_on, _pauses(case))


def _store_due(case: DisclosureCase) -> None:
    case.due_on = compute_due(case)
    DisclosureCase.objects.filter(pk=case.pk).update(due_on=case.due_on)


def _locked_open(case: DisclosureCase) -> DisclosureCase:
    """The case's row, locked for the rest of the transaction; refused if it has closed."""
    locked = DisclosureCase.objects.select_for_update().select_related("client").get(pk=case.pk)
    if locked.status not in OPEN_STATUSES:
        raise CaseMoved("This request has just been closed")
    return locked


def _clock_access(actor: User, case: DisclosureCase) -> policy.CaseAccess:
    access = policy.case_access(actor, case)
    if not access.clock or not case.is_clocked:
        raise NotPermitted("Only the IG lead runs the clock, while the request is open")
    return access


def _check_day(day: date, case: DisclosureCase, *, what: str) -> None:
    if day > timezone.localdate():
        raise DisclosureError(f"The date {what} cannot be in the future")
    if day < case.received_on:
        raise DisclosureError(f"The date {what} cannot be before the request was received")


def clock_stop(
    *,
    actor: User,
    case: DisclosureCase,
    reason: str,
    started_on: date,
    request: HttpRequest | None = None,
) -> ClockPause:
    """Stop the clock while the organisation waits for the requester (Article 12A)."""
    access = _clock_access(actor, case)
    if reason not in ClockStop.values:
        raise DisclosureError("Say what you are waiting for")
    _check_day(started_on, case, what="the clock stopped")
    with transaction.atomic():
        locked = _locked_open(case)
        if locked.pauses.filter(ended_on__isnull=True).exists():
            raise DisclosureError("The clock is already stopped")
        if locked.pauses.filter(ended_on__gt=started_on).exists():
            raise DisclosureError("The clock was running again after that date: choose a later one")
        pause = ClockPause.objects.create(
            case=locked, reason=reason, started_on=started_on, started_by=actor
        )
        _store_due(locked)
        audit_case(
            DisclosureAction.CLOCK_STOPPED,
            actor=actor,
            case=locked,
            reason=access.reason,
            detail={"waiting_for": reason, "from": started_on.isoformat()},
            request=request,
        )
    case.refresh_from_db()
    return pause


def clock_restart(
    *,
    actor: User,
    case: DisclosureCase,
    ended_on: date,
    request: HttpRequest | None = None,
) -> None:
    """Restart the clock on the day what was waited for arrived; the days it stood still are
    added to the deadline."""
    access = _clock_access(actor, case)
    _check_day(ended_on, case, what="it arrived")
    with transaction.atomic():
        locked = _locked_open(case)
        _end_running_pause(locked, actor=actor, ended_on=ended_on)
        audit_case(
            DisclosureAction.CLOCK_RESTARTED,
            actor=actor,
            case=locked,
            reason=access.reason,
            detail={"on": ended_on.isoformat(), "due_on": _iso(locked.due_on)},
            request=request,
        )
    case.refresh_from_db()


def _end_running_pause(
    case: DisclosureCase, *, actor: User, ended_on: date, only: str | None = None
) -> ClockPause | None:
    running = case.pauses.filter(ended_on__isnull=True)
    if only is not None:
        running = running.filter(reason=only)
    pause = running.first()
    if pause is None:
        if only is not None:
            return None
        raise DisclosureError("The clock is running: there is nothing to restart")
    if ended_on < pause.started_on:
        raise DisclosureError("It cannot have arrived before the clock stopped")
    pause.ended_on = ended_on
    pause.ended_by = actor
    pause.save(update_fields=["ended_on", "ended_by"])
    _store_due(case)
    return pause


def identity_arrived(*, actor: User, case: DisclosureCase, on: date) -> bool:
    """Verification ends a stop that waited for evidence of identity. Called by
    :func:`disclosures.services.case_verify` inside its transaction."""
    if not case.is_clocked:
        return False
    return _end_running_pause(case, actor=actor, ended_on=on, only=ClockStop.IDENTITY) is not None


def clock_extend(
    *,
    actor: User,
    case: DisclosureCase,
    months: int,
    reason: str,
    told_on: date,
    request: HttpRequest | None = None,
) -> None:
    """Extend a complex request by up to two further months from receipt; the requester must
    be told within the first month."""
    access = _clock_access(actor, case)
    if months not in (1, 2):
        raise DisclosureError("Extend by one or two further months")
    if not reason.strip():
        raise DisclosureError("Say why the request is complex enough to need longer")
    _check_day(told_on, case, what="the requester was told")
    latest = tell_extension_by(case)
    if told_on > latest:
        raise DisclosureError(
            "The requester must be told of an extension within the first month "
            f"(by {latest:%-d %B %Y}); it is too late to extend"
        )
    with transaction.atomic():
        locked = _locked_open(case)
        if months <= locked.extension_months:
            raise DisclosureError(
                f"The request is already extended by {locked.extension_months} month(s): "
                "choose more"
            )
        locked.extension_months = months
        locked.extension_told_on = told_on
        locked.extension_reason = reason.strip()
        locked.save(
            update_fields=["extension_months", "extension_told_on", "extension_reason_sealed"]
        )
        _store_due(locked)
        audit_case(
            DisclosureAction.CLOCK_EXTENDED,
            actor=actor,
            case=locked,
            reason=access.reason,
            detail={
                "months": months,
                "told_on": told_on.isoformat(),
                "due_on": _iso(locked.due_on),
            },
            request=request,
        )
    case.refresh_from_db()


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


# --- Subject access --------------------------------------------------------------------------


def subject_records(client: Client) -> list[Client]:
    """Every live record about the same person: matched on NHS number, or family name and date
    of birth (the keyed hashes), as a reasonable and proportionate search (Article 15(1A))."""
    match = Q(pk=client.pk)
    if client.nhs_number_index:
        match |= Q(nhs_number_index=client.nhs_number_index)
    if client.name_dob_index:
        match |= Q(name_dob_index=client.name_dob_index)
    return list(
        Client.objects.filter(match, data_key_destroyed_at__isnull=True)
        .select_related("team")
        .order_by("created_at")
    )


@dataclass(frozen=True)
class Exempt:
    entry: Entry
    version: EntryVersion
    ground: str
    note: str


@dataclass(frozen=True)
class SubjectAccessSet:
    """What a subject access decision would send, and what it leaves out and why."""

    records: list[Client]
    included: list[tuple[Entry, EntryVersion]]
    exempt: list[Exempt]


def subject_access_set(case: DisclosureCase) -> SubjectAccessSet:
    records = subject_records(case.client)
    included: list[tuple[Entry, EntryVersion]] = []
    exempt: list[Exempt] = []
    for client in records:
        for entry in reversed(record_selectors.client_entries(client)):
            version = entry.current_version
            if version is None:
                continue
            if version.withhold_from_sar:
                exempt.append(Exempt(entry, version, Exemption.WITHHELD, version.withhold_reason))
            elif version.third_party:
                exempt.append(
                    Exempt(entry, version, Exemption.THIRD_PARTY, version.third_party_source)
                )
            else:
                included.append((entry, version))
    return SubjectAccessSet(records=records, included=included, exempt=exempt)


def sar_propose(
    *,
    actor: User,
    case: DisclosureCase,
    reasons: str,
    doubt: bool = False,
    request: HttpRequest | None = None,
) -> Proposal:
    """Decide a subject access request: everything held about the person across their records,
    less withheld and third-party entries, whose exemptions stay in the case. In doubt, it
    waits for the Caldicott Guardian."""
    access = policy.case_access(actor, case)
    if not access.decide or not case.is_subject_access:
        raise NotPermitted("You cannot decide this request")
    if not reasons.strip():
        raise DisclosureError(
            "Say how the search was made and anything the requester should know about it"
        )
    found = subject_access_set(case)
    if any(records_policy.may_see_access_log(actor, client) is None for client in found.records):
        raise NotPermitted(
            "You have a restriction on one of this person's records: another IG lead must "
            "answer this request"
        )
    triggers: list[GuardianTrigger] = []
    if any(client.restricted for client in found.records):
        # The bundle holds the address, and a restricted address never leaves without the
        # Caldicott Guardian (the requester may be acting for someone the client fears).
        triggers.append(GuardianTrigger.RESTRICTED_ADDRESS)
    if doubt:
        triggers.append(GuardianTrigger.DOUBT)
    status = CaseStatus.AWAITING_GUARDIAN if triggers else CaseStatus.READY
    now = timezone.now()
    with transaction.atomic():
        updated = DisclosureCase.objects.filter(
            pk=case.pk, status__in=policy.DECIDABLE_STATUSES
        ).update(status=status, status_changed_at=now)
        if not updated:
            raise CaseMoved("Someone else has just acted on this case; look at it again")
        number = case.proposals.count() + 1
        proposal = Proposal(
            case=case,
            number=number,
            proposed_by=actor,
            share=True,
            lawful_basis=LawfulBasis.LEGAL_OBLIGATION,
            doubt=doubt,
            client_fields=list(ClientField.values),
            guardian_triggers=[str(trigger) for trigger in triggers],
            review=Proposal.Review.PENDING if triggers else Proposal.Review.NOT_NEEDED,
        )
        proposal.reasons = reasons.strip()
        proposal.save()
        proposal.subject_records.set(found.records)
        ProposalItem.objects.bulk_create(
            ProposalItem(
                proposal=proposal, entry=entry, version=version, fields=list(EntryField.values)
            )
            for entry, version in found.included
        )
        for row in found.exempt:
            exemption = SarExemption(
                proposal=proposal, entry=row.entry, version=row.version, ground=row.ground
            )
            exemption.note = row.note
            exemption.save()
        audit_case(
            DisclosureAction.PROPOSED,
            actor=actor,
            case=case,
            reason=access.reason,
            detail={
                "proposal": number,
                "share": True,
                "subject_access": True,
                "records": [str(client.uuid) for client in found.records],
                "entries": [
                    {"entry": str(entry.uuid), "version": version.number}
                    for entry, version in found.included
                ],
                "exempt": [
                    {
                        "entry": str(row.entry.uuid),
                        "version": row.version.number,
                        "ground": row.ground,
                    }
                    for row in found.exempt
                ],
                "guardian": [str(trigger) for trigger in triggers],
            },
            request=request,
        )
    case.refresh_from_db()
    return proposal


def proposal_exemptions(proposal: Proposal) -> list[SarExemption]:
    exemptions = list(proposal.exemptions.select_related("entry__client", "version"))
    for exemption in exemptions:
        exemption.proposal = proposal
        exemption.version.entry = exemption.entry
    return exemptions


# --- The other rights ------------------------------------------------------------------------


def rectification_challenges(case: DisclosureCase) -> list[Challenge]:
    """Challenges to the accuracy of the client's entries, newest first, that a rectification
    request can point to (the records' challenge workflow does the correcting)."""
    challenges = list(
        Challenge.objects.filter(entry__client=case.client)
        .select_related("entry")
        .order_by("-recorded_at")
    )
    for challenge in challenges:
        challenge.entry.client = case.client
    return challenges


def rights_answer(
    *,
    actor: User,
    case: DisclosureCase,
    outcome: str,
    reasons: str,
    challenge: Challenge | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Answer a rectification, erasure, restriction, objection or portability request, with the
    outcome and the reasons. Rectification that is done points to the decided challenge on the
    entry that carried it out."""
    access = policy.case_access(actor, case)
    if not access.answer:
        raise NotPermitted("Only the IG lead answers this request, while it is open")
    if outcome not in RightsOutcome.values:
        raise DisclosureError("Choose the outcome")
    if not reasons.strip():
        raise DisclosureError("Give the reasons for the outcome")
    granted = outcome != RightsOutcome.REFUSED
    if granted and not case.is_verified:
        raise DisclosureError("Verify the requester before acting on their request")
    if challenge is not None and challenge.entry.client_id != case.client_id:
        raise DisclosureError("That challenge is about another record")
    if case.kind == RequestKind.RECTIFICATION and granted:
        if challenge is None:
            raise DisclosureError(
                "Rectification is carried out through a challenge to the entry: ask the "
                "record's practitioner to record and decide it, then choose it here"
            )
        if challenge.outcome == Challenge.Outcome.PENDING:
            raise DisclosureError("That challenge is still waiting for a decision")
    now = timezone.now()
    with transaction.atomic():
        case.closed_reason = reasons.strip()
        updated = DisclosureCase.objects.filter(pk=case.pk, status__in=OPEN_STATUSES).update(
            status=CaseStatus.ANSWERED,
            status_changed_at=now,
            outcome=outcome,
            challenge=challenge,
            closed_at=now,
            closed_by=actor,
            closed_reason_sealed=case.closed_reason_sealed,
        )
        if not updated:
            raise CaseMoved("This request has already been closed")
        audit_case(
            DisclosureAction.RIGHTS_ANSWERED,
            actor=actor,
            case=case,
            reason=access.reason,
            detail={
                "kind": case.kind,
                "outcome": outcome,
                "challenge": str(challenge.uuid) if challenge else "",
                "late": bool(case.due_on and timezone.localdate() > case.due_on),
            },
            request=request,
        )
        if case.kind == RequestKind.ERASURE and outcome == RightsOutcome.DONE:
            # Erasure goes through the one destruction path: the disposal queue, where the IG
            # lead approves it (and a second person confirms, for a restricted or large record).
            review_for_erasure(actor=actor, client=case.client, case_pk=case.pk, request=request)
    case.refresh_from_db()
