"""The audit trail: one writer, hash-chained, append-only in the database, verifiable, anchored."""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError, InternalError

from accounts.audit import GENESIS_HASH, anchor_chain_head, audit_log, verify_chain
from accounts.models import AuditChainHead, AuditEvent, User
from accounts.tasks import anchor_audit_chain, verify_audit_chain
from tests.factories import UserFactory


@pytest.fixture
def trail(db) -> list[AuditEvent]:
    actor = UserFactory.create(username="writer")
    return [
        audit_log(action="test.event", actor=actor, detail={"n": n}, reason="testing")
        for n in range(5)
    ]


def _tamper(sql: str, params: list[Any]) -> None:
    """What someone with superuser access to the database might do: bypass triggers and edit."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = origin")


def test_events_form_a_chain_from_genesis(trail: list[AuditEvent]) -> None:
    assert [e.seq for e in trail] == [1, 2, 3, 4, 5]
    assert trail[0].prev_hash == GENESIS_HASH
    for previous, event in itertools.pairwise(trail):
        assert event.prev_hash == previous.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (5, trail[-1].hash)
    assert verify_chain().intact


def test_database_refuses_to_update_an_audit_row(trail: list[AuditEvent]) -> None:
    with pytest.raises((InternalError, DatabaseError), match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[0].pk).update(reason="nothing to see")


def test_database_refuses_to_delete_an_audit_row(trail: list[AuditEvent]) -> None:
    with pytest.raises((InternalError, DatabaseError), match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[0].pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_database_refuses_to_truncate_the_audit_trail() -> None:
    audit_log(action="test.event", actor=None)
    with (
        pytest.raises((InternalError, DatabaseError), match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE accounts_auditevent")
    assert AuditEvent.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="privileges are PostgreSQL's")
def test_the_application_role_holds_no_update_delete_or_truncate_right_on_the_trail(
    trail: list[AuditEvent],
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE table_name = 'accounts_auditevent' AND grantee = current_user"
        )
        rights = {row[0] for row in cursor.fetchall()}
    assert {"SELECT", "INSERT"} <= rights
    assert not rights & {"UPDATE", "DELETE", "TRUNCATE"}


def test_verification_detects_reordered_rows(trail: list[AuditEvent]) -> None:
    # Swap events 2 and 3 by exchanging their sequence numbers.
    _tamper("UPDATE accounts_auditevent SET seq = 1000000 WHERE seq = 2", [])
    _tamper("UPDATE accounts_auditevent SET seq = 2 WHERE seq = 3", [])
    _tamper("UPDATE accounts_auditevent SET seq = 3 WHERE seq = 1000000", [])
    report = verify_chain()
    assert not report.intact
    assert "event 2 has been altered" in report.problems
    assert "event 2 does not follow its predecessor" in report.problems


def test_verification_detects_an_edited_row(trail: list[AuditEvent]) -> None:
    _tamper("UPDATE accounts_auditevent SET reason = %s WHERE seq = %s", ["edited", 3])
    report = verify_chain()
    assert not report.intact
    assert "event 3 has been altered" in report.problems


def test_verification_detects_a_removed_row(trail: list[AuditEvent]) -> None:
    _tamper("DELETE FROM accounts_auditevent WHERE seq = %s", [2])
    report = verify_chain()
    assert "gap: expected event 2, found 3" in report.problems
    assert "event 3 does not follow its predecessor" in report.problems


def test_anchor_outside_the_database_detects_truncation(trail: list[AuditEvent], settings) -> None:
    anchor = anchor_chain_head()
    assert anchor is not None
    assert anchor["seq"] == 5
    _tamper("DELETE FROM accounts_auditevent WHERE seq >= %s", [4])
    AuditChainHead.objects.filter(pk=1).update(seq=3, hash=trail[2].hash)  # a careful attacker
    report = verify_chain()
    assert any(p.startswith("truncated") for p in report.problems)


def test_a_forged_anchor_line_is_ignored(trail: list[AuditEvent], settings) -> None:
    anchor_chain_head()
    path = settings.AUDIT_ANCHOR_DIR / "anchors.jsonl"
    forged = json.loads(path.read_text().splitlines()[-1])
    forged.update(seq=2, hash="f" * 64)
    with path.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
    assert verify_chain().intact


def test_no_personal_data_in_the_typed_fields_of_sign_in_events(client, db) -> None:
    client.post("/account/sign-in/", {"username": "someone", "password": "hunter2hunter2"})
    row = AuditEvent.objects.get()
    assert "hunter2" not in json.dumps(row.detail)
    assert "someone" not in json.dumps(row.detail)


def test_audit_write_rolls_back_with_the_action_it_records(db) -> None:
    def failing_action() -> None:
        with transaction.atomic():
            audit_log(action="test.event", actor=None)
            raise RuntimeError("the action failed")

    with pytest.raises(RuntimeError):
        failing_action()
    assert not AuditEvent.objects.exists()


def test_scheduled_jobs_anchor_and_verify(trail: list[AuditEvent], settings) -> None:
    anchor = anchor_audit_chain.apply().get()
    assert anchor is not None
    assert anchor["seq"] == 5
    result = verify_audit_chain.apply().get()
    assert result == {"checked": 5, "intact": True, "problems": []}
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.outcome) == ("audit.verified", "success")


def test_verification_job_records_a_broken_chain_as_a_failure(trail: list[AuditEvent]) -> None:
    _tamper("UPDATE accounts_auditevent SET action = %s WHERE seq = %s", ["nothing", 1])
    result = verify_audit_chain.apply().get()
    assert result["intact"] is False
    assert (
        AuditEvent.objects.order_by("-seq").values_list("outcome", flat=True).first() == "failure"
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain() -> None:
    actor = UserFactory.create(username="busy")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(15):
                with transaction.atomic():
                    audit_log(
                        action="test.concurrent",
                        actor=User.objects.get(pk=actor.pk),
                        detail={"t": n, "i": i},
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == 60
    report = verify_chain()
    assert report.intact, report.problems
    assert report.last_seq == 60


def test_verify_command_reports_a_broken_chain(trail: list[AuditEvent]) -> None:
    from django.core.management import CommandError, call_command

    call_command("verify_audit_chain")
    _tamper("UPDATE accounts_auditevent SET reason = %s WHERE seq = %s", ["edited", 2])
    with pytest.raises(CommandError, match="Audit chain broken"):
        call_command("verify_audit_chain")
