"""Access monitoring (DESIGN §6; policy 000 §4.3, §5.2): the data team's rules over the audit
trail, the findings they raise, and the daily rollups that reports and baselines read.

Findings name staff and case references, never clinical content; the data team's review notes
are sealed under the finding's own key. Rollups hold counts per day, person, team, action and
access reason, so a month's report need not read the raw trail.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Team
from records.crypto import Sealed
from records.models import Client, SealedModel, own_key_cipher


class RuleKind(models.TextChoices):
    OUTSIDE_ALLOCATION = "outside_allocation", "Access outside the person's allocation or team"
    BREAK_GLASS = "break_glass", "Break-the-glass use"
    AFTER_HOURS = "after_hours", "Access outside working hours"
    RESTRICTED = "restricted", "Access to a restricted record"
    STAFF_CONNECTION = "staff_connection", "Access to a record the person is connected to"
    VOLUME = "volume", "Unusual volume against the person's own baseline"
    BULK = "bulk", "Many records viewed within minutes"
    DENIED = "denied", "Attempts refused"


class Rule(models.Model):
    """One named monitoring rule and its parameters; edited in Django admin (audited)."""

    kind = models.CharField(max_length=30, choices=RuleKind.choices, unique=True, editable=False)
    name = models.CharField(max_length=120)
    description = models.TextField(help_text="What the rule looks for, and why.")
    enabled = models.BooleanField(default=True)
    parameters = models.JSONField(
        default=dict,
        blank=True,
        help_text="The rule's settings; any left out take their defaults (listed below).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FindingStatus(models.TextChoices):
    OPEN = "open", "Waiting for review"
    LEGITIMATE = "legitimate", "Legitimate"
    FOLLOW_UP = "follow_up", "Needs follow-up"
    SUSPECTED_BREACH = "suspected_breach", "Suspected breach"


class Finding(SealedModel):
    """What a rule found in one day's trail about one member of staff (and, for most rules, one
    record), with the events that are its evidence, and the data team's review."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="findings")
    key = models.CharField(
        max_length=200, unique=True, help_text="Rule, person, day and record: raised once."
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_findings"
    )
    day = models.DateField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    clients = models.ManyToManyField(Client, blank=True, related_name="access_findings")
    event_count = models.PositiveIntegerField()
    evidence = models.JSONField(
        default=dict,
        help_text="The audit events found (their sequence numbers) and the rule's figures.",
    )
    summary = models.CharField(max_length=200)
    raised_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(
        max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_notes_sealed = models.BinaryField(default=b"", editable=False)
    breach = models.ForeignKey(
        "breaches.Breach",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_findings",
    )
    data_key_wrapped = models.BinaryField(null=True, editable=False)
    data_key_master_id = models.CharField(max_length=20, blank=True, editable=False)

    review_notes = Sealed["Finding"]("review_notes_sealed")

    class Meta:
        ordering = ["-day", "-pk"]
        indexes = [
            models.Index(fields=["status", "-day"], name="finding_by_status"),
            models.Index(fields=["subject", "-day"], name="finding_by_subject"),
            models.Index(fields=["day", "rule"], name="finding_by_day"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"AF-{self.pk:06d}" if self.pk else "AF-new"

    def sealing_cipher(self) -> AESGCM:
        # Not a record's key: a finding outlives the records it names, and is about staff.
        return own_key_cipher(self)


class EvaluatedDay(models.Model):
    """One day of the trail that the nightly job has evaluated and rolled up: the job's cursor.
    Each is written in the same transaction as that day's findings and rollups."""

    day = models.DateField(unique=True)
    evaluated_at = models.DateTimeField(default=timezone.now)
    events = models.PositiveIntegerField()
    findings = models.PositiveIntegerField()

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} evaluated"


class UserDay(models.Model):
    """How many distinct records a person opened on a day: the volume rule's baseline."""

    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    records = models.PositiveIntegerField()
    events = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_user_day"),
        ]
        indexes = [models.Index(fields=["day"], name="userday_by_day")]

    def __str__(self) -> str:
        return f"user {self.user_id} on {self.day}"


class AccessCount(models.Model):
    """Accesses to client records on a day, by person, the record's team, action, access reason
    and outcome: the rollup a month's report reads instead of the raw trail."""

    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64)
    reason = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=16)
    events = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="accesscount_by_day")]

    def __str__(self) -> str:
        return f"{self.events} x {self.action} on {self.day}"


class MonthlyReport(models.Model):
    """The access report for a calendar month, made by the scheduled job for the IG lead (000
    §5.2: the data team report to the IG manager regularly). Its figures are kept as made."""

    month = models.DateField(unique=True, help_text="The month's first day.")
    made_at = models.DateTimeField(default=timezone.now)
    figures = models.JSONField()

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"Access report for {self.month:%B %Y}"
