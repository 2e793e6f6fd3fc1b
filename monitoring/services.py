"""The data team's review of a finding: the only write to findings after they are raised."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from breaches import services as breach_services
from breaches.models import (
    Affected,
    Breach,
    Category,
    DataFormat,
    Kind,
    Protection,
    Sensitivity,
)
from monitoring import policy
from monitoring.actions import MonitoringAction
from monitoring.errors import MonitoringError, NotPermitted
from monitoring.models import Finding, FindingStatus

OUTCOMES = (FindingStatus.LEGITIMATE, FindingStatus.FOLLOW_UP, FindingStatus.SUSPECTED_BREACH)


def review_finding(
    *,
    actor: User,
    finding: Finding,
    status: str,
    notes: str,
    request: HttpRequest | None = None,
) -> Finding:
    """Record the data team's judgement. "Suspected breach" reports a breach, filled in with the
    finding's evidence, for the IG lead's register (and its 72-hour clock)."""
    if status not in OUTCOMES:
        raise MonitoringError("Choose legitimate, needs follow-up or suspected breach")
    notes = notes.strip()
    if not notes:
        raise MonitoringError("Write your notes: what you checked and why you decided this")
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if not policy.may_review(actor, finding):
            raise NotPermitted("You cannot review this finding")
        finding.status = status
        finding.reviewed_by = actor
        finding.reviewed_at = timezone.now()
        finding.review_notes = notes
        if status == FindingStatus.SUSPECTED_BREACH:
            finding.breach = _report_breach(actor, finding, notes, request)
        finding.save()
        audit_log(
            action=MonitoringAction.FINDING_REVIEWED,
            actor=actor,
            target=finding,
            reason="data_team",
            detail={
                "status": status,
                "rule": finding.rule.kind,
                "clients": list(finding.clients.values_list("pk", flat=True)),
                "breach": finding.breach.reference if finding.breach else "",
            },
            request=request,
        )
    return finding


def _report_breach(
    actor: User, finding: Finding, notes: str, request: HttpRequest | None
) -> Breach:
    clients = list(finding.clients.all())
    references = ", ".join(c.reference for c in clients) or "none named"
    details = breach_services.BreachDetails(
        aware_at=timezone.now(),
        kind=Kind.CONFIDENTIALITY,
        category=Category.UNAUTHORISED_ACCESS,
        near_miss=False,
        urgent_safety=False,
        what_data=f"Client records opened in Confide: {references}.",
        data_format=DataFormat.ELECTRONIC,
        protection=Protection.PROTECTED,
        affected=Affected.CLIENTS,
        record_types="Case records in Confide",
        records_count=len(clients),
        sensitivity=Sensitivity.CONFIDENTIAL,
        risks="To be assessed by the investigating officer.",
        recovery_steps="None yet: raised from access monitoring.",
        stolen=False,
        crime_number="",
        what_happened=(
            f"Access monitoring finding {finding.reference} ({finding.rule.name}): "
            f"{finding.summary}. {finding.event_count} audit events on "
            f"{finding.day:%d %B %Y}, {finding.first_at:%H:%M} to {finding.last_at:%H:%M}. "
            f"The data team's notes: {notes}"
        ),
        staff_involved=finding.subject.display_name,
        ongoing_risk="Not known yet: the person's access continues until the IG lead acts.",
    )
    return breach_services.breach_report(
        actor=actor, details=details, request=request, vetted_clients=clients
    )
