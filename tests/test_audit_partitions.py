"""The audit trail built for eight years: monthly partitions on PostgreSQL, every one of them
append-only, and the oldest months detachable without breaking the chain's proof."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError, InternalError
from django.test import override_settings

from accounts import partitions
from accounts.audit import append_event, audit_log, verify_chain
from accounts.models import AuditArchive, AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's (CI runs on it)"
)


def _at(year: int, month: int, day: int = 15) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def _event_at(when: datetime, action: str = "test.event") -> AuditEvent:
    return append_event(AuditEvent(action=action, outcome="success"), occurred_at=when)


def _partition_of(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM accounts_auditevent WHERE seq = %s", [event.seq]
        )
        row = cursor.fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.django_db
def test_events_land_in_their_months_partition_made_a_year_ahead() -> None:
    event = audit_log(action="test.event", actor=None)
    month = partitions.month_start(event.occurred_at.astimezone(UTC).date())
    assert _partition_of(event) == partitions.partition_name(month)
    names = {p.name for p in partitions.attached_partitions()}
    assert partitions.partition_name(partitions.add_months(month, 12)) in names
    assert partitions.DEFAULT_PARTITION in names


@pytest.mark.django_db
def test_a_month_with_no_partition_still_takes_its_events_and_keeps_them() -> None:
    early = _event_at(_at(2011, 3))
    assert _partition_of(early) == partitions.DEFAULT_PARTITION
    # Its month is not carved out of the default partition later: that would move audit rows.
    assert partitions.ensure(date(2011, 2, 1), date(2011, 4, 1)) == [
        "accounts_auditevent_y2011m02",
        "accounts_auditevent_y2011m04",
    ]
    assert _partition_of(early) == partitions.DEFAULT_PARTITION
    assert partitions.ensure(date(2011, 2, 1), date(2011, 4, 1)) == []  # idempotent
    assert verify_chain().intact


@pytest.mark.django_db
def test_every_partition_refuses_changes_made_to_it_directly() -> None:
    event = audit_log(action="test.event", actor=None)
    name = _partition_of(event)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks in TRUNCATE's way
    statements: list[tuple[str, list[str | int]]] = [
        (f'UPDATE "{name}" SET reason = %s', ["x"]),  # noqa: S608
        (f'DELETE FROM "{name}" WHERE seq = %s', [event.seq]),  # noqa: S608
        (f'TRUNCATE "{name}"', []),
    ]
    for statement, params in statements:
        with (
            pytest.raises((InternalError, DatabaseError), match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, params)


@pytest.mark.django_db
def test_detaching_old_months_keeps_the_rest_of_the_chain_provable() -> None:
    partitions.ensure(date(2012, 1, 1), date(2012, 4, 1))
    january = [_event_at(_at(2012, 1, day)) for day in (3, 4)]
    february = [_event_at(_at(2012, 2, day)) for day in (3, 4, 5)]
    april = _event_at(_at(2012, 4))
    today = audit_log(action="test.event", actor=None)
    operator = UserFactory.create(username="dba")

    archived = partitions.detach_before(date(2012, 3, 1), actor=operator)

    assert [(a.partition, a.events, a.first_seq, a.last_seq) for a in archived] == [
        ("accounts_auditevent_y2012m01", 2, january[0].seq, january[-1].seq),
        ("accounts_auditevent_y2012m02", 3, february[0].seq, february[-1].seq),
    ]
    assert archived[-1].last_hash == february[-1].hash
    names = {p.name for p in partitions.attached_partitions()}
    assert "accounts_auditevent_y2012m02" not in names
    assert "accounts_auditevent_y2012m03" in names  # empty, but after the cut
    # The events left the live trail whole, into tables the operator dumps and drops.
    assert not AuditEvent.objects.filter(seq__lte=february[-1].seq).exists()
    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM "accounts_auditevent_y2012m02"')
        assert cursor.fetchone() == (3,)
    assert AuditEvent.objects.filter(seq__in=[april.seq, today.seq]).count() == 2
    report = verify_chain()
    assert report.intact, report.problems
    detached = AuditEvent.objects.get(action="audit.detached")
    assert detached.actor == operator
    assert detached.detail["partitions"] == [a.partition for a in archived]

    # The proof still bites after the cut: alter the first event left and verification says so.
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE accounts_auditevent SET reason = 'x' WHERE seq = %s", [april.seq])
        cursor.execute("SET session_replication_role = origin")
    assert f"event {april.seq} has been altered" in verify_chain().problems


@pytest.mark.django_db
def test_detaching_is_refused_when_it_would_leave_a_gap_in_the_chain() -> None:
    partitions.ensure(date(2013, 1, 1), date(2013, 2, 1))
    _event_at(_at(2013, 2))
    _event_at(_at(2013, 1))  # later in the chain, earlier in the calendar
    before = {p.name for p in partitions.attached_partitions()}

    with pytest.raises(partitions.PartitionError, match="not the next stretch"):
        partitions.detach_before(date(2013, 2, 1))

    assert {p.name for p in partitions.attached_partitions()} == before
    assert not AuditArchive.objects.exists()


@pytest.mark.django_db
def test_the_command_refuses_to_detach_months_the_live_trail_must_keep() -> None:
    partitions.ensure(date(2014, 1, 1), date(2014, 1, 1))
    with override_settings(AUDIT_ONLINE_MONTHS=96), pytest.raises(CommandError, match="96"):
        call_command("audit_partitions", "detach", "--before", "2030-01")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("audit_partitions", "detach", "--before", "January")
    assert "accounts_auditevent_y2014m01" in {p.name for p in partitions.attached_partitions()}
