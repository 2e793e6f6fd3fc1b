"""Encryption at rest: per-client data keys, binding to table/column/row, crypto-shredding,
master-key rotation and blind indexes."""

from __future__ import annotations

import base64
import datetime
import io
import secrets

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEvent
from breaches.models import Breach
from records import crypto
from records.models import Client, ConflictDeclaration
from records.services import client_destroy_data_key, nhs_number_is_valid
from tests.factories import TeamFactory, UserFactory, make_client, make_entry

pytestmark = pytest.mark.django_db


def _fresh(client: Client) -> Client:
    return Client.objects.get(pk=client.pk)


def test_identifiers_are_stored_only_as_ciphertext_and_read_back() -> None:
    client = make_client(TeamFactory.create(), given_name="Zelda", family_name="Quixote")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT given_name_sealed, family_name_sealed FROM records_client WHERE id = %s",
            [client.pk],
        )
        given, family = cursor.fetchone()
    assert b"Zelda" not in bytes(given)
    assert b"Quixote" not in bytes(family)
    assert _fresh(client).full_name == "Zelda Quixote"


def test_each_client_has_its_own_data_key() -> None:
    team = TeamFactory.create()
    first, second = make_client(team), make_client(team)
    assert bytes(first.data_key_wrapped or b"") != bytes(second.data_key_wrapped or b"")


def test_a_ciphertext_moved_to_another_row_does_not_open() -> None:
    team = TeamFactory.create()
    victim = make_client(team, family_name="Victim")
    other = make_client(team, family_name="Other")
    # Same client key, other column: the column is bound in.
    Client.objects.filter(pk=victim.pk).update(given_name_sealed=victim.family_name_sealed)
    with pytest.raises(crypto.DecryptionFailed):
        _ = _fresh(victim).given_name
    # Another client's row: a different key and row.
    Client.objects.filter(pk=other.pk).update(family_name_sealed=victim.family_name_sealed)
    with pytest.raises(crypto.DecryptionFailed):
        _ = _fresh(other).family_name


def test_destroying_the_data_key_makes_every_copy_unreadable() -> None:
    team = TeamFactory.create()
    author = UserFactory.create()
    client = make_client(team, family_name="Shredded")
    entry = make_entry(client, author, body="A note that must go")
    version = entry.current_version
    assert version is not None
    saved_entry_ciphertext = bytes(version.body_sealed)  # as a backup would hold it
    client_destroy_data_key(actor=None, client=client, reason="retention: disposal")
    gone = _fresh(client)
    assert gone.is_disposed
    assert gone.data_key_wrapped is None
    with pytest.raises(crypto.KeyDestroyed):
        _ = gone.family_name
    version.entry.client = gone
    version.body_sealed = saved_entry_ciphertext
    version.__dict__.pop("_plaintext", None)
    with pytest.raises(crypto.KeyDestroyed):
        _ = version.body
    assert AuditEvent.objects.filter(action="client.key_destroyed", object_id=str(client.pk))


def test_master_key_rotation_rewraps_keys_and_the_old_key_can_go(settings) -> None:
    team = TeamFactory.create()
    client = make_client(team, family_name="Rotated")
    declaration = ConflictDeclaration(staff=UserFactory.create(), team=team)
    declaration.connected_person = "A neighbour"
    declaration.save()
    breach = Breach(
        reported_by=UserFactory.create(),
        aware_at=timezone.now(),
        kind="confidentiality",
        category="wrong_recipient",
        data_format="paper",
        protection="unprotected",
        affected="clients",
        records_count=1,
        sensitivity="basic",
    )
    breach.what_happened = "Left on the bus"
    breach.save()
    old_id = settings.RECORD_MASTER_KEY_ID
    new_key = secrets.token_bytes(32)
    settings.RECORD_MASTER_KEYS = {"m2": new_key, **settings.RECORD_MASTER_KEYS}
    settings.RECORD_MASTER_KEY_ID = "m2"
    call_command("rotate_master_key", stdout=io.StringIO())
    assert _fresh(client).data_key_master_id == "m2"
    settings.RECORD_MASTER_KEYS = {"m2": new_key}  # the old key is retired
    assert _fresh(client).family_name == "Rotated"
    assert ConflictDeclaration.objects.get(pk=declaration.pk).connected_person == "A neighbour"
    assert Breach.objects.get(pk=breach.pk).what_happened == "Left on the bus"
    event = AuditEvent.objects.get(action="keys.master_rotated")
    assert event.detail["rewrapped"] == {"client": 1, "conflictdeclaration": 1, "breach": 1}
    assert event.detail["master_key"] == "m2" != old_id


def test_a_key_wrapped_under_a_removed_master_key_says_so(settings) -> None:
    client = make_client(TeamFactory.create())
    settings.RECORD_MASTER_KEYS = {"m9": secrets.token_bytes(32)}
    settings.RECORD_MASTER_KEY_ID = "m9"
    with pytest.raises(crypto.UnknownMasterKey):
        _ = _fresh(client).family_name


def test_settings_refuse_a_master_key_of_the_wrong_length(monkeypatch) -> None:
    import subprocess
    import sys

    short = base64.b64encode(b"x" * 16).decode()
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CONFIDE_MASTER_KEYS": f"m1:{short}",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "CONFIDE_MASTER_KEYS" in result.stderr


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("943 476 5919", True),
        ("9434765919", True),
        ("943 476 5918", False),  # wrong check digit
        ("999 000 0018", True),
        ("123", False),
        ("1111111111", False),  # repeated digits
        ("943 476 591X", False),
    ],
)
def test_nhs_numbers_are_checked_with_modulus_11(number: str, valid: bool) -> None:
    assert nhs_number_is_valid(number) is valid


def test_blind_indexes_find_exact_matches_whatever_the_spacing_and_case() -> None:
    client = make_client(
        TeamFactory.create(),
        family_name="O'Brien-Smith",
        date_of_birth=datetime.date(1980, 2, 29),
        nhs_number="943 476 5919",
    )
    from records.services import name_dob_index, nhs_number_index

    assert client.nhs_number_index == nhs_number_index("9434765919")
    assert client.name_dob_index == name_dob_index("o'brien smith", datetime.date(1980, 2, 29))
    assert client.name_dob_index != name_dob_index("O'Brien-Smith", datetime.date(1980, 3, 1))
    # The index is keyed: it is not a plain hash of the value.
    import hashlib

    assert client.nhs_number_index != hashlib.sha256(b"9434765919").hexdigest()
