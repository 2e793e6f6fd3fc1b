"""Build a large synthetic organisation for the benchmarks (bench/), deterministically."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from accounts.models import User
from records.models import Client
from scaledata.build import SIZES, USERNAME_PREFIX, Builder, Size


class Command(BaseCommand):
    help = (
        "Build a large synthetic organisation (staff, clients, entries, audit trail) for the "
        "benchmarks. PostgreSQL only; refused in production, under DEBUG, and on a database "
        "that already holds clients unless --allow-existing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--size", choices=sorted(SIZES), default="ci")
        parser.add_argument("--staff", type=int)
        parser.add_argument("--clients", type=int)
        parser.add_argument("--entries", type=int)
        parser.add_argument("--events", type=int)
        parser.add_argument(
            "--until",
            type=date.fromisoformat,
            help="The day the data ends (default today); with the seed, fixes every row.",
        )
        parser.add_argument(
            "--allow-existing",
            action="store_true",
            help="Add to a database that already holds clients.",
        )
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="Load with the indexes in place instead of rebuilding them afterwards.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Synthetic scale data is refused under production settings.")
        if settings.DEBUG:
            raise CommandError(
                "DEBUG is on: Django would keep every query in memory. Run with DJANGO_DEBUG=false."
            )
        if connection.vendor != "postgresql":
            raise CommandError("The scale data set is loaded with COPY: use PostgreSQL.")
        if User.objects.filter(username__startswith=USERNAME_PREFIX).exists():
            raise CommandError("This database already holds scale data; use a fresh database.")
        if Client.objects.exists() and not options["allow_existing"]:
            raise CommandError(
                "This database already holds clients. Use a dedicated database, or pass "
                "--allow-existing to add to it."
            )
        base = SIZES[options["size"]]
        size = Size(
            staff=options["staff"] or base.staff,
            clients=options["clients"] or base.clients,
            entries=options["entries"] if options["entries"] is not None else base.entries,
            events=options["events"] or base.events,
        )
        if size.staff < 20:
            raise CommandError("At least 20 staff: two teams and the organisation's own roles.")
        until = options["until"] or timezone.localdate()
        started = time.monotonic()
        self.stdout.write(
            f"Building: {size.staff:,} staff, {size.clients:,} clients, {size.entries:,} entries, "
            f"{size.events:,} audit events, up to {until}, seed {options['seed']}"
        )
        builder = Builder(
            seed=options["seed"],
            size=size,
            until=until,
            say=self._say,
            drop_indexes=not options["keep_indexes"],
        )
        try:
            builder.run()
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Scale data ready in {time.monotonic() - started:.0f} s.")
        )

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
