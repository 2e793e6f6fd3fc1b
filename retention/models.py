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


class SweepRun(models.Model):
    """One run of a scheduled retention job: when, how far it got, what it did. A run killed
    part-way is left ``running`` with a stale heartbeat, and the next run of the job takes it
    over from its cursor, so nothing is examined twice or missed."""

    class Job(models.TextChoices):
        SWEEP = "sweep", "Nightly sweep: flag records due for disposal review"
        REMINDER = "reminder", "Reminder of reviews waiting and holds to review"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    job = models.CharField(max_length=10, choices=Job.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The sweep walks the closed records in primary-key order; the cursor is the last one done.
    cursor = models.BigIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    examined = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    # Record references and exception names only, never personal data.
    error_detail = models.TextField(blank=True)
    resumed = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["job"],
                condition=models.Q(status="running"),
                name="one_running_retention_job",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_job_display()} started {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.FINISHED or not self.total:
            return 100 if self.status == self.Status.FINISHED else 0
        return min(100, self.examined * 100 // self.total)


class DisposalReview(SealedModel):
    """A record due for disposal (or asked to be erased), and what was decided: keep it until a
    new review date, hold it, or destroy it. Destruction needs the IG lead; a large or restricted
    record needs a second person's confirmation too."""

    class Origin(models.TextChoices):
        SCHEDULE = "schedule", "Retention period ended"
        ERASURE = "erasure", "Erasure request agreed"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for review"
        CONFIRMING = "confirming", "Destruction approved: waiting for a second person"
        KEPT = "kept", "Kept until a new review date"
        HELD = "held", "Kept under a legal hold"
        DESTROYED = "destroyed", "Destroyed"

    OPEN = (Status.WAITING, Status.CONFIRMING)

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="disposal_reviews")
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.SCHEDULE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.WAITING)
    flagged_at = models.DateTimeField(default=timezone.now)
    run = models.ForeignKey(
        SweepRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    erasure_case = models.ForeignKey(
        "disclosures.DisclosureCase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disposal_reviews",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    reason_sealed = models.BinaryField(default=b"", editable=False)
    reason = Sealed["DisposalReview"]("reason_sealed")

    class Meta:
        ordering = ["flagged_at", "pk"]
        constraints = [
            # The sweep's idempotence rests on this: one open review per record, whoever runs.
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(status__in=["waiting", "confirming"]),
                name="one_open_disposal_review",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="kept") | models.Q(next_review_on__isnull=False),
                name="kept_review_has_next_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "flagged_at"], name="disposal_review_queue"),
            # The sweep's candidate query skips records kept past today: without this it reads
            # every review of every record to find the few "keep" decisions.
            models.Index(
                fields=["client", "next_review_on"],
                condition=models.Q(status="kept"),
                name="disposal_review_kept",
            ),
        ]

    def __str__(self) -> str:
        return f"Disposal review {self.uuid}"

    def sealing_cipher(self) -> AESGCM:
        return self.client.sealing_cipher()

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class DisposalMethod(models.TextChoices):
    CRYPTO_SHRED = (
        "crypto_shred",
        "Electronic record: personal data deleted and its data key destroyed",
    )
    PAPER = "paper", "Paper records: destroyed by a confidential-waste contractor"


class DisposalCertificate(models.Model):
    """Proof that a record was destroyed, kept for good and holding no personal data: the
    record's Confide reference, its class and dates, who approved, and how. The database refuses
    to change or delete a certificate (migration 0004)."""

    method = models.CharField(max_length=15, choices=DisposalMethod.choices)
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    record_reference = models.CharField(max_length=40, blank=True)
    team_name = models.CharField(max_length=120, blank=True)
    retention_class = models.CharField(max_length=120, blank=True)
    origin = models.CharField(max_length=10, choices=DisposalReview.Origin.choices, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    destroyed_on = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)
    entries_destroyed = models.PositiveIntegerField(default=0)
    documents_destroyed = models.PositiveIntegerField(default=0)
    # Paper records.
    contractor = models.CharField(max_length=200, blank=True)
    contractor_certificate = models.CharField(max_length=100, blank=True)
    description = models.TextField(
        blank=True, help_text="What was destroyed, without personal data: e.g. '3 archive boxes'."
    )

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"DC-{self.pk:06d}"
