"""The personal-data breach register (000 §6, 001 §2.12, 004 Appendix F).

A breach (or a near miss) is reported by anyone, then worked through in order: an investigating
officer assigned by the IG lead, containment, the risk assessment with its two decisions (report
to the ICO? tell the people affected?), the ICO notification within 72 hours of the organisation
becoming aware, telling the people affected, lessons learned, closure. Each step keeps who and
when.

What the report and the investigation say in their own words (what happened, the staff involved,
the risks, the reasons) can name people, so it is sealed under the breach's own data key, wrapped
by the master key like a client's (:mod:`records.crypto`): only the breach's pages, for those
:mod:`breaches.policy` lets see it, ever show it. The plain columns (kind, category, dates,
decisions) are what the IG group's report counts, and carry no personal data.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models
from django.utils import timezone

from disclosures.models import Release
from records import crypto
from records.crypto import Sealed
from records.models import Client, SealedModel

# UK GDPR Article 33: notify the ICO within 72 hours of becoming aware, where the breach is
# likely to risk people's rights and freedoms. The law's figure, not a setting.
ICO_DEADLINE = timedelta(hours=72)


class Kind(models.TextChoices):
    """The three kinds of personal-data breach (ICO; 004 Appendix F)."""

    CONFIDENTIALITY = (
        "confidentiality",
        "Confidentiality: seen by, or sent to, someone who should not have it",
    )
    INTEGRITY = "integrity", "Integrity: changed without permission"
    AVAILABILITY = "availability", "Availability: lost, destroyed or out of reach"


class Category(models.TextChoices):
    """What happened (000 §6's list of examples)."""

    UNAUTHORISED_ACCESS = "unauthorised_access", "Access by an unauthorised party"
    WRONG_RECIPIENT = "wrong_recipient", "Sent to the wrong recipient"
    LOST_OR_STOLEN = "lost_or_stolen", "Device or papers lost or stolen"
    ALTERATION = "alteration", "Altered without permission"
    LOSS_OF_AVAILABILITY = "loss_of_availability", "Loss of availability"


class DataFormat(models.TextChoices):
    ELECTRONIC = "electronic", "Electronic: a system, an e-mail or a file"
    DEVICE = "device", "On a device or removable media: laptop, phone, memory stick"
    PAPER = "paper", "Paper"
    VERBAL = "verbal", "Spoken"


class Protection(models.TextChoices):
    ENCRYPTED = "encrypted", "Encrypted"
    PROTECTED = "protected", "Otherwise protected (password, locked case, sealed envelope)"
    UNPROTECTED = "unprotected", "Not protected"
    UNKNOWN = "unknown", "Not known yet"


class Affected(models.TextChoices):
    CLIENTS = "clients", "Clients (service users)"
    STAFF = "staff", "Staff"
    CLIENTS_AND_STAFF = "clients_and_staff", "Clients and staff"
    OTHERS = "others", "Other people (relatives, members of the public)"


class Sensitivity(models.TextChoices):
    BASIC = "basic", "Basic details: names, contact details"
    CONFIDENTIAL = "confidential", "Confidential case information"
    SPECIAL_CATEGORY = (
        "special_category",
        "Special-category or criminal-offence information: health, sexuality, ethnicity, "
        "religion, offences",
    )


class Level(models.TextChoices):
    """Likelihood and severity, in the risk assessment."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


LEVEL_SCORE = {Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3}


class Status(models.TextChoices):
    """Where the breach is in its workflow; each is reached only from the one before it."""

    REPORTED = "reported", "Reported: waiting for an investigating officer"
    ASSIGNED = "assigned", "Being investigated: waiting for containment"
    CONTAINED = "contained", "Contained: waiting for the risk assessment"
    ASSESSED = "assessed", "Risk assessed"
    ICO_NOTIFIED = "ico_notified", "ICO notified"
    PEOPLE_TOLD = "people_told", "People affected told"
    LESSONS_LEARNED = "lessons_learned", "Lessons learned: ready to close"
    CLOSED = "closed", "Closed"


class Breach(SealedModel):
    """One report of an actual or suspected personal-data breach, or a near miss."""

    # --- The report ----------------------------------------------------------------------------
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now, editable=False)
    aware_at = models.DateTimeField(
        help_text="When the organisation became aware: the 72-hour clock runs from here."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    category = models.CharField(max_length=25, choices=Category.choices)
    near_miss = models.BooleanField(default=False)
    urgent_safety = models.BooleanField(
        default=False, help_text="Someone's immediate safety may be at risk (004 Appendix F)."
    )
    data_format = models.CharField(max_length=12, choices=DataFormat.choices)
    protection = models.CharField(max_length=12, choices=Protection.choices)
    affected = models.CharField(max_length=20, choices=Affected.choices)
    records_count = models.PositiveIntegerField(help_text="How many records, roughly.")
    sensitivity = models.CharField(max_length=20, choices=Sensitivity.choices)
    stolen = models.BooleanField(default=False)
    clients = models.ManyToManyField(
        Client,
        blank=True,
        related_name="breaches",
        help_text="The records affected, as linked by the reporter among those they may open.",
    )
    release = models.ForeignKey(
        Release,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="breaches",
        help_text="The disclosure log entry whose release caused the breach, if any.",
    )

    # --- The workflow --------------------------------------------------------------------------
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REPORTED)
    investigating_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    contained_at = models.DateTimeField(null=True, blank=True)
    contained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    likelihood = models.CharField(max_length=6, choices=Level.choices, blank=True)
    severity = models.CharField(max_length=6, choices=Level.choices, blank=True)
    notify_ico = models.BooleanField(null=True, blank=True)
    tell_people = models.BooleanField(null=True, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ico_notified_at = models.DateTimeField(null=True, blank=True)
    ico_reference = models.CharField(max_length=60, blank=True)
    ico_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ico_recorded_at = models.DateTimeField(null=True, blank=True)
    people_told_at = models.DateTimeField(null=True, blank=True)
    people_told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lessons_at = models.DateTimeField(null=True, blank=True)
    lessons_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # --- Sealed text ---------------------------------------------------------------------------
    what_data_sealed = models.BinaryField(default=b"", editable=False)
    record_types_sealed = models.BinaryField(default=b"", editable=False)
    risks_sealed = models.BinaryField(default=b"", editable=False)
    recovery_steps_sealed = models.BinaryField(default=b"", editable=False)
    crime_number_sealed = models.BinaryField(default=b"", editable=False)
    what_happened_sealed = models.BinaryField(default=b"", editable=False)
    staff_involved_sealed = models.BinaryField(default=b"", editable=False)
    ongoing_risk_sealed = models.BinaryField(default=b"", editable=False)
    containment_sealed = models.BinaryField(default=b"", editable=False)
    ico_reasons_sealed = models.BinaryField(default=b"", editable=False)
    tell_reasons_sealed = models.BinaryField(default=b"", editable=False)
    late_reason_sealed = models.BinaryField(default=b"", editable=False)
    people_told_how_sealed = models.BinaryField(default=b"", editable=False)
    lessons_sealed = models.BinaryField(default=b"", editable=False)
    closing_note_sealed = models.BinaryField(default=b"", editable=False)

    what_data = Sealed["Breach"]("what_data_sealed")
    record_types = Sealed["Breach"]("record_types_sealed")
    risks = Sealed["Breach"]("risks_sealed")
    recovery_steps = Sealed["Breach"]("recovery_steps_sealed")
    crime_number = Sealed["Breach"]("crime_number_sealed")
    what_happened = Sealed["Breach"]("what_happened_sealed")
    staff_involved = Sealed["Breach"]("staff_involved_sealed")
    ongoing_risk = Sealed["Breach"]("ongoing_risk_sealed")
    containment = Sealed["Breach"]("containment_sealed")
    ico_reasons = Sealed["Breach"]("ico_reasons_sealed")
    tell_reasons = Sealed["Breach"]("tell_reasons_sealed")
    late_reason = Sealed["Breach"]("late_reason_sealed")
    people_told_how = Sealed["Breach"]("people_told_how_sealed")
    lessons = Sealed["Breach"]("lessons_sealed")
    closing_note = Sealed["Breach"]("closing_note_sealed")

    # The breach's own data key, wrapped by a master key kept outside the database.
    data_key_wrapped = models.BinaryField(null=True, editable=False)
    data_key_master_id = models.CharField(max_length=20, blank=True, editable=False)

    class Meta:
        ordering = ["-aware_at"]
        verbose_name_plural = "breaches"
        indexes = [
            models.Index(fields=["status", "aware_at"], name="breach_status_aware"),
            models.Index(fields=["aware_at"], name="breach_aware"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ico_notified_at__isnull=True) | models.Q(notify_ico=True),
                name="breach_ico_notified_only_if_reportable",
            ),
            models.CheckConstraint(
                condition=models.Q(people_told_at__isnull=True) | models.Q(tell_people=True),
                name="breach_people_told_only_if_decided",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def sealing_cipher(self) -> AESGCM:
        """The breach's own key: made on first use, unwrapped once per instance."""
        cipher: AESGCM | None = self.__dict__.get("_cipher")
        if cipher is None:
            if self.data_key_wrapped is None:
                data_key = crypto.new_data_key()
                self.data_key_master_id, self.data_key_wrapped = crypto.wrap(
                    data_key, client_uuid=str(self.uuid)
                )
            else:
                data_key = crypto.unwrap(
                    bytes(self.data_key_wrapped),
                    master_id=self.data_key_master_id,
                    client_uuid=str(self.uuid),
                )
            cipher = AESGCM(data_key)
            self.__dict__["_cipher"] = cipher
        return cipher

    # --- Derived values ------------------------------------------------------------------------

    @property
    def reference(self) -> str:
        """The breach's reference, e.g. BR-12: what notifications and the IG report name."""
        return f"BR-{self.pk}" if self.pk else "BR-new"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def ico_due_at(self) -> datetime:
        return self.aware_at + ICO_DEADLINE

    @property
    def ico_pending(self) -> bool:
        """The 72-hour clock is running: open, the ICO not yet told, and not decided "not
        reportable"."""
        return self.is_open and self.ico_notified_at is None and self.notify_ico is not False

    @property
    def ico_time_left(self) -> timedelta | None:
        """Time left to notify the ICO (negative once overdue); None with no running clock."""
        return self.ico_due_at - timezone.now() if self.ico_pending else None

    @property
    def ico_late(self) -> bool | None:
        """Whether the ICO was told after the 72 hours; None if it has not been told."""
        if self.ico_notified_at is None:
            return None
        return self.ico_notified_at > self.ico_due_at

    @property
    def risk_level(self) -> Level | None:
        """Likelihood times severity: high at 6 or more, medium at 3 or more, else low."""
        if not self.likelihood or not self.severity:
            return None
        score = LEVEL_SCORE[Level(self.likelihood)] * LEVEL_SCORE[Level(self.severity)]
        return Level.HIGH if score >= 6 else Level.MEDIUM if score >= 3 else Level.LOW
