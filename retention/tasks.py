"""Scheduled retention jobs (Celery beat; see CELERY_BEAT_SCHEDULE). Thin: each calls one
function that records its own run log, so a run is visible on the IG lead's retention page
whether beat, the IG lead or a retry started it."""

from __future__ import annotations

from celery import shared_task

from accounts.models import User
from retention.reminders import send_reminders
from retention.sweep import run_sweep


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def sweep(requested_by: int | None = None) -> int | None:
    """Flag the records due for disposal review. Returns the run's id, or None when a live run
    was already under way."""
    user = User.objects.filter(pk=requested_by).first() if requested_by else None
    run = run_sweep(requested_by=user)
    return run.pk if run else None


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def remind() -> int | None:
    run = send_reminders()
    return run.pk if run else None
