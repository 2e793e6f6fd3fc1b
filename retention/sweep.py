"""The nightly retention sweep: compute each closed record's due date and flag those due for a
disposal review.

- **Batches.** The sweep walks closed records in primary-key order, a batch at a time, each batch
  its own short transaction that also moves the run's cursor. A batch either commits whole (its
  flags, their audit events and the cursor) or not at all.
- **Idempotent.** A record with an open review, kept until a later date, or under a legal hold is
  not a candidate; and the database allows one open review per record, so two sweeps at once
  cannot flag a record twice.
- **Resumable.** A run killed part-way stays ``running``; once its heartbeat is older than
  ``CONFIDE_RETENTION_STALE_SECONDS``, the next run of the sweep takes it over from its cursor.
- **Run log.** Each run records when it started and finished, how many records it examined and
  flagged, and its errors (record references only), shown on the IG lead's retention page.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from records.models import Client
from retention.actions import RetentionAction
from retention.models import DisposalReview, LegalHold, SweepRun
from retention.selectors import class_of, default_class, due_date

logger = logging.getLogger(__name__)

MAX_ERROR_DETAIL = 4000


def candidates(today: date) -> QuerySet[Client]:
    """Closed, undestroyed records with nothing that already keeps them: no open review, no
    keep decision running past today, no legal hold in force."""
    open_review = DisposalReview.objects.filter(
        client=OuterRef("pk"), status__in=DisposalReview.OPEN
    )
    kept = DisposalReview.objects.filter(
        client=OuterRef("pk"), status=DisposalReview.Status.KEPT, next_review_on__gt=today
    )
    held = LegalHold.objects.filter(client=OuterRef("pk"), lifted_at__isnull=True)
    return Client.objects.filter(
        ~Q(Exists(open_review)) & ~Q(Exists(kept)) & ~Q(Exists(held)),
        closed_on__isnull=False,
        closed_on__lte=today,
        data_key_destroyed_at__isnull=True,
    )


def batch_of_candidates(today: date, *, after: int = 0) -> QuerySet[Client]:
    """The next batch of candidates after primary key ``after``, in key order, with their
    retention class."""
    return (
        candidates(today)
        .filter(pk__gt=after)
        .select_related("retention__retention_class")
        .order_by("pk")[: settings.RETENTION_BATCH_SIZE]
    )


def claim_run(job: str, *, requested_by: User | None = None, total: int = 0) -> SweepRun | None:
    """Start a run of ``job``, or take over one that was killed; None while another is alive."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.RETENTION_STALE_SECONDS)
    with transaction.atomic():
        running = SweepRun.objects.select_for_update().filter(job=job, status="running").first()
        if running is not None:
            if running.heartbeat_at > stale:
                return None
            running.resumed += 1
            running.heartbeat_at = now
            running.save(update_fields=["resumed", "heartbeat_at"])
            logger.info("retention %s run %s resumed at cursor %s", job, running.pk, running.cursor)
            return running
        try:
            with transaction.atomic():
                return SweepRun.objects.create(
                    job=job,
                    requested_by=requested_by,
                    total=total,
                    started_at=now,
                    heartbeat_at=now,
                )
        except IntegrityError:  # another process started one between our read and insert
            return None


def finish_run(run: SweepRun, *, detail: dict[str, object] | None = None) -> None:
    with transaction.atomic():
        run.status = SweepRun.Status.FINISHED
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
        audit_log(
            action=RetentionAction.RUN_FINISHED,
            actor=None,
            target=run,
            reason="Scheduled retention job",
            detail={
                "job": run.job,
                "examined": run.examined,
                "flagged": run.flagged,
                "errors": run.errors,
                "resumed": run.resumed,
                **(detail or {}),
            },
        )


def _flag(client: Client, run: SweepRun, due: date) -> bool:
    try:
        with transaction.atomic():
            review = DisposalReview.objects.create(client=client, run=run)
    except IntegrityError:  # flagged meanwhile by another run: the constraint keeps one
        return False
    audit_log(
        action=RetentionAction.FLAGGED,
        actor=None,
        target=client,
        reason="Retention period ended",
        detail={"review": str(review.uuid), "run": run.pk, "due_on": due.isoformat()},
    )
    return True


def _batch(run_pk: int, today: date) -> bool:
    """Process the next batch of ``run_pk``; False when there is nothing left."""
    default = default_class()
    with transaction.atomic():
        run = SweepRun.objects.select_for_update().get(pk=run_pk)
        if run.status != SweepRun.Status.RUNNING:
            return False
        batch = list(batch_of_candidates(today, after=run.cursor))
        if not batch:
            return False
        errors: list[str] = []
        for client in batch:
            try:
                due = due_date(client, class_of(client, default=default))
            except Exception as error:  # one unreadable record must not stop the sweep
                errors.append(f"{client.reference}: {type(error).__name__}")
                continue
            if due is not None and due <= today and _flag(client, run, due):
                run.flagged += 1
        run.cursor = batch[-1].pk
        run.examined += len(batch)
        run.errors += len(errors)
        if errors:
            run.error_detail = (run.error_detail + "\n".join(["", *errors]))[-MAX_ERROR_DETAIL:]
        run.heartbeat_at = timezone.now()
        run.save()
    return True


def run_sweep(*, requested_by: User | None = None, today: date | None = None) -> SweepRun | None:
    """Run the sweep to the end (or resume a killed one). None if another run is alive."""
    today = today or timezone.localdate()
    run = claim_run(SweepRun.Job.SWEEP, requested_by=requested_by, total=candidates(today).count())
    if run is None:
        logger.info("retention sweep already running; not started")
        return None
    pause = settings.RETENTION_BATCH_PAUSE_MS / 1000
    try:
        while _batch(run.pk, today):
            if pause:
                time.sleep(pause)
    except Exception as error:
        # Leave the run for the task's retry to take over at once, from its cursor.
        SweepRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now() - timedelta(seconds=settings.RETENTION_STALE_SECONDS + 1),
            errors=F("errors") + 1,
            error_detail=Concat(F("error_detail"), Value(f"\nrun: {type(error).__name__}")),
        )
        raise
    run.refresh_from_db()
    if run.status == SweepRun.Status.RUNNING:
        finish_run(run, detail={"today": today.isoformat()})
    logger.info("retention sweep %s: examined %s, flagged %s", run.pk, run.examined, run.flagged)
    return run
