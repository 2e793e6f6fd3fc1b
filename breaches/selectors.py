"""Reads of the breach register: fetch-and-authorise, the register in clock order, what a viewer
is shown of the affected records and the disclosure that caused a breach, and its history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import formats, timezone

from accounts.audit import audit_log
from accounts.models import AuditEvent, AuditOutcome, User
from breaches import policy
from breaches.actions import BreachAction
from breaches.models import Breach, Status
from disclosures.models import Release
from records.models import Client

BreachNeed = Literal["see", "full", "assign", "investigate", "manage"]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def get_breach_for_user(
    request: HttpRequest, breach_id: uuid.UUID, *, need: BreachNeed = "see"
) -> tuple[Breach, policy.BreachAccess]:
    """The breach, if the user may see it (404 otherwise, the refusal audited) and may do
    ``need`` with it (403 otherwise)."""
    user = _user(request)
    breach = (
        Breach.objects.select_related("reported_by", "investigating_officer")
        .filter(uuid=breach_id)
        .first()
    )
    access = policy.breach_access(user, breach) if breach is not None else policy.NO_ACCESS
    if breach is None or not access.see or not getattr(access, need):
        audit_log(
            action=BreachAction.VIEWED,
            actor=user,
            outcome=AuditOutcome.DENIED,
            target=breach,
            object_type="breaches.breach",
            reason=access.reason,
            detail={
                "breach_uuid": str(breach_id),
                "need": need,
                "path": request.resolver_match.view_name if request.resolver_match else "",
            },
            request=request,
        )
        if breach is None or not access.see:
            raise Http404("No such breach")
        raise PermissionDenied("You cannot do this with this breach")
    return breach, access


# --- The register ------------------------------------------------------------------------------


def register(queryset: QuerySet[Breach]) -> list[Breach]:
    """Open breaches first: urgent-safety cases, then the running ICO clocks soonest due (the
    overdue first), then the rest oldest first; closed ones after, newest first."""
    breaches = list(queryset.select_related("reported_by", "investigating_officer"))
    far = timezone.now() + timedelta(days=36500)

    def order(breach: Breach) -> tuple[int, int, datetime, float]:
        if not breach.is_open:
            assert breach.closed_at is not None
            return (1, 0, far, -breach.closed_at.timestamp())
        clock = breach.ico_due_at if breach.ico_pending else far
        return (0, 0 if breach.urgent_safety else 1, clock, breach.aware_at.timestamp())

    return sorted(breaches, key=order)


def audit_shown(request: HttpRequest, *, name: str, breaches: list[Breach]) -> None:
    """Record which breaches a list showed, in the caller's transaction."""
    audit_log(
        action=BreachAction.REGISTER_VIEWED,
        actor=_user(request),
        object_type="breaches.register",
        object_id=name,
        detail={"shown": [str(breach.uuid) for breach in breaches], "count": len(breaches)},
        request=request,
    )


def open_counts(user: User) -> dict[str, int]:
    """For the IG lead's home page: open breaches, urgent ones, and ICO clocks overdue."""
    open_breaches = list(policy.visible_breaches(user).exclude(status=Status.CLOSED))
    return {
        "open": len(open_breaches),
        "urgent": sum(1 for b in open_breaches if b.urgent_safety),
        "overdue": sum(1 for b in open_breaches if b.ico_pending and b.ico_due_at < timezone.now()),
    }


# --- What a viewer is shown ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShownClient:
    client: Client
    how: str  # "record" or "access_log"


@dataclass(frozen=True)
class AffectedRecords:
    shown: list[ShownClient]
    others: int  # linked records this viewer may not see: counted, never named


def affected_records(user: User, breach: Breach) -> AffectedRecords:
    """The records the breach involves, as this viewer may see them (records.policy, client by
    client); the rest only as a number."""
    shown: list[ShownClient] = []
    others = 0
    for client in breach.clients.select_related("team").order_by("reference"):
        how = policy.client_shown(user, client)
        if how is None:
            others += 1
        else:
            shown.append(ShownClient(client, how))
    return AffectedRecords(shown, others)


def cause_shown(user: User, breach: Breach) -> Release | None:
    """The disclosure that caused the breach, if there is one and the viewer may see its case."""
    if breach.release_id is None:
        return None
    release = Release.objects.select_related("case__client", "released_by").get(
        pk=breach.release_id
    )
    return release if policy.release_shown(user, release) else None


# --- History -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    at: datetime
    who: str
    what: str


_STEP_ACTIONS = {
    BreachAction.REPORTED: "Reported",
    BreachAction.ASSIGNED: "Assigned an investigating officer",
    BreachAction.CONTAINED: "Recorded containment",
    BreachAction.ASSESSED: "Recorded the risk assessment",
    BreachAction.ICO_NOTIFIED: "Recorded the ICO notification",
    BreachAction.PEOPLE_TOLD: "Recorded that the people affected were told",
    BreachAction.LESSONS_RECORDED: "Recorded lessons learned",
    BreachAction.CLOSED: "Closed the breach",
    BreachAction.ESCALATED: "Notified of the ICO deadline",
    BreachAction.VIEWED: "Opened the breach",
}


_LOOKS = {
    "assign": "Opened the breach to assign an investigating officer",
    "contain": "Opened the breach to record containment",
    "assess": "Opened the breach to assess the risk",
    "notify_ico": "Opened the breach to record the ICO notification",
    "tell_people": "Opened the breach to record that the people affected were told",
    "lessons": "Opened the breach to record lessons learned",
    "close": "Opened the breach to close it",
}


def history(breach: Breach) -> list[Step]:
    """Who did what to the breach and when, and everyone who opened it, oldest first: the audit
    trail is the one source."""
    events = AuditEvent.objects.filter(
        object_type="breaches.breach", object_id=str(breach.pk), action__in=list(_STEP_ACTIONS)
    ).select_related("actor")
    steps = []
    for event in events.order_by("seq"):
        who = event.actor.display_name if event.actor else "Confide (scheduled job)"
        what = _STEP_ACTIONS[BreachAction(event.action)]
        if event.action == BreachAction.VIEWED and event.outcome == AuditOutcome.DENIED:
            what = "Was refused the breach"
        elif event.action == BreachAction.VIEWED:
            what = _LOOKS.get(str(event.detail.get("page", "")), what)
        elif event.action == BreachAction.ESCALATED:
            mark = event.detail.get("mark_hours")
            what = (
                "Notified: the 72 hours to notify the ICO have passed"
                if mark == -1
                else f"Notified: {mark} hours or less left to notify the ICO"
            )
        steps.append(Step(event.occurred_at, who, what))
    return steps


# --- The clock -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """The 72-hour clock as a page shows it."""

    state: str  # "running", "overdue", "notified", "notified_late", "not_reportable", "stopped"
    text: str


def span_label(delta: timedelta) -> str:
    """A span of time as a clock reads it, cut (never rounded up) to its two largest units:
    "2 days 22 hours", "1 hour 29 minutes", "under a minute"."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in units if n]
    return " ".join(parts[:2]) if parts else "under a minute"


def clock(breach: Breach) -> Clock:
    left = breach.ico_time_left
    if left is not None:
        if left.total_seconds() < 0:
            return Clock("overdue", f"Overdue by {span_label(left)}")
        return Clock("running", f"{span_label(left)} left".capitalize())
    if breach.ico_notified_at is not None:
        when = formats.date_format(timezone.localtime(breach.ico_notified_at), "j M Y H:i")
        if breach.ico_late:
            late = span_label(breach.ico_notified_at - breach.ico_due_at)
            return Clock("notified_late", f"ICO notified {when}, {late} late")
        return Clock("notified", f"ICO notified {when}, within 72 hours")
    if breach.notify_ico is False:
        return Clock("not_reportable", "Not reportable to the ICO")
    return Clock("stopped", "Closed without an ICO notification")


@dataclass(frozen=True)
class Row:
    breach: Breach
    full: bool  # the viewer sees the investigation (and the clock), not only their own report
    clock: Clock


def register_rows(user: User, breaches: list[Breach]) -> list[Row]:
    """The register's rows. :func:`policy.visible_breaches` has already left out what the user may
    not see; a row shows more than the reporter's summary to those with a duty on it."""
    overseer = policy.may_see_register(user)
    blocked = policy.blocked_breach_ids(user, [breach.pk for breach in breaches])
    return [
        Row(
            breach,
            breach.pk not in blocked and (overseer or breach.investigating_officer_id == user.pk),
            clock(breach),
        )
        for breach in breaches
    ]
