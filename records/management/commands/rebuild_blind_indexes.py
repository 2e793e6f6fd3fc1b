"""Recompute the keyed hashes behind exact-match search and access monitoring's staff-as-client
check: after CONFIDE_BLIND_INDEX_KEY changes, and once for records made before the surname and
postcode hashes existed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from records import crypto
from records.models import Client
from records.services import name_dob_index, nhs_number_index


class Command(BaseCommand):
    help = "Recompute every client's blind indexes under the current blind-index key."

    def handle(self, *args: Any, **options: Any) -> None:
        done = 0
        for client in Client.objects.filter(data_key_destroyed_at=None).iterator(chunk_size=500):
            with transaction.atomic():
                Client.objects.filter(pk=client.pk).update(
                    nhs_number_index=nhs_number_index(client.nhs_number),
                    name_dob_index=name_dob_index(client.family_name, client.date_of_birth),
                    family_name_index=crypto.surname_index(client.family_name),
                    postcode_index=crypto.postcode_index(client.address),
                )
            done += 1
        self.stdout.write(f"Rebuilt the search indexes of {done} client records.")
