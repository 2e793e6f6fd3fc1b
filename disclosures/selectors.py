"""Reads of disclosure cases: fetch-and-authorise, lists, the case's history, the consent
position and a client's disclosure log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404, HttpRequest

from accounts.audit import audit_log
from accounts.models import AuditEvent, AuditOutcome, User
from disclosures import policy, rules
from disclosures.actions import DisclosureAction
from disclosures.models import (
    ClockStop,
    DisclosureCase,
    GuardianReview,
    Proposal,
    Release,
    ReleaseCorrection,
    RequestKind,
    Urgency,
)
from records.models import Client, Consent, ConsentPurpose

CaseNeed = Literal[
    "see",
    "content",
    "verify",
    "decide",
    "review",
    "release",
    "withdraw",
    "correct",
    "clock",
    "answer",
]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def get_case_for_user(
    request: HttpRequest, case_id: uuid.UUID, *, need: CaseNeed = "see"
) -> tuple[DisclosureCase, policy.CaseAccess]:
    """The case, if the user may see it (404 otherwise, with the refusal audited) and may do
    ``need`` with it (403 otherwise)."""
    user = _user(request)
    case = (
        DisclosureCase.objects.select_related("client__team", "logged_by", "verified_by")
        .filter(uuid=case_id)
        .first()
    )
    access = policy.case_access(user, case) if case is not None else policy.NO_CASE_ACCESS
    if case is None or not access.see or not getattr(access, need):
        audit_log(
            action=DisclosureAction.VIEWED,
            actor=user,
            outcome=AuditOutcome.DENIED,
            target=case.client if case is not None else None,
            object_type="records.client",
            reason=access.reason,
            detail={
                "case": str(case_id),
                "need": need,
                "path": request.resolver_match.view_name if request.resolver_match else "",
            },
            request=request,
        )
        if case is None or not access.see:
            raise Http404("No such case")
        raise PermissionDenied("You cannot do this with this case")
    return case, access


def get_release_for_user(
    request: HttpRequest, case_id: uuid.UUID, release_id: uuid.UUID, *, need: CaseNeed
) -> tuple[Release, policy.CaseAccess]:
    case, access = get_case_for_user(request, case_id, need=need)
    entry = case.releases.select_related("released_by", "consent").filter(uuid=release_id).first()
    if entry is None:
        raise Http404("No such release")
    entry.case = case
    return entry, access


URGENCY_ORDER = Case(
    When(urgency=Urgency.EMERGENCY, then=Value(0)),
    When(urgency=Urgency.URGENT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def case_list(queryset: QuerySet[DisclosureCase]) -> list[DisclosureCase]:
    """Open cases first, most urgent and oldest first; then the closed ones, newest first."""
    cases: list[DisclosureCase] = list(
        queryset.select_related("client", "logged_by")
        .annotate(urgency_rank=URGENCY_ORDER)
        .order_by(F("closed_at").desc(nulls_first=True), "urgency_rank", "received_on", "logged_at")
    )
    return cases


def deadline_list(user: User) -> list[DisclosureCase]:
    """Open subject access and rights requests: running clocks soonest due first, then the
    stopped ones (no due date while stopped), oldest first."""
    cases: list[DisclosureCase] = list(
        policy.clocked_cases(user)
        .select_related("client", "logged_by")
        .order_by(F("due_on").asc(nulls_last=True), "received_on", "logged_at")
    )
    return cases


def guardian_queue(user: User) -> list[DisclosureCase]:
    """Waiting cases by urgency, then age; each with its current proposal."""
    cases: list[DisclosureCase] = list(
        policy.guardian_queue(user)
        .select_related("client", "logged_by")
        .prefetch_related(
            Prefetch(
                "proposals",
                queryset=Proposal.objects.select_related("proposed_by").order_by("-number"),
                to_attr="newest_first",
            )
        )
        .annotate(urgency_rank=URGENCY_ORDER)
        .order_by("urgency_rank", "status_changed_at")
    )
    for case in cases:
        newest: list[Proposal] = case.newest_first  # type: ignore[attr-defined]
        case.current = newest[0] if newest else None  # type: ignore[attr-defined]
    return cases


def audit_shown(request: HttpRequest, *, name: str, cases: list[DisclosureCase]) -> None:
    """Record which cases a list showed, in the caller's transaction."""
    audit_log(
        action=DisclosureAction.LIST_VIEWED,
        actor=_user(request),
        object_type="disclosures.case_list",
        object_id=name,
        detail={"shown": [str(case.uuid) for case in cases], "count": len(cases)},
        request=request,
    )


def consent_positions(case: DisclosureCase) -> list[tuple[str, Consent | None]]:
    """For the decider: for each purpose, the consent in force that covers this requester."""
    purposes = (
        [ConsentPurpose.FAMILY_CONTACT]
        if case.kind == RequestKind.FAMILY_FRIENDS
        else list(ConsentPurpose)
    )
    return [(purpose.label, rules.consent_position(case, purpose)) for purpose in purposes]


def case_proposals(case: DisclosureCase) -> list[Proposal]:
    proposals = list(
        case.proposals.select_related("proposed_by", "consent", "agreement").prefetch_related(
            "reviews__reviewer"
        )
    )
    for proposal in proposals:
        proposal.case = case
        if proposal.consent is not None:
            proposal.consent.client = case.client
        for review in proposal.reviews.all():
            review.proposal = proposal
    return proposals


def case_releases(case: DisclosureCase) -> list[Release]:
    releases = list(
        case.releases.select_related("released_by", "consent", "agreement").prefetch_related(
            "corrections__recorded_by"
        )
    )
    for entry in releases:
        entry.case = case
        for correction in entry.corrections.all():
            correction.release = entry
    return releases


@dataclass(frozen=True)
class Step:
    at: datetime
    who: str
    what: str
    why: str = ""


_LOOKS = {
    "verify": "Opened the case to verify the requester",
    "decide": "Opened the case to decide",
    "review": "Opened the case to review it",
    "release": "Opened the case to release it",
    "correct": "Opened the case to correct the log",
    "withdraw": "Opened the case to close it",
}


def case_history(
    case: DisclosureCase, proposals: list[Proposal], releases: list[Release]
) -> list[Step]:
    """Who did what, when and why, from intake to the last view, oldest first: the case's own
    rows for the reasons, and the audit trail for every look at it."""
    steps = [
        Step(
            case.logged_at,
            case.logged_by.display_name,
            f"Logged the request ({case.get_kind_display()})",
        )
    ]
    if case.verified_at is not None and case.verified_by is not None:
        steps.append(
            Step(
                case.verified_at,
                case.verified_by.display_name,
                f"Verified the requester: {case.get_verification_method_display()}",
                case.verification_note,
            )
        )
    for proposal in proposals:
        decision = "share" if proposal.share else "not share"
        escalated = " (to the Caldicott Guardian)" if proposal.needs_guardian else ""
        steps.append(
            Step(
                proposal.proposed_at,
                proposal.proposed_by.display_name,
                f"Decision {proposal.number}: {decision}{escalated}",
                proposal.reasons,
            )
        )
        review: GuardianReview
        for review in proposal.reviews.all():
            steps.append(
                Step(
                    review.reviewed_at,
                    review.reviewer.display_name,
                    f"Caldicott Guardian: {review.get_outcome_display()} "
                    f"(decision {proposal.number})",
                    review.reasons,
                )
            )
    for entry in releases:
        steps.append(
            Step(
                entry.released_at,
                entry.released_by.display_name,
                f"Released: {entry.get_method_display()}",
                "" if entry.client_told else f"Client not told: {entry.client_told_note}",
            )
        )
        correction: ReleaseCorrection
        for correction in entry.corrections.all():
            steps.append(
                Step(
                    correction.recorded_at,
                    correction.recorded_by.display_name,
                    "Corrected the disclosure log",
                    correction.note,
                )
            )
    if case.closed_reason and case.closed_at is not None and case.closed_by is not None:
        steps.append(
            Step(
                case.closed_at,
                case.closed_by.display_name,
                f"Answered: {case.get_outcome_display().lower()}"
                if case.outcome
                else "Closed the request",
                case.closed_reason,
            )
        )
    events = AuditEvent.objects.filter(
        object_type="records.client",
        object_id=str(case.client_id),
        detail__case=str(case.uuid),
        action__in=(
            DisclosureAction.VIEWED,
            DisclosureAction.BUNDLE_DOWNLOADED,
            *_CLOCK_STEPS,
        ),
    ).select_related("actor")
    for event in events:
        who = event.actor.display_name if event.actor else "Confide (scheduled job)"
        if event.action in _CLOCK_STEPS:
            steps.append(Step(event.occurred_at, who, *_clock_step(case, event)))
            continue
        denied = event.outcome == AuditOutcome.DENIED
        steps.append(
            Step(
                event.occurred_at,
                who,
                (
                    "Was refused the case"
                    if denied
                    else _LOOKS.get(event.detail.get("page"), "Opened the case")
                )
                if event.action == DisclosureAction.VIEWED
                else "Downloaded the released bundle",
            )
        )
    return sorted(steps, key=lambda step: step.at)


_CLOCK_STEPS = (
    DisclosureAction.CLOCK_STOPPED,
    DisclosureAction.CLOCK_RESTARTED,
    DisclosureAction.CLOCK_EXTENDED,
    DisclosureAction.DEADLINE_ESCALATED,
    DisclosureAction.GUARDIAN_ESCALATED,
)


def _clock_step(case: DisclosureCase, event: AuditEvent) -> tuple[str, str]:
    """What a clock or escalation event says in the case's history, and why."""
    detail = event.detail
    if event.action == DisclosureAction.CLOCK_STOPPED:
        waiting = dict(ClockStop.choices).get(detail.get("waiting_for", ""), "")
        return f"Stopped the clock from {detail.get('from', '')}", str(waiting)
    if event.action == DisclosureAction.CLOCK_RESTARTED:
        return f"Restarted the clock on {detail.get('on', '')}", ""
    if event.action == DisclosureAction.CLOCK_EXTENDED:
        return (
            f"Extended the deadline by {detail.get('months')} month(s); requester told on "
            f"{detail.get('told_on', '')}",
            case.extension_reason,
        )
    if event.action == DisclosureAction.DEADLINE_ESCALATED:
        return f"Notified the IG lead: deadline {detail.get('due_on', '')} close or past", ""
    return "Notified the Caldicott Guardian: the case has waited too long", ""


def client_disclosure_log(client: Client) -> list[Release]:
    """Every disclosure made about the client: to whom, what, why, when, by whom, how."""
    releases = list(
        Release.objects.filter(case__client=client)
        .select_related("case", "released_by", "consent", "agreement")
        .prefetch_related("corrections__recorded_by")
        .order_by("-released_at")
    )
    for entry in releases:
        entry.case.client = client
        if entry.consent is not None:
            entry.consent.client = client
        for correction in entry.corrections.all():
            correction.release = entry
    return releases
