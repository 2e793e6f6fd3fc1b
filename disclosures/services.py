"""Writes to disclosure cases: intake, verification, decisions, the Caldicott Guardian's review,
release and corrections. Each checks access again through :mod:`disclosures.policy`, asks
:mod:`disclosures.rules` what the policy forbids or escalates, moves the case on by a conditional
update (so two people cannot both act on one state), and writes its audit event in the same
transaction, naming the client and the case, never personal data."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import formats, timezone

from accounts.models import AuditOutcome, User
from disclosures import content, policy, rights, rules, selectors
from disclosures.actions import DisclosureAction
from disclosures.errors import CaseMoved, DisclosureError, NotPermitted, RuleRefused
from disclosures.events import audit_case
from disclosures.models import (
    AGENCY_BODIES,
    CLOCKED_KINDS,
    LIVE_CHANNELS,
    OPEN_STATUSES,
    URGENT_BODIES,
    Article9Condition,
    CaseStatus,
    Channel,
    ClientField,
    DataSharingAgreement,
    DisclosureCase,
    EntryField,
    GuardianReview,
    LawfulBasis,
    Proposal,
    ProposalItem,
    Release,
    ReleaseCorrection,
    ReleaseMethod,
    RequesterBody,
    RequestKind,
    SharingException,
    Statement,
    Urgency,
    VerificationMethod,
)
from records import crypto
from records import selectors as record_selectors
from records.models import Client, Consent, ConsentPurpose, Entry, EntryVersion

# --- Intake ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestDetails:
    kind: str
    channel: str
    received_on: date
    requester_name: str
    asked_for: str
    purpose: str = ""
    requester_body: str = ""
    requester_organisation: str = ""
    requester_contact: str = ""
    legal_basis_cited: str = ""
    urgency: str = Urgency.ROUTINE
    caller_told_call_back: bool = False


def _check_request(details: RequestDetails) -> None:
    if details.kind not in RequestKind.values:
        raise DisclosureError("Choose what kind of request this is")
    if details.channel not in Channel.values:
        raise DisclosureError("Say how the request arrived")
    if details.urgency not in Urgency.values:
        raise DisclosureError("Say how urgent the request is")
    if details.received_on > timezone.localdate():
        raise DisclosureError("The date received cannot be in the future")
    if details.kind == RequestKind.URGENT and details.requester_body not in URGENT_BODIES:
        raise DisclosureError("Say who is calling: the police, a crisis team or a GP")
    if details.kind == RequestKind.AGENCY and details.requester_body not in AGENCY_BODIES:
        raise DisclosureError("Say which agency is asking")
    if not (details.requester_name.strip() or details.requester_organisation.strip()):
        raise DisclosureError("Enter who is asking: their name or their organisation")
    if not details.asked_for.strip():
        raise DisclosureError("Enter what is asked for")
    if details.kind not in CLOCKED_KINDS and not details.purpose.strip():
        raise DisclosureError("Enter the purpose the requester gave")
    if details.channel in LIVE_CHANNELS and not details.caller_told_call_back:
        raise DisclosureError(
            "Tell the caller they will be called back while the request is reviewed, "
            "then confirm that you have"
        )


def case_open(
    *,
    actor: User,
    client: Client,
    details: RequestDetails,
    request: HttpRequest | None = None,
) -> DisclosureCase:
    """Log a request for information about a client: one case, whatever its kind."""
    reason = policy.logging_reason(actor, client, details.kind)
    if reason is None:
        raise NotPermitted("You cannot log this request about this client")
    _check_request(details)
    body = (
        details.requester_body
        if details.kind in (RequestKind.URGENT, RequestKind.AGENCY)
        else RequesterBody.POLICE
        if details.kind == RequestKind.POLICE
        else ""
    )
    with transaction.atomic():
        case = DisclosureCase(
            client=client,
            kind=details.kind,
            requester_body=body,
            channel=details.channel,
            urgency=details.urgency,
            received_on=details.received_on,
            logged_by=actor,
            caller_told_call_back=details.caller_told_call_back,
        )
        case.requester_name = details.requester_name.strip()
        case.requester_organisation = details.requester_organisation.strip()
        case.requester_contact = details.requester_contact.strip()
        case.purpose = details.purpose.strip()
        case.asked_for = details.asked_for.strip()
        case.legal_basis_cited = details.legal_basis_cited.strip()
        case.due_on = rights.compute_due(case)
        case.save()
        audit_case(
            DisclosureAction.LOGGED,
            actor=actor,
            case=case,
            reason=reason,
            detail={"kind": case.kind, "channel": case.channel, "urgency": case.urgency},
            request=request,
        )
    return case


# --- Verification ----------------------------------------------------------------------------


def case_verify(
    *,
    actor: User,
    case: DisclosureCase,
    method: str,
    note: str,
    referrer_confirmed: bool = False,
    request: HttpRequest | None = None,
) -> None:
    """Record how the requester was verified (002 "Verification"). Nothing is released to an
    unverified requester."""
    access = policy.case_access(actor, case)
    if not access.see:
        raise NotPermitted("You cannot act on this case")
    if not access.verify:
        raise DisclosureError(
            "The requester has already been verified"
            if case.is_verified
            else "This case is closed: there is no one to verify"
        )
    if method not in VerificationMethod.values:
        raise DisclosureError("Choose how the requester was verified")
    if case.is_clocked and method not in (
        VerificationMethod.IDENTITY_DOCUMENTS,
        VerificationMethod.LETTERHEAD,
    ):
        raise DisclosureError(
            "A request from the data subject needs identity documents, or a written request "
            "with the client's authority"
        )
    if not note.strip():
        raise DisclosureError("Say how you verified them: who you called, or what you saw")
    with transaction.atomic():
        case.verification_note = note.strip()
        updated = DisclosureCase.objects.filter(
            pk=case.pk, verified_at__isnull=True, status__in=OPEN_STATUSES
        ).update(
            verification_method=method,
            verified_by=actor,
            verified_at=timezone.now(),
            referrer_confirmed=referrer_confirmed and case.kind == RequestKind.REFERRER,
            verification_note_sealed=case.verification_note_sealed,
        )
        if not updated:
            raise CaseMoved("Someone else has just verified or closed this case")
        # Evidence of identity has arrived: a clock stopped for it starts again today.
        restarted = rights.identity_arrived(actor=actor, case=case, on=timezone.localdate())
        audit_case(
            DisclosureAction.VERIFIED,
            actor=actor,
            case=case,
            reason=access.reason,
            detail={
                "method": method,
                "referrer_confirmed": referrer_confirmed,
                "clock_restarted": restarted,
            },
            request=request,
        )
    case.refresh_from_db()


# --- Decision --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionDetails:
    share: bool
    reasons: str
    consent_purpose: str = ""
    exception: str = ""
    lawful_basis: str = ""
    article9_condition: str = ""
    agreement: DataSharingAgreement | None = None
    doubt: bool = False
    client_fields: Sequence[str] = ()
    statements: Sequence[str] = ()
    # (entry uuid, entry fields) for each entry chosen.
    items: Sequence[tuple[uuid.UUID, Sequence[str]]] = field(default_factory=tuple)
    reply: str = ""


def _chosen_versions(
    case: DisclosureCase, items: Sequence[tuple[uuid.UUID, Sequence[str]]]
) -> list[tuple[Entry, EntryVersion, list[str]]]:
    wanted = {entry_id: list(fields) for entry_id, fields in items if fields}
    if not wanted:
        return []
    entries = {
        entry.uuid: entry
        for entry in Entry.objects.filter(client=case.client, uuid__in=wanted).select_related(
            "current_version__author"
        )
    }
    if len(entries) != len(wanted):
        raise DisclosureError("An entry chosen is not in this client's record")
    chosen = []
    for entry_id, fields in wanted.items():
        if not set(fields) <= set(EntryField.values):
            raise DisclosureError("Choose entry fields from the list")
        entry = entries[entry_id]
        entry.client = case.client
        version = entry.current_version
        assert version is not None
        version.entry = entry
        chosen.append((entry, version, [code for code in EntryField.values if code in fields]))
    chosen.sort(key=lambda row: (row[1].occurred_on, row[0].created_at))
    return chosen


def _refuse_by_rule(
    *,
    actor: User,
    case: DisclosureCase,
    reason: str,
    problems: list[str],
    stage: str,
    request: HttpRequest | None,
) -> RuleRefused:
    # Written on its own, outside any transaction the refusal rolls back.
    audit_case(
        DisclosureAction.REFUSED_BY_RULE,
        actor=actor,
        case=case,
        reason=reason,
        outcome=AuditOutcome.DENIED,
        detail={"stage": stage, "rules": len(problems)},
        request=request,
    )
    return RuleRefused(" ".join(problems))


def case_propose(
    *,
    actor: User,
    case: DisclosureCase,
    decision: DecisionDetails,
    request: HttpRequest | None = None,
) -> Proposal:
    """Decide to share (exactly what, on what basis) or not, with reasons. The rules refuse what
    may never leave; a decision that policy escalates waits for the Caldicott Guardian."""
    access = policy.case_access(actor, case)
    if not access.decide or case.is_clocked:
        raise NotPermitted("You cannot decide this request")
    client_fields = [code for code in ClientField.values if code in decision.client_fields]
    statements = [code for code in Statement.values if code in decision.statements]
    if len(client_fields) != len(set(decision.client_fields)) or len(statements) != len(
        set(decision.statements)
    ):
        raise DisclosureError("Choose details from the list")
    chosen = _chosen_versions(case, decision.items) if decision.share else []
    release = rules.ReleaseSet(
        share=decision.share,
        client_fields=client_fields if decision.share else [],
        statements=statements if decision.share else [],
        versions=[version for _, version, _ in chosen],
        doubt=decision.doubt,
    )
    purpose = rules.consent_purpose_for(case, decision.consent_purpose)
    consent = rules.consent_position(case, purpose) if purpose else None
    problems = rules.refusals(case, release, consent)
    if problems:
        raise _refuse_by_rule(
            actor=actor,
            case=case,
            reason=access.reason,
            problems=problems,
            stage="decision",
            request=request,
        )
    if not decision.reasons.strip():
        raise DisclosureError("Give the reasons for the decision, whether to share or not")
    exception = decision.exception
    if decision.share:
        _check_basis(case, decision, release, purpose, consent)
        if consent is not None:
            exception = ""
    else:
        exception = ""
    triggers = rules.guardian_triggers(case, release, consent)
    reply = decision.reply.strip()
    if case.kind == RequestKind.FAMILY_FRIENDS and consent is None:
        reply = rules.NEITHER_CONFIRM_NOR_DENY
    if triggers:
        status = CaseStatus.AWAITING_GUARDIAN
    elif decision.share:
        status = CaseStatus.READY
    else:
        status = CaseStatus.NOT_SHARED
    now = timezone.now()
    with transaction.atomic():
        closing = status == CaseStatus.NOT_SHARED
        updated = DisclosureCase.objects.filter(
            pk=case.pk, status__in=policy.DECIDABLE_STATUSES
        ).update(
            status=status,
            status_changed_at=now,
            closed_at=now if closing else None,
            closed_by=actor if closing else None,
        )
        if not updated:
            raise CaseMoved("Someone else has just acted on this case; look at it again")
        number = (case.proposals.aggregate(top=Max("number"))["top"] or 0) + 1
        proposal = Proposal(
            case=case,
            number=number,
            proposed_by=actor,
            share=decision.share,
            consent_purpose=purpose,
            consent=consent,
            exception=exception,
            lawful_basis=decision.lawful_basis if decision.share else "",
            article9_condition=decision.article9_condition if release.versions else "",
            agreement=decision.agreement,
            doubt=decision.doubt,
            client_fields=list(release.client_fields),
            statements=list(release.statements),
            guardian_triggers=[str(trigger) for trigger in triggers],
            review=Proposal.Review.PENDING if triggers else Proposal.Review.NOT_NEEDED,
        )
        proposal.reasons = decision.reasons.strip()
        proposal.reply = reply
        proposal.save()
        ProposalItem.objects.bulk_create(
            ProposalItem(proposal=proposal, entry=entry, version=version, fields=fields)
            for entry, version, fields in chosen
        )
        audit_case(
            DisclosureAction.PROPOSED,
            actor=actor,
            case=case,
            reason=access.reason,
            detail={
                "proposal": number,
                "share": decision.share,
                "entries": [
                    {"entry": str(entry.uuid), "version": version.number, "fields": fields}
                    for entry, version, fields in chosen
                ],
                "client_fields": list(release.client_fields),
                "statements": list(release.statements),
                "consent": str(consent.uuid) if consent else "",
                "exception": exception,
                "guardian": [str(trigger) for trigger in triggers],
            },
            request=request,
        )
    case.refresh_from_db()
    return proposal


def _check_basis(
    case: DisclosureCase,
    decision: DecisionDetails,
    release: rules.ReleaseSet,
    purpose: str,
    consent: Consent | None,
) -> None:
    consent_needed = rules.needs_consent(case, release)
    if consent_needed and not purpose:
        raise DisclosureError("Say what the information would be shared for")
    if purpose and purpose not in ConsentPurpose.values:
        raise DisclosureError("Choose the purpose from the list")
    if decision.lawful_basis not in LawfulBasis.values:
        raise DisclosureError("Choose the Article 6 lawful basis for sharing")
    if consent_needed and consent is None and decision.exception not in SharingException.values:
        raise DisclosureError(
            "There is no consent for this recipient and purpose: say which exception justifies "
            "sharing without it"
        )
    special = any(version.special_category for version in release.versions)
    if special and decision.article9_condition not in Article9Condition.values:
        raise DisclosureError(
            "Special-category information would be released: choose the Article 9 condition"
        )
    if decision.agreement is not None and not decision.agreement.active:
        raise DisclosureError("That data-sharing agreement is no longer in force")


# --- The Caldicott Guardian ------------------------------------------------------------------


def guardian_review(
    *,
    actor: User,
    case: DisclosureCase,
    outcome: str,
    reasons: str,
    request: HttpRequest | None = None,
) -> GuardianReview:
    """The Guardian approves, refuses or asks for more, with reasons. The person who proposed a
    release never approves it."""
    access = policy.case_access(actor, case)
    proposal = policy.current_proposal(case)
    if not access.review or proposal is None or proposal.proposed_by_id == actor.pk:
        raise NotPermitted(
            "Only a Caldicott Guardian who did not propose this decision can review it, while "
            "it waits for them"
        )
    if outcome not in GuardianReview.Outcome.values:
        raise DisclosureError("Choose approve, refuse or ask for more information")
    if not reasons.strip():
        raise DisclosureError("Give the reasons for your decision")
    if outcome == GuardianReview.Outcome.APPROVED:
        status = CaseStatus.READY if proposal.share else CaseStatus.NOT_SHARED
    elif outcome == GuardianReview.Outcome.REFUSED:
        status = CaseStatus.NOT_SHARED
    else:
        status = CaseStatus.MORE_INFO
    now = timezone.now()
    closing = status == CaseStatus.NOT_SHARED
    with transaction.atomic():
        updated = DisclosureCase.objects.filter(
            pk=case.pk, status=CaseStatus.AWAITING_GUARDIAN
        ).update(
            status=status,
            status_changed_at=now,
            closed_at=now if closing else None,
            closed_by=actor if closing else None,
        )
        claimed = Proposal.objects.filter(pk=proposal.pk, review=Proposal.Review.PENDING).update(
            review=outcome
        )
        if not (updated and claimed):
            raise CaseMoved("This case has already been decided")
        review = GuardianReview(proposal=proposal, reviewer=actor, outcome=outcome)
        review.reasons = reasons.strip()
        review.save()
        audit_case(
            DisclosureAction.GUARDIAN_REVIEWED,
            actor=actor,
            case=case,
            reason=access.reason,
            detail={"proposal": proposal.number, "outcome": outcome},
            request=request,
        )
    case.refresh_from_db()
    return review


# --- Release ---------------------------------------------------------------------------------


def proposal_items(proposal: Proposal) -> list[ProposalItem]:
    case = proposal.case
    # A subject access decision spans every record about the person, each under its own key.
    related = (
        ("entry__client", "version__author")
        if case.is_subject_access
        else ("entry", "version__author")
    )
    items = list(proposal.items.select_related(*related))
    for item in items:
        if not case.is_subject_access:
            item.entry.client = case.client
        item.version.entry = item.entry
    return items


def proposal_sections(proposal: Proposal) -> list[content.Section]:
    if proposal.case.is_subject_access:
        return _subject_access_sections(proposal)
    return content.release_sections(
        client=proposal.case.client,
        client_fields=proposal.client_fields,
        statements=proposal.statements,
        items=[(item.version, item.fields) for item in proposal_items(proposal)],
    )


def _subject_access_sections(proposal: Proposal) -> list[content.Section]:
    """A subject access bundle: each record's details and entries, who has accessed each
    record, and what has been disclosed about the person. Exemptions are not in it."""
    items = proposal_items(proposal)
    records = list(proposal.subject_records.select_related("team").order_by("created_at"))
    by_record: dict[int, list[tuple[EntryVersion, list[str]]]] = {}
    for item in items:
        by_record.setdefault(item.entry.client_id, []).append((item.version, list(item.fields)))
    sections: list[content.Section] = []
    for client in records:
        sections += content.record_sections(
            client=client,
            client_fields=proposal.client_fields,
            items=by_record.get(client.pk, []),
        )
    for client in records:
        sections.append(
            content.access_section(client, list(record_selectors.access_events(client)))
        )
    disclosures = [entry for client in records for entry in selectors.client_disclosure_log(client)]
    sections.append(content.disclosures_section(disclosures))
    return sections


def release_check(case: DisclosureCase, proposal: Proposal) -> list[str]:
    """What stands between this approved proposal and its release, asked again now: the rules,
    the Guardian's approval, verification, and the versions that were approved."""
    items = proposal_items(proposal)
    release = rules.ReleaseSet(
        share=proposal.share,
        client_fields=proposal.client_fields,
        statements=proposal.statements,
        versions=[item.version for item in items],
        doubt=proposal.doubt,
    )
    consent = (
        rules.consent_position(case, proposal.consent_purpose) if proposal.consent_purpose else None
    )
    problems = rules.refusals(case, release, consent)
    if not case.is_verified:
        problems.append("Verify the requester before anything is released.")
    if rules.referrer_statements_only(case) and not case.referrer_confirmed:
        problems.append("Confirm that the requester is the referrer before telling them anything.")
    triggers = {str(trigger) for trigger in rules.guardian_triggers(case, release, consent)}
    if triggers and proposal.review != Proposal.Review.APPROVED:
        problems.append("This release needs the Caldicott Guardian's approval.")
    elif not triggers <= set(proposal.guardian_triggers):
        problems.append(
            "Things have changed since the Guardian approved this release (consent withdrawn, "
            "say): decide it again."
        )
    if proposal.consent_id is not None and consent is None:
        problems.append("The consent this decision relied on is no longer in force: decide again.")
    if any(item.entry.current_version_id != item.version_id for item in items):
        problems.append("An entry has been amended since the decision: decide again.")
    return problems


@dataclass(frozen=True)
class ReleaseDetails:
    method: str
    recipient: str
    client_told: bool
    client_told_note: str = ""


def case_release(
    *,
    actor: User,
    case: DisclosureCase,
    details: ReleaseDetails,
    request: HttpRequest | None = None,
) -> tuple[Release, str | None]:
    """Release an approved decision and write it in the disclosure log. A bundle leaves as a PDF
    encrypted with AES-256; its password is returned once, to be given by another channel, and is
    never stored."""
    access = policy.case_access(actor, case)
    if not access.release:
        raise NotPermitted("You cannot release information on this case")
    proposal = policy.current_proposal(case)
    if proposal is None or not proposal.share:
        raise DisclosureError("There is no decision to share on this case")
    problems = release_check(case, proposal)
    if problems:
        raise _refuse_by_rule(
            actor=actor,
            case=case,
            reason=access.reason,
            problems=problems,
            stage="release",
            request=request,
        )
    if details.method not in ReleaseMethod.values:
        raise DisclosureError("Choose how the information leaves")
    if not details.recipient.strip():
        raise DisclosureError("Enter who the information is released to")
    if case.is_subject_access:
        # The client asked for it: there is no one else to tell.
        details = ReleaseDetails(
            method=details.method, recipient=details.recipient, client_told=True
        )
    if not details.client_told and not details.client_told_note.strip():
        raise DisclosureError("Say why the client has not been told")
    items = proposal_items(proposal)
    released = {
        "client_fields": list(proposal.client_fields),
        "statements": list(proposal.statements),
        "entries": [
            {
                "entry": str(item.entry.uuid),
                "version": item.version.number,
                "kind": item.entry.kind,
                "occurred_on": item.version.occurred_on.isoformat(),
                "fields": list(item.fields),
            }
            for item in items
        ],
    }
    now = timezone.now()
    with transaction.atomic():
        updated = DisclosureCase.objects.filter(pk=case.pk, status=CaseStatus.READY).update(
            status=CaseStatus.RELEASED, status_changed_at=now, closed_at=now, closed_by=actor
        )
        if not updated:
            raise CaseMoved("This case has already been released or changed")
        entry = Release(
            case=case,
            proposal=proposal,
            released_by=actor,
            method=details.method,
            kind=case.kind,
            requester_body=case.requester_body,
            received_on=case.received_on,
            consent=proposal.consent,
            exception=proposal.exception,
            lawful_basis=proposal.lawful_basis,
            article9_condition=proposal.article9_condition,
            agreement=proposal.agreement,
            released=released,
            client_told=details.client_told,
        )
        entry.recipient = details.recipient.strip()
        entry.purpose = case.purpose
        entry.client_told_note = details.client_told_note.strip()
        password = None
        if details.method == ReleaseMethod.ENCRYPTED_BUNDLE:
            password = content.new_password()
            pdf, digest = content.bundle_pdf(
                title=f"Information released by {settings.ORGANISATION_NAME}",
                header_lines=_bundle_header(case, entry),
                sections=proposal_sections(proposal),
                password=password,
            )
            entry.bundle_sealed = crypto.seal_bytes(
                case.client.sealing_cipher(), pdf, aad=_bundle_aad(entry)
            )
            entry.bundle_sha256 = digest
        entry.save()
        audit_case(
            DisclosureAction.RELEASED,
            actor=actor,
            case=case,
            reason=access.reason,
            detail={
                "release": str(entry.uuid),
                "method": details.method,
                "released": released,
                "consent": str(proposal.consent.uuid) if proposal.consent else "",
                "exception": proposal.exception,
                "bundle_sha256": entry.bundle_sha256,
                "client_told": details.client_told,
            },
            request=request,
        )
    case.refresh_from_db()
    return entry, password


def _bundle_header(case: DisclosureCase, entry: Release) -> list[content.Line]:
    return [
        content.Line("To", entry.recipient),
        content.Line("Purpose", case.purpose or "Subject access request"),
        content.Line("Request received", formats.date_format(case.received_on, "j F Y")),
        content.Line("Released", content.released_on_label()),
        content.Line("Release reference", str(entry.uuid)),
    ]


def _bundle_aad(entry: Release) -> bytes:
    return f"confide/release/{entry.uuid}".encode()


def bundle_read(*, actor: User, entry: Release, request: HttpRequest | None = None) -> bytes:
    """The encrypted PDF exactly as it left, for those who may see the case's content."""
    case = entry.case
    access = policy.case_access(actor, case)
    if not access.content:
        raise NotPermitted("You cannot open what was released on this case")
    if not entry.has_bundle:
        raise DisclosureError("Nothing was released as a bundle")
    data = crypto.open_bytes(
        case.client.sealing_cipher(), bytes(entry.bundle_sealed), aad=_bundle_aad(entry)
    )
    audit_case(
        DisclosureAction.BUNDLE_DOWNLOADED,
        actor=actor,
        case=case,
        reason=access.reason,
        detail={"release": str(entry.uuid)},
        request=request,
    )
    return data


def release_correct(
    *,
    actor: User,
    entry: Release,
    note: str,
    client_told: bool | None = None,
    request: HttpRequest | None = None,
) -> ReleaseCorrection:
    """Correct the disclosure log with a new entry: the original stays as it was."""
    case = entry.case
    access = policy.case_access(actor, case)
    if not access.correct:
        raise NotPermitted("You cannot correct this disclosure log")
    if not note.strip():
        raise DisclosureError("Say what is corrected, or what has happened since")
    with transaction.atomic():
        correction = ReleaseCorrection(release=entry, recorded_by=actor, client_told=client_told)
        correction.note = note.strip()
        correction.save()
        audit_case(
            DisclosureAction.CORRECTED,
            actor=actor,
            case=case,
            reason=access.reason,
            detail={"release": str(entry.uuid), "client_told": client_told},
            request=request,
        )
    return correction


def case_withdraw(
    *,
    actor: User,
    case: DisclosureCase,
    reasons: str,
    request: HttpRequest | None = None,
) -> None:
    """Close an open request that is no longer wanted (withdrawn, or a duplicate)."""
    access = policy.case_access(actor, case)
    if not access.withdraw:
        raise NotPermitted("This case cannot be closed now")
    if not reasons.strip():
        raise DisclosureError("Say why the request is closed")
    now = timezone.now()
    with transaction.atomic():
        case.closed_reason = reasons.strip()
        updated = DisclosureCase.objects.filter(pk=case.pk, status__in=OPEN_STATUSES).update(
            status=CaseStatus.WITHDRAWN,
            status_changed_at=now,
            closed_at=now,
            closed_by=actor,
            closed_reason_sealed=case.closed_reason_sealed,
        )
        if not updated:
            raise CaseMoved("This case is already closed")
        audit_case(
            DisclosureAction.WITHDRAWN,
            actor=actor,
            case=case,
            reason=access.reason,
            request=request,
        )
    case.refresh_from_db()
