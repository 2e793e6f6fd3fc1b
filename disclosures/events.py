"""The audit event of a step on a disclosure case: it names the client (so the record's access
log and a subject access bundle show it) and the case, never personal data."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.audit import audit_log
from accounts.models import AuditOutcome, User
from disclosures.models import DisclosureCase


def audit_case(
    action: str,
    *,
    actor: User | None,
    case: DisclosureCase,
    reason: str,
    detail: dict[str, object] | None = None,
    outcome: str = AuditOutcome.SUCCESS,
    request: HttpRequest | None = None,
) -> None:
    audit_log(
        action=action,
        actor=actor,
        outcome=outcome,
        target=case.client,
        reason=reason,
        detail={"case": str(case.uuid), **(detail or {})},
        request=request,
    )
