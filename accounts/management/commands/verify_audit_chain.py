"""Verify the audit chain now (the nightly job does the same); exit 1 if anything is wrong."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.tasks import verify_audit_chain


class Command(BaseCommand):
    help = "Recompute every link of the audit chain and compare it with the latest signed anchor."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_audit_chain()
        if not result["intact"]:
            for problem in result["problems"]:
                self.stderr.write(problem)
            raise CommandError(f"Audit chain broken ({len(result['problems'])} problem(s) shown)")
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {result['checked']} events checked.")
        )
