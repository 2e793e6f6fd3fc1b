"""Writes for retention and disposal. Each is one atomic action that checks who may do it (with
:mod:`retention.policy`), validates, saves and writes its audit event in the same transaction."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from records.models import Client
from retention import policy
from retention.actions import RetentionAction
from retention.destruction import record_destroy
from retention.errors import HoldInForce, NotPermitted, RetentionError, ReviewMoved
from retention.models import (
    DisposalCertificate,
    DisposalMethod,
    DisposalReview,
    LegalHold,
    RecordRetention,
    RetentionClass,
)


def _future(day: date, what: str) -> None:
    if day <= timezone.localdate():
        raise RetentionError(f"The {what} must be after today")


def _reason(text: str, what: str = "the reason") -> str:
    text = text.strip()
    if not text:
        raise RetentionError(f"Give {what}")
    return text


# --- A record's class and holds ---------------------------------------------------------------


def record_class_assign(
    *,
    actor: User,
    client: Client,
    retention_class: RetentionClass,
    reason: str,
    request: HttpRequest | None = None,
) -> None:
    """Put the record in a retention class (the default class removes any assignment)."""
    if not policy.may_see_record_retention(actor, client) or client.is_disposed:
        raise NotPermitted("Only the IG lead assigns a record's retention class")
    if not retention_class.active and not retention_class.is_default:
        raise RetentionError("That class is no longer in use: choose another")
    reason = _reason(reason)
    with transaction.atomic():
        if retention_class.is_default:
            RecordRetention.objects.filter(client=client).delete()
        else:
            RecordRetention.objects.update_or_create(
                client=client,
                defaults={
                    "retention_class": retention_class,
                    "assigned_by": actor,
                    "assigned_at": timezone.now(),
                },
            )
        audit_log(
            action=RetentionAction.CLASS_ASSIGNED,
            actor=actor,
            target=client,
            reason=reason,
            detail={"class": retention_class.pk, "class_name": retention_class.name},
            request=request,
        )
    client._state.fields_cache.pop("retention", None)  # the cached assignment is stale now


def hold_place(
    *,
    actor: User,
    client: Client,
    reason: str,
    detail: str,
    review_on: date,
    request: HttpRequest | None = None,
) -> LegalHold:
    """Place a legal hold: the record is kept, whatever its date, until the hold is lifted. An
    open disposal review of the record ends as held."""
    if not policy.may_place_hold(actor, client):
        raise NotPermitted("You may not place a hold on this record")
    if reason not in LegalHold.Reason.values:
        raise RetentionError("Choose why the record must be kept")
    if reason == LegalHold.Reason.OTHER and not detail.strip():
        raise RetentionError("Say why the record must be kept")
    _future(review_on, "review date")
    now = timezone.now()
    with transaction.atomic():
        hold = LegalHold(
            client=client, reason=reason, placed_by=actor, placed_at=now, review_on=review_on
        )
        hold.detail = detail.strip()
        hold.save()
        ended = DisposalReview.objects.filter(client=client, status__in=DisposalReview.OPEN).update(
            status=DisposalReview.Status.HELD, decided_by=actor, decided_at=now
        )
        audit_log(
            action=RetentionAction.HOLD_PLACED,
            actor=actor,
            target=client,
            reason=hold.get_reason_display(),
            detail={
                "hold": str(hold.uuid),
                "review_on": review_on.isoformat(),
                "reviews_ended": ended,
            },
            request=request,
        )
    return hold


def hold_review(
    *, actor: User, hold: LegalHold, review_on: date, request: HttpRequest | None = None
) -> None:
    """Keep a hold in force until a new review date."""
    if not policy.may_see_record_retention(actor, hold.client):
        raise NotPermitted("Only the IG lead reviews legal holds")
    _future(review_on, "next review date")
    with transaction.atomic():
        updated = LegalHold.objects.filter(pk=hold.pk, lifted_at__isnull=True).update(
            review_on=review_on
        )
        if not updated:
            raise ReviewMoved("This hold has already been lifted")
        audit_log(
            action=RetentionAction.HOLD_REVIEWED,
            actor=actor,
            target=hold.client,
            reason=hold.get_reason_display(),
            detail={"hold": str(hold.uuid), "review_on": review_on.isoformat()},
            request=request,
        )
    hold.refresh_from_db()


def hold_lift(
    *, actor: User, hold: LegalHold, reason: str, request: HttpRequest | None = None
) -> None:
    """Lift a hold. If the record is past its date, the next sweep flags it for review again."""
    if not policy.may_see_record_retention(actor, hold.client):
        raise NotPermitted("Only the IG lead lifts legal holds")
    hold.lift_reason = _reason(reason, "the reason for lifting the hold")
    with transaction.atomic():
        updated = LegalHold.objects.filter(pk=hold.pk, lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lifted_by=actor, lift_reason_sealed=hold.lift_reason_sealed
        )
        if not updated:
            raise ReviewMoved("This hold has already been lifted")
        audit_log(
            action=RetentionAction.HOLD_LIFTED,
            actor=actor,
            target=hold.client,
            reason="Legal hold lifted",
            detail={"hold": str(hold.uuid)},
            request=request,
        )
    hold.refresh_from_db()


# --- Disposal reviews ------------------------------------------------------------------------


def _claim_waiting(review: DisposalReview, **changes: object) -> None:
    updated = DisposalReview.objects.filter(
        pk=review.pk, status=DisposalReview.Status.WAITING
    ).update(**changes)
    if not updated:
        raise ReviewMoved("Someone else has decided this review: see its outcome below")


def review_keep(
    *,
    actor: User,
    review: DisposalReview,
    reason: str,
    next_review_on: date,
    request: HttpRequest | None = None,
) -> None:
    """Keep the record until a new review date, with the reason."""
    if not policy.review_access(actor, review).decide:
        raise NotPermitted("You may not decide this review")
    review.reason = _reason(reason, "the reason for keeping the record")
    _future(next_review_on, "next review date")
    with transaction.atomic():
        _claim_waiting(
            review,
            status=DisposalReview.Status.KEPT,
            decided_by=actor,
            decided_at=timezone.now(),
            next_review_on=next_review_on,
            reason_sealed=review.reason_sealed,
        )
        audit_log(
            action=RetentionAction.KEPT,
            actor=actor,
            target=review.client,
            reason="Disposal review: keep",
            detail={"review": str(review.uuid), "next_review_on": next_review_on.isoformat()},
            request=request,
        )
    review.refresh_from_db()


def review_hold(
    *,
    actor: User,
    review: DisposalReview,
    reason: str,
    detail: str,
    review_on: date,
    request: HttpRequest | None = None,
) -> LegalHold:
    """Keep the record under a legal hold; the review ends as held."""
    if not policy.review_access(actor, review).decide:
        raise NotPermitted("You may not decide this review")
    return hold_place(
        actor=actor,
        client=review.client,
        reason=reason,
        detail=detail,
        review_on=review_on,
        request=request,
    )


def review_approve(
    *, actor: User, review: DisposalReview, request: HttpRequest | None = None
) -> DisposalCertificate | None:
    """The IG lead approves destruction. A restricted or large record waits for a second
    person's confirmation (returns None); any other is destroyed now (returns its certificate)."""
    if not policy.review_access(actor, review).approve:
        raise NotPermitted("Only the IG lead approves destruction")
    if policy.live_holds(review.client).exists():
        raise HoldInForce("A legal hold is in force: lift it before the record is destroyed")
    second = policy.needs_second_person(review.client)
    now = timezone.now()
    with transaction.atomic():
        _claim_waiting(
            review,
            status=DisposalReview.Status.CONFIRMING,
            decided_by=actor,
            decided_at=now,
        )
        audit_log(
            action=RetentionAction.DESTRUCTION_APPROVED,
            actor=actor,
            target=review.client,
            reason=review.get_origin_display(),
            detail={"review": str(review.uuid), "second_person": second},
            request=request,
        )
        review.refresh_from_db()
        if second:
            return None
        return record_destroy(review=review, approved_by=actor, confirmed_by=None, request=request)


def review_confirm(
    *, actor: User, review: DisposalReview, request: HttpRequest | None = None
) -> DisposalCertificate:
    """A second person (another IG lead, or a Caldicott Guardian) confirms the destruction."""
    if not policy.review_access(actor, review).confirm:
        raise NotPermitted("A second person, not the approver, confirms this destruction")
    assert review.decided_by is not None
    with transaction.atomic():
        locked = DisposalReview.objects.select_for_update().get(pk=review.pk)
        if locked.status != DisposalReview.Status.CONFIRMING:
            raise ReviewMoved("Someone else has acted on this review: see its outcome below")
        audit_log(
            action=RetentionAction.DESTRUCTION_CONFIRMED,
            actor=actor,
            target=review.client,
            reason=review.get_origin_display(),
            detail={"review": str(review.uuid), "approved_by": review.decided_by.pk},
            request=request,
        )
        return record_destroy(
            review=locked, approved_by=review.decided_by, confirmed_by=actor, request=request
        )


def review_for_erasure(
    *, actor: User, client: Client, case_pk: int, request: HttpRequest | None = None
) -> DisposalReview:
    """An agreed erasure request goes through the same destruction path: the record joins the
    disposal queue at once, whatever its retention date, for the IG lead to approve."""
    now = timezone.now()
    try:
        with transaction.atomic():
            review = DisposalReview.objects.create(
                client=client,
                origin=DisposalReview.Origin.ERASURE,
                erasure_case_id=case_pk,
                flagged_at=now,
            )
    except IntegrityError:
        # Already in the queue (the sweep got there first): it now answers the request too.
        review = DisposalReview.objects.get(client=client, status__in=DisposalReview.OPEN)
        DisposalReview.objects.filter(pk=review.pk).update(
            origin=DisposalReview.Origin.ERASURE, erasure_case_id=case_pk
        )
    audit_log(
        action=RetentionAction.FLAGGED,
        actor=actor,
        target=client,
        reason="Erasure request agreed",
        detail={"review": str(review.uuid), "case_pk": case_pk},
        request=request,
    )
    return review


# --- Paper records -----------------------------------------------------------------------------


def paper_destruction_record(
    *,
    actor: User,
    contractor: str,
    contractor_certificate: str,
    destroyed_on: date,
    description: str,
    request: HttpRequest | None = None,
) -> DisposalCertificate:
    """Record that paper records were destroyed by a confidential-waste contractor."""
    if not policy.may_manage_retention(actor):
        raise NotPermitted("Only the IG lead records the destruction of paper records")
    contractor = _reason(contractor, "the contractor's name")
    contractor_certificate = _reason(contractor_certificate, "the contractor's certificate number")
    description = _reason(description, "what was destroyed")
    if destroyed_on > timezone.localdate():
        raise RetentionError("The date of destruction cannot be in the future")
    with transaction.atomic():
        certificate = DisposalCertificate.objects.create(
            method=DisposalMethod.PAPER,
            origin="",
            approved_by=actor,
            approved_at=timezone.now(),
            destroyed_on=destroyed_on,
            contractor=contractor,
            contractor_certificate=contractor_certificate,
            description=description,
        )
        audit_log(
            action=RetentionAction.PAPER_DESTROYED,
            actor=actor,
            target=certificate,
            reason="Paper records destroyed",
            detail={"certificate": certificate.reference},
            request=request,
        )
    return certificate
