"""Scheduled audit-trail jobs (Celery beat; see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import transaction

from accounts import partitions
from accounts.audit import AuditAction, anchor_chain_head, audit_log, verify_chain
from accounts.models import AuditOutcome

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def anchor_audit_chain() -> dict[str, Any] | None:
    """Sign the chain head into the anchor file outside the database."""
    anchor = anchor_chain_head()
    if anchor is not None:
        logger.info("audit chain anchored at event %s", anchor["seq"])
    return anchor


@shared_task
def verify_audit_chain() -> dict[str, Any]:
    """Recompute the whole chain; the outcome is itself an audit event (failure if broken)."""
    report = verify_chain()
    with transaction.atomic():
        audit_log(
            action=AuditAction.AUDIT_CHAIN_VERIFIED,
            actor=None,
            outcome=AuditOutcome.SUCCESS if report.intact else AuditOutcome.FAILURE,
            detail={
                "checked": report.checked,
                "last_seq": report.last_seq,
                "problems": report.problems[:50],
            },
        )
    if not report.intact:
        logger.error("audit chain verification found %d problem(s)", len(report.problems))
    return {"checked": report.checked, "intact": report.intact, "problems": report.problems[:50]}


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def ensure_audit_partitions() -> list[str]:
    """Keep the audit trail's monthly partitions made a year ahead (PostgreSQL)."""
    return partitions.ensure_ahead(12)
