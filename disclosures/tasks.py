"""Scheduled disclosure jobs (Celery beat; see CELERY_BEAT_SCHEDULE): deadlines that are close or
past, and cases left waiting for the Caldicott Guardian, escalate by notification.

Each job asks :mod:`disclosures.policy` which cases each person may see, so a restriction holds
here too; each notification carries a link and a fixed sentence, never personal data; and each is
keyed so that running a job again, or twice at once, notifies nobody twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.notifications import notify
from disclosures import policy
from disclosures.actions import DisclosureAction
from disclosures.events import audit_case
from disclosures.models import DisclosureCase

logger = logging.getLogger(__name__)


def _holders(role: Role) -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name=role.value).distinct())


def deadline_mark(days_left: int) -> int | None:
    """The tightest escalation mark a deadline ``days_left`` away has reached (-1: overdue), or
    None before the first mark."""
    if days_left < 0:
        return -1
    reached = [mark for mark in settings.DEADLINE_ESCALATE_DAYS if days_left <= mark]
    return min(reached) if reached else None


def _deadline_message(mark: int) -> str:
    if mark < 0:
        return "A request from a data subject is past its deadline."
    if mark == 0:
        return "A request from a data subject is due today."
    return f"A request from a data subject is due within {mark} day{'s' if mark != 1 else ''}."


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def escalate_deadlines() -> int:
    """Notify each IG lead of the open subject access and rights requests they answer for that
    have reached an escalation mark. Returns the notifications made."""
    today = timezone.localdate()
    horizon = today + timedelta(days=max(settings.DEADLINE_ESCALATE_DAYS))
    made = 0
    for lead in _holders(Role.IG_LEAD):
        cases = policy.clocked_cases(lead).filter(due_on__lte=horizon).select_related("client")
        for case in cases:
            assert case.due_on is not None
            mark = deadline_mark((case.due_on - today).days)
            if mark is None:
                continue
            # The due date is in the key: an extension or a stopped clock re-arms the marks.
            key = f"deadline:{case.uuid}:{case.due_on.isoformat()}:{mark}"
            made += _escalate(
                case,
                lead,
                key=key,
                message=_deadline_message(mark),
                action=DisclosureAction.DEADLINE_ESCALATED,
                detail={"mark_days": mark, "due_on": case.due_on.isoformat()},
            )
    logger.info("deadline notifications made: %s", made)
    return made


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def escalate_guardian_waits() -> int:
    """Notify each Caldicott Guardian of the cases in their queue that have waited longer than
    CONFIDE_GUARDIAN_ESCALATE_HOURS, once per wait. Returns the notifications made."""
    hours = settings.GUARDIAN_ESCALATE_HOURS
    cutoff = timezone.now() - timedelta(hours=hours)
    made = 0
    for guardian in _holders(Role.CALDICOTT_GUARDIAN):
        waiting = (
            policy.guardian_queue(guardian)
            .filter(status_changed_at__lte=cutoff)
            .select_related("client")
        )
        for case in waiting:
            # The time it started waiting is in the key: sent back and escalated again, it
            # notifies again.
            key = f"guardian-wait:{case.uuid}:{case.status_changed_at.isoformat()}"
            made += _escalate(
                case,
                guardian,
                key=key,
                message=f"A request for information has waited more than {hours} hours for "
                "the Caldicott Guardian.",
                action=DisclosureAction.GUARDIAN_ESCALATED,
                detail={"hours": hours},
            )
    logger.info("Guardian notifications made: %s", made)
    return made


def _escalate(
    case: DisclosureCase,
    user: User,
    *,
    key: str,
    message: str,
    action: str,
    detail: dict[str, object],
) -> int:
    with transaction.atomic():
        new = notify(
            [user], key=key, message=message, url=reverse("disclosures:case", args=[case.uuid])
        )
        if new:
            audit_case(
                action,
                actor=None,
                case=case,
                reason="scheduled job",
                detail={"notified": user.pk, **detail},
            )
    return len(new)
