"""Re-seal encrypted values under the newest key in CONFIDE_FIELD_KEYS.

Rotation: put the new key first in CONFIDE_FIELD_KEYS (keep the old one after it), restart, run
this command, then drop the old key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import crypto
from accounts.audit import audit_log
from accounts.models import TOTPDevice


class Command(BaseCommand):
    help = "Re-encrypt stored secrets under the newest field-encryption key."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for pk in TOTPDevice.objects.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                device = TOTPDevice.objects.select_for_update().get(pk=pk)
                device.encrypted_key = crypto.rotate(device.encrypted_key)
                device.save(update_fields=["encrypted_key"])
                count += 1
        with transaction.atomic():
            audit_log(action="keys.rotated", actor=None, detail={"totp_devices": count})
        self.stdout.write(
            self.style.SUCCESS(f"Re-sealed {count} authenticator secret(s) under the newest key.")
        )
