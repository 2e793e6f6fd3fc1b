"""The confidentiality policy's rules for disclosures, as code that holds whatever is clicked.

:func:`refusals` names what may never be released; :func:`guardian_triggers` names why a
decision must wait for the Caldicott Guardian. Services ask both when a decision is proposed and
again at release, so a consent withdrawn or an entry amended in between is noticed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from disclosures.models import (
    ClientField,
    DisclosureCase,
    GuardianTrigger,
    RequesterBody,
    RequestKind,
    Statement,
)
from records import selectors as records_selectors
from records.models import Client, Consent, ConsentPurpose, EntryVersion, RecipientCategory

NO_FAMILY_CONSENT = (
    "There is no consent on file to share with family or friends. Nothing may be disclosed to "
    "them, not even that the person uses the service."
)
REFERRER_BEFORE_FIRST_APPOINTMENT = (
    "Before the first appointment, a referrer may be told only that the referral was received "
    "and an appointment booked."
)
NO_APPOINTMENT_BOOKED = "No first appointment is booked, so the referrer cannot be told one is."
STATEMENTS_FOR_REFERRERS = "Those statements are only for a referrer's enquiry."
NOTHING_CHOSEN = "Choose what to release: the entries and fields, or the details, that will leave."
EXEMPT_IN_SUBJECT_ACCESS = (
    "Entries withheld from subject access, and third-party information, never go in a subject "
    "access bundle."
)
NEITHER_CONFIRM_NOR_DENY = (
    "We can neither confirm nor deny whether we hold information about the person you asked about."
)

# Requesters whose category a consent can name.
BODY_CATEGORIES: dict[str, str] = {
    RequesterBody.GP: RecipientCategory.GP,
    RequesterBody.HOUSING_BENEFIT: RecipientCategory.HOUSING_BENEFIT,
    RequesterBody.SOCIAL_SERVICES: RecipientCategory.SOCIAL_CARE,
    RequesterBody.CRISIS_TEAM: RecipientCategory.HEALTH_SERVICE,
}

ALWAYS_ESCALATED = {
    RequestKind.MEDIA: GuardianTrigger.MEDIA,
    RequestKind.POLICE: GuardianTrigger.POLICE,
    RequestKind.URGENT: GuardianTrigger.URGENT,
}


@dataclass(frozen=True)
class ReleaseSet:
    """What a decision would release: nothing, when ``share`` is false."""

    share: bool
    client_fields: Sequence[str] = ()
    statements: Sequence[str] = ()
    versions: Sequence[EntryVersion] = field(default_factory=tuple)
    doubt: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.client_fields or self.statements or self.versions)


def consent_purpose_for(case: DisclosureCase, chosen: str) -> str:
    """Family and friends are always asked about on one purpose: keeping them informed."""
    if case.kind == RequestKind.FAMILY_FRIENDS:
        return ConsentPurpose.FAMILY_CONTACT
    return chosen


def consent_position(case: DisclosureCase, purpose: str) -> Consent | None:
    """The consent in force today that covers this requester for this purpose, if any. The
    requester is matched by organisation, by name, and by the category their kind implies."""
    purpose = consent_purpose_for(case, purpose)
    if not purpose:
        return None
    if case.kind == RequestKind.FAMILY_FRIENDS:
        category = str(RecipientCategory.FAMILY_FRIENDS)
    else:
        category = BODY_CATEGORIES.get(case.requester_body, "")
    for name in (case.requester_organisation, case.requester_name):
        consent = records_selectors.valid_consent(
            case.client, purpose=purpose, recipient_name=name, recipient_category=category
        )
        if consent is not None:
            return consent
    if category:
        return records_selectors.valid_consent(
            case.client, purpose=purpose, recipient_category=category
        )
    return None


def before_first_appointment(client: Client) -> bool:
    return client.first_appointment_attended is not True


def referrer_statements_only(case: DisclosureCase) -> bool:
    """A referrer asking before the first appointment: only the fixed statements may leave."""
    return case.kind == RequestKind.REFERRER and before_first_appointment(case.client)


def refusals(case: DisclosureCase, release: ReleaseSet, consent: Consent | None) -> list[str]:
    """What makes this release impossible, whoever approves it."""
    if not release.share:
        return []
    problems: list[str] = []
    if release.is_empty:
        problems.append(NOTHING_CHOSEN)
    if case.kind == RequestKind.FAMILY_FRIENDS and consent is None:
        problems.append(NO_FAMILY_CONSENT)
    if release.statements and case.kind != RequestKind.REFERRER:
        problems.append(STATEMENTS_FOR_REFERRERS)
    if case.kind == RequestKind.SUBJECT_ACCESS and any(
        version.withhold_from_sar or version.third_party for version in release.versions
    ):
        problems.append(EXEMPT_IN_SUBJECT_ACCESS)
    if referrer_statements_only(case):
        if release.client_fields or release.versions:
            problems.append(REFERRER_BEFORE_FIRST_APPOINTMENT)
        if (
            Statement.APPOINTMENT_BOOKED in release.statements
            and case.client.first_appointment_on is None
        ):
            problems.append(NO_APPOINTMENT_BOOKED)
    return problems


def needs_consent(case: DisclosureCase, release: ReleaseSet) -> bool:
    """Sharing needs consent or an exception, except with the data subject themselves and the
    referrer's fixed statements, which the policy allows."""
    if not release.share or case.kind == RequestKind.SUBJECT_ACCESS:
        return False
    return not (
        referrer_statements_only(case) and not release.client_fields and not release.versions
    )


def guardian_triggers(
    case: DisclosureCase, release: ReleaseSet, consent: Consent | None
) -> list[GuardianTrigger]:
    """Why this decision must wait for the Caldicott Guardian; empty when it need not."""
    triggers: list[GuardianTrigger] = []
    if case.kind in ALWAYS_ESCALATED:
        triggers.append(ALWAYS_ESCALATED[RequestKind(case.kind)])
    if release.share:
        if consent is None and needs_consent(case, release):
            triggers.append(GuardianTrigger.NO_CONSENT)
        if case.kind != RequestKind.SUBJECT_ACCESS and any(
            version.special_category for version in release.versions
        ):
            triggers.append(GuardianTrigger.SPECIAL_CATEGORY)
        if case.client.restricted and ClientField.ADDRESS in release.client_fields:
            triggers.append(GuardianTrigger.RESTRICTED_ADDRESS)
    if release.doubt:
        triggers.append(GuardianTrigger.DOUBT)
    return triggers
