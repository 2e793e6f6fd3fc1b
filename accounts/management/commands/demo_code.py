"""Print a demo user's current authenticator code (demo and evaluation only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of USERNAME's authenticator. Refused in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Refused under production settings.")
        device = TOTPDevice.objects.filter(
            user__username=options["username"], confirmed=True
        ).first()
        if device is None:
            raise CommandError(f"{options['username']} has no authenticator enrolled.")
        self.stdout.write(device.current_token())
