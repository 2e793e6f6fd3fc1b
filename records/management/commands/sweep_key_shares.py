"""Bring the keystore in line with the records now, as the daily job does.

Run it after restoring the keystore from a backup: the backup may hold shares of records disposed
of since it was taken, and this removes them at once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from records.services import key_shares_sweep


class Command(BaseCommand):
    help = "Remove the key shares of disposed records; report orphan and missing shares."

    def handle(self, *args: Any, **options: Any) -> None:
        report = key_shares_sweep()
        self.stdout.write(
            f"Removed {report.removed} key shares of disposed records. "
            f"{len(report.orphans)} shares have no record; "
            f"{len(report.missing)} records are missing their share."
        )
        for uuid in report.missing[:20]:
            self.stderr.write(f"missing: the key share of client {uuid}")
        for uuid in report.orphans[:20]:
            self.stdout.write(f"orphan: a key share for {uuid}, which is not a client")
