"""Client records: identifiers, referral and status, entries with their versions, and the
records of who may see them (allocations, break-the-glass access, conflict-of-interest
declarations).

Identifying and free-text fields are :class:`~records.crypto.Sealed`: encrypted under the
client's own data key, bound to table, column and row. Rows carry a random UUID, which is what
URLs show and what the encryption binds to; no URL carries a name or a reference.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models
from django.utils import timezone
from guardian.models import UserObjectPermissionBase

from accounts.models import Team
from records import crypto, keystore
from records.crypto import Sealed


class SealedModel(models.Model):
    """A model with encrypted attributes. Subclasses say which client's key seals them."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True

    def sealing_cipher(self) -> AESGCM:
        raise NotImplementedError


class OwnKeyHolder(Protocol):
    """A row that keeps its own data key, wrapped: client records, declarations, findings."""

    uuid: uuid.UUID
    data_key_wrapped: Any
    data_key_master_id: str
    __dict__: dict[str, Any]


def own_key_cipher(instance: OwnKeyHolder) -> AESGCM:
    """The cipher of a row that holds its own wrapped data key, made on first use and kept on
    the instance, so a page of rows unwraps each key (and reads each key share) once."""
    cipher: AESGCM | None = instance.__dict__.get("_cipher")
    if cipher is None:
        cipher = AESGCM(_own_data_key(instance))
        instance.__dict__["_cipher"] = cipher
    return cipher


def _own_data_key(instance: OwnKeyHolder) -> bytes:
    client_uuid = str(instance.uuid)
    # Only client records have key shares, because disposal destroys them; a declaration is
    # not disposed of with a record, so its key is wrapped by the master key alone.
    if instance.data_key_wrapped is None:
        data_key = crypto.new_data_key()
        if isinstance(instance, Client):
            # The share is stored before the row: a row whose share was never written would be
            # lost, while a share whose row never commits is only an orphan file.
            share = crypto.new_key_share()
            keystore.put(client_uuid, share)
            instance.data_key_master_id, instance.data_key_wrapped = crypto.wrap_split(
                data_key, share, client_uuid=client_uuid
            )
            instance.data_key_split = True
        else:
            instance.data_key_master_id, instance.data_key_wrapped = crypto.wrap(
                data_key, client_uuid=client_uuid
            )
        return data_key
    wrapped = bytes(instance.data_key_wrapped)
    if isinstance(instance, Client) and instance.data_key_split:
        return crypto.unwrap_split(
            wrapped,
            keystore.get(client_uuid),
            master_id=instance.data_key_master_id,
            client_uuid=client_uuid,
        )
    data_key = crypto.unwrap(
        wrapped, master_id=instance.data_key_master_id, client_uuid=client_uuid
    )
    if len(data_key) != 32:
        # A split key read as unsplit (the flag was changed): refuse clearly.
        raise crypto.DecryptionFailed(f"the data key of {client_uuid} is not a key")
    return data_key


class ClientStatus(models.TextChoices):
    REFERRED = "referred", "Referred"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class ReferralSource(models.TextChoices):
    """Who made the referral, as a category. Not personal data (the referrer's name and
    organisation are, and are sealed), so it survives disposal and the statistics count it."""

    SELF = "self", "Self-referral"
    GP = "gp", "GP"
    NHS_OTHER = "nhs_other", "Another NHS service"
    LOCAL_AUTHORITY = "local_authority", "Local authority or social care"
    CRIMINAL_JUSTICE = "criminal_justice", "Police, probation or criminal justice"
    HOUSING = "housing", "Housing provider"
    VOLUNTARY = "voluntary", "Voluntary or community sector"
    FAMILY_FRIEND = "family_friend", "Family or friend"
    OTHER = "other", "Other"


class Client(SealedModel):
    """A client (service user) record: identifiers, referral, appointments, status, flags."""

    reference = models.CharField(
        max_length=20, unique=True, help_text="Confide's own case reference; not personal data."
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="clients")
    status = models.CharField(
        max_length=10, choices=ClientStatus.choices, default=ClientStatus.REFERRED
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Identifiers: encrypted, with blind indexes for exact-match search.
    given_name_sealed = models.BinaryField(default=b"", editable=False)
    family_name_sealed = models.BinaryField(default=b"", editable=False)
    date_of_birth_sealed = models.BinaryField(default=b"", editable=False)
    nhs_number_sealed = models.BinaryField(default=b"", editable=False)
    address_sealed = models.BinaryField(default=b"", editable=False)
    phone_sealed = models.BinaryField(default=b"", editable=False)
    email_sealed = models.BinaryField(default=b"", editable=False)
    nhs_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    name_dob_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # For access monitoring's staff-as-client check: the surname alone, and the postcode.
    family_name_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    postcode_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    # Referral.
    referred_on = models.DateField(default=timezone.localdate)
    referral_source = models.CharField(
        max_length=20,
        choices=ReferralSource.choices,
        blank=True,
        default="",
        help_text="Who referred, as a category; blank on records made before it was asked.",
    )
    referrer_name_sealed = models.BinaryField(default=b"", editable=False)
    referrer_organisation_sealed = models.BinaryField(default=b"", editable=False)
    referrer_contact_sealed = models.BinaryField(default=b"", editable=False)
    referral_reason_sealed = models.BinaryField(default=b"", editable=False)

    # Appointments and closure.
    first_appointment_on = models.DateField(null=True, blank=True)
    first_appointment_attended = models.BooleanField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    # Flags. Confidentiality continues after death, so the deceased flag changes no access.
    deceased = models.BooleanField(default=False)
    deceased_on = models.DateField(null=True, blank=True)
    restricted = models.BooleanField(
        default=False, help_text="For example: address never to be disclosed."
    )
    restricted_reason_sealed = models.BinaryField(default=b"", editable=False)

    # Right to be informed, and the national data opt-out.
    privacy_notice_given_on = models.DateField(null=True, blank=True)
    national_opt_out = models.BooleanField(
        default=False, help_text="The client has registered a national data opt-out."
    )

    # The client's data key, wrapped by a master key kept outside the database and, once split,
    # first by the client's key share in the keystore (records.keystore).
    data_key_wrapped = models.BinaryField(null=True, editable=False)
    data_key_master_id = models.CharField(max_length=20, blank=True, editable=False)
    data_key_split = models.BooleanField(
        default=False,
        editable=False,
        help_text="The data key also needs the client's key share from the keystore.",
    )
    data_key_destroyed_at = models.DateTimeField(null=True, blank=True, editable=False)

    given_name = Sealed["Client"]("given_name_sealed")
    family_name = Sealed["Client"]("family_name_sealed")
    date_of_birth_text = Sealed["Client"]("date_of_birth_sealed")
    nhs_number = Sealed["Client"]("nhs_number_sealed")
    address = Sealed["Client"]("address_sealed")
    phone = Sealed["Client"]("phone_sealed")
    email = Sealed["Client"]("email_sealed")
    referrer_name = Sealed["Client"]("referrer_name_sealed")
    referrer_organisation = Sealed["Client"]("referrer_organisation_sealed")
    referrer_contact = Sealed["Client"]("referrer_contact_sealed")
    referral_reason = Sealed["Client"]("referral_reason_sealed")
    restricted_reason = Sealed["Client"]("restricted_reason_sealed")

    class Meta:
        ordering = ["reference"]
        indexes = [models.Index(fields=["team", "status"], name="client_team_status")]
        permissions = [
            ("work_on_client", "Work on the record as its allocated worker"),
            ("break_glass_client", "Open the record under break-the-glass"),
        ]

    def __str__(self) -> str:
        return self.reference

    # --- Keys ---------------------------------------------------------------------------------

    def sealing_cipher(self) -> AESGCM:
        if self.data_key_destroyed_at is not None:
            raise crypto.KeyDestroyed(f"the data key of client {self.uuid} was destroyed")
        return own_key_cipher(self)

    # --- Derived values -----------------------------------------------------------------------

    @property
    def date_of_birth(self) -> date | None:
        text = self.date_of_birth_text
        return date.fromisoformat(text) if text else None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @property
    def is_disposed(self) -> bool:
        return self.data_key_destroyed_at is not None


class ClientUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's per-user grants on clients, in a table of their own with a real foreign
    key (indexed), instead of guardian's generic table. Only :mod:`records.policy` uses it."""

    content_object = models.ForeignKey(Client, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [
            models.Index(fields=["user", "permission", "content_object"], name="client_uop_user")
        ]


class Allocation(models.Model):
    """A worker allocated to a client's case, and when that ended: the history of the caseload.
    The live grant it gives is held by :mod:`records.policy` in the guardian table."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="allocations")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations"
    )
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "worker"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_allocation_per_worker",
            )
        ]

    def __str__(self) -> str:
        return f"Allocation {self.pk}"


class BreakGlassAccess(SealedModel):
    """Emergency access by someone with no other grant: why, until when, and its review."""

    class Review(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        JUSTIFIED = "justified", "Justified"
        UNJUSTIFIED = "unjustified", "Not justified: referred to the IG lead"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="break_glass")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reason_sealed = models.BinaryField(default=b"", editable=False)
    review = models.CharField(max_length=12, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note_sealed = models.BinaryField(default=b"", editable=False)

    reason = Sealed["BreakGlassAccess"]("reason_sealed")
    review_note = Sealed["BreakGlassAccess"]("review_note_sealed")

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "client", "expires_at"], name="break_glass_live")]

    def __str__(self) -> str:
        return f"Break-the-glass {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.client.sealing_cipher()

    @property
    def is_live(self) -> bool:
        return self.expires_at > timezone.now()


class ConflictDeclaration(SealedModel):
    """A staff member's personal connection to someone who may be a client (003 §7, Appendix A).

    The staff member describes the connection; they are never told whether that person is a
    client. Their line manager links it to the client's record, if there is one, and decides,
    consulting the client where appropriate. A restriction denies the staff member the record
    whatever else would grant it.
    """

    class Decision(models.TextChoices):
        PENDING = "pending", "Waiting for a manager's decision"
        ALLOWED = "allowed", "Access allowed"
        RESTRICTED = "restricted", "Access restricted"
        NO_RECORD = "no_record", "No record held: nothing to restrict"

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conflict_declarations"
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The team whose managers decide it.",
    )
    declared_at = models.DateTimeField(default=timezone.now)
    client = models.ForeignKey(
        Client,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conflict_declarations",
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    client_consulted = models.BooleanField(null=True, blank=True)

    # Sealed under the client's key once linked; before that under a key of the declaration's
    # own (see sealing_cipher), so the text never sits in clear.
    connected_person_sealed = models.BinaryField(default=b"", editable=False)
    nature_sealed = models.BinaryField(default=b"", editable=False)
    measures_sealed = models.BinaryField(default=b"", editable=False)
    decision_reasons_sealed = models.BinaryField(default=b"", editable=False)
    data_key_wrapped = models.BinaryField(null=True, editable=False)
    data_key_master_id = models.CharField(max_length=20, blank=True, editable=False)

    connected_person = Sealed["ConflictDeclaration"]("connected_person_sealed")
    nature = Sealed["ConflictDeclaration"]("nature_sealed")
    measures = Sealed["ConflictDeclaration"]("measures_sealed")
    decision_reasons = Sealed["ConflictDeclaration"]("decision_reasons_sealed")

    class Meta:
        ordering = ["-declared_at"]
        indexes = [
            models.Index(fields=["staff", "client", "decision"], name="conflict_staff_client")
        ]

    def __str__(self) -> str:
        return f"Declaration {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        # A declaration is about a person, not yet a record: it has its own data key, so it
        # survives being linked to (or never linked to) a client.
        return own_key_cipher(self)


class EntryKind(models.TextChoices):
    CONTACT_NOTE = "contact_note", "Contact note"
    CASE_DOCUMENT = "case_document", "Case file document"
    SUPPORT_PLAN = "support_plan", "Support plan"
    RISK_ASSESSMENT = "risk_assessment", "Risk assessment"
    MEETING_RECORD = "meeting_record", "Record of a meeting"
    OTHER_AGENCY = "other_agency", "Information from another agency"
    BENEFITS_RENTS = "benefits_rents", "Benefits and rents information"


class SpecialCategory(models.TextChoices):
    HEALTH = "health", "Health"
    ETHNICITY = "ethnicity", "Racial or ethnic origin"
    RELIGION = "religion", "Religious or philosophical beliefs"
    SEXUALITY = "sexuality", "Sex life or sexual orientation"
    GENETIC = "genetic", "Genetic data"
    BIOMETRIC = "biometric", "Biometric data"
    POLITICAL = "political", "Political opinions"
    UNION = "union", "Trade union membership"
    CRIMINAL = "criminal", "Criminal offence data"


class Entry(SealedModel):
    """One item in a client's record. Its content lives in versions; the entry never changes
    except to point at its newest version."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    current_version = models.ForeignKey(
        "EntryVersion", on_delete=models.PROTECT, null=True, related_name="+", editable=False
    )
    version_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["client", "-created_at"], name="entry_client_time")]

    def __str__(self) -> str:
        return f"Entry {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.client.sealing_cipher()


class EntryVersion(SealedModel):
    """One version of an entry: dated and signed by the system, never edited. An amendment is
    a new version with its reason; the earlier versions stay as they were."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    occurred_on = models.DateField(help_text="When the contact or event took place.")

    title_sealed = models.BinaryField(default=b"", editable=False)
    body_sealed = models.BinaryField(default=b"", editable=False)
    amendment_reason_sealed = models.BinaryField(default=b"", editable=False)

    special_category = models.BooleanField(default=False)
    special_categories = models.JSONField(default=list, blank=True)
    third_party = models.BooleanField(default=False)
    third_party_source_sealed = models.BinaryField(default=b"", editable=False)
    withhold_from_sar = models.BooleanField(default=False)
    withhold_reason_sealed = models.BinaryField(default=b"", editable=False)

    title = Sealed["EntryVersion"]("title_sealed")
    body = Sealed["EntryVersion"]("body_sealed")
    amendment_reason = Sealed["EntryVersion"]("amendment_reason_sealed")
    third_party_source = Sealed["EntryVersion"]("third_party_source_sealed")
    withhold_reason = Sealed["EntryVersion"]("withhold_reason_sealed")

    class Meta:
        ordering = ["entry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="entry_version_number")
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of entry {self.entry_id}"

    def sealing_cipher(self) -> AESGCM:
        return self.entry.client.sealing_cipher()

    def special_category_labels(self) -> list[str]:
        labels: dict[Any, str] = dict(SpecialCategory.choices)
        return [labels.get(code, code) for code in self.special_categories]


class ConsentPurpose(models.TextChoices):
    """What sharing is for. A fixed list, so that "is there consent for this purpose?" has an
    answer; the consent's own wording is kept with it."""

    CARE_COORDINATION = "care_coordination", "Co-ordinating care and support"
    REFERRAL = "referral", "Referral to another service"
    UPDATES_TO_REFERRER = "updates_to_referrer", "Keeping the referrer informed"
    HOUSING = "housing", "Housing and tenancy support"
    BENEFITS = "benefits", "Benefits and rent (e.g. housing benefit)"
    FAMILY_CONTACT = "family_contact", "Keeping family or friends informed"
    OTHER = "other", "Another purpose (described)"


class RecipientCategory(models.TextChoices):
    FAMILY_FRIENDS = "family_friends", "Family and friends"
    GP = "gp", "GP"
    HOUSING_BENEFIT = "housing_benefit", "Housing benefit office"
    LANDLORD = "landlord", "Landlord or housing provider"
    SOCIAL_CARE = "social_care", "Social care"
    HEALTH_SERVICE = "health_service", "Other health service"


class Consent(SealedModel):
    """A client's consent to share: with whom, for what, what information, given by whom and
    how evidenced. Withdrawing keeps the record and says when and why; nothing is deleted."""

    class GivenBy(models.TextChoices):
        CLIENT = "client", "The client"
        DESIGNATED = "designated", "Someone designated to act for the client"

    class Evidence(models.TextChoices):
        SIGNED_FORM = "signed_form", "Signed consent form"
        MULTI_AGENCY_FORM = "multi_agency_form", "Signed multi-agency information-sharing form"
        VERBAL = "verbal", "Verbal, recorded at the time"
        WRITTEN = "written", "Letter or email from the client"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=ConsentPurpose.choices)
    given_by = models.CharField(max_length=12, choices=GivenBy.choices)
    capacity_considered = models.BooleanField(default=False)
    evidence = models.CharField(max_length=20, choices=Evidence.choices)
    given_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_recorded_at = models.DateTimeField(null=True, blank=True)

    purpose_detail_sealed = models.BinaryField(default=b"", editable=False)
    information_sealed = models.BinaryField(default=b"", editable=False)
    given_by_name_sealed = models.BinaryField(default=b"", editable=False)
    evidence_note_sealed = models.BinaryField(default=b"", editable=False)
    withdrawal_note_sealed = models.BinaryField(default=b"", editable=False)

    purpose_detail = Sealed["Consent"]("purpose_detail_sealed")
    information = Sealed["Consent"]("information_sealed")
    given_by_name = Sealed["Consent"]("given_by_name_sealed")
    evidence_note = Sealed["Consent"]("evidence_note_sealed")
    withdrawal_note = Sealed["Consent"]("withdrawal_note_sealed")

    class Meta:
        ordering = ["-given_on", "-recorded_at"]
        indexes = [models.Index(fields=["client", "purpose"], name="consent_client_purpose")]

    def __str__(self) -> str:
        return f"Consent {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.client.sealing_cipher()

    def is_in_force(self, on: date | None = None) -> bool:
        day = on or timezone.localdate()
        return (
            self.given_on <= day
            and (self.withdrawn_on is None or self.withdrawn_on > day)
            and (self.expires_on is None or self.expires_on >= day)
        )


class ConsentRecipient(SealedModel):
    """One recipient a consent covers: a named person or agency, or a category of recipient.
    A multi-agency form is one consent with several named agencies."""

    class Kind(models.TextChoices):
        PERSON = "person", "Named person"
        AGENCY = "agency", "Named agency"
        CATEGORY = "category", "Category of recipient"

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    category = models.CharField(max_length=20, choices=RecipientCategory.choices, blank=True)
    name_sealed = models.BinaryField(default=b"", editable=False)
    name_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    name = Sealed["ConsentRecipient"]("name_sealed")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Recipient {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.consent.client.sealing_cipher()

    @property
    def label(self) -> str:
        if self.kind == self.Kind.CATEGORY:
            return RecipientCategory(self.category).label
        return self.name


class Challenge(SealedModel):
    """A client's challenge to the accuracy of an entry (002; right to rectification). It ends
    either with a corrected version of the entry, or with the client's view noted beside it and
    the reasons for not altering it. Either way it stays shown with the entry."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        CORRECTED = "corrected", "Entry corrected"
        NOT_ALTERED = "not_altered", "Not altered: the client's view is noted"

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="challenges")
    raised_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    corrected_version = models.ForeignKey(
        EntryVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    client_view_sealed = models.BinaryField(default=b"", editable=False)
    decision_note_sealed = models.BinaryField(default=b"", editable=False)

    client_view = Sealed["Challenge"]("client_view_sealed")
    decision_note = Sealed["Challenge"]("decision_note_sealed")

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return f"Challenge {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.entry.client.sealing_cipher()


class OffSiteRequest(SealedModel):
    """A request to take a client's records out of the office (002): what, why, until when and how
    they will be kept safe; a manager of the record's team approves or refuses, and the return is
    recorded."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a manager"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        RETURNED = "returned", "Returned"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="off_site_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    leave_on = models.DateField()
    return_by = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    what_sealed = models.BinaryField(default=b"", editable=False)
    purpose_sealed = models.BinaryField(default=b"", editable=False)
    safeguards_sealed = models.BinaryField(default=b"", editable=False)
    decision_note_sealed = models.BinaryField(default=b"", editable=False)

    what = Sealed["OffSiteRequest"]("what_sealed")
    purpose = Sealed["OffSiteRequest"]("purpose_sealed")
    safeguards = Sealed["OffSiteRequest"]("safeguards_sealed")
    decision_note = Sealed["OffSiteRequest"]("decision_note_sealed")

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["client", "status"], name="offsite_client_status")]

    def __str__(self) -> str:
        return f"Off-site request {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.client.sealing_cipher()


class Attachment(SealedModel):
    """A document attached to an entry (a case file document). The file is kept outside the web
    root, encrypted under the client's data key and bound to this row, and is served only through
    an access-checked, audited view. Like entries, attachments are permanent."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="attachments")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)
    filename_sealed = models.BinaryField(default=b"", editable=False)

    filename = Sealed["Attachment"]("filename_sealed")

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"Attachment {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.entry.client.sealing_cipher()
