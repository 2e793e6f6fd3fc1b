"""Re-wrap every client's data key (and each declaration's and breach's) under the newest master
key, online.

Put the new key first in CONFIDE_MASTER_KEYS (keeping the old one after it), restart, run this,
then drop the old key. Only the small wrapped keys change: the records' data stays as it is.
A split key's inner layer, sealed under the client's key share, is carried over unopened, so the
keystore is not touched and the key still needs its share (tests/records/test_keystore.py).
Each key is re-wrapped in its own short transaction, only if nobody changed it meanwhile, so the
command can run while staff work and can be run again after an interruption.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.audit import audit_log
from breaches.models import Breach
from records import crypto
from records.actions import RecordAction
from records.models import Client, ConflictDeclaration


class Command(BaseCommand):
    help = "Re-wrap every client's data key under the newest master key."

    def handle(self, *args: Any, **options: Any) -> None:
        current = settings.RECORD_MASTER_KEY_ID
        counts = {}
        # Breaches hold their own data key too (their sealed report and investigation).
        for model in (Client, ConflictDeclaration, Breach):
            done = 0
            stale = model.objects.exclude(data_key_master_id=current).filter(
                data_key_wrapped__isnull=False
            )
            for pk, uuid, master_id, wrapped in stale.values_list(
                "pk", "uuid", "data_key_master_id", "data_key_wrapped"
            ).iterator(chunk_size=500):
                assert wrapped is not None
                data_key = crypto.unwrap(bytes(wrapped), master_id=master_id, client_uuid=str(uuid))
                new_id, rewrapped = crypto.wrap(data_key, client_uuid=str(uuid))
                with transaction.atomic():
                    done += model.objects.filter(
                        pk=pk, data_key_master_id=master_id, data_key_wrapped__isnull=False
                    ).update(data_key_master_id=new_id, data_key_wrapped=rewrapped)
            counts[model._meta.model_name] = done
        audit_log(
            action=RecordAction.MASTER_KEY_ROTATED,
            actor=None,
            reason="manage.py rotate_master_key",
            detail={"master_key": current, "rewrapped": counts},
        )
        left = (
            Client.objects.exclude(data_key_master_id=current)
            .filter(data_key_wrapped__isnull=False)
            .count()
        )
        self.stdout.write(
            f"Re-wrapped {counts['client']} client keys, {counts['conflictdeclaration']} "
            f"declaration keys and {counts['breach']} breach keys under {current}; "
            f"{left} client keys left under older keys."
        )
