"""Key shares outside the database: a disposal is final for database dumps too.

The acceptance test of the retention issue: after destruction, the client's remaining ciphertext
(from a database dump taken before disposal) cannot be decrypted with the current keys.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import stat
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from accounts.models import AuditEvent
from records import crypto, keystore
from records.models import Client, Entry, EntryVersion, _own_data_key
from records.services import client_destroy_data_key, key_shares_sweep
from records.tasks import sweep_key_shares
from tests.factories import TeamFactory, UserFactory, make_client, make_entry

pytestmark = pytest.mark.django_db


def _fresh(client: Client) -> Client:
    return Client.objects.get(pk=client.pk)


# --- A database dump, and reading it with the current keys ---------------------------------------


@dataclass
class Dump:
    """What a database dump holds of one client: raw column bytes, as pg_dump would copy them."""

    client: dict[str, Any]
    version: dict[str, Any]


def _dump(client: Client) -> Dump:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, uuid, family_name_sealed, given_name_sealed, data_key_wrapped,"
            " data_key_master_id, data_key_split FROM records_client WHERE id = %s",
            [client.pk],
        )
        columns = [column.name for column in cursor.description]
        client_row = dict(zip(columns, cursor.fetchone(), strict=True))
        cursor.execute(
            "SELECT v.uuid, v.body_sealed FROM records_entryversion v"
            " JOIN records_entry e ON v.entry_id = e.id WHERE e.client_id = %s",
            [client.pk],
        )
        columns = [column.name for column in cursor.description]
        version_row = dict(zip(columns, cursor.fetchone(), strict=True))
    for row in (client_row, version_row):
        for name, value in row.items():
            if isinstance(value, memoryview):
                row[name] = bytes(value)
    return Dump(client=client_row, version=version_row)


def _read_dump(dump: Dump) -> tuple[str, str]:
    """Open the dumped ciphertext as a restored copy would: with the master keys configured now
    and the keystore as it is now. Returns (family name, entry text)."""
    copy = Client(
        id=dump.client["id"],
        uuid=dump.client["uuid"],
        family_name_sealed=dump.client["family_name_sealed"],
        given_name_sealed=dump.client["given_name_sealed"],
        data_key_wrapped=dump.client["data_key_wrapped"],
        data_key_master_id=dump.client["data_key_master_id"],
        data_key_split=dump.client["data_key_split"],
    )
    version = EntryVersion(uuid=dump.version["uuid"], body_sealed=dump.version["body_sealed"])
    version.entry = Entry(client=copy)
    return copy.family_name, version.body


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_taken_before_disposal_cannot_be_decrypted_after_it() -> None:
    client = make_client(TeamFactory.create(), family_name="Shredded")
    make_entry(client, UserFactory.create(), body="A note that must go")
    dump = _dump(client)
    # The dump opens before the disposal: the test would catch a dump that never opened.
    assert _read_dump(dump) == ("Shredded", "A note that must go")
    assert keystore.exists(client.uuid)

    client_destroy_data_key(actor=None, client=client, reason="retention: disposal")

    assert not keystore.exists(client.uuid)
    assert list(keystore.client_uuids()) == []
    assert dump.client["data_key_wrapped"] is not None  # the dump still holds the wrapped key
    with pytest.raises(crypto.KeyShareMissing):
        _read_dump(dump)
    # Nor does the master key alone give the data key: it opens only the inner layer, which is
    # sealed under the destroyed share.
    wrapped, master_id = dump.client["data_key_wrapped"], dump.client["data_key_master_id"]
    assert isinstance(wrapped, bytes)
    assert isinstance(master_id, str)
    inner = crypto.unwrap(wrapped, master_id=master_id, client_uuid=str(client.uuid))
    assert len(inner) != 32
    assert _fresh(client).is_disposed
    assert AuditEvent.objects.filter(action="client.key_destroyed", object_id=str(client.pk))


@pytest.mark.django_db(transaction=True)
def test_a_disposal_that_rolls_back_leaves_the_record_readable() -> None:
    client = make_client(TeamFactory.create(), family_name="Kept")

    def dispose_then_fail() -> None:
        with transaction.atomic():
            client_destroy_data_key(actor=None, client=client, reason="retention: disposal")
            raise RuntimeError("the disposal run fails after the key")

    with pytest.raises(RuntimeError):
        dispose_then_fail()
    assert keystore.exists(client.uuid)
    fresh = _fresh(client)
    assert not fresh.is_disposed
    assert fresh.family_name == "Kept"


def test_new_records_are_split_and_their_share_is_private() -> None:
    client = make_client(TeamFactory.create())
    assert client.data_key_split
    share_file = keystore.path(client.uuid)
    assert share_file.parent.name == str(client.uuid)[:2]
    assert stat.S_IMODE(share_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(share_file.parent.stat().st_mode) == 0o700
    assert len(share_file.read_bytes()) == keystore.SHARE_BYTES
    # The database holds nothing the share could be recovered from.
    assert share_file.read_bytes() not in bytes(_fresh(client).data_key_wrapped or b"")


# --- The repair job ------------------------------------------------------------------------------


def test_the_sweep_removes_the_share_of_a_record_disposed_of_when_the_process_died() -> None:
    client = make_client(TeamFactory.create())
    # In this test's transaction the on-commit removal never runs: as if the process died
    # between the commit and the removal.
    client_destroy_data_key(actor=None, client=client, reason="retention: disposal")
    assert keystore.exists(client.uuid)

    assert sweep_key_shares() == 1

    assert not keystore.exists(client.uuid)
    event = AuditEvent.objects.get(action="keys.shares_swept")
    assert event.detail["removed"] == 1
    assert event.actor is None
    # Again: nothing to do, nothing recorded.
    assert sweep_key_shares() == 0
    assert AuditEvent.objects.filter(action="keys.shares_swept").count() == 1


def test_the_sweep_reports_orphan_and_missing_shares_without_touching_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    team = TeamFactory.create()
    kept, lost = make_client(team), make_client(team)
    orphan = str(uuid.uuid4())
    keystore.put(orphan, crypto.new_key_share())
    keystore.path(lost.uuid).unlink()

    report = key_shares_sweep()

    assert report.orphans == [orphan]
    assert report.missing == [str(lost.uuid)]
    assert report.removed == 0
    assert keystore.exists(orphan)
    assert _fresh(kept).family_name == "Person"
    assert not AuditEvent.objects.filter(action="keys.shares_swept").exists()  # nothing done
    with caplog.at_level(logging.WARNING, logger="records.tasks"):
        sweep_key_shares()
    assert f"key shares with no record: 1, e.g. {orphan}" in caplog.text
    assert f"key share is missing from the keystore: 1, e.g. {lost.uuid}" in caplog.text


def test_the_sweep_removes_temporary_files_left_by_an_interrupted_write() -> None:
    client = make_client(TeamFactory.create())
    folder = keystore.path(client.uuid).parent
    stale, fresh = folder / ".partial-stale", folder / ".partial-fresh"
    stale.write_bytes(b"x" * 32)
    fresh.write_bytes(b"x" * 32)
    hours_ago = time.time() - 2 * 3600
    os.utime(stale, (hours_ago, hours_ago))

    assert key_shares_sweep().temporaries == 1
    assert not stale.exists()
    assert fresh.exists()
    assert keystore.exists(client.uuid)


def test_the_sweep_runs_daily_and_by_command() -> None:
    assert settings.CELERY_BEAT_SCHEDULE["sweep-key-shares"]["task"] == (
        "records.tasks.sweep_key_shares"
    )
    client = make_client(TeamFactory.create())
    client_destroy_data_key(actor=None, client=client, reason="retention: disposal")
    out = io.StringIO()
    call_command("sweep_key_shares", stdout=out)
    assert "Removed 1 key shares of disposed records" in out.getvalue()
    assert not keystore.exists(client.uuid)


# --- Converting existing records -----------------------------------------------------------------


def _make_unsplit(client: Client) -> None:
    """Turn a record into one made before key shares: its key wrapped by the master key alone."""
    data_key = _own_data_key(_fresh(client))
    master_id, wrapped = crypto.wrap(data_key, client_uuid=str(client.uuid))
    Client.objects.filter(pk=client.pk).update(
        data_key_wrapped=wrapped, data_key_master_id=master_id, data_key_split=False
    )
    keystore.destroy(client.uuid)


def test_split_client_keys_converts_existing_records_in_audited_batches() -> None:
    team = TeamFactory.create()
    old = [make_client(team, family_name=f"Old{n}") for n in range(3)]
    disposed = make_client(team)
    for client in [*old, disposed]:
        _make_unsplit(client)
    client_destroy_data_key(actor=None, client=disposed, reason="retention: disposal")
    new = make_client(team, family_name="New")
    new_wrapped = bytes(_fresh(new).data_key_wrapped or b"")
    assert _fresh(old[0]).family_name == "Old0"  # readable before, with no share

    out = io.StringIO()
    call_command("split_client_keys", batch_size=2, stdout=out)

    assert "Split 3 client keys; 0 client keys left unsplit." in out.getvalue()
    for n, client in enumerate(old):
        fresh = _fresh(client)
        assert fresh.data_key_split
        assert keystore.exists(client.uuid)
        assert fresh.family_name == f"Old{n}"
    assert bytes(_fresh(new).data_key_wrapped or b"") == new_wrapped  # already split: untouched
    assert not keystore.exists(disposed.uuid)
    assert not _fresh(disposed).data_key_split
    events = AuditEvent.objects.filter(action="keys.split").order_by("seq")
    assert [event.detail["clients"] for event in events] == [
        [old[0].pk, old[1].pk],
        [old[2].pk],
    ]

    # Again: nothing left to do.
    out = io.StringIO()
    call_command("split_client_keys", stdout=out)
    assert "Split 0 client keys" in out.getvalue()
    assert AuditEvent.objects.filter(action="keys.split").count() == 2


def test_split_client_keys_uses_the_share_an_interrupted_run_made() -> None:
    client = make_client(TeamFactory.create(), family_name="Interrupted")
    _make_unsplit(client)
    share = crypto.new_key_share()
    keystore.put(client.uuid, share)  # the run was cut off before it replaced the key

    call_command("split_client_keys", stdout=io.StringIO())

    assert keystore.get(client.uuid) == share
    assert _fresh(client).family_name == "Interrupted"


def test_a_split_record_disposed_of_is_unreadable_in_a_dump_from_before() -> None:
    client = make_client(TeamFactory.create(), family_name="Converted")
    make_entry(client, UserFactory.create(), body="Older note")
    _make_unsplit(client)
    call_command("split_client_keys", stdout=io.StringIO())
    dump = _dump(client)
    assert _read_dump(dump) == ("Converted", "Older note")

    client_destroy_data_key(actor=None, client=client, reason="retention: disposal")
    sweep_key_shares()  # the on-commit removal does not run inside this test's transaction

    with pytest.raises(crypto.KeyShareMissing):
        _read_dump(dump)


# --- Master-key rotation -------------------------------------------------------------------------


def test_master_key_rotation_rewraps_split_keys_and_they_still_need_the_share(settings) -> None:
    client = make_client(TeamFactory.create(), family_name="Rotated")
    share = keystore.get(client.uuid)
    new_key = secrets.token_bytes(32)
    settings.RECORD_MASTER_KEYS = {"m2": new_key, **settings.RECORD_MASTER_KEYS}
    settings.RECORD_MASTER_KEY_ID = "m2"

    call_command("rotate_master_key", stdout=io.StringIO())
    settings.RECORD_MASTER_KEYS = {"m2": new_key}  # the old master key is retired

    fresh = _fresh(client)
    assert fresh.data_key_master_id == "m2"
    assert fresh.data_key_split
    assert fresh.family_name == "Rotated"
    assert keystore.get(client.uuid) == share  # the share is not part of the rotation
    keystore.destroy(client.uuid)
    with pytest.raises(crypto.KeyShareMissing):
        _ = _fresh(client).family_name


# --- A share gone or altered ---------------------------------------------------------------------


def test_a_missing_share_says_so_and_names_the_keystore() -> None:
    client = make_client(TeamFactory.create())
    keystore.path(client.uuid).unlink()
    with pytest.raises(crypto.KeyShareMissing, match="no key share in the keystore") as error:
        _ = _fresh(client).family_name
    assert str(settings.KEYSTORE_DIR) in str(error.value)
    assert isinstance(error.value, crypto.DecryptionFailed)


@pytest.mark.parametrize("damage", ["replaced", "another_clients", "cut_short"])
def test_an_altered_share_is_refused_clearly(damage: str) -> None:
    team = TeamFactory.create()
    client, other = make_client(team), make_client(team)
    share_file = keystore.path(client.uuid)
    if damage == "replaced":
        share_file.write_bytes(secrets.token_bytes(32))
    elif damage == "another_clients":
        share_file.write_bytes(keystore.path(other.uuid).read_bytes())
    else:
        share_file.write_bytes(share_file.read_bytes()[:16])
    with pytest.raises(crypto.KeyShareMismatch):
        _ = _fresh(client).family_name
    assert _fresh(other).family_name == "Person"


def test_a_split_key_read_as_unsplit_is_refused_clearly() -> None:
    client = make_client(TeamFactory.create())
    Client.objects.filter(pk=client.pk).update(data_key_split=False)
    with pytest.raises(crypto.DecryptionFailed):
        _ = _fresh(client).family_name


# --- The keystore itself -------------------------------------------------------------------------


def test_a_share_is_never_replaced() -> None:
    name = uuid.uuid4()
    first = crypto.new_key_share()
    keystore.put(name, first)
    with pytest.raises(FileExistsError):
        keystore.put(name, crypto.new_key_share())
    assert keystore.get(name) == first
    assert keystore.ensure(name) == first
    assert [p.name for p in keystore.path(name).parent.iterdir()] == [str(name)]


def test_destroying_a_share_is_idempotent() -> None:
    name = uuid.uuid4()
    keystore.put(name, crypto.new_key_share())
    assert keystore.destroy(name) is True
    assert keystore.destroy(name) is False
    with pytest.raises(crypto.KeyShareMissing):
        keystore.get(name)


def test_only_client_uuids_reach_the_file_system() -> None:
    for bad in ("../../etc/passwd", "", "3f/../../x"):
        with pytest.raises(ValueError, match="badly formed"):
            keystore.path(bad)
    assert keystore.path(str(uuid.UUID(int=1)).upper()).name == str(uuid.UUID(int=1))
