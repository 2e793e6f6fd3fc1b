"""The breach register's scheduled job (Celery beat, hourly; see CELERY_BEAT_SCHEDULE): the
72-hour clock to notify the ICO escalates by notification.

Each open breach whose ICO notification is still pending, and not decided "not reportable",
notifies the IG leads who may see it, and its investigating officer, as the time left reaches each
of CONFIDE_BREACH_ESCALATE_HOURS, and once more when the 72 hours have passed. The key names the
breach and the mark, so a second run, or two at once, notifies nobody twice. The message names the
breach by its reference only.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_log
from accounts.notifications import notify
from breaches import policy
from breaches.actions import BreachAction
from breaches.models import ICO_DEADLINE, Breach, Status
from breaches.services import breach_url

logger = logging.getLogger(__name__)

OVERDUE = -1


def escalation_mark(hours_left: float) -> int | None:
    """The tightest mark (hours) the time left has reached; OVERDUE once the 72 hours have
    passed; None before the first mark."""
    if hours_left < 0:
        return OVERDUE
    reached = [mark for mark in settings.BREACH_ESCALATE_HOURS if hours_left <= mark]
    return min(reached) if reached else None


def escalation_message(breach: Breach, mark: int, hours_left: float) -> str:
    if mark == OVERDUE:
        return f"Breach {breach.reference}: the 72 hours to notify the ICO have passed."
    whole = int(hours_left)
    if whole < 1:
        return f"Breach {breach.reference}: less than an hour left to notify the ICO."
    hours = f"{whole} hour{'s' if whole != 1 else ''}"
    return f"Breach {breach.reference}: {hours} left to notify the ICO."


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def escalate_ico_deadlines() -> int:
    """Notify at each mark of the time left to notify the ICO. Returns the notifications made."""
    now = timezone.now()
    horizon = now + timedelta(hours=max(settings.BREACH_ESCALATE_HOURS))
    pending = (
        Breach.objects.exclude(status=Status.CLOSED)
        .filter(ico_notified_at__isnull=True, aware_at__lte=horizon - ICO_DEADLINE)
        .exclude(notify_ico=False)
        .select_related("investigating_officer")
        .order_by("aware_at")
    )
    made = 0
    for breach in pending:
        hours_left = (breach.ico_due_at - now).total_seconds() / 3600
        mark = escalation_mark(hours_left)
        if mark is None:
            continue
        made += _escalate(breach, mark, hours_left)
    logger.info("breach ICO deadline notifications made: %s", made)
    return made


def _escalate(breach: Breach, mark: int, hours_left: float) -> int:
    with transaction.atomic():
        new = notify(
            policy.escalation_recipients(breach),
            key=f"breach:{breach.uuid}:ico:{mark}",
            message=escalation_message(breach, mark, hours_left),
            url=breach_url(breach),
        )
        if new:
            audit_log(
                action=BreachAction.ESCALATED,
                actor=None,
                target=breach,
                reason="scheduled job",
                detail={
                    "breach": breach.reference,
                    "mark_hours": mark,
                    "notified": [note.user_id for note in new],
                },
            )
    return len(new)
