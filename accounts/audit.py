"""The audit trail: the one function that writes it, and the checks that prove it untouched.

Every app records what happens through :func:`audit_log`, inside the transaction of the action it
records, so an action and its audit event commit or fail together. Each event carries an HMAC
(key outside the database) over its content and its predecessor's hash; writers lock the chain
head row, so concurrent writers queue instead of forking the chain. The database itself refuses
UPDATE and DELETE on audit rows (triggers, migration 0002), and the chain head is periodically
signed into a file outside the database, so that truncation shows too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import AuditArchive, AuditChainHead, AuditEvent, AuditOutcome, User

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    """Sign-in and account events. Other apps define their own action codes beside these."""

    SIGNIN_PASSWORD_OK = "signin.password_ok", "Password accepted"
    SIGNIN_FAILED = "signin.failed", "Sign-in failed"
    SIGNIN_LOCKED_OUT = "signin.locked_out", "Sign-in refused: locked out"
    SIGNIN_SUCCESS = "signin.success", "Signed in with second factor"
    SIGNIN_FACTOR_FAILED = "signin.factor_failed", "Second factor rejected"
    SIGNIN_FACTOR_THROTTLED = "signin.factor_throttled", "Second factor throttled"
    BACKUP_CODE_USED = "mfa.backup_code_used", "Backup code used"
    MFA_ENROLLED = "mfa.enrolled", "Authenticator enrolled"
    MFA_RESET = "mfa.reset", "Second factor reset"
    BACKUP_CODES_ISSUED = "mfa.backup_codes_issued", "Backup codes issued"
    SIGNOUT = "signout", "Signed out"
    SESSION_LOCKED = "session.locked", "Session locked when idle"
    SESSION_UNLOCKED = "session.unlocked", "Session unlocked"
    SESSION_UNLOCK_FAILED = "session.unlock_failed", "Unlock failed"
    PASSWORD_CHANGED = "password.changed", "Password changed"
    POLICY_ACKNOWLEDGED = "policy.acknowledged", "Confidentiality policy acknowledged"
    USER_DEACTIVATED = "user.deactivated", "Staff account disabled"
    AUDIT_CHAIN_VERIFIED = "audit.verified", "Audit chain verified"
    AUDIT_CHAIN_ANCHORED = "audit.anchored", "Audit chain head anchored"
    AUDIT_PARTITIONS_DETACHED = "audit.detached", "Old months of the audit trail detached"


def _label(obj: models.Model) -> str:
    return obj._meta.label_lower


def _canonical(event: AuditEvent) -> bytes:
    occurred = event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = {
        "seq": event.seq,
        "occurred_at": occurred,
        "actor": event.actor_id,
        "action": event.action,
        "outcome": event.outcome,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "reason": event.reason,
        "detail": event.detail,
        "ip": event.ip_address,
        "key_id": event.key_id,
        "prev": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _seal(event: AuditEvent) -> str:
    key = settings.AUDIT_HMAC_KEYS[event.key_id]
    return hmac.new(key, _canonical(event), hashlib.sha256).hexdigest()


def render_audited(
    request: HttpRequest,
    template: str,
    context: Mapping[str, object],
    *,
    action: str,
    target: models.Model,
    reason: str,
    detail: Mapping[str, Any],
) -> HttpResponse:
    """Render a page that shows personal data, then write its audit event: if the event cannot
    be written, the page is not served. The page is rendered first so that the chain head's
    lock is held only for the write and its commit, not while the template runs."""
    response = render(request, template, context)
    actor = request.user if isinstance(request.user, User) else None
    with transaction.atomic():
        audit_log(
            action=action,
            actor=actor,
            target=target,
            reason=reason,
            detail=detail,
            request=request,
        )
    return response


def audit_log(
    *,
    action: str,
    actor: User | None,
    outcome: str = AuditOutcome.SUCCESS,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    detail: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event to the audit trail, in the caller's transaction.

    ``target`` (or ``object_type`` and ``object_id``) names what was acted on; ``reason`` is the
    access reason the user gave or the rule that applied; ``detail`` says what was shown or changed
    (entry ids, field names, counts), never personal data itself. Raises if the event cannot be
    written, so the caller's action fails with it.
    """
    if target is not None:
        object_type, object_id = _label(target), str(target.pk)
    if actor is not None and not actor.is_authenticated:
        actor = None
    detail = dict(detail or {})
    if request is not None:
        # "From where": the address is a column, the browser goes with the detail.
        detail.setdefault("user_agent", request.META.get("HTTP_USER_AGENT", "")[:200])
    return append_event(
        AuditEvent(
            actor=actor,
            action=action,
            outcome=str(outcome),
            object_type=object_type,
            object_id=str(object_id),
            reason=reason,
            detail=detail,
            ip_address=get_client_ip_address(request) if request is not None else None,
        )
    )


def append_event(event: AuditEvent, *, occurred_at: datetime | None = None) -> AuditEvent:
    """Chain and seal ``event`` and write it, under the chain head's lock. Code records actions
    through :func:`audit_log`, which stamps the time; only imports of an earlier system's trail
    and tests that craft one give ``occurred_at``.

    No savepoint: an event that cannot be written fails the caller's whole transaction, which
    is what the caller wants. The lock is held from here to the caller's commit, so callers
    write their event last, just before they commit (see :func:`render_audited`)."""
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        event.seq = head.seq + 1
        event.occurred_at = occurred_at or timezone.now()
        event.key_id = settings.AUDIT_CURRENT_KEY_ID
        event.prev_hash = head.hash
        event.hash = _seal(event)
        if connection.vendor == "postgresql":
            _insert_and_move_head(event)
        else:
            event.save(force_insert=True)
            head.seq, head.hash = event.seq, event.hash
            head.save(update_fields=["seq", "hash"])
    return event


_FIELDS = list(AuditEvent._meta.concrete_fields)
_APPEND_SQL = """
    WITH appended AS (
        INSERT INTO {events} ({columns}) VALUES ({values}) RETURNING seq, hash
    )
    UPDATE {head} SET seq = appended.seq, hash = appended.hash FROM appended WHERE {head}.id = 1
"""


def _insert_and_move_head(event: AuditEvent) -> None:
    """The insert and the head's move in one statement: one round trip instead of two."""
    quote = connection.ops.quote_name
    sql = _APPEND_SQL.format(
        events=quote(AuditEvent._meta.db_table),
        head=quote(AuditChainHead._meta.db_table),
        columns=", ".join(quote(f.column) for f in _FIELDS),
        values=", ".join(["%s"] * len(_FIELDS)),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [f.get_db_prep_save(getattr(event, f.attname), connection) for f in _FIELDS]
        )
        if cursor.rowcount != 1:  # the head row is made by a migration; see _locked_head
            raise RuntimeError("the audit chain head did not move")
    event._state.adding = False
    event._state.db = connection.alias


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # The row is made by migration 0002; it is missing only after a test flush. Rebuild it from
    # the chain's last event, under the insert's lock, rather than start a second genesis.
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    AuditChainHead.objects.get_or_create(
        pk=1,
        defaults={
            "seq": last["seq"] if last else 0,
            "hash": last["hash"] if last else GENESIS_HASH,
        },
    )
    return AuditChainHead.objects.select_for_update().get(pk=1)


# --- Verification ---------------------------------------------------------------------------------


@dataclass
class ChainReport:
    checked: int = 0
    last_seq: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(*, batch_size: int = 5000) -> ChainReport:
    """Recompute every link: detects an edited row, a removed row (gap) and a forged row.

    Months detached from the live database (accounts.partitions) are not read: the chain is
    checked on from where it stood when they left, as their archive rows record."""
    report = ChainReport()
    archived = AuditArchive.objects.order_by("-last_seq").first()
    previous_hash = archived.last_hash if archived else GENESIS_HASH
    expected_seq = archived.last_seq + 1 if archived else 1
    report.last_seq = expected_seq - 1
    rows = AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size)
    for event in rows:
        if event.seq != expected_seq:
            report.problems.append(f"gap: expected event {expected_seq}, found {event.seq}")
        if event.prev_hash != previous_hash:
            report.problems.append(f"event {event.seq} does not follow its predecessor")
        if event.key_id not in settings.AUDIT_HMAC_KEYS:
            report.problems.append(f"event {event.seq} is sealed with unknown key {event.key_id!r}")
        elif not hmac.compare_digest(_seal(event), event.hash):
            report.problems.append(f"event {event.seq} has been altered")
        previous_hash = event.hash
        expected_seq = event.seq + 1
        report.checked += 1
        report.last_seq = event.seq
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.seq != report.last_seq:
        report.problems.append(
            f"chain head says {head.seq} events, the table holds up to {report.last_seq}"
        )
    anchor = latest_anchor()
    if anchor is not None:
        if anchor["seq"] > report.last_seq:
            report.problems.append(
                f"truncated: an anchor signed at {anchor['at']} saw event {anchor['seq']}, "
                f"the table ends at {report.last_seq}"
            )
        else:
            anchored = (
                AuditEvent.objects.filter(seq=anchor["seq"]).values_list("hash", flat=True).first()
            )
            if anchored != anchor["hash"]:
                report.problems.append(f"event {anchor['seq']} differs from its signed anchor")
    return report


# --- Anchors: the chain head, signed, outside the database ----------------------------------------


def _anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_DIR) / "anchors.jsonl"


def _anchor_signature(body: Mapping[str, Any]) -> str:
    key = settings.AUDIT_HMAC_KEYS[body["key_id"]]
    message = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, b"anchor|" + message, hashlib.sha256).hexdigest()


def anchor_chain_head() -> dict[str, Any] | None:
    """Append the signed chain head to the anchor file; None if the trail is still empty."""
    head = AuditChainHead.objects.filter(pk=1).values("seq", "hash").first()
    if head is None or head["seq"] == 0:
        return None
    body = {
        "seq": head["seq"],
        "hash": head["hash"],
        "at": timezone.now().astimezone(UTC).isoformat(),
        "key_id": settings.AUDIT_CURRENT_KEY_ID,
    }
    line = {**body, "signature": _anchor_signature(body)}
    path = _anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True) + "\n")
    return line


def latest_anchor() -> dict[str, Any] | None:
    """The newest anchor whose signature holds; a forged or damaged line is skipped."""
    path = _anchor_file()
    if not path.exists():
        return None
    for raw in reversed(path.read_text(encoding="utf-8").splitlines()):
        try:
            line = json.loads(raw)
            body = {k: line[k] for k in ("seq", "hash", "at", "key_id")}
        except (ValueError, KeyError, TypeError):
            continue
        if body["key_id"] in settings.AUDIT_HMAC_KEYS and hmac.compare_digest(
            _anchor_signature(body), str(line.get("signature", ""))
        ):
            return line  # type: ignore[no-any-return]
    return None
