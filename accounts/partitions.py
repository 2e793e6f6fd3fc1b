"""The audit trail, kept for years: one PostgreSQL partition per calendar month (UTC).

Eight years of access events is tens of millions of rows. Partitioning by ``occurred_at`` keeps
each month's reports to one partition, keeps indexes small enough to stay in memory, and lets the
oldest months leave the live database whole: :func:`detach_before` records where the chain stood
at the cut (an :class:`~accounts.models.AuditArchive` row), so :func:`accounts.audit.verify_chain`
still proves the rest unbroken, and then detaches those partitions for the operator to dump and
drop. Nothing here deletes an event.

A ``DEFAULT`` partition catches any event whose month has no partition yet, so an action never
fails for want of one; :func:`ensure_ahead` (daily, on beat) keeps months ready well ahead, so the
default partition stays empty. A month whose events have already landed in the default partition
is left there (logged), because moving them would mean deleting audit rows.

Every partition refuses UPDATE, DELETE and TRUNCATE as the parent does: the row trigger is
inherited, the TRUNCATE trigger and the revoked rights are set on each partition as it is made.

On SQLite (the embedded default for evaluation and small charities) there is one plain table and
every function here does nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

if TYPE_CHECKING:
    from accounts.models import AuditArchive, User

logger = logging.getLogger(__name__)

PARENT = "accounts_auditevent"
DEFAULT_PARTITION = f"{PARENT}_default"
# Creating a partition briefly locks the parent against writers; never wait long for that lock.
LOCK_TIMEOUT = "5s"


class PartitionError(Exception):
    """A partition operation that would break the trail; the message says why."""


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{PARENT}_y{month.year:04d}m{month.month:02d}"


def _bound(month: date) -> str:
    return datetime(month.year, month.month, 1, tzinfo=UTC).isoformat()


def is_partitioned(using: BaseDatabaseWrapper | None = None) -> bool:
    conn = using or connection
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND c.relnamespace = 'public'::regnamespace",
            [PARENT],
        )
        return cursor.fetchone() is not None


@dataclass(frozen=True)
class Partition:
    name: str
    month: date | None  # None for the default partition


def attached_partitions(using: BaseDatabaseWrapper | None = None) -> list[Partition]:
    """The partitions attached now, oldest month first, the default partition last."""
    conn = using or connection
    if not is_partitioned(conn):
        return []
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = %s ORDER BY c.relname",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    partitions = []
    for name in names:
        if name == DEFAULT_PARTITION:
            continue
        suffix = name.removeprefix(f"{PARENT}_y")
        partitions.append(Partition(name, date(int(suffix[:4]), int(suffix[5:7]), 1)))
    if DEFAULT_PARTITION in names:
        partitions.append(Partition(DEFAULT_PARTITION, None))
    return partitions


def protect(cursor: object, name: str) -> None:
    """Make one partition refuse TRUNCATE and give up the writer's own rights to change it (the
    row trigger refusing UPDATE and DELETE comes from the parent)."""
    execute = cursor.execute  # type: ignore[attr-defined]
    execute(
        f'CREATE TRIGGER "{name}_no_truncate" BEFORE TRUNCATE ON "{name}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION confide_audit_append_only()"
    )
    execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{name}" FROM PUBLIC, CURRENT_USER')


def create_default(cursor: object) -> None:
    execute = cursor.execute  # type: ignore[attr-defined]
    execute(f'CREATE TABLE IF NOT EXISTS "{DEFAULT_PARTITION}" PARTITION OF "{PARENT}" DEFAULT')
    protect(cursor, DEFAULT_PARTITION)


def ensure(first: date, last: date, using: BaseDatabaseWrapper | None = None) -> list[str]:
    """Make the monthly partitions from ``first``'s month to ``last``'s month that are missing.
    Returns the names made. A month whose events already sit in the default partition is left
    there and logged."""
    conn = using or connection
    if not is_partitioned(conn):
        return []
    have = {p.name for p in attached_partitions(conn)}
    made: list[str] = []
    month = month_start(first)
    while month <= month_start(last):
        name = partition_name(month)
        if name not in have and _made(conn, month):
            made.append(name)
        month = add_months(month, 1)
    if made:
        logger.info(
            "audit trail: %d monthly partition(s) made, %s to %s", len(made), made[0], made[-1]
        )
    return made


def _made(conn: BaseDatabaseWrapper, month: date) -> bool:
    name = partition_name(month)
    start, end = _bound(month), _bound(add_months(month, 1))
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(
            # The table name is this module's constant; the bounds are parameters.
            f'SELECT EXISTS (SELECT 1 FROM "{DEFAULT_PARTITION}" '  # noqa: S608
            "WHERE occurred_at >= %s AND occurred_at < %s)",
            [start, end],
        )
        row = cursor.fetchone()
        if row is not None and row[0]:
            logger.warning(
                "audit trail: events for %s are in the default partition; that month keeps "
                "them there (no partition made)",
                month.strftime("%Y-%m"),
            )
            return False
        cursor.execute(
            f'CREATE TABLE "{name}" PARTITION OF "{PARENT}" FOR VALUES FROM (%s) TO (%s)',
            [start, end],
        )
        protect(cursor, name)
    return True


def ensure_ahead(months: int = 12) -> list[str]:
    """Partitions from this month to ``months`` ahead: what the daily job and migrate call."""
    this_month = month_start(timezone.now().astimezone(UTC).date())
    return ensure(this_month, add_months(this_month, months))


def detach_before(cut: date, *, actor: User | None = None) -> list[AuditArchive]:
    """Detach every monthly partition wholly before ``cut``'s month, oldest first, after writing
    down where the chain stood at the end of each (so verification of the rest still holds).

    Refused, with nothing changed, unless those months are the start of the live chain: the
    detached events must all come before every event left behind, and follow on from the last
    month archived before."""
    # Imported here: the models module imports nothing from this one, but the audit module does.
    from accounts.audit import GENESIS_HASH, AuditAction, audit_log
    from accounts.models import AuditArchive, AuditChainHead

    cut = month_start(cut)
    leaving = [p for p in attached_partitions() if p.month is not None and p.month < cut]
    if not leaving:
        return []
    archived: list[AuditArchive] = []
    with transaction.atomic(), connection.cursor() as cursor:
        # Writers queue behind the chain head; hold it so the trail stands still meanwhile.
        AuditChainHead.objects.select_for_update().filter(pk=1).first()
        previous = AuditArchive.objects.order_by("-last_seq").first()
        last_seq = previous.last_seq if previous else 0
        last_hash = previous.last_hash if previous else GENESIS_HASH
        for part in leaving:
            assert part.month is not None
            cursor.execute(
                f'SELECT count(*), min(seq), max(seq) FROM "{part.name}"'  # noqa: S608
            )
            count, first_seq, max_seq = cursor.fetchone()
            if count:
                if first_seq != last_seq + 1 or max_seq - first_seq + 1 != count:
                    raise PartitionError(
                        f"{part.name} holds events {first_seq} to {max_seq} ({count}); the "
                        f"chain before it ends at {last_seq}: it is not the next stretch"
                    )
                cursor.execute(
                    f'SELECT hash FROM "{part.name}" WHERE seq = %s',  # noqa: S608
                    [max_seq],
                )
                (last_hash,) = cursor.fetchone()
                last_seq = max_seq
            archived.append(
                AuditArchive.objects.create(
                    partition=part.name,
                    month=part.month,
                    events=count,
                    first_seq=first_seq,
                    last_seq=last_seq,
                    last_hash=last_hash,
                    detached_by=actor,
                )
            )
        cursor.execute(
            'SELECT EXISTS (SELECT 1 FROM "accounts_auditevent" WHERE (seq <= %s AND '
            "occurred_at >= %s) OR (seq > %s AND occurred_at < %s))",
            [last_seq, _bound(cut), last_seq, _bound(cut)],
        )
        if cursor.fetchone()[0]:
            raise PartitionError(
                "the chain and the calendar disagree at the cut (events before it in the chain "
                "dated after it, or after it in the chain dated before it): detaching would "
                "leave a gap"
            )
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        for part in leaving:
            cursor.execute(f'ALTER TABLE "{PARENT}" DETACH PARTITION "{part.name}"')
        audit_log(
            action=AuditAction.AUDIT_PARTITIONS_DETACHED,
            actor=actor,
            detail={
                "partitions": [p.name for p in leaving],
                "events": sum(a.events for a in archived),
                "last_seq": last_seq,
            },
        )
    logger.info("audit trail: %d partition(s) detached, up to event %d", len(archived), last_seq)
    return archived
