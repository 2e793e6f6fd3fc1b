"""Audit action codes for the breach register. Events about a breach name the breach as their
target; ``detail`` says which step, which clients by id, what was shown, never personal data."""

from __future__ import annotations

from django.db import models


class BreachAction(models.TextChoices):
    REPORTED = "breach.reported", "Breach or near miss reported"
    VIEWED = "breach.viewed", "Breach viewed"
    REGISTER_VIEWED = "breach.register_viewed", "Breach register shown"
    ASSIGNED = "breach.assigned", "Investigating officer assigned"
    CONTAINED = "breach.contained", "Breach contained"
    ASSESSED = "breach.assessed", "Risk assessed: ICO and people-affected decisions"
    ICO_NOTIFIED = "breach.ico_notified", "ICO notification recorded"
    PEOPLE_TOLD = "breach.people_told", "People affected told"
    LESSONS_RECORDED = "breach.lessons_recorded", "Lessons learned recorded"
    CLOSED = "breach.closed", "Breach closed"
    ESCALATED = "breach.escalated", "ICO deadline escalated by notification"
    IG_REPORT_VIEWED = "breach.ig_report_viewed", "IG group's breach report viewed"
    IG_REPORT_EXPORTED = "breach.ig_report_exported", "IG group's breach report exported"
