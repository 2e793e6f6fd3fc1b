from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from base64 import b32encode
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from accounts import crypto


class Role(models.TextChoices):
    """The roles of DESIGN.md. Each is a Django group, created by a data migration."""

    PRACTITIONER = "practitioner", "Practitioner"
    ADMIN_STAFF = "admin_staff", "Administration team"
    MANAGER = "manager", "Service manager"
    DATA_TEAM = "data_team", "Data team"
    IG_LEAD = "ig_lead", "Information Governance lead"
    CALDICOTT_GUARDIAN = "caldicott_guardian", "Caldicott Guardian"


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    service = models.CharField(
        max_length=120,
        blank=True,
        help_text="The service this team delivers, e.g. Talking therapies.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Staff details are confidential too (003): only a keyed hash of the home postcode is kept,
    # for access monitoring to notice a member of staff opening a record at their own address.
    home_postcode_index = models.CharField(max_length=64, blank=True, editable=False)

    @property
    def role_names(self) -> frozenset[str]:
        """The DESIGN.md roles this user holds (Django group names), read once per instance."""
        cached: frozenset[str] | None = getattr(self, "_role_names", None)
        if cached is None:
            valid = set(Role.values)
            cached = frozenset(n for n in self.groups.values_list("name", flat=True) if n in valid)
            self._role_names = cached
        return cached

    def has_role(self, role: Role) -> bool:
        return role.value in self.role_names

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.get_username()


class UserSession(models.Model):
    """Which server-side sessions belong to whom, so that disabling an account or resetting its
    second factor can end them all."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"session of user {self.user_id} from {self.created_at:%Y-%m-%d %H:%M}"


class PasswordHistory(models.Model):
    """Hashes of a user's earlier passwords, so that recent ones cannot be used again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "password history"

    def __str__(self) -> str:
        return f"earlier password of user {self.user_id}"


class ConfidentialityPolicy(models.Model):
    """A version of the organisation's confidentiality policy that staff must acknowledge."""

    version = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    text = models.TextField(
        help_text="The declaration staff read and sign. Blank lines separate paragraphs."
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Staff must acknowledge the newest published version before they go on. "
        "Leave empty while drafting.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name_plural = "confidentiality policies"

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class PolicyAcknowledgement(models.Model):
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="policy_acknowledgements")
    policy = models.ForeignKey(
        ConfidentialityPolicy, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "policy"], name="one_acknowledgement_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.policy} on {self.acknowledged_at:%Y-%m-%d}"


class Notification(models.Model):
    """Something that needs a member of staff, for them to see in Confide. Written only by
    accounts.notifications.notify.

    Its message is short generic text and its url a path inside Confide: neither may carry
    personal data, because the page that lists them is not audited as a record is.
    """

    KEY_MAX_LENGTH = 200
    MESSAGE_MAX_LENGTH = 200
    URL_MAX_LENGTH = 500

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The indexes below lead with the user, so the foreign key needs none of its own.
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    key = models.CharField(
        max_length=KEY_MAX_LENGTH,
        help_text="What the notification is about, e.g. sar-due:<case id>:7. A user is told "
        "about each key once.",
    )
    message = models.CharField(max_length=MESSAGE_MAX_LENGTH)
    url = models.CharField(max_length=URL_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_key")
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_by_user"),
            # The header counts a user's unread notifications on every page.
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"notification {self.uuid} for user {self.user_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


# --- Second factors ---------------------------------------------------------------------------
# django-otp's own TOTP and static-token models keep secrets and backup codes in clear; these keep
# the TOTP secret encrypted (keys outside the database) and backup codes only as digests.


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    encrypted_key = models.TextField(editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, "6"), (8, "8")], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(
        default=-1, help_text="Time step of the last accepted code; a code is never accepted twice."
    )

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    @classmethod
    def new_for(cls, user: User, *, name: str = "Authenticator app") -> TOTPDevice:
        device = cls(user=user, name=name, confirmed=False)
        device.set_key(secrets.token_bytes(20))
        return device

    def set_key(self, key: bytes) -> None:
        self.encrypted_key = crypto.encrypt(key.hex())

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(crypto.decrypt(self.encrypted_key))

    @property
    def base32_key(self) -> str:
        return b32encode(self.bin_key).decode().rstrip("=")

    @property
    def config_url(self) -> str:
        issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
        label = f"{issuer}:{self.user.get_username()}"
        params = urlencode(
            {
                "secret": self.base32_key,
                "digits": self.digits,
                "period": self.step,
                "issuer": issuer,
            }
        )
        return f"otpauth://totp/{quote(label)}?{params}"

    def current_token(self) -> str:
        """The code an authenticator app shows now (demo mode and tests)."""
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        return f"{totp.token():0{self.digits}d}"

    def verify_token(self, token: Any) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            number = int(str(token).strip())
        except ValueError:
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = bool(totp.verify(number, self.tolerance, self.last_t + 1))
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return int(settings.OTP_THROTTLE_FACTOR)


def backup_code_digest(code: str) -> str:
    # Backup codes are 50 random bits; a fast digest is enough to make a leaked table useless
    # and keeps checking ten codes cheap. Spaces, hyphens and case are forgiven.
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


class BackupCodeDevice(ThrottlingMixin, Device):
    class Meta(Device.Meta):
        verbose_name = "backup codes"

    def verify_token(self, token: Any) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        # Deleting by digest is the claim: of two requests racing with one code, one deletes it.
        deleted, _ = self.codes.filter(digest=backup_code_digest(str(token))).delete()
        if deleted:
            self.throttle_reset(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=True)
        return False

    def get_throttle_factor(self) -> int:
        return int(settings.OTP_THROTTLE_FACTOR)


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["device", "digest"], name="backupcode_lookup")]

    def __str__(self) -> str:
        return "backup code (stored as a digest)"


# --- Audit trail ----------------------------------------------------------------------------------


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "Allowed / succeeded"
    FAILURE = "failure", "Failed"
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    """One row of the append-only, hash-chained audit trail. Written only by accounts.audit.

    Rows name objects by type and id and never copy personal data into the trail, so disposing of
    a record later leaves its audit events pseudonymous without touching them.
    """

    # The chain's own sequence is the key. On PostgreSQL the table is partitioned by month on
    # occurred_at (accounts.partitions), so there the key is (seq, occurred_at): the database
    # cannot hold a key across partitions, and the chain head's lock keeps seq unique.
    seq = models.PositiveBigIntegerField(primary_key=True, editable=False)
    occurred_at = models.DateTimeField(editable=False)
    # audit_by_actor below leads with the actor, so the foreign key needs no index of its own.
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,
    )
    action = models.CharField(max_length=64, editable=False)
    outcome = models.CharField(max_length=16, choices=AuditOutcome.choices, editable=False)
    object_type = models.CharField(max_length=64, blank=True, editable=False)
    object_id = models.CharField(max_length=64, blank=True, editable=False)
    reason = models.TextField(blank=True, editable=False)
    detail = models.JSONField(default=dict, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    key_id = models.CharField(max_length=16, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-seq"], name="audit_by_object"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_by_actor"),
            models.Index(fields=["action", "-occurred_at"], name="audit_by_action"),
            models.Index(fields=["occurred_at"], name="audit_by_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} ({self.outcome})"


class AuditChainHead(models.Model):
    """The last link of the chain: one row, locked by each writer so the chain never forks."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "audit chain head"

    def __str__(self) -> str:
        return f"audit chain head at event {self.seq}"


class AuditArchive(models.Model):
    """Where the chain stood when a month's partition left the live database (detached for the
    operator to dump and keep offline): verification of the rest starts from here."""

    partition = models.CharField(max_length=63, unique=True)
    month = models.DateField()
    events = models.PositiveBigIntegerField()
    first_seq = models.PositiveBigIntegerField(null=True, blank=True)
    last_seq = models.PositiveBigIntegerField(
        help_text="The chain's last event up to and including this month."
    )
    last_hash = models.CharField(max_length=64)
    detached_at = models.DateTimeField(default=timezone.now)
    detached_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["month"]
        verbose_name = "archived audit month"

    def __str__(self) -> str:
        return f"audit events of {self.month:%B %Y} (detached)"
