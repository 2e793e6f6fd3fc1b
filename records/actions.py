"""Audit action codes for client records. Events about a record name the client as their target
and say in ``detail`` which entries, versions or fields were shown or changed."""

from __future__ import annotations

from django.db import models


class RecordAction(models.TextChoices):
    CLIENT_VIEWED = "client.viewed", "Client record viewed"
    CLIENT_ACCESS_DENIED = "client.access_denied", "Client record refused"
    CLIENT_CREATED = "client.created", "Client record created (referral logged)"
    CLIENT_UPDATED = "client.updated", "Client's administrative details changed"
    CLIENT_ALLOCATED = "client.allocated", "Worker allocated"
    CLIENT_DEALLOCATED = "client.deallocated", "Worker's allocation ended"
    CLIENT_KEY_DESTROYED = "client.key_destroyed", "Client's data key destroyed"
    LIST_VIEWED = "clients.list_viewed", "List of clients shown"
    SEARCHED = "clients.searched", "Clients searched"
    ENTRY_VIEWED = "entry.viewed", "Entry viewed"
    ENTRY_HISTORY_VIEWED = "entry.history_viewed", "Entry's version history viewed"
    ATTACHMENT_ADDED = "attachment.added", "Document attached"
    ATTACHMENT_VIEWED = "attachment.viewed", "Document opened"
    ENTRY_CREATED = "entry.created", "Entry added"
    ENTRY_AMENDED = "entry.amended", "Entry amended (new version)"
    CHALLENGE_RECORDED = "challenge.recorded", "Client's challenge to an entry recorded"
    CHALLENGE_DECIDED = "challenge.decided", "Challenge to an entry decided"
    OFF_SITE_VIEWED = "off_site.viewed", "Off-site requests viewed"
    OFF_SITE_REQUESTED = "off_site.requested", "Taking records off site requested"
    OFF_SITE_DECIDED = "off_site.decided", "Taking records off site approved or refused"
    OFF_SITE_RETURNED = "off_site.returned", "Records taken off site returned"
    ACCESS_LOG_VIEWED = "client.access_log_viewed", "Who has accessed the record: viewed"
    CONSENT_VIEWED = "consent.viewed", "Client's consents viewed"
    CONSENT_RECORDED = "consent.recorded", "Consent to share recorded"
    CONSENT_WITHDRAWN = "consent.withdrawn", "Consent withdrawn"
    BREAK_GLASS_GRANTED = "break_glass.granted", "Break-the-glass access granted"
    BREAK_GLASS_REFUSED = "break_glass.refused", "Break-the-glass access refused"
    BREAK_GLASS_EXPIRED = "break_glass.expired", "Expired break-the-glass grants removed"
    BREAK_GLASS_REVIEWED = "break_glass.reviewed", "Break-the-glass access reviewed"
    CONFLICT_DECLARED = "conflict.declared", "Conflict of interest declared"
    DECLARATION_VIEWED = "conflict.viewed", "Conflict-of-interest declaration viewed"
    CONFLICT_DECIDED = "conflict.decided", "Conflict-of-interest declaration decided"
    MASTER_KEY_ROTATED = "keys.master_rotated", "Client data keys re-wrapped"
    KEYS_SPLIT = "keys.split", "Client data keys split with the keystore"
    KEY_SHARES_SWEPT = "keys.shares_swept", "Keystore brought in line with the records"
