from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Team


class ClientStatus(models.TextChoices):
    REFERRED = "referred", "Referred"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class Client(models.Model):
    """A client (service user) record: so far its reference, team, status and allocation.

    Identifiers and entries arrive with the records issue, encrypted under a per-record key.
    """

    reference = models.CharField(
        max_length=20, unique=True, help_text="Confide's own reference; not personal data."
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="clients")
    status = models.CharField(
        max_length=10, choices=ClientStatus.choices, default=ClientStatus.REFERRED
    )
    referred_on = models.DateField(default=timezone.localdate)
    allocated_workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="allocated_clients"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["reference"]
        indexes = [models.Index(fields=["team", "status"], name="client_team_status")]

    def __str__(self) -> str:
        return self.reference
