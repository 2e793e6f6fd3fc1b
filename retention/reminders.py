"""The reviewers' reminder: disposal reviews waiting, destructions waiting for a second person,
and legal holds due for review. A notification carries a link and a fixed sentence, never
personal data, and is keyed by day (or by hold and review date) so a second run that day tells
nobody twice."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.notifications import notify
from retention import policy
from retention.models import DisposalReview, LegalHold, SweepRun
from retention.selectors import holds_due_for_review
from retention.sweep import claim_run, finish_run


def _holders(*roles: Role) -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__name__in=[r.value for r in roles]).distinct()
    )


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _placer_url(placer: User, hold: LegalHold) -> str:
    """Where a manager who placed a hold can follow it: the record's retention page is the IG
    lead's, so the disposal review they held (it shows the hold in force), or else their queue."""
    for review in DisposalReview.objects.filter(client=hold.client).order_by("-flagged_at"):
        if policy.review_access(placer, review).see:
            return reverse("retention:review", args=[review.uuid])
    return reverse("retention:reviews")


def send_reminders() -> SweepRun | None:
    run = claim_run(SweepRun.Job.REMINDER)
    if run is None:
        return None
    today = timezone.localdate().isoformat()
    queue_url = reverse("retention:reviews")
    made = 0
    examined = 0
    reviewers = _holders(Role.IG_LEAD, Role.MANAGER, Role.CALDICOTT_GUARDIAN)
    for person in reviewers:
        counts = dict(
            policy.review_queue(person)
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        examined += 1
        waiting = counts.get(DisposalReview.Status.WAITING, 0)
        if waiting and (person.has_role(Role.IG_LEAD) or person.has_role(Role.MANAGER)):
            made += len(
                notify(
                    [person],
                    key=f"retention-waiting:{today}",
                    message=_plural(waiting, "record is", "records are")
                    + " waiting for a disposal review.",
                    url=queue_url,
                )
            )
        confirming = (
            policy.review_queue(person)
            .filter(status=DisposalReview.Status.CONFIRMING)
            .exclude(decided_by=person)
            .count()
        )
        if confirming and (
            person.has_role(Role.IG_LEAD) or person.has_role(Role.CALDICOTT_GUARDIAN)
        ):
            made += len(
                notify(
                    [person],
                    key=f"retention-confirming:{today}",
                    message=_plural(confirming, "destruction is", "destructions are")
                    + " waiting for a second person's confirmation.",
                    url=queue_url,
                )
            )
    leads = _holders(Role.IG_LEAD)
    for hold in holds_due_for_review():
        key = f"hold-review:{hold.uuid}:{hold.review_on.isoformat()}"
        told = [lead for lead in leads if policy.may_see_record_retention(lead, hold.client)]
        made += len(
            notify(
                told,
                key=key,
                message="A legal hold is due for review.",
                url=reverse("retention:record", args=[hold.client.uuid]),
            )
        )
        placer = hold.placed_by
        if placer not in told and placer.is_active and policy.may_place_hold(placer, hold.client):
            made += len(
                notify(
                    [placer],
                    key=key,
                    message="A legal hold you placed is due for review by the IG lead.",
                    url=_placer_url(placer, hold),
                )
            )
    run.examined = examined
    run.flagged = made  # for this job: notifications made
    run.save(update_fields=["examined", "flagged"])
    finish_run(run, detail={"notifications": made})
    return run
