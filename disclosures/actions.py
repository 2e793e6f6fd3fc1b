"""Audit action codes for disclosures. Case events name the client as their target (so the
record's access log and the subject access bundle show them) and the case in ``detail``; events
about the register of data-sharing agreements name the agreement, and the fields changed."""

from __future__ import annotations

from django.db import models


class DisclosureAction(models.TextChoices):
    LOGGED = "disclosure.logged", "Request for information logged"
    VIEWED = "disclosure.viewed", "Disclosure case viewed"
    LIST_VIEWED = "disclosure.list_viewed", "List of disclosure cases shown"
    VERIFIED = "disclosure.verified", "Requester verified"
    PROPOSED = "disclosure.proposed", "Decision proposed"
    REFUSED_BY_RULE = "disclosure.refused_by_rule", "Release refused by a disclosure rule"
    GUARDIAN_REVIEWED = "disclosure.guardian_reviewed", "Caldicott Guardian's decision"
    RELEASED = "disclosure.released", "Information released"
    BUNDLE_DOWNLOADED = "disclosure.bundle_downloaded", "Released bundle downloaded"
    CORRECTED = "disclosure.corrected", "Disclosure log entry corrected"
    WITHDRAWN = "disclosure.withdrawn", "Request withdrawn"
    LOG_VIEWED = "disclosure.log_viewed", "Client's disclosure log viewed"
    CLOCK_STOPPED = "disclosure.clock_stopped", "Statutory clock stopped"
    CLOCK_RESTARTED = "disclosure.clock_restarted", "Statutory clock restarted"
    CLOCK_EXTENDED = "disclosure.clock_extended", "Deadline extended"
    RIGHTS_ANSWERED = "disclosure.rights_answered", "Data-subject request answered"
    DEADLINE_ESCALATED = "disclosure.deadline_escalated", "Deadline escalated to the IG lead"
    GUARDIAN_ESCALATED = (
        "disclosure.guardian_escalated",
        "Waiting case escalated to the Caldicott Guardian",
    )
    AGREEMENT_CREATED = "disclosure.agreement_created", "Data-sharing agreement recorded"
    AGREEMENT_UPDATED = "disclosure.agreement_updated", "Data-sharing agreement changed"
    AGREEMENT_ENDED = "disclosure.agreement_ended", "Data-sharing agreement ended"
