"""The scale data generator (manage.py scale_data) at a tiny size: what a user would notice."""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client as WebClient
from django.utils import timezone

from accounts import partitions
from accounts.audit import _canonical, _seal, verify_chain
from accounts.models import AuditChainHead, AuditEvent, TOTPDevice, User
from records import policy
from records.models import Client, EntryVersion
from scaledata.audit import JSON, canonical, seal, timestamp
from scaledata.build import PASSWORD, USERNAME_PREFIX

TINY = {"staff": 20, "clients": 60, "entries": 300, "events": 3000}
UNTIL = datetime.date(2026, 11, 20)


def _build(seed: int = 7, **sizes: Any) -> None:
    call_command("scale_data", seed=seed, until=UNTIL, stdout=_Quiet(), **{**TINY, **sizes})


class _Quiet:
    def write(self, text: str) -> None:
        assert "Synthetic" not in text  # progress names no one (a family name in the lists)

    def flush(self) -> None:
        pass


def _snapshot() -> dict[str, Any]:
    clients = list(Client.objects.order_by("pk"))
    versions = list(EntryVersion.objects.select_related("entry__client").order_by("pk")[:50])
    # Ids come from the database's sequences, which a rolled-back run has moved on: compare the
    # trail by what it says (on a fresh database the hashes are identical too).
    trail = list(
        AuditEvent.objects.order_by("seq").values_list(
            "seq", "occurred_at", "action", "outcome", "reason", "actor__username", "object_type"
        )
    )
    return {
        "references": [c.reference for c in clients],
        "names": [(c.given_name, c.family_name, c.nhs_number, c.address) for c in clients],
        "entries": [(v.title, v.body) for v in versions],
        "staff": list(
            User.objects.filter(username__startswith=USERNAME_PREFIX)
            .order_by("username")
            .values_list("username", "first_name", "last_name")
        ),
        "trail": trail,
    }


def test_it_builds_the_sizes_asked_for_with_an_intact_chain(db, settings, tmp_path):
    _build()
    assert User.objects.filter(username__startswith=USERNAME_PREFIX).count() == 20
    assert Client.objects.count() == 60
    assert EntryVersion.objects.count() == 300
    assert AuditEvent.objects.count() == 3000
    report = verify_chain()
    assert report.intact, report.problems
    assert AuditChainHead.objects.get(pk=1).seq == report.last_seq
    reasons = set(AuditEvent.objects.values_list("reason", flat=True))
    assert {"allocation", "team", "team_manager", "admin_duty", "no_grant"} <= reasons
    assert AuditEvent.objects.filter(outcome="denied").exists()
    client = Client.objects.order_by("pk").first()
    assert client is not None
    assert client.given_name
    assert client.family_name
    assert client.date_of_birth
    # Everything before the end date, nothing in the future.
    assert not AuditEvent.objects.filter(occurred_at__gte=timezone.now()).exists()
    # Loaded into the trail's monthly partitions, with every index rebuilt whole and valid.
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT count(*) FROM "{partitions.DEFAULT_PARTITION}"'  # noqa: S608
        )
        assert cursor.fetchone() == (0,)
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE NOT x.indisvalid"
        )
        assert cursor.fetchall() == []


def test_the_same_seed_gives_the_same_data(db, settings, tmp_path):
    snapshots = []
    for run in range(2):
        settings.KEYSTORE_DIR = tmp_path / f"keystore-{run}"
        with transaction.atomic():
            _build()
            snapshots.append(_snapshot())
            transaction.set_rollback(True)
    assert snapshots[0] == snapshots[1]
    settings.KEYSTORE_DIR = tmp_path / "keystore-other"
    _build(seed=8)
    assert _snapshot()["references"] != snapshots[0]["references"]


def test_an_allocated_practitioner_sees_their_caseload(db):
    _build()
    grant = policy.caseload  # the product's own caseload
    worker = next(
        u
        for u in User.objects.filter(username__startswith=f"{USERNAME_PREFIX}p").order_by("pk")
        if grant(u).exists()
    )
    web = WebClient()
    response = web.post("/account/sign-in/", {"username": worker.username, "password": PASSWORD})
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=worker, confirmed=True)
    while device.last_t >= int(time.time()) // device.step:
        time.sleep(0.5)
    assert web.post("/account/two-factor/", {"code": device.current_token()}).status_code == 302
    response = web.get("/records/")
    assert response.status_code == 200
    page = response.content.decode()
    for client in grant(worker):
        assert client.reference in page
    opened = web.get(f"/records/{grant(worker).first().uuid}/")  # type: ignore[union-attr]
    assert opened.status_code == 200


def test_it_refuses_a_database_that_holds_clients(db):
    _build()
    with pytest.raises(CommandError, match="already holds"):
        _build()


def test_the_fast_seal_is_byte_identical_to_the_audit_writer(db, settings):
    micros = 1_700_000_000_123_456
    detail = {
        "entries_listed": ["b", "a"],
        "user_agent": "Navigateur \u00e9t\u00e9 \u2013 1",
        "n": 3,
    }
    for actor, ip in ((None, None), (1, "10.1.2.3")):
        event = AuditEvent(
            seq=42,
            occurred_at=datetime.datetime.fromtimestamp(micros / 1e6, tz=datetime.UTC),
            actor_id=actor,
            action="client.viewed",
            outcome="success",
            object_type="records.client",
            object_id="17",
            reason="allocation",
            detail=detail,
            ip_address=ip,
            key_id=settings.AUDIT_CURRENT_KEY_ID,
            prev_hash="ab" * 32,
        )
        event.occurred_at = event.occurred_at.replace(microsecond=micros % 1_000_000)
        fast = canonical(
            seq=42,
            occurred=timestamp(micros),
            actor=actor,
            action="client.viewed",
            outcome="success",
            object_type="records.client",
            object_id="17",
            reason="allocation",
            detail_json=JSON.encode(detail),
            ip=ip,
            key_id=settings.AUDIT_CURRENT_KEY_ID,
            prev="ab" * 32,
        )
        assert fast == _canonical(event)
        assert seal(settings.AUDIT_HMAC_KEYS[event.key_id], fast) == _seal(event)


def test_keystore_shares_are_private(db, settings):
    _build()
    shares = [p for p in Path(settings.KEYSTORE_DIR).rglob("*") if p.is_file()]
    assert len(shares) == 60
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in shares)
