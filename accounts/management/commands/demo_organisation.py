"""Create (or refresh) the demo organisation and print how to sign in as each role."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.audit import audit_log
from accounts.models import Role, Team, TOTPDevice, User
from accounts.services import backup_codes_replace
from records.models import Client, ClientStatus

DEMO_PASSWORD = "Demo passphrase for Confide 2026"  # noqa: S105 - demo only; refused in production

TEAMS = [
    ("North talking therapies", "Talking therapies"),
    ("Housing support", "Housing and homelessness support"),
]

PEOPLE: list[tuple[str, str, str, list[Role], int, bool]] = [
    # username, first name, last name, roles, team index, system administrator
    ("practitioner", "Priya", "Practitioner", [Role.PRACTITIONER], 0, False),
    ("admin.staff", "Adam", "Administrator", [Role.ADMIN_STAFF], 0, False),
    ("manager", "Morgan", "Manager", [Role.MANAGER], 0, False),
    ("data.team", "Dana", "Analyst", [Role.DATA_TEAM], 0, False),
    ("ig.lead", "Isla", "Governance", [Role.IG_LEAD], 0, False),
    ("guardian", "Gareth", "Guardian", [Role.CALDICOTT_GUARDIAN], 0, False),
    ("sysadmin", "Sam", "Sysadmin", [], 0, True),
]

DEMO_BACKUP_CODES = 5


class Command(BaseCommand):
    help = (
        "Create the demo organisation: teams, one user per role, a few clients. Not in production."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo organisation is refused under production settings.")
        with transaction.atomic():
            teams = [
                Team.objects.get_or_create(name=name, defaults={"service": service})[0]
                for name, service in TEAMS
            ]
            rows = [self._person(teams, *person) for person in PEOPLE]
            practitioner = User.objects.get(username="practitioner")
            for number in range(1, 7):
                client, _ = Client.objects.get_or_create(
                    reference=f"DEMO-{number:04d}",
                    defaults={
                        "team": teams[0] if number <= 4 else teams[1],
                        "status": [ClientStatus.REFERRED, ClientStatus.ACTIVE, ClientStatus.CLOSED][
                            number % 3
                        ],
                        "referred_on": datetime.date(2026, 1, 1)
                        + datetime.timedelta(days=17 * number),
                    },
                )
                if number <= 3:
                    client.allocated_workers.add(practitioner)
            audit_log(action="demo.created", actor=None, detail={"users": len(rows), "clients": 6})

        self.stdout.write(self.style.SUCCESS("Demo organisation ready."))
        self.stdout.write(f"Every demo user's password: {DEMO_PASSWORD}")
        self.stdout.write(
            "Second factor: add the otpauth URI (or secret) to an authenticator app, or run\n"
            "  .venv/bin/python manage.py demo_code USERNAME\n"
            "to print the current code; or use one of the single-use backup codes below.\n"
        )
        for username, roles, uri, codes in rows:
            self.stdout.write(self.style.MIGRATE_HEADING(f"{username}  ({roles})"))
            self.stdout.write(f"  otpauth URI:  {uri}")
            self.stdout.write(f"  backup codes: {' '.join(codes)}")

    def _person(
        self,
        teams: list[Team],
        username: str,
        first: str,
        last: str,
        roles: list[Role],
        team: int,
        staff: bool,
    ) -> tuple[str, str, str, list[str]]:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.invalid"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = staff
        user.is_active = True
        user.save()
        user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
        user.teams.add(teams[team])
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.new_for(user)
            device.confirmed = True
            device.save()
        codes = backup_codes_replace(user=user, count=DEMO_BACKUP_CODES)
        label = ", ".join(r.label for r in roles) or "System administrator"
        return username, label, device.config_url, codes
