"""Reads for retention: a record's class and due date, the run log, holds due for review."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from records.models import Client
from retention.models import (
    DisposalCertificate,
    DisposalReview,
    LegalHold,
    RecordRetention,
    RetentionClass,
    SweepRun,
    Trigger,
)
from retention.schedule import due_on


def default_class() -> RetentionClass:
    return RetentionClass.objects.get(is_default=True)


def class_of(client: Client, *, default: RetentionClass | None = None) -> RetentionClass:
    """The record's class: the one assigned to it, or the default."""
    try:
        return client.retention.retention_class
    except RecordRetention.DoesNotExist:
        return default if default is not None else default_class()


def due_date(client: Client, retention_class: RetentionClass | None = None) -> date | None:
    """When the record falls due for disposal review. A birthday class reads the sealed date of
    birth, so only a class that needs it decrypts anything."""
    retention_class = retention_class or class_of(client)
    date_of_birth = client.date_of_birth if retention_class.trigger == Trigger.BIRTHDAY else None
    return due_on(
        retention_class,
        closed_on=client.closed_on,
        date_of_birth=date_of_birth,
        deceased_on=client.deceased_on if client.deceased else None,
    )


def latest_runs(limit: int = 10) -> QuerySet[SweepRun]:
    return SweepRun.objects.select_related("requested_by").order_by("-started_at")[:limit]


def holds_due_for_review(on: date | None = None) -> QuerySet[LegalHold]:
    on = on or timezone.localdate()
    return LegalHold.objects.filter(lifted_at__isnull=True, review_on__lte=on).select_related(
        "client", "placed_by"
    )


def certificates() -> QuerySet[DisposalCertificate]:
    return DisposalCertificate.objects.select_related("approved_by", "confirmed_by")


def review_history(client: Client) -> QuerySet[DisposalReview]:
    return client.disposal_reviews.select_related("decided_by", "confirmed_by").order_by(
        "-flagged_at"
    )
