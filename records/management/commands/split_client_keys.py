"""Give every existing client record a key share in the keystore, online.

Records made before key shares existed have their data key wrapped by the master key alone, so a
database dump taken before their disposal stays readable with the master key. This wraps each
such key under a new key share (kept in the keystore) and then under the current master key, as
new records are. Only the small wrapped keys change: the records' data stays as it is.

Batch by batch: the shares are written first, then the batch's keys are replaced in one short
transaction with its audit event, each only if the record is still unsplit and not disposed of.
The command can run while staff work, and can be run again after an interruption (a share made
by the interrupted run is used, not replaced).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import QuerySet

from accounts.audit import audit_log
from records import crypto, keystore
from records.actions import RecordAction
from records.models import Client


def _unsplit() -> QuerySet[Client]:
    return Client.objects.filter(
        data_key_split=False, data_key_wrapped__isnull=False, data_key_destroyed_at=None
    )


class Command(BaseCommand):
    help = "Split every client's data key with a key share kept in the keystore."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        done = 0
        after = 0
        while True:
            batch = list(
                _unsplit()
                .filter(pk__gt=after)
                .order_by("pk")
                .values_list("pk", "uuid", "data_key_master_id", "data_key_wrapped")[:batch_size]
            )
            if not batch:
                break
            after = batch[-1][0]
            prepared = []
            for pk, uuid, master_id, wrapped in batch:
                assert wrapped is not None
                data_key = crypto.unwrap(bytes(wrapped), master_id=master_id, client_uuid=str(uuid))
                share = keystore.ensure(uuid)
                new_id, split = crypto.wrap_split(data_key, share, client_uuid=str(uuid))
                prepared.append((pk, uuid, new_id, split))
            split_now = []
            with transaction.atomic():
                for pk, _uuid, new_id, split in prepared:
                    if (
                        _unsplit()
                        .filter(pk=pk)
                        .update(
                            data_key_master_id=new_id, data_key_wrapped=split, data_key_split=True
                        )
                    ):
                        split_now.append(pk)
                if split_now:
                    audit_log(
                        action=RecordAction.KEYS_SPLIT,
                        actor=None,
                        reason="manage.py split_client_keys",
                        detail={"clients": split_now},
                    )
            # A record disposed of while its batch was prepared must not keep the share just made.
            passed_over = [uuid for pk, uuid, _id, _split in prepared if pk not in split_now]
            for uuid in Client.objects.filter(
                uuid__in=passed_over, data_key_destroyed_at__isnull=False
            ).values_list("uuid", flat=True):
                keystore.destroy(uuid)
            done += len(split_now)
        left = _unsplit().count()
        self.stdout.write(f"Split {done} client keys; {left} client keys left unsplit.")
