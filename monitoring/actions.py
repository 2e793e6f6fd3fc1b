"""Audit action codes for access monitoring."""

from __future__ import annotations

from django.db import models


class MonitoringAction(models.TextChoices):
    DAY_EVALUATED = "monitoring.day_evaluated", "A day of the audit trail evaluated"
    FINDINGS_LISTED = "monitoring.findings_listed", "Access findings listed"
    FINDING_VIEWED = "monitoring.finding_viewed", "Access finding viewed"
    FINDING_REVIEWED = "monitoring.finding_reviewed", "Access finding reviewed"
    REPORT_VIEWED = "monitoring.report_viewed", "Access report viewed"
    REPORT_EXPORTED = "monitoring.report_exported", "Access report exported"
    MONTHLY_REPORT_MADE = "monitoring.monthly_report_made", "Monthly access report made"
