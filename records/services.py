"""Writes to client records. Each service checks access again through :mod:`records.policy`
(tasks, admin and commands call them too), runs in one transaction and writes its audit event
in that transaction, naming the client and never its personal data."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import filetype
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import AuditOutcome, Role, Team, User
from records import crypto, keystore, policy
from records.actions import RecordAction
from records.models import (
    Allocation,
    Attachment,
    BreakGlassAccess,
    Challenge,
    Client,
    ClientStatus,
    ConflictDeclaration,
    Consent,
    ConsentPurpose,
    ConsentRecipient,
    Entry,
    EntryVersion,
    OffSiteRequest,
    ReferralSource,
)


class RecordError(Exception):
    """A refused change; the message is fit to show the user."""


class NotPermitted(RecordError):
    pass


class InvalidNHSNumber(RecordError):
    pass


# --- Identifiers ----------------------------------------------------------------------------


def nhs_number_is_valid(value: str) -> bool:
    """The NHS number's modulus-11 check digit."""
    digits = crypto.normalise_nhs_number(value)
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def format_nhs_number(value: str) -> str:
    digits = crypto.normalise_nhs_number(value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else value


def nhs_number_index(value: str) -> str:
    digits = crypto.normalise_nhs_number(value)
    return crypto.blind_index("nhs_number", digits) if digits else ""


def name_dob_index(family_name: str, date_of_birth: date | None) -> str:
    surname = crypto.normalise_name(family_name)
    if not surname or date_of_birth is None:
        return ""
    return crypto.blind_index("surname_dob", f"{surname}|{date_of_birth.isoformat()}")


def _new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        reference = "C-" + "".join(secrets.choice(alphabet) for _ in range(7))
        if not Client.objects.filter(reference=reference).exists():
            return reference


@dataclass
class ClientDetails:
    """The administrative part of a record, as a form gives it."""

    given_name: str
    family_name: str
    date_of_birth: date | None
    nhs_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    referred_on: date | None = None
    referral_source: str = ""
    referrer_name: str = ""
    referrer_organisation: str = ""
    referrer_contact: str = ""
    referral_reason: str = ""
    first_appointment_on: date | None = None
    first_appointment_attended: bool | None = None
    deceased: bool = False
    deceased_on: date | None = None
    restricted: bool = False
    restricted_reason: str = ""


SEALED_DETAILS = (
    "given_name",
    "family_name",
    "nhs_number",
    "address",
    "phone",
    "email",
    "referrer_name",
    "referrer_organisation",
    "referrer_contact",
    "referral_reason",
    "restricted_reason",
)
PLAIN_DETAILS = (
    "referral_source",
    "first_appointment_on",
    "first_appointment_attended",
    "deceased",
    "deceased_on",
    "restricted",
)


def _apply_details(client: Client, details: ClientDetails) -> list[str]:
    """Set the details on the record; returns the names of the fields that changed."""
    if details.nhs_number and not nhs_number_is_valid(details.nhs_number):
        raise InvalidNHSNumber("That is not a valid NHS number: check the 10 digits")
    if details.restricted and not details.restricted_reason.strip():
        raise RecordError("Give the reason the record is restricted")
    if details.referral_source and details.referral_source not in ReferralSource.values:
        raise RecordError("Choose where the referral came from")
    changed: list[str] = []
    nhs = format_nhs_number(details.nhs_number) if details.nhs_number else ""
    values: dict[str, object] = {
        name: getattr(details, name).strip() for name in SEALED_DETAILS if name != "nhs_number"
    }
    values["nhs_number"] = nhs
    for name, value in values.items():
        if getattr(client, name) != value:
            setattr(client, name, value)
            changed.append(name)
    dob_text = details.date_of_birth.isoformat() if details.date_of_birth else ""
    if client.date_of_birth_text != dob_text:
        client.date_of_birth_text = dob_text
        changed.append("date_of_birth")
    for name in PLAIN_DETAILS:
        if getattr(client, name) != getattr(details, name):
            setattr(client, name, getattr(details, name))
            changed.append(name)
    if details.referred_on is not None and client.referred_on != details.referred_on:
        client.referred_on = details.referred_on
        changed.append("referred_on")
    client.nhs_number_index = nhs_number_index(nhs)
    client.name_dob_index = name_dob_index(client.family_name, details.date_of_birth)
    client.family_name_index = crypto.surname_index(client.family_name)
    client.postcode_index = crypto.postcode_index(client.address)
    return changed


def _columns(changed: list[str]) -> list[str]:
    """The columns behind the changed details, with the search indexes they feed."""
    columns = {"nhs_number_index", "name_dob_index", "family_name_index", "postcode_index"}
    for name in changed:
        if name in SEALED_DETAILS or name == "date_of_birth":
            columns.add(f"{name}_sealed")
        else:
            columns.add(name)
    return sorted(columns)


def client_create(
    *,
    actor: User,
    team: Team,
    details: ClientDetails,
    request: HttpRequest | None = None,
    reference: str | None = None,
) -> Client:
    """Log a referral: a new client record in ``team``, status "referred". The case reference
    is generated unless given (imports and the demo keep their own)."""
    if not policy.may_log_referrals(actor, team.pk):
        raise NotPermitted("You can log referrals only for your own teams")
    with transaction.atomic():
        client = Client(team=team, reference=reference or _new_reference())
        changed = _apply_details(client, details)
        client.save()
        audit_log(
            action=RecordAction.CLIENT_CREATED,
            actor=actor,
            target=client,
            reason=policy.decide(actor, client).reason,
            detail={"fields": changed, "team": team.pk},
            request=request,
        )
    return client


def client_update(
    *, actor: User, client: Client, details: ClientDetails, request: HttpRequest | None = None
) -> list[str]:
    """Change the administrative part of a record; returns the fields that changed."""
    access = policy.decide(actor, client)
    if not access.administer:
        raise NotPermitted("You cannot change this record's details")
    with transaction.atomic():
        # Lock the row, as disposal does: an edit and a destruction never interleave, and an
        # edit never writes back the data key a destruction has just removed.
        locked = Client.objects.select_for_update().only("data_key_destroyed_at").get(pk=client.pk)
        if locked.data_key_destroyed_at is not None:
            raise NotPermitted("This record has been destroyed")
        changed = _apply_details(client, details)
        if changed:
            client.save(update_fields=_columns(changed))
            audit_log(
                action=RecordAction.CLIENT_UPDATED,
                actor=actor,
                target=client,
                reason=access.reason,
                detail={"fields": changed},
                request=request,
            )
    return changed


ALLOWED_STATUS_CHANGES = {
    ClientStatus.REFERRED: {ClientStatus.ACTIVE, ClientStatus.CLOSED},
    ClientStatus.ACTIVE: {ClientStatus.CLOSED},
    ClientStatus.CLOSED: {ClientStatus.ACTIVE},
}


def client_set_status(
    *,
    actor: User,
    client: Client,
    status: ClientStatus,
    on: date | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Move a record referred → active → closed (or reopen a closed one)."""
    access = policy.decide(actor, client)
    if not access.administer:
        raise NotPermitted("You cannot change this record's status")
    current = ClientStatus(client.status)
    if status not in ALLOWED_STATUS_CHANGES[current]:
        raise RecordError(f"A {current.label.lower()} record cannot become {status.label.lower()}")
    with transaction.atomic():
        client.status = status
        client.closed_on = (on or timezone.localdate()) if status == ClientStatus.CLOSED else None
        client.save(update_fields=["status", "closed_on"])
        audit_log(
            action=RecordAction.CLIENT_UPDATED,
            actor=actor,
            target=client,
            reason=access.reason,
            detail={"fields": ["status"], "from": current, "to": status},
            request=request,
        )


# --- Allocation -----------------------------------------------------------------------------


def client_allocate(
    *, actor: User, client: Client, worker: User, request: HttpRequest | None = None
) -> Allocation:
    """Allocate a worker to the case: a manager of the record's team does this."""
    access = policy.decide(actor, client)
    if not access.manage:
        raise NotPermitted("Only a manager of the record's team can allocate it")
    if not worker.is_active or not worker.has_role(Role.PRACTITIONER):
        raise RecordError("Allocate the case to an active practitioner")
    if policy.decide(worker, client).denied_by_conflict:
        raise RecordError("That worker has a conflict of interest with this client")
    with transaction.atomic():
        if Allocation.objects.filter(client=client, worker=worker, ended_at=None).exists():
            raise RecordError("That worker is already allocated to this case")
        allocation = Allocation.objects.create(client=client, worker=worker, allocated_by=actor)
        policy.grant_allocation(worker=worker, client=client)
        audit_log(
            action=RecordAction.CLIENT_ALLOCATED,
            actor=actor,
            target=client,
            reason=access.reason,
            detail={"worker": worker.pk, "allocation": allocation.pk},
            request=request,
        )
    return allocation


def client_deallocate(
    *, actor: User, allocation: Allocation, request: HttpRequest | None = None
) -> None:
    client = allocation.client
    access = policy.decide(actor, client)
    if not access.manage:
        raise NotPermitted("Only a manager of the record's team can change its allocation")
    with transaction.atomic():
        updated = Allocation.objects.filter(pk=allocation.pk, ended_at=None).update(
            ended_at=timezone.now(), ended_by=actor
        )
        if not updated:
            raise RecordError("That allocation has already ended")
        policy.revoke_allocation(worker=allocation.worker, client=client)
        audit_log(
            action=RecordAction.CLIENT_DEALLOCATED,
            actor=actor,
            target=client,
            reason=access.reason,
            detail={"worker": allocation.worker_id, "allocation": allocation.pk},
            request=request,
        )


# --- Entries --------------------------------------------------------------------------------


@dataclass
class EntryContent:
    occurred_on: date
    title: str
    body: str
    special_categories: list[str]
    third_party: bool = False
    third_party_source: str = ""
    withhold_from_sar: bool = False
    withhold_reason: str = ""


def _check_content(content: EntryContent) -> None:
    if not content.title.strip() or not content.body.strip():
        raise RecordError("An entry needs a title and its text")
    if content.occurred_on > timezone.localdate():
        raise RecordError("The date cannot be in the future")
    if content.third_party and not content.third_party_source.strip():
        raise RecordError("Say who gave the third-party information, and where")
    if content.withhold_from_sar and not content.withhold_reason.strip():
        raise RecordError("Give the reason for withholding this entry from subject access")


def _new_version(
    *, entry: Entry, author: User, content: EntryContent, number: int, reason: str = ""
) -> EntryVersion:
    version = EntryVersion(entry=entry, number=number, author=author)
    version.occurred_on = content.occurred_on
    version.title = content.title.strip()
    version.body = content.body.strip()
    version.amendment_reason = reason.strip()
    version.special_categories = sorted(set(content.special_categories))
    version.special_category = bool(version.special_categories)
    version.third_party = content.third_party
    version.third_party_source = content.third_party_source.strip() if content.third_party else ""
    version.withhold_from_sar = content.withhold_from_sar
    version.withhold_reason = content.withhold_reason.strip() if content.withhold_from_sar else ""
    version.save()
    return version


def entry_create(
    *,
    actor: User,
    client: Client,
    kind: str,
    content: EntryContent,
    request: HttpRequest | None = None,
) -> Entry:
    """Add an entry; the system signs and dates it."""
    access = policy.decide(actor, client)
    if not access.write:
        raise NotPermitted("You cannot add entries to this record")
    _check_content(content)
    with transaction.atomic():
        entry = Entry.objects.create(client=client, kind=kind, created_by=actor)
        version = _new_version(entry=entry, author=actor, content=content, number=1)
        entry.current_version, entry.version_count = version, 1
        entry.save(update_fields=["current_version", "version_count"])
        audit_log(
            action=RecordAction.ENTRY_CREATED,
            actor=actor,
            target=client,
            reason=access.reason,
            detail={"entry": str(entry.uuid), "version": 1, "kind": kind},
            request=request,
        )
    return entry


def entry_amend(
    *,
    actor: User,
    entry: Entry,
    content: EntryContent,
    reason: str,
    request: HttpRequest | None = None,
) -> EntryVersion:
    """Amend an entry: a new version with its reason. Earlier versions stay unchanged."""
    client = entry.client
    access = policy.decide(actor, client)
    if not access.write:
        raise NotPermitted("You cannot amend entries in this record")
    if not reason.strip():
        raise RecordError("Give the reason for the amendment")
    _check_content(content)
    with transaction.atomic():
        locked = Entry.objects.select_for_update().get(pk=entry.pk)
        number = locked.version_count + 1
        locked.client = client
        version = _new_version(
            entry=locked, author=actor, content=content, number=number, reason=reason
        )
        locked.current_version, locked.version_count = version, number
        locked.save(update_fields=["current_version", "version_count"])
        entry.current_version, entry.version_count = version, number
        audit_log(
            action=RecordAction.ENTRY_AMENDED,
            actor=actor,
            target=client,
            reason=access.reason,
            detail={"entry": str(entry.uuid), "version": number},
            request=request,
        )
    return version


# --- Break the glass ------------------------------------------------------------------------


def break_glass(
    *, actor: User, client: Client, reason: str, request: HttpRequest | None = None
) -> BreakGlassAccess:
    """Time-limited, read-only access for someone with no grant, flagged for review."""
    if len(reason.strip()) < 10:
        raise RecordError("Say why you need this record (at least a sentence)")
    if not policy.may_break_glass(actor, client):
        # The refusal is recorded on its own: it must outlive the refused action.
        audit_log(
            action=RecordAction.BREAK_GLASS_REFUSED,
            actor=actor,
            outcome=AuditOutcome.DENIED,
            target=client,
            reason=policy.decide(actor, client).reason,
            request=request,
        )
        raise NotPermitted("You cannot open this record")
    with transaction.atomic():
        now = timezone.now()
        access = BreakGlassAccess(
            client=client,
            user=actor,
            granted_at=now,
            expires_at=now + policy.break_glass_duration(),
        )
        access.reason = reason.strip()
        access.save()
        policy.grant_break_glass(user=actor, client=client)
        audit_log(
            action=RecordAction.BREAK_GLASS_GRANTED,
            actor=actor,
            target=client,
            reason=policy.Reason.BREAK_GLASS,
            detail={"access": str(access.uuid), "expires_at": access.expires_at.isoformat()},
            request=request,
        )
    return access


REVIEWING_ROLES = (Role.DATA_TEAM, Role.MANAGER)


def break_glass_review(
    *,
    actor: User,
    access: BreakGlassAccess,
    justified: bool,
    note: str,
    request: HttpRequest | None = None,
) -> None:
    """The data team, or a manager of the record's team, says whether the access was justified."""
    client = access.client
    duty = policy.may_review_break_glass(actor, access)
    if duty is None:
        raise NotPermitted("You cannot review this access")
    if not justified and not note.strip():
        raise RecordError("Say why the access was not justified")
    with transaction.atomic():
        outcome = (
            BreakGlassAccess.Review.JUSTIFIED if justified else BreakGlassAccess.Review.UNJUSTIFIED
        )
        access.review_note = note.strip()
        updated = BreakGlassAccess.objects.filter(
            pk=access.pk, review=BreakGlassAccess.Review.PENDING
        ).update(
            review=outcome,
            reviewed_by=actor,
            reviewed_at=timezone.now(),
            review_note_sealed=access.review_note_sealed,
        )
        if not updated:
            raise RecordError("This access has already been reviewed")
        audit_log(
            action=RecordAction.BREAK_GLASS_REVIEWED,
            actor=actor,
            target=client,
            reason=duty,
            detail={"access": str(access.uuid), "outcome": outcome},
            request=request,
        )
    access.refresh_from_db()


# --- Conflict of interest -------------------------------------------------------------------


def conflict_declare(
    *,
    actor: User,
    team: Team,
    connected_person: str,
    nature: str,
    request: HttpRequest | None = None,
) -> ConflictDeclaration:
    """A staff member tells their manager of a personal connection. They are not told whether
    the person is a client: the manager finds that out and decides."""
    if not actor.teams.filter(pk=team.pk).exists():
        raise NotPermitted("Send the declaration to one of your own teams")
    if not connected_person.strip() or not nature.strip():
        raise RecordError("Say who the connection is with and what it is")
    with transaction.atomic():
        declaration = ConflictDeclaration(staff=actor, team=team)
        declaration.connected_person = connected_person.strip()
        declaration.nature = nature.strip()
        declaration.save()
        audit_log(
            action=RecordAction.CONFLICT_DECLARED,
            actor=actor,
            target=declaration,
            detail={"team": team.pk},
            request=request,
        )
    return declaration


def conflict_decide(
    *,
    actor: User,
    declaration: ConflictDeclaration,
    client: Client | None,
    decision: ConflictDeclaration.Decision,
    measures: str,
    reasons: str,
    client_consulted: bool | None,
    request: HttpRequest | None = None,
) -> None:
    """A manager of the declaration's team links it to the client's record (or finds there is
    none) and decides: allow, or restrict. A restriction takes effect at once, everywhere."""
    Decision = ConflictDeclaration.Decision
    if not policy.may_decide_declaration(actor, declaration):
        raise NotPermitted("Only a manager of the declaring person's team can decide this")
    if decision == Decision.PENDING:
        raise RecordError("Choose a decision")
    if decision == Decision.NO_RECORD:
        client = None
    elif client is None:
        raise RecordError("Find the client's record the declaration is about")
    if not reasons.strip():
        raise RecordError("Give the reasons for the decision")
    with transaction.atomic():
        declaration.client = client
        declaration.decision = decision
        declaration.decided_by = actor
        declaration.decided_at = timezone.now()
        declaration.client_consulted = client_consulted
        declaration.measures = measures.strip()
        declaration.decision_reasons = reasons.strip()
        declaration.save()
        if decision == Decision.RESTRICTED and client is not None:
            # A restricted worker cannot stay allocated.
            for allocation in Allocation.objects.filter(
                client=client, worker=declaration.staff, ended_at=None
            ):
                allocation.ended_at, allocation.ended_by = timezone.now(), actor
                allocation.save(update_fields=["ended_at", "ended_by"])
                policy.revoke_allocation(worker=declaration.staff, client=client)
        audit_log(
            action=RecordAction.CONFLICT_DECIDED,
            actor=actor,
            target=client if client is not None else declaration,
            reason="team_manager",
            detail={
                "declaration": str(declaration.uuid),
                "staff": declaration.staff_id,
                "decision": decision,
                "client_consulted": client_consulted,
            },
            request=request,
        )


# --- Keys -----------------------------------------------------------------------------------


def client_destroy_data_key(
    *, actor: User | None, client: Client, reason: str, request: HttpRequest | None = None
) -> None:
    """Crypto-shred a record: without its data key, none of its encrypted data can be read,
    here or in any copy. Retention calls this on disposal; it cannot be undone.

    The wrapped key goes from the database, and once that has committed the key share goes from
    the keystore; then the master key no longer opens the record in a dump taken before either.
    The share is destroyed only after the commit, so a disposal that rolls back leaves the record
    whole. If the process dies in between, :func:`key_shares_sweep` finishes the job."""
    with transaction.atomic():
        Client.objects.filter(pk=client.pk).update(
            data_key_wrapped=None, data_key_destroyed_at=timezone.now()
        )
        audit_log(
            action=RecordAction.CLIENT_KEY_DESTROYED,
            actor=actor,
            target=client,
            reason=reason,
            request=request,
        )
        transaction.on_commit(partial(keystore.destroy, client.uuid), robust=True)
    client.refresh_from_db()
    client.__dict__.pop("_cipher", None)
    client.__dict__.pop("_plaintext", None)


@dataclass
class KeyShareSweep:
    removed: int = 0
    orphans: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    temporaries: int = 0


# How long a temporary file of the keystore may stand before it counts as left behind by a
# process that was cut off while writing it.
STALE_TEMPORARY_SECONDS = 3600


def key_shares_sweep(*, batch_size: int = 1000) -> KeyShareSweep:
    """Bring the keystore in line with the records; safe to run at any time and to repeat.

    Removes the key share of every disposed record (normally gone already at disposal; this
    catches a process that died between the commit and the removal) and temporary files left by
    an interrupted write. Reports, without touching, shares with no record (orphans: a referral
    whose saving failed, or a database restored from before the record was made) and records
    that need a share the keystore does not hold (missing: the keystore is not mounted, or was
    restored from a backup older than the record)."""
    report = KeyShareSweep()
    for uuids in _batches(keystore.client_uuids(), batch_size):
        found = {
            str(uuid): destroyed_at
            for uuid, destroyed_at in Client.objects.filter(uuid__in=uuids).values_list(
                "uuid", "data_key_destroyed_at"
            )
        }
        for uuid in uuids:
            if uuid not in found:
                report.orphans.append(uuid)
            elif found[uuid] is not None and keystore.destroy(uuid):
                report.removed += 1
    live = Client.objects.filter(data_key_split=True, data_key_destroyed_at=None)
    for uuids in _batches(
        (str(uuid) for uuid in live.values_list("uuid", flat=True).iterator(chunk_size=batch_size)),
        batch_size,
    ):
        absent = [uuid for uuid in uuids if not keystore.exists(uuid)]
        if absent:
            # Checked again: a record disposed of since the list was read has lost its share.
            report.missing += [
                str(uuid)
                for uuid in live.filter(uuid__in=absent).values_list("uuid", flat=True)
                if not keystore.exists(uuid)
            ]
    report.temporaries = keystore.remove_stale_temporaries(
        older_than_seconds=STALE_TEMPORARY_SECONDS
    )
    if report.removed:
        # Orphans and missing shares are reported (the job logs them), not recorded: nothing was
        # done to them, and an orphan left by a failed referral would otherwise be logged daily.
        audit_log(
            action=RecordAction.KEY_SHARES_SWEPT,
            actor=None,
            reason="keystore sweep",
            detail={
                "removed": report.removed,
                "orphans": len(report.orphans),
                "missing": len(report.missing),
            },
        )
    return report


def _batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Consent --------------------------------------------------------------------------------


@dataclass
class RecipientDetails:
    kind: str  # ConsentRecipient.Kind
    name: str = ""
    category: str = ""


@dataclass
class ConsentDetails:
    purpose: str
    purpose_detail: str
    information: str
    recipients: list[RecipientDetails]
    given_by: str
    given_by_name: str
    capacity_considered: bool
    evidence: str
    evidence_note: str
    given_on: date
    expires_on: date | None = None


def recipient_index(name: str) -> str:
    normalised = crypto.normalise_name(name)
    return crypto.blind_index("consent_recipient", normalised) if normalised else ""


def consent_record(
    *, actor: User, client: Client, details: ConsentDetails, request: HttpRequest | None = None
) -> Consent:
    """Record a consent to share (one consent may cover several named agencies)."""
    access = policy.decide(actor, client)
    if not access.write:
        raise NotPermitted("You cannot record consent for this client")
    if not details.recipients:
        raise RecordError("Say who the client consents to sharing with")
    if details.given_on > timezone.localdate():
        raise RecordError("The date consent was given cannot be in the future")
    if details.expires_on is not None and details.expires_on < details.given_on:
        raise RecordError("The consent cannot end before it was given")
    if details.given_by == Consent.GivenBy.DESIGNATED and not details.given_by_name.strip():
        raise RecordError("Name the person who gave consent for the client")
    if details.purpose == ConsentPurpose.OTHER and not details.purpose_detail.strip():
        raise RecordError("Describe the purpose")
    with transaction.atomic():
        consent = Consent(
            client=client,
            purpose=details.purpose,
            given_by=details.given_by,
            capacity_considered=details.capacity_considered,
            evidence=details.evidence,
            given_on=details.given_on,
            expires_on=details.expires_on,
            recorded_by=actor,
        )
        consent.purpose_detail = details.purpose_detail.strip()
        consent.information = details.information.strip()
        consent.given_by_name = (
            details.given_by_name.strip() if details.given_by == Consent.GivenBy.DESIGNATED else ""
        )
        consent.evidence_note = details.evidence_note.strip()
        consent.save()
        for item in details.recipients:
            recipient = ConsentRecipient(consent=consent, kind=item.kind, category=item.category)
            if item.kind != ConsentRecipient.Kind.CATEGORY:
                recipient.name = item.name.strip()
                recipient.name_index = recipient_index(item.name)
            recipient.save()
        audit_log(
            action=RecordAction.CONSENT_RECORDED,
            actor=actor,
            target=client,
            reason=access.reason,
            detail={
                "consent": str(consent.uuid),
                "purpose": details.purpose,
                "recipients": len(details.recipients),
                "evidence": details.evidence,
            },
            request=request,
        )
    return consent


def consent_withdraw(
    *,
    actor: User,
    consent: Consent,
    on: date,
    note: str,
    request: HttpRequest | None = None,
) -> None:
    """Record that consent was withdrawn. The consent stays, with when and why."""
    client = consent.client
    access = policy.decide(actor, client)
    if not access.write:
        raise NotPermitted("You cannot change this client's consent")
    if on > timezone.localdate():
        raise RecordError("The date of withdrawal cannot be in the future")
    if on < consent.given_on:
        raise RecordError("Consent cannot be withdrawn before it was given")
    with transaction.atomic():
        consent.withdrawal_note = note.strip()
        updated = Consent.objects.filter(pk=consent.pk, withdrawn_on=None).update(
            withdrawn_on=on,
            withdrawn_recorded_by=actor,
            withdrawn_recorded_at=timezone.now(),
            withdrawal_note_sealed=consent.withdrawal_note_sealed,
        )
        if not updated:
            raise RecordError("This consent has already been withdrawn")
        audit_log(
            action=RecordAction.CONSENT_WITHDRAWN,
            actor=actor,
            target=client,
            reason=access.reason,
            detail={"consent": str(consent.uuid), "withdrawn_on": on.isoformat()},
            request=request,
        )
    consent.refresh_from_db()


def client_privacy_record(
    *,
    actor: User,
    client: Client,
    privacy_notice_given_on: date | None,
    national_opt_out: bool,
    request: HttpRequest | None = None,
) -> None:
    """When the client was given the privacy information, and their national data opt-out."""
    access = policy.decide(actor, client)
    if not access.write:
        raise NotPermitted("You cannot change this client's consent")
    if privacy_notice_given_on is not None and privacy_notice_given_on > timezone.localdate():
        raise RecordError("The date cannot be in the future")
    with transaction.atomic():
        before = (client.privacy_notice_given_on, client.national_opt_out)
        client.privacy_notice_given_on = privacy_notice_given_on
        client.national_opt_out = national_opt_out
        client.save(update_fields=["privacy_notice_given_on", "national_opt_out"])
        changed = [
            name
            for name, old, new in zip(
                ("privacy_notice_given_on", "national_opt_out"),
                before,
                (privacy_notice_given_on, national_opt_out),
                strict=True,
            )
            if old != new
        ]
        audit_log(
            action=RecordAction.CLIENT_UPDATED,
            actor=actor,
            target=client,
            reason=access.reason,
            detail={"fields": changed},
            request=request,
        )


# --- Challenges to accuracy -----------------------------------------------------------------


def challenge_record(
    *,
    actor: User,
    entry: Entry,
    raised_on: date,
    client_view: str,
    request: HttpRequest | None = None,
) -> Challenge:
    """Record that the client challenges an entry's accuracy, in their own words."""
    client = entry.client
    access = policy.decide(actor, client)
    if not access.write:
        raise NotPermitted("You cannot record challenges in this record")
    if raised_on > timezone.localdate():
        raise RecordError("The date cannot be in the future")
    if not client_view.strip():
        raise RecordError("Say what the client says is wrong")
    with transaction.atomic():
        challenge = Challenge(entry=entry, raised_on=raised_on, recorded_by=actor)
        challenge.client_view = client_view.strip()
        challenge.save()
        audit_log(
            action=RecordAction.CHALLENGE_RECORDED,
            actor=actor,
            target=client,
            reason=access.reason,
            detail={"entry": str(entry.uuid), "challenge": str(challenge.uuid)},
            request=request,
        )
    return challenge


def _decide_challenge(
    *,
    actor: User,
    challenge: Challenge,
    outcome: str,
    note: str,
    version: EntryVersion | None,
    reason: str,
    request: HttpRequest | None,
) -> None:
    challenge.decision_note = note.strip()
    updated = Challenge.objects.filter(pk=challenge.pk, outcome=Challenge.Outcome.PENDING).update(
        outcome=outcome,
        corrected_version=version,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note_sealed=challenge.decision_note_sealed,
    )
    if not updated:
        raise RecordError("This challenge has already been decided")
    audit_log(
        action=RecordAction.CHALLENGE_DECIDED,
        actor=actor,
        target=challenge.entry.client,
        reason=reason,
        detail={
            "entry": str(challenge.entry.uuid),
            "challenge": str(challenge.uuid),
            "outcome": outcome,
            "version": version.number if version else None,
        },
        request=request,
    )


def challenge_correct(
    *,
    actor: User,
    challenge: Challenge,
    content: EntryContent,
    note: str,
    request: HttpRequest | None = None,
) -> EntryVersion:
    """Uphold a challenge: the entry gets a corrected version, whose reason cites it."""
    if not note.strip():
        raise RecordError("Say what was corrected")
    with transaction.atomic():
        version = entry_amend(
            actor=actor,
            entry=challenge.entry,
            content=content,
            reason=f"Corrected after the client's challenge: {note.strip()}",
            request=request,
        )
        _decide_challenge(
            actor=actor,
            challenge=challenge,
            outcome=Challenge.Outcome.CORRECTED,
            note=note,
            version=version,
            reason=policy.decide(actor, challenge.entry.client).reason,
            request=request,
        )
    return version


def challenge_not_altered(
    *, actor: User, challenge: Challenge, note: str, request: HttpRequest | None = None
) -> None:
    """Keep the entry as it is: the client's view stays noted beside it, with the reasons."""
    access = policy.decide(actor, challenge.entry.client)
    if not access.write:
        raise NotPermitted("You cannot decide challenges in this record")
    if not note.strip():
        raise RecordError("Give the reasons for not altering the entry")
    with transaction.atomic():
        _decide_challenge(
            actor=actor,
            challenge=challenge,
            outcome=Challenge.Outcome.NOT_ALTERED,
            note=note,
            version=None,
            reason=access.reason,
            request=request,
        )


# --- Taking records off site ----------------------------------------------------------------


@dataclass
class OffSiteDetails:
    what: str
    purpose: str
    safeguards: str
    leave_on: date
    return_by: date


def off_site_request(
    *, actor: User, client: Client, details: OffSiteDetails, request: HttpRequest | None = None
) -> OffSiteRequest:
    """Ask a manager for permission to take the client's records out of the office."""
    access = policy.decide(actor, client)
    if not access.write:
        raise NotPermitted("You cannot take this client's records off site")
    if details.leave_on < timezone.localdate():
        raise RecordError("The date you take them cannot be in the past")
    if details.return_by < details.leave_on:
        raise RecordError("The return date cannot be before the date you take them")
    if not (details.what.strip() and details.purpose.strip() and details.safeguards.strip()):
        raise RecordError("Say what you will take, why, and how you will keep it safe")
    with transaction.atomic():
        item = OffSiteRequest(
            client=client,
            requested_by=actor,
            leave_on=details.leave_on,
            return_by=details.return_by,
        )
        item.what = details.what.strip()
        item.purpose = details.purpose.strip()
        item.safeguards = details.safeguards.strip()
        item.save()
        audit_log(
            action=RecordAction.OFF_SITE_REQUESTED,
            actor=actor,
            target=client,
            reason=access.reason,
            detail={"request": str(item.uuid), "return_by": details.return_by.isoformat()},
            request=request,
        )
    return item


def off_site_decide(
    *,
    actor: User,
    item: OffSiteRequest,
    approve: bool,
    note: str,
    request: HttpRequest | None = None,
) -> None:
    """A manager of the record's team, not the person asking, approves or refuses."""
    access = policy.decide(actor, item.client)
    if not access.manage or actor.pk == item.requested_by_id:
        raise NotPermitted("Another manager of the record's team must decide this request")
    if not approve and not note.strip():
        raise RecordError("Give the reason for refusing")
    status = OffSiteRequest.Status.APPROVED if approve else OffSiteRequest.Status.REFUSED
    with transaction.atomic():
        item.decision_note = note.strip()
        updated = OffSiteRequest.objects.filter(
            pk=item.pk, status=OffSiteRequest.Status.PENDING
        ).update(
            status=status,
            decided_by=actor,
            decided_at=timezone.now(),
            decision_note_sealed=item.decision_note_sealed,
        )
        if not updated:
            raise RecordError("This request has already been decided")
        audit_log(
            action=RecordAction.OFF_SITE_DECIDED,
            actor=actor,
            target=item.client,
            reason=access.reason,
            detail={"request": str(item.uuid), "outcome": status},
            request=request,
        )


def off_site_returned(
    *, actor: User, item: OffSiteRequest, request: HttpRequest | None = None
) -> None:
    """Record that approved records are back in the office."""
    access = policy.decide(actor, item.client)
    if not (access.manage or (access.write and actor.pk == item.requested_by_id)):
        raise NotPermitted("You cannot record this return")
    with transaction.atomic():
        updated = OffSiteRequest.objects.filter(
            pk=item.pk, status=OffSiteRequest.Status.APPROVED
        ).update(status=OffSiteRequest.Status.RETURNED, returned_at=timezone.now())
        if not updated:
            raise RecordError("Only approved requests can be marked returned")
        audit_log(
            action=RecordAction.OFF_SITE_RETURNED,
            actor=actor,
            target=item.client,
            reason=access.reason,
            detail={"request": str(item.uuid)},
            request=request,
        )


# --- Case documents -------------------------------------------------------------------------

# What may be attached, by what the content is (not what its name says).
ATTACHMENT_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "text/plain": "plain text",
}


def attachment_type(data: bytes) -> str | None:
    """The MIME type of an allowed document, judged from its bytes; None if not allowed."""
    kind = filetype.guess(data)
    if kind is not None:
        return kind.mime if kind.mime in ATTACHMENT_TYPES else None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain" if "\x00" not in text else None


def attachment_path(attachment: Attachment) -> Path:
    return Path(settings.ATTACHMENT_DIR) / str(attachment.uuid)


def attachment_add(
    *,
    actor: User,
    entry: Entry,
    filename: str,
    data: bytes,
    request: HttpRequest | None = None,
) -> Attachment:
    """Attach a document to an entry: checked by size and by content, encrypted under the client's
    key into the attachment folder, recorded with its audit event. A failure leaves no file."""
    client = entry.client
    access = policy.decide(actor, client)
    if not access.write:
        raise NotPermitted("You cannot add documents to this record")
    if not data:
        raise RecordError("The file is empty")
    limit = settings.ATTACHMENT_MAX_BYTES
    if len(data) > limit:
        raise RecordError(f"The file must be {limit // (1024 * 1024)} MB or smaller")
    content_type = attachment_type(data)
    if content_type is None:
        raise RecordError(
            "Attach a PDF, Word or OpenDocument text file, a JPEG or PNG image, or plain text"
        )
    attachment = Attachment(
        entry=entry, content_type=content_type, size=len(data), uploaded_by=actor
    )
    attachment.filename = Path(filename).name[:200] or "document"
    path = attachment_path(attachment)
    path.parent.mkdir(parents=True, exist_ok=True)
    sealed = crypto.seal_file(client.sealing_cipher(), data, attachment=str(attachment.uuid))
    partial = path.with_suffix(".partial")
    partial.write_bytes(sealed)
    try:
        with transaction.atomic():
            attachment.save()
            audit_log(
                action=RecordAction.ATTACHMENT_ADDED,
                actor=actor,
                target=client,
                reason=access.reason,
                detail={
                    "entry": str(entry.uuid),
                    "attachment": str(attachment.uuid),
                    "type": content_type,
                    "size": len(data),
                },
                request=request,
            )
            partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        raise
    return attachment


def attachment_read(attachment: Attachment) -> bytes:
    """The document's bytes. Callers authorise and audit first (see the download view)."""
    sealed = attachment_path(attachment).read_bytes()
    return crypto.open_file(
        attachment.entry.client.sealing_cipher(), sealed, attachment=str(attachment.uuid)
    )
