"""The audit trail's monthly partitions on PostgreSQL: list them, make them ahead, or detach the
oldest months for archiving."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from accounts import partitions


def _month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise CommandError(f"Give the month as YYYY-MM, not {text!r}") from None


class Command(BaseCommand):
    help = (
        "The audit trail's monthly partitions (PostgreSQL). `list` shows them with their event "
        "counts; `ensure --months N` makes them N months ahead; `detach --before YYYY-MM` "
        "records where the chain stands and detaches every older month, for you to dump "
        "(pg_dump -t <partition>) and then drop."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "ensure", "detach"])
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--before", help="detach: the first month to keep, YYYY-MM")

    def handle(self, *args: Any, **options: Any) -> None:
        if not partitions.is_partitioned():
            raise CommandError(
                "The audit trail is partitioned only on PostgreSQL; this database keeps one table."
            )
        action = options["action"]
        if action == "ensure":
            made = partitions.ensure_ahead(options["months"])
            self.stdout.write(f"{len(made)} partition(s) made.")
        elif action == "detach":
            self._detach(options["before"])
        self._list()

    def _detach(self, before: str | None) -> None:
        if not before:
            raise CommandError("Say which month to keep from: --before YYYY-MM")
        cut = _month(before)
        today = timezone.localdate()
        youngest = partitions.add_months(
            partitions.month_start(today), -settings.AUDIT_ONLINE_MONTHS
        )
        if cut > youngest:
            raise CommandError(
                f"The live trail keeps {settings.AUDIT_ONLINE_MONTHS} months "
                f"(CONFIDE_AUDIT_ONLINE_MONTHS): the latest cut allowed now is "
                f"{youngest:%Y-%m}."
            )
        try:
            archived = partitions.detach_before(cut)
        except partitions.PartitionError as error:
            raise CommandError(str(error)) from None
        for row in archived:
            self.stdout.write(
                f"Detached {row.partition}: {row.events} events, the chain at event "
                f"{row.last_seq}. Dump it with pg_dump -t {row.partition}, then drop it."
            )

    def _list(self) -> None:
        with connection.cursor() as cursor:
            for part in partitions.attached_partitions():
                cursor.execute(f'SELECT count(*) FROM "{part.name}"')  # noqa: S608
                (count,) = cursor.fetchone()
                label = f"{part.month:%Y-%m}" if part.month else "default"
                self.stdout.write(f"{label:>8}  {part.name}  {count} events")
