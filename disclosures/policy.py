"""Who may do what with a disclosure case, decided in one place.

It rests on :func:`records.policy.decide` for the client the case is about, so every rule of the
records holds here too: a conflict-of-interest restriction or a disposed record shuts the case to
that person, whatever their role.

- **See the case** (the request, verification, decisions, the disclosure log): anyone who may
  open the client's record; the Caldicott Guardian, for cases escalated to them; the IG lead,
  for every case (they answer for the disclosure log).
- **See what would leave** (entry text): those with clinical access to the record, and the
  Guardian for a case escalated to them.
- **Verify the requester**: anyone who may open the record (admin staff verify callers).
- **Decide** (propose sharing or not): those who may write the record (allocated and team
  practitioners, the team's managers).
- **Review**: a Caldicott Guardian, while the case waits for them, and never on their own
  proposal.
- **Release**: those who may write the record, once the case is ready; they also add
  corrections to the disclosure log afterwards.
- **The register of data-sharing agreements**: read by everyone who logs, decides or reviews
  disclosures; recorded, changed and ended by the IG lead alone.

Subject access and the other data-subject rights are the IG lead's (DESIGN: the IG lead answers
subject access and erasure requests). They may log one about any record they may answer for,
and on such a case they verify, run the clock, decide, release and answer; for a subject access
request they see the content, since the bundle gathers every record held about the person,
including records no single practitioner may open. Staff who may open the record log and verify
such requests and see the case, but do not decide them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Role, User
from disclosures.models import CLOCKED_KINDS, CaseStatus, DisclosureCase, Proposal, RequestKind
from records import policy as records_policy
from records.models import Client
from records.policy import Reason

LOGGING_ROLES = (Role.ADMIN_STAFF, Role.PRACTITIONER, Role.MANAGER)
# A decision can be made, or made again, until the case is released or closed; a new decision
# replaces a ready one (say an entry was amended since), and is judged afresh.
DECIDABLE_STATUSES = (CaseStatus.RECEIVED, CaseStatus.MORE_INFO, CaseStatus.READY)


@dataclass(frozen=True)
class CaseAccess:
    reason: str
    see: bool = False
    content: bool = False
    verify: bool = False
    decide: bool = False
    review: bool = False
    release: bool = False
    withdraw: bool = False
    correct: bool = False  # add a correction beside a disclosure log entry
    clock: bool = False  # stop, restart or extend the statutory clock
    answer: bool = False  # record the outcome of a data-subject rights request


NO_CASE_ACCESS = CaseAccess(reason=Reason.NO_GRANT)


def _escalated(case: DisclosureCase) -> bool:
    return case.proposals.exclude(review=Proposal.Review.NOT_NEEDED).exists()


def case_access(user: User, case: DisclosureCase) -> CaseAccess:
    """The one answer to "what may ``user`` do with this disclosure case?"."""
    if not user.is_active or not user.is_authenticated:
        return NO_CASE_ACCESS
    client_access = records_policy.decide(user, case.client)
    if client_access.reason in (Reason.CONFLICT, Reason.DISPOSED):
        return CaseAccess(reason=client_access.reason)
    is_open = case.is_open
    if case.is_clocked:
        return _clocked_case_access(user, case, client_access)
    if client_access.allowed:
        return CaseAccess(
            reason=client_access.reason,
            see=True,
            content=client_access.clinical,
            verify=is_open and not case.is_verified,
            decide=client_access.write and case.status in DECIDABLE_STATUSES,
            review=_may_review(user, case),
            release=client_access.write and case.status == CaseStatus.READY,
            withdraw=is_open,
            correct=client_access.write and case.status == CaseStatus.RELEASED,
        )
    if user.has_role(Role.CALDICOTT_GUARDIAN) and _escalated(case):
        return CaseAccess(
            reason=Reason.GUARDIAN_DUTY,
            see=True,
            content=True,
            review=_may_review(user, case),
        )
    if user.has_role(Role.IG_LEAD):
        return CaseAccess(reason=Reason.IG_DUTY, see=True)
    return NO_CASE_ACCESS


def _clocked_case_access(
    user: User, case: DisclosureCase, client_access: records_policy.Access
) -> CaseAccess:
    is_open = case.is_open
    sar = case.kind == RequestKind.SUBJECT_ACCESS
    if user.has_role(Role.IG_LEAD):
        return CaseAccess(
            reason=Reason.DATA_SUBJECT_REQUEST,
            see=True,
            content=sar,
            verify=is_open and not case.is_verified,
            decide=sar and case.status in DECIDABLE_STATUSES,
            release=sar and case.status == CaseStatus.READY,
            withdraw=is_open,
            correct=sar and case.status == CaseStatus.RELEASED,
            clock=is_open,
            answer=not sar and is_open,
        )
    if client_access.allowed:
        # Not the content: a subject access bundle spans records this person may not open.
        return CaseAccess(
            reason=client_access.reason,
            see=True,
            verify=is_open and not case.is_verified,
            withdraw=is_open,
        )
    if user.has_role(Role.CALDICOTT_GUARDIAN) and _escalated(case):
        return CaseAccess(
            reason=Reason.GUARDIAN_DUTY, see=True, content=True, review=_may_review(user, case)
        )
    return NO_CASE_ACCESS


def _may_review(user: User, case: DisclosureCase) -> bool:
    if not user.has_role(Role.CALDICOTT_GUARDIAN) or case.status != CaseStatus.AWAITING_GUARDIAN:
        return False
    current = current_proposal(case)
    return current is not None and current.proposed_by_id != user.pk


def current_proposal(case: DisclosureCase) -> Proposal | None:
    proposal: Proposal | None = case.proposals.order_by("-number").first()
    if proposal is not None:
        proposal.case = case
    return proposal


def may_log_request(user: User) -> bool:
    """Admin staff log incoming requests; practitioners and managers may too."""
    return user.is_active and any(user.has_role(role) for role in LOGGING_ROLES)


def logging_reason(user: User, client: Client, kind: str | None = None) -> str | None:
    """On what duty ``user`` may log a request of ``kind`` about ``client`` (any kind, when
    ``kind`` is None), or None. Staff who may open the record log any kind; the IG lead logs
    subject access and the other data-subject rights for any record they answer for."""
    if may_log_request(user):
        access = records_policy.decide(user, client)
        if access.allowed:
            return access.reason
    if (
        (kind is None or kind in CLOCKED_KINDS)
        and may_log_rights_requests(user)
        and records_policy.may_see_access_log(user, client) is not None
    ):
        return Reason.DATA_SUBJECT_REQUEST
    return None


def may_log_rights_requests(user: User) -> bool:
    return user.is_active and user.has_role(Role.IG_LEAD)


def clocked_cases(user: User) -> QuerySet[DisclosureCase]:
    """Open subject access and rights requests, for the IG lead's deadlines."""
    if not may_log_rights_requests(user):
        return DisclosureCase.objects.none()
    return visible_cases(user).filter(kind__in=CLOCKED_KINDS, closed_at__isnull=True)


def visible_cases(user: User) -> QuerySet[DisclosureCase]:
    """Every case the user may see, in one query."""
    if not user.is_active:
        return DisclosureCase.objects.none()
    live = DisclosureCase.objects.filter(client__data_key_destroyed_at__isnull=True)
    if user.has_role(Role.IG_LEAD):
        return live.filter(records_policy.not_restricted(user, "client"))
    reach = Q(client__in=records_policy.visible_clients(user))
    if user.has_role(Role.CALDICOTT_GUARDIAN):
        reach |= Q(
            Exists(
                Proposal.objects.filter(case=OuterRef("pk")).exclude(
                    review=Proposal.Review.NOT_NEEDED
                )
            )
        )
    return live.filter(reach, records_policy.not_restricted(user, "client"))


def is_guardian(user: User) -> bool:
    return user.is_active and user.has_role(Role.CALDICOTT_GUARDIAN)


def guardian_queue(user: User) -> QuerySet[DisclosureCase]:
    """The cases waiting for a Caldicott Guardian (restrictions still apply)."""
    if not is_guardian(user):
        return DisclosureCase.objects.none()
    return DisclosureCase.objects.filter(
        records_policy.not_restricted(user, "client"),
        status=CaseStatus.AWAITING_GUARDIAN,
        client__data_key_destroyed_at__isnull=True,
    )


# The register of data-sharing agreements is organisational, not personal: everyone who takes
# part in disclosure decisions may read it, to know which agreements a decision can rely on.
AGREEMENT_READERS = (
    Role.PRACTITIONER,
    Role.ADMIN_STAFF,
    Role.MANAGER,
    Role.IG_LEAD,
    Role.CALDICOTT_GUARDIAN,
)


def may_see_agreements(user: User) -> bool:
    """Those who log, decide or review disclosures read the register of agreements (read-only)."""
    return user.is_active and any(user.has_role(role) for role in AGREEMENT_READERS)


def may_manage_agreements(user: User) -> bool:
    """The IG lead owns the register: only they record, change and end agreements."""
    return user.is_active and user.has_role(Role.IG_LEAD)
