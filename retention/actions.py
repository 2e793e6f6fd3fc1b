"""Audit action codes for retention and disposal. Events about a record name the client as their
target, so they stay in the record's access log; after destruction they stay too, pseudonymous,
since no event copies personal data."""

from __future__ import annotations

from django.db import models


class RetentionAction(models.TextChoices):
    RECORD_VIEWED = "retention.record_viewed", "Retention of a record viewed"
    CLASS_ASSIGNED = "retention.class_assigned", "Retention class assigned"
    HOLD_PLACED = "retention.hold_placed", "Legal hold placed"
    HOLD_REVIEWED = "retention.hold_reviewed", "Legal hold reviewed and kept"
    HOLD_LIFTED = "retention.hold_lifted", "Legal hold lifted"
    FLAGGED = "retention.flagged", "Flagged for disposal review"
    REVIEW_VIEWED = "retention.review_viewed", "Disposal review opened"
    QUEUE_VIEWED = "retention.queue_viewed", "Disposal review queue shown"
    KEPT = "retention.kept", "Disposal review: kept until a new review date"
    HELD = "retention.held", "Disposal review: kept under a legal hold"
    DESTRUCTION_APPROVED = "retention.destruction_approved", "Destruction approved"
    DESTRUCTION_CONFIRMED = "retention.destruction_confirmed", "Destruction confirmed"
    DESTROYED = "retention.destroyed", "Record destroyed"
    PAPER_DESTROYED = "retention.paper_destroyed", "Paper records' destruction recorded"
    SWEEP_REQUESTED = "retention.sweep_requested", "Retention sweep started by hand"
    RUN_FINISHED = "retention.run_finished", "Retention job run finished"
    REMINDED = "retention.reminded", "Retention reminder sent"
