"""Who may see and review access monitoring, decided in one place.

- **Review findings**: the data team (000 §5.2: "the data team monitor access"). Never a finding
  about themselves: another member of the data team reviews that.
- **Read findings and the access reports**: the data team and the IG lead, to whom they report.
- Nobody sees a finding about their own access, nor one naming a record they are restricted
  from by a conflict-of-interest declaration (deny wins, as everywhere).

None of this opens a record: the data team see who accessed which record (by its case
reference) and on what grounds, never the record's content (records.policy gives the data team
no access to records).
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Role, User
from monitoring.models import Finding, FindingStatus
from records import policy as records_policy


def may_monitor(user: User) -> bool:
    """The data team's pages: findings to review, the access reports."""
    return user.is_active and user.has_role(Role.DATA_TEAM)


def may_read(user: User) -> bool:
    """Findings and reports, to read: the data team and the IG lead."""
    return user.is_active and (user.has_role(Role.DATA_TEAM) or user.has_role(Role.IG_LEAD))


def visible_findings(user: User) -> QuerySet[Finding]:
    if not may_read(user):
        return Finding.objects.none()
    blocked = records_policy.blocking_declarations(user).values("client")
    return Finding.objects.exclude(subject=user).exclude(clients__in=blocked)


def may_see(user: User, finding: Finding) -> bool:
    return visible_findings(user).filter(pk=finding.pk).exists()


REVIEWABLE = (FindingStatus.OPEN, FindingStatus.FOLLOW_UP)


def may_review(user: User, finding: Finding) -> bool:
    """A member of the data team, not the finding's subject, while it is open or being
    followed up (a finding judged legitimate, or sent to the breach register, is settled)."""
    return (
        may_monitor(user)
        and finding.subject_id != user.pk
        and finding.status in REVIEWABLE
        and may_see(user, finding)
    )
