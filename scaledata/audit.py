"""Audit events written in bulk, sealed exactly as :func:`accounts.audit.audit_log` seals them.

:func:`canonical` builds the same bytes as ``accounts.audit._canonical`` (``json.dumps`` with
sorted keys, compact separators, ``ensure_ascii=False``) from values already in their JSON form,
without building an ``AuditEvent`` per row; :func:`seal` is the same HMAC-SHA256.
``tests/test_scale_data.py`` proves both byte-identical to the product's own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from django.conf import settings

from accounts.models import AuditEvent
from scaledata import copyload

JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The fields this module fills, in the order :class:`Event` holds them. The table's own column
# order (which may change, e.g. when the trail is partitioned) is read from the model.
FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "reason",
    "detail",
    "ip_address",
    "key_id",
    "prev_hash",
    "hash",
)


def timestamp(micros: int, _days: dict[int, str] = {}) -> str:  # noqa: B006 - a cache
    """Microseconds since the epoch as ``_canonical`` writes them (and PostgreSQL reads them):
    ``2024-05-01T09:30:00.000000Z``."""
    day, rest = divmod(micros, 86_400_000_000)
    prefix = _days.get(day)
    if prefix is None:
        prefix = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT")
        _days[day] = prefix
    seconds, fraction = divmod(rest, 1_000_000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}.{fraction:06d}Z"


def quoted(value: str, _cache: dict[str, str] = {}) -> str:  # noqa: B006 - a cache
    """A string in its JSON form, cached: actions, reasons and object types repeat endlessly."""
    found = _cache.get(value)
    if found is None:
        found = json.dumps(value, ensure_ascii=False)
        if len(_cache) < 100_000:
            _cache[value] = found
    return found


def canonical(
    *,
    seq: int,
    occurred: str,
    actor: int | None,
    action: str,
    outcome: str,
    object_type: str,
    object_id: str,
    reason: str,
    detail_json: str,
    ip: str | None,
    key_id: str,
    prev: str,
) -> bytes:
    """``accounts.audit._canonical`` of the event these values describe. ``detail_json`` is the
    detail as :data:`JSON` encodes it."""
    return (
        f'{{"action":{quoted(action)},"actor":{"null" if actor is None else actor},'
        f'"detail":{detail_json},"ip":{"null" if ip is None else quoted(ip)},'
        f'"key_id":{quoted(key_id)},"object_id":{quoted(object_id)},'
        f'"object_type":{quoted(object_type)},"occurred_at":"{occurred}",'
        f'"outcome":{quoted(outcome)},"prev":"{prev}","reason":{quoted(reason)},"seq":{seq}}}'
    ).encode()


def seal(key: bytes, message: bytes) -> str:
    return hmac.digest(key, message, hashlib.sha256).hex()


Event = tuple[int, str, int | None, str, str, str, str, Mapping[str, Any], str | None]
"""(microseconds since the epoch, outcome, actor id, action, object type, object id, reason,
detail, ip address): what :class:`ChainWriter` needs of an event; it adds seq and the hashes."""


class ChainWriter:
    """Turns events, in order, into COPY lines of the audit table, continuing the chain from
    ``(seq, hash)``. ``last`` is the chain head after the last line produced."""

    def __init__(self, *, seq: int, prev_hash: str) -> None:
        self.key_id = settings.AUDIT_CURRENT_KEY_ID
        self.key = settings.AUDIT_HMAC_KEYS[self.key_id]
        self.seq = seq
        self.prev = prev_hash
        fields = copyload.columns(AuditEvent, with_auto=False)
        self.columns = [f.column for f in fields]
        attnames = [f.attname for f in fields]
        missing = set(attnames) - set(FIELDS)
        if missing:
            raise RuntimeError(f"the audit table has columns this loader does not fill: {missing}")
        self._order: Callable[[Sequence[str]], tuple[str, ...]] = itemgetter(
            *[FIELDS.index(a) for a in attnames]
        )

    def lines(self, events: Iterator[Event]) -> Iterator[str]:
        key, key_id, key_quoted = self.key, self.key_id, copyload.text(self.key_id)
        encode, text, order = JSON.encode, copyload.text, self._order
        for micros, outcome, actor, action, object_type, object_id, reason, detail, ip in events:
            self.seq += 1
            occurred = timestamp(micros)
            detail_json = encode(detail)
            digest = seal(
                key,
                canonical(
                    seq=self.seq,
                    occurred=occurred,
                    actor=actor,
                    action=action,
                    outcome=outcome,
                    object_type=object_type,
                    object_id=object_id,
                    reason=reason,
                    detail_json=detail_json,
                    ip=ip,
                    key_id=key_id,
                    prev=self.prev,
                ),
            )
            row = (
                str(self.seq),
                occurred,
                "\\N" if actor is None else str(actor),
                action,
                outcome,
                object_type,
                object_id,
                text(reason),
                text(detail_json),
                "\\N" if ip is None else ip,
                key_quoted,
                self.prev,
                digest,
            )
            self.prev = digest
            yield "\t".join(order(row)) + "\n"
