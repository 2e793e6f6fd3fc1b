"""Who may do what with retention and disposal, decided in one place.

DESIGN gives retention and disposal to the IG lead, and disposal reviews to service managers too:

- **The retention pages** (the sweep's progress and run log, a record's class and holds, the
  certificates, paper destruction): the IG lead. The Caldicott Guardian reads the certificates.
- **A record's retention**: the IG lead assigns its class and places, reviews and lifts legal
  holds; the manager of the team that holds the record may place a hold too (they know of a
  complaint or a claim first).
- **A disposal review**: the IG lead and the managers of the record's team see it and may keep
  the record (reason and a new review date) or hold it. Only the IG lead approves destruction.
  A record that is restricted, or larger than ``CONFIDE_DISPOSAL_SECOND_PERSON_ENTRIES``
  entries, also needs a second person to confirm: another IG lead or a Caldicott Guardian, never
  the approver.

Everything rests on :func:`records.policy.decide` for conflicts of interest: a person restricted
from a record neither sees nor decides its review, whatever their role. A destroyed record has
nothing left to decide.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.models import Role, User
from records import policy as records_policy
from records.models import Client, Entry
from retention.models import DisposalReview, LegalHold


def _active(user: User) -> bool:
    return bool(user.is_active and user.is_authenticated)


def _conflicted(user: User, client: Client) -> bool:
    return records_policy.is_restricted(user, client)


def may_manage_retention(user: User) -> bool:
    """The retention pages: the sweep, records' classes and holds, paper destruction."""
    return _active(user) and user.has_role(Role.IG_LEAD)


def may_see_certificates(user: User) -> bool:
    return _active(user) and (user.has_role(Role.IG_LEAD) or user.has_role(Role.CALDICOTT_GUARDIAN))


def may_place_hold(user: User, client: Client) -> bool:
    if not _active(user) or client.is_disposed or _conflicted(user, client):
        return False
    return user.has_role(Role.IG_LEAD) or client.team_id in records_policy.managed_teams(user)


def may_see_record_retention(user: User, client: Client) -> bool:
    return may_manage_retention(user) and not _conflicted(user, client)


@dataclass(frozen=True)
class ReviewAccess:
    see: bool = False
    decide: bool = False  # keep, or hold
    approve: bool = False  # approve destruction
    confirm: bool = False  # the second person's confirmation


NO_REVIEW_ACCESS = ReviewAccess()


def needs_second_person(client: Client) -> bool:
    """A restricted record, or one larger than the configured size, is destroyed only when a
    second person confirms."""
    if client.restricted:
        return True
    return Entry.objects.filter(client=client).count() > settings.DISPOSAL_SECOND_PERSON_ENTRIES


def _may_confirm(user: User) -> bool:
    return user.has_role(Role.IG_LEAD) or user.has_role(Role.CALDICOTT_GUARDIAN)


def review_access(user: User, review: DisposalReview) -> ReviewAccess:
    """The one answer to "what may ``user`` do with this disposal review?"."""
    client = review.client
    if not _active(user) or _conflicted(user, client):
        return NO_REVIEW_ACCESS
    is_lead = user.has_role(Role.IG_LEAD)
    manages = client.team_id in records_policy.managed_teams(user)
    waiting = review.status == DisposalReview.Status.WAITING
    confirming = review.status == DisposalReview.Status.CONFIRMING
    confirm = confirming and _may_confirm(user) and review.decided_by_id != user.pk
    if not (is_lead or manages or confirm):
        return NO_REVIEW_ACCESS
    return ReviewAccess(
        see=True,
        decide=waiting and (is_lead or manages),
        approve=waiting and is_lead,
        confirm=confirm,
    )


def review_queue(user: User) -> QuerySet[DisposalReview]:
    """The open reviews the user may see, in one query."""
    if not _active(user):
        return DisposalReview.objects.none()
    reach = Q()
    if user.has_role(Role.IG_LEAD):
        reach = Q(pk__isnull=False)
    else:
        teams = records_policy.managed_teams(user)
        if teams:
            reach = Q(client__team_id__in=teams)
        if user.has_role(Role.CALDICOTT_GUARDIAN):
            reach |= Q(status=DisposalReview.Status.CONFIRMING) & ~Q(decided_by=user)
    if not reach:
        return DisposalReview.objects.none()
    return DisposalReview.objects.filter(
        reach, records_policy.not_restricted(user, "client"), status__in=DisposalReview.OPEN
    )


def may_see_review_queue(user: User) -> bool:
    return _active(user) and (
        user.has_role(Role.IG_LEAD)
        or user.has_role(Role.CALDICOTT_GUARDIAN)
        or bool(records_policy.managed_teams(user))
    )


def live_holds(client: Client) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(client=client, lifted_at__isnull=True)
