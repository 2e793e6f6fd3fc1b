"""Writes to the breach register: the report, then each step of the workflow in order.

Each service checks access again through :mod:`breaches.policy`, checks that its step is the
breach's next one (:func:`next_step`), locks the breach row so two people cannot both take a step,
and writes its audit event in the same transaction, naming the breach, never personal data.
Notifications (the IG leads on a new report, at once for an urgent-safety case; the investigating
officer on assignment) go through :func:`accounts.notifications.notify` in the same transaction,
with a link and a fixed sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from accounts.notifications import notify
from breaches import policy
from breaches.actions import BreachAction
from breaches.errors import (
    BreachError,
    DecisionNeedsReasons,
    LateNotificationNeedsReason,
    NotPermitted,
    StepOutOfOrder,
)
from breaches.models import (
    Affected,
    Breach,
    Category,
    DataFormat,
    Kind,
    Level,
    Protection,
    Sensitivity,
    Status,
)
from disclosures.models import Release
from records.models import Client

# What the reporter is shown, and the IG leads are told, when someone's safety may be at risk
# (004 Appendix F); the pages add the advice about the police.
URGENT_PROMPT = (
    "Someone's immediate safety may be at risk: make every reasonable effort to warn them now."
)
URGENT_POLICE = (
    "Consider calling the police too, for example if the address of a person fleeing domestic "
    "violence has been disclosed to the person they fled."
)


class Step:
    """The steps of the workflow, in order; :func:`next_step` says which one a breach is at."""

    ASSIGN = "assign"
    CONTAIN = "contain"
    ASSESS = "assess"
    NOTIFY_ICO = "notify_ico"
    TELL_PEOPLE = "tell_people"
    LESSONS = "lessons"
    CLOSE = "close"


STEP_NAMES = {
    Step.ASSIGN: "assigning an investigating officer",
    Step.CONTAIN: "recording containment",
    Step.ASSESS: "the risk assessment",
    Step.NOTIFY_ICO: "recording the ICO notification",
    Step.TELL_PEOPLE: "recording that the people affected were told",
    Step.LESSONS: "recording lessons learned",
    Step.CLOSE: "closing the breach",
}


def next_step(breach: Breach) -> str | None:
    """The breach's next step, or None once it is closed. The ICO notification is skipped when
    the assessment decided it is not reportable, and telling people when it decided not to."""
    status = breach.status
    if status == Status.REPORTED:
        return Step.ASSIGN
    if status == Status.ASSIGNED:
        return Step.CONTAIN
    if status == Status.CONTAINED:
        return Step.ASSESS
    if status == Status.ASSESSED and breach.notify_ico:
        return Step.NOTIFY_ICO
    if status in (Status.ASSESSED, Status.ICO_NOTIFIED) and breach.tell_people:
        return Step.TELL_PEOPLE
    if status in (Status.ASSESSED, Status.ICO_NOTIFIED, Status.PEOPLE_TOLD):
        return Step.LESSONS
    if status == Status.LESSONS_LEARNED:
        return Step.CLOSE
    return None


def step_available(breach: Breach, step: str) -> bool:
    """Whether ``step`` may be taken now. Assigning is also re-assigning: an open breach can
    change investigating officer at any stage."""
    if step == Step.ASSIGN:
        return breach.is_open
    return next_step(breach) == step


def _require_step(breach: Breach, step: str) -> None:
    if step_available(breach, step):
        return
    due = next_step(breach)
    if due is None:
        raise StepOutOfOrder(f"Breach {breach.reference} is closed")
    raise StepOutOfOrder(
        f"Breach {breach.reference} is not ready for {STEP_NAMES[step]}: "
        f"the next step is {STEP_NAMES[due]}"
    )


def _audit(
    action: str,
    *,
    actor: User | None,
    breach: Breach,
    reason: str,
    detail: dict[str, object] | None = None,
    request: HttpRequest | None = None,
) -> None:
    audit_log(
        action=action,
        actor=actor,
        target=breach,
        reason=reason,
        detail={"breach": breach.reference, **(detail or {})},
        request=request,
    )


def breach_url(breach: Breach) -> str:
    return reverse("breaches:breach", kwargs={"breach_id": breach.uuid})


# --- The report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreachDetails:
    """What the report asks (004 Appendix F)."""

    aware_at: datetime
    kind: str
    category: str
    near_miss: bool
    urgent_safety: bool
    what_data: str
    data_format: str
    protection: str
    affected: str
    record_types: str
    records_count: int
    sensitivity: str
    risks: str
    recovery_steps: str
    stolen: bool
    crime_number: str
    what_happened: str
    staff_involved: str
    ongoing_risk: str
    client_references: Sequence[str] = ()
    release: Release | None = None


def _check_details(details: BreachDetails) -> None:
    choices = (
        (details.kind, Kind, "Choose the kind of breach"),
        (details.category, Category, "Choose what happened"),
        (details.data_format, DataFormat, "Say what format the data is in"),
        (details.protection, Protection, "Say whether it was encrypted or otherwise protected"),
        (details.affected, Affected, "Say whose information it is"),
        (details.sensitivity, Sensitivity, "Say how sensitive the information is"),
    )
    for value, enum, message in choices:
        if value not in enum.values:
            raise BreachError(message)
    if details.aware_at > timezone.now():
        raise BreachError("The time the organisation became aware cannot be in the future")
    if details.records_count < 0:
        raise BreachError("The number of records cannot be negative")
    required = (
        (details.what_data, "Say what data is involved"),
        (details.what_happened, "Say what happened"),
        (details.risks, "Say what the risks to the people affected are, or that there are none"),
        (details.recovery_steps, "Say what has been done to recover the information, if anything"),
    )
    for text, message in required:
        if not text.strip():
            raise BreachError(message)
    if details.stolen and not details.crime_number.strip():
        raise BreachError(
            "Items were stolen: report the theft to the police and enter the crime number"
        )


def _linked_clients(actor: User, references: Sequence[str]) -> list[Client]:
    wanted = {ref.strip().upper() for ref in references if ref.strip()}
    if not wanted:
        return []
    found = {
        client.reference.upper(): client
        for client in policy.linkable_clients(actor).filter(reference__in=_spellings(wanted))
    }
    missing = sorted(wanted - set(found))
    if missing:
        # The same answer for a record that does not exist and one the reporter may not open.
        raise BreachError(
            f"No record you may open has the case reference {', '.join(missing)}. "
            "Leave out records you cannot open and describe them instead."
        )
    return list(found.values())


def _spellings(references: set[str]) -> list[str]:
    # References are stored as issued (upper case); accept them typed in any case.
    return sorted(references | {ref.lower() for ref in references})


def breach_report(
    *,
    actor: User,
    details: BreachDetails,
    request: HttpRequest | None = None,
    vetted_clients: Sequence[Client] = (),
) -> Breach:
    """Report an actual or suspected breach, or a near miss. The IG leads are notified at once;
    for an urgent-safety case, with the prompt to warn the person.

    ``vetted_clients`` are records the caller's own policy has already let the reporter name
    though they may not open them: access monitoring's evidence, which the data team reviewed."""
    if not policy.may_report(actor):
        raise NotPermitted("You cannot report a breach")
    _check_details(details)
    clients = _linked_clients(actor, details.client_references)
    clients += [client for client in vetted_clients if client not in clients]
    if (
        details.release is not None
        and not policy.linkable_releases(actor).filter(pk=details.release.pk).exists()
    ):
        raise BreachError("Choose a disclosure from the list")
    with transaction.atomic():
        breach = Breach(
            reported_by=actor,
            aware_at=details.aware_at,
            kind=details.kind,
            category=details.category,
            near_miss=details.near_miss,
            urgent_safety=details.urgent_safety,
            data_format=details.data_format,
            protection=details.protection,
            affected=details.affected,
            records_count=details.records_count,
            sensitivity=details.sensitivity,
            stolen=details.stolen,
            release=details.release,
        )
        breach.what_data = details.what_data.strip()
        breach.record_types = details.record_types.strip()
        breach.risks = details.risks.strip()
        breach.recovery_steps = details.recovery_steps.strip()
        breach.crime_number = details.crime_number.strip() if details.stolen else ""
        breach.what_happened = details.what_happened.strip()
        breach.staff_involved = details.staff_involved.strip()
        breach.ongoing_risk = details.ongoing_risk.strip()
        breach.save()
        breach.clients.set(clients)
        leads = policy.ig_leads_for(breach)
        if breach.urgent_safety:
            message = f"Breach {breach.reference} is an urgent safety case. {URGENT_PROMPT}"
        else:
            what = "near miss" if breach.near_miss else "breach"
            message = f"A {what} has been reported: {breach.reference}."
        notified = notify(
            leads, key=f"breach:{breach.uuid}:reported", message=message, url=breach_url(breach)
        )
        _audit(
            BreachAction.REPORTED,
            actor=actor,
            breach=breach,
            reason=policy.Reason.REPORTER,
            detail={
                "kind": breach.kind,
                "category": breach.category,
                "near_miss": breach.near_miss,
                "urgent_safety": breach.urgent_safety,
                "clients": [client.pk for client in clients],
                "release": str(details.release.uuid) if details.release else "",
                "notified": [note.user_id for note in notified],
            },
            request=request,
        )
    return breach


# --- The workflow ------------------------------------------------------------------------------


def _locked(breach: Breach) -> Breach:
    """The breach's row, locked until the transaction ends, read afresh."""
    return Breach.objects.select_for_update().get(pk=breach.pk)


def _refresh(breach: Breach) -> None:
    # Forget plaintext read before the step, then read the row as the step left it.
    breach.__dict__.pop("_plaintext", None)
    breach.refresh_from_db()


def _access(actor: User, breach: Breach, need: str) -> policy.BreachAccess:
    access = policy.breach_access(actor, breach)
    if not access.see:
        raise NotPermitted("You cannot act on this breach")
    if not getattr(access, need):
        raise NotPermitted(
            "Only the IG lead can take this step"
            if need in ("assign", "manage")
            else "Only the investigating officer or the IG lead can take this step"
        )
    return access


def _not_future(moment: datetime, what: str) -> None:
    if moment > timezone.now():
        raise BreachError(f"{what} cannot be in the future")


def breach_assign(
    *, actor: User, breach: Breach, officer: User, request: HttpRequest | None = None
) -> None:
    """The IG lead assigns (or changes) the investigating officer. The officer is notified."""
    access = _access(actor, breach, "assign")
    if not policy.may_investigate(officer, breach):
        raise BreachError(
            "Choose someone else: this person cannot investigate this breach (no role in "
            "Confide, or restricted from a record it involves)"
        )
    with transaction.atomic():
        locked = _locked(breach)
        _require_step(locked, Step.ASSIGN)
        previous = locked.investigating_officer_id
        if previous == officer.pk:
            raise BreachError(f"{officer.display_name} is already the investigating officer")
        locked.investigating_officer = officer
        locked.assigned_by = actor
        locked.assigned_at = timezone.now()
        if locked.status == Status.REPORTED:
            locked.status = Status.ASSIGNED
        locked.save(update_fields=["investigating_officer", "assigned_by", "assigned_at", "status"])
        notify(
            [officer],
            key=f"breach:{locked.uuid}:officer:{officer.pk}",
            message=f"You are the investigating officer for breach {locked.reference}.",
            url=breach_url(locked),
        )
        _audit(
            BreachAction.ASSIGNED,
            actor=actor,
            breach=locked,
            reason=access.reason,
            detail={"officer": officer.pk, "previous_officer": previous},
            request=request,
        )
    _refresh(breach)


def breach_contain(
    *,
    actor: User,
    breach: Breach,
    contained_at: datetime,
    note: str,
    request: HttpRequest | None = None,
) -> None:
    """The investigating officer (or the IG lead) records that the breach is contained: when,
    and how."""
    access = _access(actor, breach, "investigate")
    if not note.strip():
        raise BreachError("Say how the breach was contained")
    _not_future(contained_at, "The time it was contained")
    with transaction.atomic():
        locked = _locked(breach)
        _require_step(locked, Step.CONTAIN)
        if contained_at < locked.aware_at:
            raise BreachError(
                "The time it was contained cannot be before the organisation became aware"
            )
        locked.contained_at = contained_at
        locked.contained_by = actor
        locked.containment = note.strip()
        locked.status = Status.CONTAINED
        locked.save(update_fields=["contained_at", "contained_by", "containment_sealed", "status"])
        _audit(
            BreachAction.CONTAINED,
            actor=actor,
            breach=locked,
            reason=access.reason,
            detail={"hours_to_contain": _hours(contained_at - locked.aware_at)},
            request=request,
        )
    _refresh(breach)


@dataclass(frozen=True)
class Assessment:
    likelihood: str
    severity: str
    notify_ico: bool
    ico_reasons: str
    tell_people: bool
    tell_reasons: str


def breach_assess(
    *, actor: User, breach: Breach, assessment: Assessment, request: HttpRequest | None = None
) -> None:
    """Record the risk assessment: likelihood and severity, and the two decisions, report to the
    ICO or not and tell the people affected or not, each with its reasons."""
    access = _access(actor, breach, "investigate")
    if assessment.likelihood not in Level.values:
        raise BreachError("Choose how likely harm to the people affected is")
    if assessment.severity not in Level.values:
        raise BreachError("Choose how severe the harm could be")
    if not assessment.ico_reasons.strip():
        raise DecisionNeedsReasons(
            "Give the reasons for reporting to the ICO"
            if assessment.notify_ico
            else "Give the reasons for not reporting to the ICO"
        )
    if not assessment.tell_reasons.strip():
        raise DecisionNeedsReasons(
            "Give the reasons for telling the people affected"
            if assessment.tell_people
            else "Give the reasons for not telling the people affected"
        )
    with transaction.atomic():
        locked = _locked(breach)
        _require_step(locked, Step.ASSESS)
        locked.likelihood = assessment.likelihood
        locked.severity = assessment.severity
        locked.notify_ico = assessment.notify_ico
        locked.tell_people = assessment.tell_people
        locked.ico_reasons = assessment.ico_reasons.strip()
        locked.tell_reasons = assessment.tell_reasons.strip()
        locked.assessed_at = timezone.now()
        locked.assessed_by = actor
        locked.status = Status.ASSESSED
        locked.save(
            update_fields=[
                "likelihood",
                "severity",
                "notify_ico",
                "tell_people",
                "ico_reasons_sealed",
                "tell_reasons_sealed",
                "assessed_at",
                "assessed_by",
                "status",
            ]
        )
        _audit(
            BreachAction.ASSESSED,
            actor=actor,
            breach=locked,
            reason=access.reason,
            detail={
                "likelihood": locked.likelihood,
                "severity": locked.severity,
                "notify_ico": locked.notify_ico,
                "tell_people": locked.tell_people,
            },
            request=request,
        )
    _refresh(breach)


def breach_notify_ico(
    *,
    actor: User,
    breach: Breach,
    notified_at: datetime,
    reference: str,
    late_reason: str = "",
    request: HttpRequest | None = None,
) -> None:
    """Record that the ICO was notified: when, and its reference. Told more than 72 hours after
    the organisation became aware, the reasons for the delay are required (Article 33(1))."""
    access = _access(actor, breach, "manage")
    if not reference.strip():
        raise BreachError("Enter the reference the ICO gave")
    _not_future(notified_at, "The time the ICO was notified")
    with transaction.atomic():
        locked = _locked(breach)
        _require_step(locked, Step.NOTIFY_ICO)
        if notified_at < locked.aware_at:
            raise BreachError(
                "The time the ICO was notified cannot be before the organisation became aware"
            )
        late = notified_at > locked.ico_due_at
        if late and not late_reason.strip():
            raise LateNotificationNeedsReason(
                "The ICO was told more than 72 hours after the organisation became aware: "
                "give the reasons for the delay"
            )
        locked.ico_notified_at = notified_at
        locked.ico_reference = reference.strip()
        locked.late_reason = late_reason.strip() if late else ""
        locked.ico_recorded_by = actor
        locked.ico_recorded_at = timezone.now()
        locked.status = Status.ICO_NOTIFIED
        locked.save(
            update_fields=[
                "ico_notified_at",
                "ico_reference",
                "late_reason_sealed",
                "ico_recorded_by",
                "ico_recorded_at",
                "status",
            ]
        )
        _audit(
            BreachAction.ICO_NOTIFIED,
            actor=actor,
            breach=locked,
            reason=access.reason,
            detail={"late": late, "hours_to_notify": _hours(notified_at - locked.aware_at)},
            request=request,
        )
    _refresh(breach)


def breach_tell_people(
    *,
    actor: User,
    breach: Breach,
    told_at: datetime,
    how: str,
    request: HttpRequest | None = None,
) -> None:
    """Record that the people affected were told: when, and how."""
    access = _access(actor, breach, "manage")
    if not how.strip():
        raise BreachError("Say how the people affected were told")
    _not_future(told_at, "The time they were told")
    with transaction.atomic():
        locked = _locked(breach)
        _require_step(locked, Step.TELL_PEOPLE)
        locked.people_told_at = told_at
        locked.people_told_by = actor
        locked.people_told_how = how.strip()
        locked.status = Status.PEOPLE_TOLD
        locked.save(
            update_fields=["people_told_at", "people_told_by", "people_told_how_sealed", "status"]
        )
        _audit(
            BreachAction.PEOPLE_TOLD,
            actor=actor,
            breach=locked,
            reason=access.reason,
            request=request,
        )
    _refresh(breach)


def breach_record_lessons(
    *, actor: User, breach: Breach, lessons: str, request: HttpRequest | None = None
) -> None:
    """Record the lessons learned (001 §2.12): they go, as written, into the IG group's report,
    so they must not name anyone."""
    access = _access(actor, breach, "manage")
    if not lessons.strip():
        raise BreachError("Say what has been learned, and what will change")
    with transaction.atomic():
        locked = _locked(breach)
        _require_step(locked, Step.LESSONS)
        locked.lessons = lessons.strip()
        locked.lessons_at = timezone.now()
        locked.lessons_by = actor
        locked.status = Status.LESSONS_LEARNED
        locked.save(update_fields=["lessons_sealed", "lessons_at", "lessons_by", "status"])
        _audit(
            BreachAction.LESSONS_RECORDED,
            actor=actor,
            breach=locked,
            reason=access.reason,
            request=request,
        )
    _refresh(breach)


def breach_close(
    *, actor: User, breach: Breach, note: str = "", request: HttpRequest | None = None
) -> None:
    """Close the breach, once lessons learned are recorded."""
    access = _access(actor, breach, "manage")
    with transaction.atomic():
        locked = _locked(breach)
        _require_step(locked, Step.CLOSE)
        locked.closing_note = note.strip()
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.status = Status.CLOSED
        locked.save(update_fields=["closing_note_sealed", "closed_at", "closed_by", "status"])
        _audit(
            BreachAction.CLOSED,
            actor=actor,
            breach=locked,
            reason=access.reason,
            request=request,
        )
    _refresh(breach)


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)
