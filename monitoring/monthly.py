"""The monthly access report: made once per month by the scheduled job, from the rollups, and
announced to the IG leads by a notification that carries a link and no personal data."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import Role, User
from accounts.notifications import notify
from monitoring.actions import MonitoringAction
from monitoring.evaluate import evaluate
from monitoring.models import MonthlyReport
from monitoring.reports import Scope, figures


def previous_month(today: date | None = None) -> tuple[date, date]:
    first = (today or timezone.localdate()).replace(day=1)
    last = first - timedelta(days=1)
    return last.replace(day=1), last


def make_monthly_report(today: date | None = None) -> tuple[MonthlyReport, bool]:
    """Last month's report, made if it is not already; evaluates any days still due first, so
    the figures come from complete rollups."""
    evaluate(today)
    start, end = previous_month(today)
    existing = MonthlyReport.objects.filter(month=start).first()
    if existing is not None:
        return existing, False
    found = figures(Scope(start=start, end=end))
    with transaction.atomic():
        report, created = MonthlyReport.objects.get_or_create(
            month=start, defaults={"figures": found.as_json()}
        )
        if created:
            leads = User.objects.filter(is_active=True, groups__name=Role.IG_LEAD.value).distinct()
            notified = notify(
                leads,
                key=f"monitoring-monthly:{start.isoformat()}",
                message=f"The access monitoring report for {start:%B %Y} is ready.",
                url=reverse("monitoring:monthly", kwargs={"report_id": report.pk}),
            )
            audit_log(
                action=MonitoringAction.MONTHLY_REPORT_MADE,
                actor=None,
                target=report,
                detail={
                    "month": start.isoformat(),
                    "source": found.source,
                    "notified": [n.user_id for n in notified],
                },
            )
    return report, created
