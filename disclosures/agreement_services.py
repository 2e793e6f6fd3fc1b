"""Writes to the register of data-sharing agreements: the IG lead records, changes and ends them.

An agreement is never deleted, because decisions and releases cite it; ending one takes it out of
the decision form and keeps when, by whom and why. Each write checks
:func:`disclosures.policy.may_manage_agreements` again, saves through the model (so
django-auditlog keeps the before and after values) and writes its audit event in the same
transaction, naming the agreement and the fields changed, never their text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import Role, User
from disclosures import policy
from disclosures.actions import DisclosureAction
from disclosures.errors import DisclosureError, NotPermitted
from disclosures.models import DataSharingAgreement

# The details the IG lead keeps, in the order the form asks for them.
FIELDS = ("title", "kind", "partner", "parties", "scope", "signed_on", "review_on")
ENDING_FIELDS = ("active", "ended_at", "ended_by", "end_reason")
ENDED = "This agreement has ended: it can no longer be changed"


class AgreementEnded(DisclosureError):
    """The agreement has ended: it stays as it was when it ended."""


@dataclass(frozen=True)
class AgreementDetails:
    title: str
    partner: str
    parties: str
    scope: str
    review_on: date | None
    kind: str = DataSharingAgreement.Kind.AGREEMENT
    signed_on: date | None = None


def _checked(details: AgreementDetails) -> AgreementDetails:
    """The details with text trimmed, or the first thing wrong with them."""
    details = replace(
        details,
        title=details.title.strip(),
        partner=details.partner.strip(),
        parties=details.parties.strip(),
        scope=details.scope.strip(),
    )
    if details.kind not in DataSharingAgreement.Kind.values:
        raise DisclosureError("Choose whether it is an agreement or a protocol")
    if not details.title:
        raise DisclosureError("Enter the title of the agreement")
    if not details.partner:
        raise DisclosureError("Enter the partner organisation")
    if not details.parties:
        raise DisclosureError("Enter every organisation that is party to it")
    if not details.scope:
        raise DisclosureError("Enter its scope: what may be shared, and for what purposes")
    if details.signed_on is not None and details.signed_on > timezone.localdate():
        raise DisclosureError("The date signed cannot be in the future")
    if details.review_on is None:
        raise DisclosureError("Enter the review date")
    if details.signed_on is not None and details.review_on < details.signed_on:
        raise DisclosureError("The review date cannot be before the date it was signed")
    return details


def _apply(agreement: DataSharingAgreement, details: AgreementDetails) -> list[str]:
    """Set the details on the agreement; the names of the fields whose value changed."""
    changed = []
    for name in FIELDS:
        value = getattr(details, name)
        if getattr(agreement, name) != value:
            setattr(agreement, name, value)
            changed.append(name)
    return changed


def _require_ig_lead(actor: User) -> None:
    if not policy.may_manage_agreements(actor):
        raise NotPermitted("Only the IG lead can change the register of data-sharing agreements")


def _audit(
    action: str,
    *,
    actor: User,
    agreement: DataSharingAgreement,
    changed: list[str],
    request: HttpRequest | None,
) -> None:
    audit_log(
        action=action,
        actor=actor,
        target=agreement,
        reason=Role.IG_LEAD.value,
        detail={"agreement": agreement.pk, "changed": changed},
        request=request,
    )


def agreement_create(
    *, actor: User, details: AgreementDetails, request: HttpRequest | None = None
) -> DataSharingAgreement:
    """Record an agreement or protocol in force with a partner."""
    _require_ig_lead(actor)
    details = _checked(details)
    with transaction.atomic():
        agreement = DataSharingAgreement()
        _apply(agreement, details)
        agreement.save()
        given = [name for name in FIELDS if getattr(details, name) not in ("", None)]
        _audit(
            DisclosureAction.AGREEMENT_CREATED,
            actor=actor,
            agreement=agreement,
            changed=given,
            request=request,
        )
    return agreement


def agreement_update(
    *,
    actor: User,
    agreement: DataSharingAgreement,
    details: AgreementDetails,
    request: HttpRequest | None = None,
) -> list[str]:
    """Change an agreement in force (a new review date after a review, say); the names of the
    fields changed. An ended agreement is kept as it was when it ended."""
    _require_ig_lead(actor)
    details = _checked(details)
    with transaction.atomic():
        locked = DataSharingAgreement.objects.select_for_update().get(pk=agreement.pk)
        if not locked.active:
            raise AgreementEnded(ENDED)
        changed = _apply(locked, details)
        if changed:
            locked.save(update_fields=changed)
            _audit(
                DisclosureAction.AGREEMENT_UPDATED,
                actor=actor,
                agreement=locked,
                changed=changed,
                request=request,
            )
    agreement.refresh_from_db()
    return changed


def agreement_end(
    *,
    actor: User,
    agreement: DataSharingAgreement,
    reason: str,
    request: HttpRequest | None = None,
) -> None:
    """End an agreement: no new decision can rely on it. It is kept, with why it ended, for the
    decisions and releases that cited it."""
    _require_ig_lead(actor)
    if not reason.strip():
        raise DisclosureError("Say why the agreement is ended")
    with transaction.atomic():
        locked = DataSharingAgreement.objects.select_for_update().get(pk=agreement.pk)
        if not locked.active:
            raise AgreementEnded("This agreement has already ended")
        locked.active = False
        locked.ended_at = timezone.now()
        locked.ended_by = actor
        locked.end_reason = reason.strip()
        locked.save(update_fields=ENDING_FIELDS)
        _audit(
            DisclosureAction.AGREEMENT_ENDED,
            actor=actor,
            agreement=locked,
            changed=list(ENDING_FIELDS),
            request=request,
        )
    agreement.refresh_from_db()
