"""Disclosure cases: every request for information about a client, from intake to release.

A case holds the request as it arrived, how the requester was verified, each proposal (share or
not, what exactly, on what basis), the Caldicott Guardian's reviews, and the disclosure log: the
releases, which are never edited (a correction is a new entry). Everything that names or describes
a person is sealed under the client's own data key, so destroying that key at disposal makes the
case unreadable along with the record.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models
from django.utils import timezone

from records.crypto import Sealed
from records.models import (
    Challenge,
    Client,
    Consent,
    ConsentPurpose,
    Entry,
    EntryVersion,
    SealedModel,
)


class RequestKind(models.TextChoices):
    POLICE = "police", "Police: prevention or detection of crime"
    URGENT = "urgent", "Urgent call from the police, a crisis team or a GP"
    COURT_ORDER = "court_order", "Court order or other statutory duty"
    REFERRER = "referrer", "Referrer's enquiry"
    SUBJECT_ACCESS = "subject_access", "Subject access request"
    MEDIA = "media", "Media (may be a Freedom of Information request)"
    AGENCY = "agency", "Another agency"
    FAMILY_FRIENDS = "family_friends", "Family or friends"
    SOLICITOR = "solicitor", "Solicitor"
    RESEARCHER = "researcher", "Researcher"
    RECTIFICATION = "rectification", "Data-subject request: rectification"
    ERASURE = "erasure", "Data-subject request: erasure"
    RESTRICTION = "restriction", "Data-subject request: restriction of processing"
    OBJECTION = "objection", "Data-subject request: objection to processing"
    PORTABILITY = "portability", "Data-subject request: data portability"


# The data subject's other rights (UK GDPR Articles 16 to 21): logged and answered with an
# outcome and reasons, on the same one-month clock as subject access, by the IG lead.
RIGHTS_KINDS = (
    RequestKind.RECTIFICATION,
    RequestKind.ERASURE,
    RequestKind.RESTRICTION,
    RequestKind.OBJECTION,
    RequestKind.PORTABILITY,
)
# Requests on the statutory clock (one calendar month, extendable, stoppable).
CLOCKED_KINDS = (RequestKind.SUBJECT_ACCESS, *RIGHTS_KINDS)


class RequesterBody(models.TextChoices):
    """Who is asking, for urgent calls and other agencies."""

    POLICE = "police", "Police"
    CRISIS_TEAM = "crisis_team", "Crisis team"
    GP = "gp", "GP"
    SOCIAL_SERVICES = "social_services", "Social services"
    LADO = "lado", "Local authority designated officer (LADO)"
    SAFEGUARDING_ADULTS_BOARD = "safeguarding_adults_board", "Safeguarding adults board"
    PROBATION = "probation", "Probation service"
    MAPPA = "mappa", "MAPPA (multi-agency public protection)"
    HOUSING_BENEFIT = "housing_benefit", "Housing benefit office"
    OTHER_AGENCY = "other_agency", "Another agency"


URGENT_BODIES = (RequesterBody.POLICE, RequesterBody.CRISIS_TEAM, RequesterBody.GP)
AGENCY_BODIES = (
    RequesterBody.SOCIAL_SERVICES,
    RequesterBody.LADO,
    RequesterBody.SAFEGUARDING_ADULTS_BOARD,
    RequesterBody.PROBATION,
    RequesterBody.MAPPA,
    RequesterBody.HOUSING_BENEFIT,
    RequesterBody.OTHER_AGENCY,
)


class Channel(models.TextChoices):
    PHONE = "phone", "Telephone"
    LETTER = "letter", "Letter"
    EMAIL = "email", "E-mail"
    SECURE_EMAIL = "secure_email", "Secure e-mail"
    IN_PERSON = "in_person", "In person"
    POLICE_FORM = "police_form", "Police data-protection request form"
    COURT = "court", "Court order or statutory notice served"


# Requests taken from someone who is waiting for an answer: the caller is told they will be
# called back while the request is reviewed (000 §4.3).
LIVE_CHANNELS = (Channel.PHONE, Channel.IN_PERSON)


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent: needed within a working day"
    EMERGENCY = "emergency", "Emergency: risk to life or safety now"


class CaseStatus(models.TextChoices):
    RECEIVED = "received", "Received: waiting for a decision"
    AWAITING_GUARDIAN = "awaiting_guardian", "Waiting for the Caldicott Guardian"
    MORE_INFO = "more_info", "The Guardian asked for more information"
    READY = "ready", "Approved: ready to release"
    RELEASED = "released", "Released"
    NOT_SHARED = "not_shared", "Closed: not shared"
    WITHDRAWN = "withdrawn", "Closed: request withdrawn"
    ANSWERED = "answered", "Closed: answered"


OPEN_STATUSES = (
    CaseStatus.RECEIVED,
    CaseStatus.AWAITING_GUARDIAN,
    CaseStatus.MORE_INFO,
    CaseStatus.READY,
)


class VerificationMethod(models.TextChoices):
    CALL_BACK = "call_back", "Called back through the organisation's switchboard"
    LETTERHEAD = "letterhead", "Written request on the organisation's letterhead"
    IDENTITY_DOCUMENTS = "identity_documents", "Identity documents seen (subject access)"
    KNOWN_PROFESSIONAL = "known_professional", "Known professional, on contact details we hold"
    COURT_DOCUMENT = "court_document", "Sealed court order or statutory notice seen"


class LawfulBasis(models.TextChoices):
    """UK GDPR Article 6(1)."""

    CONSENT = "consent", "6(1)(a) consent"
    CONTRACT = "contract", "6(1)(b) contract"
    LEGAL_OBLIGATION = "legal_obligation", "6(1)(c) legal obligation"
    VITAL_INTERESTS = "vital_interests", "6(1)(d) vital interests"
    PUBLIC_TASK = "public_task", "6(1)(e) public task"
    LEGITIMATE_INTERESTS = "legitimate_interests", "6(1)(f) legitimate interests"


class Article9Condition(models.TextChoices):
    """UK GDPR Article 9(2), for special-category data (004 Appendix D)."""

    EXPLICIT_CONSENT = "explicit_consent", "9(2)(a) explicit consent"
    SOCIAL_PROTECTION = (
        "social_protection",
        "9(2)(b) employment, social security and social protection law",
    )
    VITAL_INTERESTS = "vital_interests", "9(2)(c) vital interests of someone unable to consent"
    LEGAL_CLAIMS = "legal_claims", "9(2)(f) legal claims, or courts acting judicially"
    SUBSTANTIAL_PUBLIC_INTEREST = (
        "substantial_public_interest",
        "9(2)(g) substantial public interest (DPA 2018 Schedule 1 Part 2, e.g. safeguarding, "
        "preventing or detecting crime)",
    )
    HEALTH_SOCIAL_CARE = "health_social_care", "9(2)(h) health or social care"
    PUBLIC_HEALTH = "public_health", "9(2)(i) public health"
    RESEARCH = "research", "9(2)(j) archiving, research or statistics"


class SharingException(models.TextChoices):
    """What can justify sharing without consent (000 §4.1, 003 §6.3)."""

    PUBLIC_STAFF_SAFETY = "public_staff_safety", "Risk to public or staff safety"
    SAFEGUARDING_CHILD = "safeguarding_child", "Safeguarding a child"
    SAFEGUARDING_ADULT = "safeguarding_adult", "Safeguarding a vulnerable adult"
    TERRORISM = "terrorism", "Terrorism"
    SERIOUS_CRIME = "serious_crime", "Preventing or detecting serious crime"
    HARM_TO_OTHERS = "harm_to_others", "Serious harm to others"
    HARM_TO_SELF = "harm_to_self", "Serious harm to the person themselves"
    STATUTORY_DUTY = "statutory_duty", "Statutory duty or court order"
    VITAL_INTERESTS = "vital_interests", "Vital interests"


class ClientField(models.TextChoices):
    """Parts of the administrative record a release can include."""

    NAME = "name", "Name"
    DATE_OF_BIRTH = "date_of_birth", "Date of birth"
    NHS_NUMBER = "nhs_number", "NHS number"
    ADDRESS = "address", "Address"
    PHONE = "phone", "Phone number"
    EMAIL = "email", "E-mail address"
    STATUS = "status", "That the person uses the service, and the case's status"
    APPOINTMENTS = "appointments", "First appointment: when, and whether attended"


class EntryField(models.TextChoices):
    """Parts of an entry a release can include."""

    DATE = "date", "Date"
    KIND = "kind", "Kind of entry"
    TITLE = "title", "Title"
    BODY = "body", "Text"
    AUTHOR = "author", "Author"


class Statement(models.TextChoices):
    """Fixed statements: all a referrer may be told before the first appointment (000 §4.3)."""

    REFERRAL_RECEIVED = "referral_received", "The referral has been received"
    APPOINTMENT_BOOKED = "appointment_booked", "An appointment has been booked"


class ReleaseMethod(models.TextChoices):
    ENCRYPTED_BUNDLE = "encrypted_bundle", "Encrypted, password-protected PDF bundle"
    SECURE_EMAIL = "secure_email", "Secure e-mail"
    RECORDED_POST = "recorded_post", "Recorded post"
    VERBAL = "verbal", "Verbally"


class GuardianTrigger(models.TextChoices):
    """Why a proposal waits for the Caldicott Guardian."""

    MEDIA = "media", "Media request: always decided with the Caldicott Guardian"
    POLICE = "police", "Police request"
    URGENT = "urgent", "Urgent request"
    NO_CONSENT = "no_consent", "Sharing without the client's consent"
    SPECIAL_CATEGORY = "special_category", "Special-category information would be released"
    RESTRICTED_ADDRESS = "restricted_address", "The address of a restricted record would leave"
    DOUBT = "doubt", "The decider is in doubt"


class ClockStop(models.TextChoices):
    """Why the statutory clock is stopped (UK GDPR Article 12A)."""

    IDENTITY = "identity", "Waiting for evidence of identity or authority"
    CLARIFICATION = "clarification", "Waiting for the requester to clarify what they want"
    FEE = "fee", "Waiting for a fee (only for a manifestly unfounded or excessive request)"


class RightsOutcome(models.TextChoices):
    DONE = "done", "Done as asked"
    PARTLY = "partly", "Partly done"
    REFUSED = "refused", "Refused"


class Exemption(models.TextChoices):
    """Why an entry is left out of a subject access bundle; recorded in the case, never in the
    bundle."""

    WITHHELD = (
        "withheld",
        "Withheld from subject access: disclosure would be likely to cause serious harm "
        "(DPA 2018 Schedule 3), or another exemption given on the entry",
    )
    THIRD_PARTY = (
        "third_party",
        "Information about or from a third party (DPA 2018 Schedule 2 paragraph 16)",
    )


class DataSharingAgreement(models.Model):
    """An information-sharing agreement or protocol with a partner (002: Crime and Disorder Act
    section 115 protocols, regular transfers). Organisational, not personal: kept in clear."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", "Data-sharing agreement"
        PROTOCOL = "protocol", "Information-sharing protocol"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.AGREEMENT)
    partner = models.CharField(max_length=200, help_text="The partner organisation.")
    parties = models.TextField(help_text="Every organisation that signed it.")
    scope = models.TextField(help_text="What may be shared, for what purposes.")
    signed_on = models.DateField(null=True, blank=True)
    review_on = models.DateField(help_text="When it must next be reviewed.")
    active = models.BooleanField(default=True)
    # Ending one keeps it (cases cite it) and says when, by whom and why.
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    end_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["partner", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.partner})"

    @property
    def review_overdue(self) -> bool:
        return self.review_on < timezone.localdate()


class DisclosureCase(SealedModel):
    """One request for information about one client, whatever its kind."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="disclosure_cases")
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    requester_body = models.CharField(max_length=30, choices=RequesterBody.choices, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    received_on = models.DateField()
    logged_at = models.DateTimeField(default=timezone.now, editable=False)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    caller_told_call_back = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    status_changed_at = models.DateTimeField(default=timezone.now)

    verification_method = models.CharField(
        max_length=20, choices=VerificationMethod.choices, blank=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    referrer_confirmed = models.BooleanField(
        default=False, help_text="The requester was confirmed to be the referrer on the record."
    )

    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    # The statutory clock, for subject access and the other data-subject rights. ``due_on`` is
    # worked out from the rest (disclosures.deadlines) whenever they change; empty while the
    # clock is stopped, and for requests that have no statutory clock.
    extension_months = models.PositiveSmallIntegerField(default=0)
    extension_told_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=RightsOutcome.choices, blank=True)
    challenge = models.ForeignKey(
        Challenge,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For rectification: the challenge to the entry's accuracy that answers it.",
    )

    requester_name_sealed = models.BinaryField(default=b"", editable=False)
    requester_organisation_sealed = models.BinaryField(default=b"", editable=False)
    requester_contact_sealed = models.BinaryField(default=b"", editable=False)
    purpose_sealed = models.BinaryField(default=b"", editable=False)
    asked_for_sealed = models.BinaryField(default=b"", editable=False)
    legal_basis_cited_sealed = models.BinaryField(default=b"", editable=False)
    verification_note_sealed = models.BinaryField(default=b"", editable=False)
    closed_reason_sealed = models.BinaryField(default=b"", editable=False)
    extension_reason_sealed = models.BinaryField(default=b"", editable=False)

    requester_name = Sealed["DisclosureCase"]("requester_name_sealed")
    requester_organisation = Sealed["DisclosureCase"]("requester_organisation_sealed")
    requester_contact = Sealed["DisclosureCase"]("requester_contact_sealed")
    purpose = Sealed["DisclosureCase"]("purpose_sealed")
    asked_for = Sealed["DisclosureCase"]("asked_for_sealed")
    legal_basis_cited = Sealed["DisclosureCase"]("legal_basis_cited_sealed")
    verification_note = Sealed["DisclosureCase"]("verification_note_sealed")
    closed_reason = Sealed["DisclosureCase"]("closed_reason_sealed")
    extension_reason = Sealed["DisclosureCase"]("extension_reason_sealed")

    class Meta:
        ordering = ["-received_on", "-logged_at"]
        indexes = [
            models.Index(fields=["client", "-received_on"], name="disclosure_client"),
            models.Index(fields=["status", "urgency"], name="disclosure_status"),
            models.Index(
                fields=["due_on"],
                name="disclosure_due",
                condition=models.Q(closed_at__isnull=True, due_on__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(extension_months__lte=2), name="disclosure_extension_at_most_2"
            ),
        ]

    def __str__(self) -> str:
        return f"Disclosure case {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.client.sealing_cipher()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def recipient_label(self) -> str:
        return self.requester_organisation or self.requester_name

    @property
    def days_left(self) -> int | None:
        """Days until the statutory deadline (negative once past); None with no running clock."""
        return (self.due_on - timezone.localdate()).days if self.due_on else None

    @property
    def is_subject_access(self) -> bool:
        return self.kind == RequestKind.SUBJECT_ACCESS

    @property
    def is_rights_request(self) -> bool:
        return self.kind in RIGHTS_KINDS

    @property
    def is_clocked(self) -> bool:
        return self.kind in CLOCKED_KINDS


class ClockPause(models.Model):
    """A time the statutory clock stood still, waiting for the requester; its days are added
    back to the deadline when it ends."""

    case = models.ForeignKey(DisclosureCase, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=15, choices=ClockStop.choices)
    started_on = models.DateField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_on = models.DateField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(ended_on__isnull=True),
                name="one_running_pause_per_case",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="pause_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"Clock stopped on case {self.case_id} from {self.started_on}"

    @property
    def running(self) -> bool:
        return self.ended_on is None


class Proposal(SealedModel):
    """A decision put forward on a case: share (exactly these entries, fields and statements, on
    this basis) or do not share, with the reasons. Proposals are kept: one the Guardian sends back
    stays in the history and the next is a new proposal."""

    class Review(models.TextChoices):
        NOT_NEEDED = "not_needed", "No Guardian review needed"
        PENDING = "pending", "Waiting for the Caldicott Guardian"
        APPROVED = "approved", "Approved by the Caldicott Guardian"
        REFUSED = "refused", "Refused by the Caldicott Guardian"
        MORE_INFO = "more_info", "Sent back for more information"

    case = models.ForeignKey(DisclosureCase, on_delete=models.CASCADE, related_name="proposals")
    number = models.PositiveIntegerField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now, editable=False)
    share = models.BooleanField()
    consent_purpose = models.CharField(max_length=30, choices=ConsentPurpose.choices, blank=True)
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exception = models.CharField(max_length=30, choices=SharingException.choices, blank=True)
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices, blank=True)
    article9_condition = models.CharField(
        max_length=30, choices=Article9Condition.choices, blank=True
    )
    agreement = models.ForeignKey(
        DataSharingAgreement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    doubt = models.BooleanField(default=False)
    client_fields = models.JSONField(default=list, blank=True)
    statements = models.JSONField(default=list, blank=True)
    guardian_triggers = models.JSONField(default=list, blank=True)
    review = models.CharField(max_length=12, choices=Review.choices)
    # Subject access: every record found to be about the person (matched on NHS number, or
    # name and date of birth); the bundle covers them all.
    subject_records = models.ManyToManyField(Client, related_name="+", blank=True)

    reasons_sealed = models.BinaryField(default=b"", editable=False)
    reply_sealed = models.BinaryField(default=b"", editable=False)

    reasons = Sealed["Proposal"]("reasons_sealed")
    reply = Sealed["Proposal"]("reply_sealed")

    class Meta:
        ordering = ["case", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="proposal_number")]

    def __str__(self) -> str:
        return f"Proposal {self.number} on case {self.case_id}"

    def sealing_cipher(self) -> AESGCM:
        return self.case.client.sealing_cipher()

    @property
    def needs_guardian(self) -> bool:
        return bool(self.guardian_triggers)

    def trigger_labels(self) -> list[str]:
        labels: dict[Any, str] = dict(GuardianTrigger.choices)
        return [labels.get(code, code) for code in self.guardian_triggers]

    def client_field_labels(self) -> list[str]:
        labels: dict[Any, str] = dict(ClientField.choices)
        return [labels.get(code, code) for code in self.client_fields]

    def statement_labels(self) -> list[str]:
        labels: dict[Any, str] = dict(Statement.choices)
        return [labels.get(code, code) for code in self.statements]


class ProposalItem(models.Model):
    """One entry in a proposed release: the version shown to the decider and the Guardian is the
    version that leaves, and only the fields chosen."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="items")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(EntryVersion, on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField(default=list)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Item {self.pk} of proposal {self.proposal_id}"

    def field_labels(self) -> list[str]:
        labels: dict[Any, str] = dict(EntryField.choices)
        return [labels.get(code, code) for code in self.fields]


class SarExemption(SealedModel):
    """An entry left out of a subject access bundle, and why: kept with the decision (and shown
    to those who may see the case's content), never in the bundle."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="exemptions")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(EntryVersion, on_delete=models.PROTECT, related_name="+")
    ground = models.CharField(max_length=12, choices=Exemption.choices)
    # The entry's own note: the withholding reason, or the third party's source.
    note_sealed = models.BinaryField(default=b"", editable=False)

    note = Sealed["SarExemption"]("note_sealed")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Exemption {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.proposal.case.client.sealing_cipher()


class GuardianReview(SealedModel):
    """The Caldicott Guardian's answer to a proposal, with reasons."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        MORE_INFO = "more_info", "More information needed"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now, editable=False)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reasons_sealed = models.BinaryField(default=b"", editable=False)

    reasons = Sealed["GuardianReview"]("reasons_sealed")

    class Meta:
        ordering = ["reviewed_at"]

    def __str__(self) -> str:
        return f"Review {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.proposal.case.client.sealing_cipher()


class Release(SealedModel):
    """An entry in the disclosure log: what left, to whom, why, how, when and by whom (000 §4.3).
    The database refuses to change or delete it; a correction is a new entry pointing at it."""

    case = models.ForeignKey(DisclosureCase, on_delete=models.PROTECT, related_name="releases")
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="releases")
    released_at = models.DateTimeField(default=timezone.now, editable=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=20, choices=ReleaseMethod.choices)
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    requester_body = models.CharField(max_length=30, choices=RequesterBody.choices, blank=True)
    received_on = models.DateField()
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exception = models.CharField(max_length=30, choices=SharingException.choices, blank=True)
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices, blank=True)
    article9_condition = models.CharField(
        max_length=30, choices=Article9Condition.choices, blank=True
    )
    agreement = models.ForeignKey(
        DataSharingAgreement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What left, as references and field names (no content): client fields, statements, and
    # for each entry its uuid, version number, kind, date and the fields released.
    released = models.JSONField(default=dict)
    client_told = models.BooleanField()
    bundle_sha256 = models.CharField(max_length=64, blank=True)

    recipient_sealed = models.BinaryField(default=b"", editable=False)
    purpose_sealed = models.BinaryField(default=b"", editable=False)
    client_told_note_sealed = models.BinaryField(default=b"", editable=False)
    # The encrypted PDF exactly as it left (itself password-protected), sealed again under the
    # client's key so that disposal makes it unreadable.
    bundle_sealed = models.BinaryField(default=b"", editable=False)

    recipient = Sealed["Release"]("recipient_sealed")
    purpose = Sealed["Release"]("purpose_sealed")
    client_told_note = Sealed["Release"]("client_told_note_sealed")

    class Meta:
        ordering = ["released_at"]

    def __str__(self) -> str:
        return f"Release {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.case.client.sealing_cipher()

    @property
    def has_bundle(self) -> bool:
        return bool(self.bundle_sha256)


class ReleaseCorrection(SealedModel):
    """A correction to a disclosure log entry: what was wrong or has since happened (the client
    told later, say). Like the entry it corrects, it is never changed or deleted."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="corrections")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    client_told = models.BooleanField(
        null=True, blank=True, help_text="Set when the correction is about telling the client."
    )
    note_sealed = models.BinaryField(default=b"", editable=False)

    note = Sealed["ReleaseCorrection"]("note_sealed")

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return f"Correction {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.release.case.client.sealing_cipher()
