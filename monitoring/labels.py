"""Plain-English names for the audit trail's action and reason codes, from every app's own list."""

from __future__ import annotations

from accounts.audit import AuditAction
from breaches.actions import BreachAction
from disclosures.actions import DisclosureAction
from monitoring.actions import MonitoringAction
from records.actions import RecordAction
from records.policy import Reason
from retention.actions import RetentionAction

ACTION_LABELS: dict[str, str] = {}
for _actions in (
    AuditAction,
    RecordAction,
    DisclosureAction,
    BreachAction,
    RetentionAction,
    MonitoringAction,
):
    ACTION_LABELS.update({code: str(label) for code, label in _actions.choices})

REASON_LABELS: dict[str, str] = {code: str(label) for code, label in Reason.choices}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code, code) if code else "None recorded"
