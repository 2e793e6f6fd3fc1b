"""Scheduled record jobs (Celery beat; see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from accounts.audit import audit_log
from records import policy, services
from records.actions import RecordAction

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def expire_break_glass() -> int:
    """Remove break-the-glass grants whose time is up. Access already ends at the expiry (the
    policy checks it on every request); this keeps the grant table to live grants only."""
    with transaction.atomic():
        removed = policy.revoke_expired_break_glass()
        if removed:
            audit_log(
                action=RecordAction.BREAK_GLASS_EXPIRED,
                actor=None,
                reason="scheduled job",
                detail={"grants_removed": removed},
            )
    logger.info("break-the-glass grants removed: %s", removed)
    return removed


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def sweep_key_shares() -> int:
    """Remove the key shares of disposed records that a crash left behind; report orphan shares
    and records whose share is missing (see records.services.key_shares_sweep)."""
    report = services.key_shares_sweep()
    if report.orphans:
        # Left alone: an orphan may belong to a database restored from before its record was
        # made, and be needed again once the right backup is restored.
        logger.warning(
            "key shares with no record: %s, e.g. %s",
            len(report.orphans),
            ", ".join(report.orphans[:5]),
        )
    if report.missing:
        logger.error(
            "records whose key share is missing from the keystore: %s, e.g. %s "
            "(is the keystore mounted?)",
            len(report.missing),
            ", ".join(report.missing[:5]),
        )
    logger.info("key shares of disposed records removed: %s", report.removed)
    return report.removed
