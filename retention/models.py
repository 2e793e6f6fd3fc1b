"""Retention classes, each record's class, and legal holds: the retention schedule as data.

A class says how long a client record is kept and from what: so many years after the case
closes (the default, 8 years: policy 000 §5), or until a birthday (children's records to the
25th), with a shorter period after death where the class gives one. A record belongs to the
default class unless it is assigned another. A legal hold (material to legal proceedings, an
inquiry, a complaint, arrears) keeps a record past its date until the hold is lifted.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models
from django.utils import timezone

from records.crypto import Sealed
from records.models import Client, SealedModel


class Trigger(models.TextChoices):
    CASE_CLOSED = "case_closed", "Years after the case closes (treatment ends)"
    BIRTHDAY = (
        "birthday",
        "Until the person's birthday of that age, and at least until the case closes",
    )


class RetentionClass(models.Model):
    """How long a kind of client record is kept. Organisational data, kept in clear; managed in
    Django admin and audited there."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(
        blank=True, help_text="Where the period comes from, e.g. the Records Management Code."
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    years = models.PositiveSmallIntegerField(
        help_text="Years after the case closes; or, for a birthday, the age."
    )
    years_after_death = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="If the person has died: keep this many years after death, when that is sooner.",
    )
    is_default = models.BooleanField(
        default=False, help_text="The class of every record not assigned another."
    )
    active = models.BooleanField(default=True, help_text="Offered for new assignments.")

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name_plural = "retention classes"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_retention_class",
            ),
            models.CheckConstraint(
                condition=models.Q(years__gte=1), name="retention_years_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RecordRetention(models.Model):
    """A client record's retention class, when it is not the default."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="retention")
    retention_class = models.ForeignKey(
        RetentionClass, on_delete=models.PROTECT, related_name="records"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Retention of client {self.client_id}"


class LegalHold(SealedModel):
    """Keeps a record past its retention date, for a reason, until reviewed and lifted."""

    class Reason(models.TextChoices):
        LEGAL_PROCEEDINGS = "legal_proceedings", "Material to legal proceedings"
        INQUIRY = "inquiry", "An inquiry or investigation"
        COMPLAINT = "complaint", "A complaint"
        ARREARS = "arrears", "Arrears"
        OTHER = "other", "Otherwise justified (say why)"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now, editable=False)
    review_on = models.DateField(help_text="When the hold must next be reviewed.")
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    detail_sealed = models.BinaryField(default=b"", editable=False)
    lift_reason_sealed = models.BinaryField(default=b"", editable=False)

    detail = Sealed["LegalHold"]("detail_sealed")
    lift_reason = Sealed["LegalHold"]("lift_reason_sealed")

    class Meta:
        ordering = ["-placed_at"]
        indexes = [
            models.Index(
                fields=["client"],
                name="legal_hold_live",
                condition=models.Q(lifted_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"Legal hold {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.client.sealing_cipher()

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None
