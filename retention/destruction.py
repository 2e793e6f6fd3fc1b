"""Destroying a client record: delete its personal data, destroy its data key, keep a certificate.

The personal data of a record lives in sealed columns (under the client's own data key) of the
tables in :data:`SEALED_UNDER_CLIENT`, in the blind indexes used for exact-match search, and in
its documents' files. Destruction empties all of them and then destroys the data key, so that any
copy of the ciphertext left anywhere (the append-only disclosure log, a database dump, a backup)
can no longer be read. The rows themselves stay, emptied: the record's reference, team, dates,
the count and kinds of its entries, so that aggregated statistics survive (policy 002, "Reports
and statistics") and audit events about the record still point at something, pseudonymously.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from disclosures.models import (
    DisclosureCase,
    GuardianReview,
    Proposal,
    Release,
    ReleaseCorrection,
    SarExemption,
)
from records.models import (
    Attachment,
    BreakGlassAccess,
    Challenge,
    Client,
    ClientUserObjectPermission,
    Consent,
    ConsentRecipient,
    Entry,
    EntryVersion,
    OffSiteRequest,
    SealedModel,
)
from records.services import attachment_path, client_destroy_data_key
from retention.actions import RetentionAction
from retention.models import (
    DisposalCertificate,
    DisposalMethod,
    DisposalReview,
    LegalHold,
)
from retention.selectors import class_of

# Every table sealed under a client's key, with the path from it to the client.
SEALED_UNDER_CLIENT: dict[type[SealedModel], str] = {
    Client: "pk",
    BreakGlassAccess: "client",
    Entry: "client",
    EntryVersion: "entry__client",
    Consent: "client",
    ConsentRecipient: "consent__client",
    Challenge: "entry__client",
    OffSiteRequest: "client",
    Attachment: "entry__client",
    LegalHold: "client",
    DisposalReview: "client",
    DisclosureCase: "client",
    Proposal: "case__client",
    SarExemption: "proposal__case__client",
    GuardianReview: "proposal__case__client",
}
# The disclosure log is append-only in the database itself: its rows stay, unreadable once the
# key is gone. That is what crypto-shredding is for.
SHREDDED_ONLY: frozenset[type[SealedModel]] = frozenset({Release, ReleaseCorrection})
# Keyed hashes of identifiers, for exact-match search.
BLIND_INDEXES: dict[type[models.Model], tuple[str, ...]] = {
    Client: ("nhs_number_index", "name_dob_index", "family_name_index", "postcode_index"),
    ConsentRecipient: ("name_index",),
}

METHOD_NOTE = "Personal data deleted and the record's data key destroyed"


def sealed_columns(model: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.BinaryField) and field.name.endswith("_sealed")
    ]


@dataclass(frozen=True)
class Erased:
    entries: int
    documents: int


def _erase_personal_data(client: Client) -> Erased:
    entries = Entry.objects.filter(client=client).count()
    documents = list(Attachment.objects.filter(entry__client=client).values_list("uuid", flat=True))
    for model, path in SEALED_UNDER_CLIENT.items():
        blank: dict[str, object] = dict.fromkeys(sealed_columns(model), b"")
        blank.update(dict.fromkeys(BLIND_INDEXES.get(model, ()), ""))
        model._default_manager.filter(**{path: client.pk}).update(**blank)
    ClientUserObjectPermission.objects.filter(content_object=client).delete()

    def remove_files() -> None:
        for uuid in documents:
            Path(attachment_path(Attachment(uuid=uuid))).unlink(missing_ok=True)

    # The files go once the destruction has committed; until then a rollback keeps them.
    transaction.on_commit(remove_files)
    return Erased(entries=entries, documents=len(documents))


def record_destroy(
    *,
    review: DisposalReview,
    approved_by: User,
    confirmed_by: User | None,
    request: HttpRequest | None = None,
) -> DisposalCertificate:
    """Destroy the record under review, in one transaction with its certificate and audit
    events. The caller has checked who may; this checks what may (no hold in force)."""
    from retention.errors import HoldInForce, ReviewMoved

    actor = confirmed_by or approved_by
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=review.client_id)
        if client.is_disposed:
            raise ReviewMoved("This record has already been destroyed")
        if LegalHold.objects.filter(client=client, lifted_at__isnull=True).exists():
            raise HoldInForce("A legal hold is in force: lift it before the record is destroyed")
        retention_class = class_of(client)
        erased = _erase_personal_data(client)
        now = timezone.now()
        certificate = DisposalCertificate.objects.create(
            method=DisposalMethod.CRYPTO_SHRED,
            client=client,
            record_reference=client.reference,
            team_name=client.team.name,
            retention_class=retention_class.name,
            origin=review.origin,
            closed_on=client.closed_on,
            approved_by=approved_by,
            approved_at=review.decided_at or now,
            confirmed_by=confirmed_by,
            destroyed_on=timezone.localdate(),
            entries_destroyed=erased.entries,
            documents_destroyed=erased.documents,
            description=METHOD_NOTE,
        )
        DisposalReview.objects.filter(pk=review.pk).update(
            status=DisposalReview.Status.DESTROYED,
            confirmed_by=confirmed_by,
            confirmed_at=now if confirmed_by else None,
        )
        client_destroy_data_key(
            actor=actor,
            client=client,
            reason=f"Disposal under certificate {certificate.reference}",
            request=request,
        )
        audit_log(
            action=RetentionAction.DESTROYED,
            actor=actor,
            target=client,
            reason=review.get_origin_display(),
            detail={
                "certificate": certificate.reference,
                "review": str(review.uuid),
                "entries": erased.entries,
                "documents": erased.documents,
            },
            request=request,
        )
    review.refresh_from_db()
    return certificate
