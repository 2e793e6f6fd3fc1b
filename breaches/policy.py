"""Who may do what with a breach, decided in one place.

- **Report**: any signed-in member of staff, whatever their role (000 §6: everyone reports).
- **See the report they made**: the reporter, as a read-only summary: what they wrote, the stage
  it has reached and who investigates it; not the investigation.
- **See everything** (the report, the investigation, the decisions, the history): the IG lead
  (who keeps the register), the Caldicott Guardian (read only), and the investigating officer
  assigned to it.
- **Assign the investigating officer**: the IG lead, while the breach is open.
- **Contain and assess**: the investigating officer of this breach, and the IG lead.
- **Record the ICO notification, the people told, lessons learned, and close**: the IG lead.
- **The IG group's report**: the IG lead and the Caldicott Guardian (it holds no personal data).

A breach about a client someone is restricted from by a conflict-of-interest declaration is shut
to them, as a disclosure case about that client would be (deny wins), except to the person who
reported it: they wrote it. Which affected records a viewer is shown is the records' own policy
(:func:`client_shown`), client by client.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Role, User
from breaches.models import Breach
from disclosures import policy as disclosure_policy
from disclosures.models import Release
from records import policy as records_policy
from records.models import Client


class Reason(models.TextChoices):
    """On what duty a person reached a breach; written into every audit event about it."""

    IG_DUTY = "ig_duty", "Information governance lead: keeps the breach register"
    GUARDIAN_DUTY = "guardian_duty", "Caldicott Guardian: oversight of breaches"
    INVESTIGATING_OFFICER = "investigating_officer", "Investigating officer of this breach"
    REPORTER = "reporter", "Reported this breach"
    CONFLICT = "conflict", "Refused: conflict-of-interest restriction on a record it involves"
    NO_GRANT = "no_grant", "Refused: no duty on this breach"


@dataclass(frozen=True)
class BreachAccess:
    reason: str
    see: bool = False  # the summary: what was reported, the stage, the investigating officer
    full: bool = False  # the investigation, the decisions and the history
    assign: bool = False
    investigate: bool = False  # contain, assess
    manage: bool = False  # the ICO notification, people told, lessons learned, closing


NO_ACCESS = BreachAccess(reason=Reason.NO_GRANT)


def _blocked(user: User, breach: Breach) -> bool:
    return records_policy.blocking_declarations(user).filter(client__breaches=breach).exists()


def blocked_breach_ids(user: User, breach_ids: list[int]) -> set[int]:
    """Which of these breaches involve a record the user is restricted from, in one query."""
    return set(
        Breach.objects.filter(
            pk__in=breach_ids,
            clients__in=records_policy.blocking_declarations(user).values("client"),
        ).values_list("pk", flat=True)
    )


def may_report(user: User) -> bool:
    """Anyone signed in may report a breach or a near miss."""
    return user.is_active and user.is_authenticated


def is_ig_lead(user: User) -> bool:
    return user.is_active and user.has_role(Role.IG_LEAD)


def breach_access(user: User, breach: Breach) -> BreachAccess:
    """The one answer to "what may ``user`` do with this breach?"."""
    if not user.is_active or not user.is_authenticated:
        return NO_ACCESS
    is_open = breach.is_open
    reporter = breach.reported_by_id == user.pk
    if _blocked(user, breach):
        return BreachAccess(reason=Reason.REPORTER, see=True) if reporter else NO_ACCESS
    if user.has_role(Role.IG_LEAD):
        return BreachAccess(
            reason=Reason.IG_DUTY,
            see=True,
            full=True,
            assign=is_open,
            investigate=is_open,
            manage=is_open,
        )
    if breach.investigating_officer_id == user.pk:
        return BreachAccess(
            reason=Reason.INVESTIGATING_OFFICER, see=True, full=True, investigate=is_open
        )
    if user.has_role(Role.CALDICOTT_GUARDIAN):
        return BreachAccess(reason=Reason.GUARDIAN_DUTY, see=True, full=True)
    if reporter:
        return BreachAccess(reason=Reason.REPORTER, see=True)
    return NO_ACCESS


def visible_breaches(user: User) -> QuerySet[Breach]:
    """Every breach the user may see, in one query."""
    if not user.is_active:
        return Breach.objects.none()
    blocked = Exists(
        records_policy.blocking_declarations(user).filter(client__breaches=OuterRef("pk"))
    )
    mine = Q(reported_by=user)
    if user.has_role(Role.IG_LEAD) or user.has_role(Role.CALDICOTT_GUARDIAN):
        return Breach.objects.filter(mine | ~Q(blocked))
    return Breach.objects.filter(mine | (Q(investigating_officer=user) & ~Q(blocked)))


def may_see_register(user: User) -> bool:
    """The whole register, with its clock: the IG lead and the Caldicott Guardian."""
    return user.is_active and (
        user.has_role(Role.IG_LEAD) or user.has_role(Role.CALDICOTT_GUARDIAN)
    )


def may_see_ig_report(user: User) -> bool:
    """The IG group's report (counts, durations, lessons; no personal data)."""
    return may_see_register(user)


def escalation_recipients(breach: Breach) -> list[User]:
    """Who the ICO clock escalates to: every IG lead who may see the breach, and its
    investigating officer."""
    leads = User.objects.filter(is_active=True, groups__name=Role.IG_LEAD.value).distinct()
    people = {user.pk: user for user in leads}
    officer = breach.investigating_officer
    if officer is not None:
        people.setdefault(officer.pk, officer)
    return [user for user in people.values() if breach_access(user, breach).full]


def ig_leads_for(breach: Breach) -> list[User]:
    """The IG leads who may see the breach: told when one is reported."""
    leads = User.objects.filter(is_active=True, groups__name=Role.IG_LEAD.value).distinct()
    return [user for user in leads if breach_access(user, breach).full]


def may_investigate(user: User, breach: Breach) -> bool:
    """Whether ``user`` could be this breach's investigating officer: an active member of staff
    with a role, not restricted from a record it involves."""
    return user.is_active and bool(user.role_names) and not _blocked(user, breach)


def officer_candidates() -> QuerySet[User]:
    """Active staff with a role: who the IG lead may choose as investigating officer."""
    return (
        User.objects.filter(is_active=True, groups__name__in=Role.values)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# --- What a reporter may link, and what a viewer is shown -------------------------------------


def linkable_clients(user: User) -> QuerySet[Client]:
    """The records a reporter may link: those they may open."""
    return records_policy.visible_clients(user)


def linkable_releases(user: User) -> QuerySet[Release]:
    """The disclosure log entries a reporter may link: those of cases they may see."""
    return Release.objects.filter(case__in=disclosure_policy.visible_cases(user))


def client_shown(user: User, client: Client) -> str | None:
    """Whether a viewer of a breach is shown one of its affected records, and how: "record"
    (they may open it), "access_log" (the IG lead, who reaches any record's access log), or
    None: they see it only counted among "other records"."""
    if records_policy.decide(user, client).allowed:
        return "record"
    if records_policy.may_see_access_log(user, client) is not None:
        return "access_log"
    return None


def release_shown(user: User, release: Release) -> bool:
    """Whether a viewer of a breach is shown the disclosure that caused it."""
    return disclosure_policy.case_access(user, release.case).see
