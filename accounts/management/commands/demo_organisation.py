"""Create (or refresh) the demo organisation and print how to sign in as each role."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.audit import append_event, audit_log
from accounts.models import AuditEvent, Role, Team, TOTPDevice, User
from accounts.services import backup_codes_replace
from breaches import services as breaches
from breaches.models import Breach
from disclosures import services as disclosures
from disclosures.models import DataSharingAgreement, DisclosureCase, RequestKind
from monitoring.evaluate import evaluate
from monitoring.models import Finding
from records import services as records
from records.models import Allocation, Client, ClientStatus, EntryKind, ReferralSource
from retention import services as retention
from retention.models import LegalHold
from retention.sweep import run_sweep

DEMO_PASSWORD = "Demo passphrase for Confide 2026"  # noqa: S105 - demo only; refused in production

TEAMS = [
    ("North talking therapies", "Talking therapies"),
    ("Housing support", "Housing and homelessness support"),
]

PEOPLE: list[tuple[str, str, str, list[Role], int, bool]] = [
    # username, first name, last name, roles, team index, system administrator
    ("practitioner", "Priya", "Practitioner", [Role.PRACTITIONER], 0, False),
    ("admin.staff", "Adam", "Administrator", [Role.ADMIN_STAFF], 0, False),
    ("colleague", "Chris", "Colleague", [Role.PRACTITIONER], 1, False),
    ("manager", "Morgan", "Manager", [Role.MANAGER], 0, False),
    ("data.team", "Dana", "Analyst", [Role.DATA_TEAM], 0, False),
    ("ig.lead", "Isla", "Governance", [Role.IG_LEAD], 0, False),
    ("guardian", "Gareth", "Guardian", [Role.CALDICOTT_GUARDIAN], 0, False),
    ("sysadmin", "Sam", "Sysadmin", [], 0, True),
]

DEMO_BACKUP_CODES = 5

# Invented people. The NHS numbers are in the 999 range, which is never issued to patients.
CLIENTS: list[tuple[str, str, str, str, int, ClientStatus]] = [
    # given name, family name, date of birth, NHS number, team index, status
    ("Avery", "Synthetic", "1984-03-02", "999 000 0018", 0, ClientStatus.ACTIVE),
    ("Blake", "Example", "1991-11-23", "999 000 0026", 0, ClientStatus.ACTIVE),
    ("Casey", "Fictional", "1975-07-14", "", 0, ClientStatus.REFERRED),
    ("Devon", "Madeup", "2001-05-30", "999 000 0034", 0, ClientStatus.CLOSED),
    ("Emery", "Placeholder", "1968-01-09", "999 000 0042", 1, ClientStatus.ACTIVE),
    ("Finley", "Invented", "1999-09-19", "", 1, ClientStatus.REFERRED),
]

# Where each demo client's referral came from (a category, not personal data), by number.
REFERRAL_SOURCES = {
    1: ReferralSource.GP,
    2: ReferralSource.SELF,
    3: ReferralSource.GP,
    4: ReferralSource.NHS_OTHER,
    5: ReferralSource.HOUSING,
    6: ReferralSource.LOCAL_AUTHORITY,
    7: ReferralSource.SELF,
    8: ReferralSource.SELF,
}


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
            self._clients(teams)
            self._disclosures()
            self._breaches()
            self._retention(teams)
            self._monitoring()
            audit_log(
                action="demo.created",
                actor=None,
                detail={"users": len(rows), "clients": Client.objects.count()},
            )

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

    def _clients(self, teams: list[Team]) -> None:
        """Referrals logged by the admin team, three allocated to the practitioner, a note each."""
        admin = {
            0: User.objects.get(username="admin.staff"),
            1: User.objects.get(username="colleague"),
        }
        manager = User.objects.get(username="manager")
        manager.teams.add(*teams)  # the service manager runs both teams
        practitioner = User.objects.get(username="practitioner")
        for number, (given, family, born, nhs, team, status) in enumerate(CLIENTS, start=1):
            reference = f"DEMO-{number:04d}"
            if Client.objects.filter(reference=reference).exists():
                continue
            client = records.client_create(
                actor=admin[team],
                team=teams[team],
                reference=reference,
                details=records.ClientDetails(
                    given_name=given,
                    family_name=family,
                    date_of_birth=datetime.date.fromisoformat(born),
                    nhs_number=nhs,
                    address=f"{number} Demo Street\nExampletown\nZZ99 9ZZ",
                    phone=f"01632 960{number:03d}",
                    referred_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=17 * number),
                    referral_source=REFERRAL_SOURCES[number],
                    referrer_name="Dr Demo Referrer",
                    referrer_organisation="Example Medical Practice",
                    referrer_contact="01632 960999",
                    referral_reason="Low mood and anxiety; self-referral supported by the GP.",
                ),
            )
            if status != ClientStatus.REFERRED:
                records.client_set_status(
                    actor=manager,
                    client=client,
                    status=ClientStatus.ACTIVE,
                )
            if team == 0 and number <= 3:
                records.client_allocate(actor=manager, client=client, worker=practitioner)
                records.entry_create(
                    actor=practitioner,
                    client=client,
                    kind=EntryKind.CONTACT_NOTE,
                    content=records.EntryContent(
                        occurred_on=datetime.date(2026, 2, 1) + datetime.timedelta(days=number),
                        title="Initial assessment",
                        body="Met for the initial assessment. Agreed goals and six sessions.",
                        special_categories=["health"],
                    ),
                )
            if status == ClientStatus.CLOSED:
                records.client_set_status(actor=manager, client=client, status=ClientStatus.CLOSED)

    def _disclosures(self) -> None:
        """A data-sharing protocol; a police request waiting for the Caldicott Guardian; a
        subject access request and a rectification request on the IG lead's clock."""
        if DisclosureCase.objects.filter(client__reference__startswith="DEMO-").exists():
            return
        today = timezone.localdate()
        DataSharingAgreement.objects.get_or_create(
            title="Community safety information-sharing protocol",
            defaults={
                "kind": DataSharingAgreement.Kind.PROTOCOL,
                "partner": "Exampletown Police",
                "parties": "Exampletown Police; Exampletown Council; the charity",
                "scope": "Crime and Disorder Act 1998 section 115: preventing crime and disorder.",
                "signed_on": datetime.date(2025, 4, 1),
                "review_on": datetime.date(2027, 4, 1),
            },
        )
        admin = User.objects.get(username="admin.staff")
        practitioner = User.objects.get(username="practitioner")
        ig_lead = User.objects.get(username="ig.lead")
        police = disclosures.case_open(
            actor=admin,
            client=Client.objects.get(reference="DEMO-0001"),
            details=disclosures.RequestDetails(
                kind=RequestKind.POLICE,
                channel="police_form",
                received_on=today - datetime.timedelta(days=2),
                requester_name="DC Demo Officer",
                requester_organisation="Exampletown Police",
                requester_contact="Force switchboard 01632 960000",
                purpose="Investigating a burglary at the client's former address.",
                asked_for="Dates the client attended appointments in February.",
                legal_basis_cited="DPA 2018 Schedule 2 Part 1 paragraph 2",
            ),
        )
        disclosures.case_verify(
            actor=admin,
            case=police,
            method="call_back",
            note="Called back through the force switchboard and put through to the officer.",
        )
        first_entry = police.client.entries.get()
        disclosures.case_propose(
            actor=practitioner,
            case=police,
            decision=disclosures.DecisionDetails(
                share=True,
                reasons="Attendance dates only: needed to rule the client out of the enquiry.",
                consent_purpose="other",
                exception="serious_crime",
                lawful_basis="legal_obligation",
                article9_condition="substantial_public_interest",
                items=[(first_entry.uuid, ["date"])],
            ),
        )
        for reference, kind, days_ago, asked_for in (
            (
                "DEMO-0002",
                RequestKind.SUBJECT_ACCESS,
                20,
                "A copy of all you hold about me.",
            ),
            ("DEMO-0003", RequestKind.RECTIFICATION, 26, "My date of birth is recorded wrongly."),
        ):
            client = Client.objects.get(reference=reference)
            disclosures.case_open(
                actor=ig_lead,
                client=client,
                details=disclosures.RequestDetails(
                    kind=kind,
                    channel="letter",
                    received_on=today - datetime.timedelta(days=days_ago),
                    requester_name=client.full_name,
                    asked_for=asked_for,
                ),
            )

    def _breaches(self) -> None:
        """Three breaches at different stages: an urgent safety case just reported, a wrong
        recipient being investigated with the ICO clock running, and a near miss closed with its
        lessons."""
        if Breach.objects.exists():
            return
        now = timezone.now()
        practitioner = User.objects.get(username="practitioner")
        admin = User.objects.get(username="admin.staff")
        manager = User.objects.get(username="manager")
        ig_lead = User.objects.get(username="ig.lead")

        def details(**fields: Any) -> breaches.BreachDetails:
            base: dict[str, Any] = {
                "kind": "confidentiality",
                "category": "wrong_recipient",
                "near_miss": False,
                "urgent_safety": False,
                "data_format": "paper",
                "protection": "unprotected",
                "affected": "clients",
                "record_types": "",
                "records_count": 1,
                "sensitivity": "confidential",
                "stolen": False,
                "crime_number": "",
                "staff_involved": "",
                "ongoing_risk": "",
            }
            return breaches.BreachDetails(**{**base, **fields})

        breaches.breach_report(
            actor=practitioner,
            details=details(
                aware_at=now - datetime.timedelta(hours=2),
                urgent_safety=True,
                what_data="The client's new address",
                record_types="Appointment letter",
                risks="The client moved to get away from a violent former partner.",
                recovery_steps="Phoned the client to warn them; asked the housing team for help.",
                what_happened="An appointment letter went to the client's former address, where "
                "their former partner still lives.",
                client_references=["DEMO-0002"],
            ),
        )
        investigated = breaches.breach_report(
            actor=admin,
            details=details(
                aware_at=now - datetime.timedelta(hours=50),
                data_format="electronic",
                what_data="A referral letter",
                record_types="Referral letter",
                sensitivity="special_category",
                risks="Distress; the recipient may know the client.",
                recovery_steps="Asked the recipient to delete it and confirm.",
                what_happened="A referral letter was e-mailed to the wrong GP practice.",
                staff_involved="Adam Administrator sent it.",
                client_references=["DEMO-0001"],
            ),
        )
        breaches.breach_assign(actor=ig_lead, breach=investigated, officer=manager)
        breaches.breach_contain(
            actor=manager,
            breach=investigated,
            contained_at=investigated.aware_at + datetime.timedelta(hours=5),
            note="The practice confirmed in writing that the e-mail was deleted unread.",
        )
        breaches.breach_assess(
            actor=manager,
            breach=investigated,
            assessment=breaches.Assessment(
                likelihood="low",
                severity="high",
                notify_ico=True,
                ico_reasons="Health information about a named client left the organisation.",
                tell_people=True,
                tell_reasons="The client should hear it from us.",
            ),
        )
        near_miss = breaches.breach_report(
            actor=practitioner,
            details=details(
                aware_at=now - datetime.timedelta(days=40),
                near_miss=True,
                kind="availability",
                category="lost_or_stolen",
                data_format="device",
                protection="encrypted",
                affected="clients_and_staff",
                records_count=0,
                what_data="A work laptop (no records stored on it)",
                risks="None: the disk is encrypted and it was found within the hour.",
                recovery_steps="Found on the train and handed in.",
                what_happened="A laptop was left on a train for an hour.",
            ),
        )
        breaches.breach_assign(actor=ig_lead, breach=near_miss, officer=ig_lead)
        breaches.breach_contain(
            actor=ig_lead,
            breach=near_miss,
            contained_at=near_miss.aware_at + datetime.timedelta(hours=1),
            note="Laptop recovered; the login history shows no use.",
        )
        breaches.breach_assess(
            actor=ig_lead,
            breach=near_miss,
            assessment=breaches.Assessment(
                likelihood="low",
                severity="low",
                notify_ico=False,
                ico_reasons="Encrypted, recovered unused: no risk to anyone.",
                tell_people=False,
                tell_reasons="No risk to anyone.",
            ),
        )
        breaches.breach_record_lessons(
            actor=ig_lead,
            breach=near_miss,
            lessons="Laptops travel in a bag kept on the person, never on a luggage rack.",
        )
        breaches.breach_close(actor=ig_lead, breach=near_miss)

    def _retention(self, teams: list[Team]) -> None:
        """Two records closed in 2016, past the default 8 years: the sweep flags one for a
        disposal review; the other is under a legal hold for a complaint. And a paper disposal
        certificate from the confidential-waste contractor."""
        if Client.objects.filter(reference="DEMO-0007").exists():
            return
        admin = User.objects.get(username="admin.staff")
        manager = User.objects.get(username="manager")
        ig_lead = User.objects.get(username="ig.lead")
        old = []
        for number, reference, given, family, born in (
            (7, "DEMO-0007", "Gale", "Archived", "1960-02-11"),
            (8, "DEMO-0008", "Harper", "Complained", "1972-10-05"),
        ):
            client = records.client_create(
                actor=admin,
                team=teams[0],
                reference=reference,
                details=records.ClientDetails(
                    given_name=given,
                    family_name=family,
                    date_of_birth=datetime.date.fromisoformat(born),
                    referred_on=datetime.date(2015, 3, 2),
                    referral_source=REFERRAL_SOURCES[number],
                    referral_reason="Self-referral.",
                ),
            )
            records.client_set_status(actor=manager, client=client, status=ClientStatus.ACTIVE)
            records.client_set_status(
                actor=manager,
                client=client,
                status=ClientStatus.CLOSED,
                on=datetime.date(2016, 6, 30),
            )
            old.append(client)
        retention.hold_place(
            actor=ig_lead,
            client=old[1],
            reason=LegalHold.Reason.COMPLAINT,
            detail="Complaint to the Ombudsman about the service, still open.",
            review_on=timezone.localdate() + datetime.timedelta(days=90),
        )
        run_sweep()
        retention.paper_destruction_record(
            actor=ig_lead,
            contractor="Example Confidential Shredding Ltd",
            contractor_certificate="ECS-2026-0412",
            destroyed_on=datetime.date(2026, 4, 12),
            description="Four archive boxes of paper case files, talking therapies, closed 2015.",
        )

    def _monitoring(self) -> None:
        """Late last night the practitioner opened a record and two of its entries: the nightly
        rules raise an after-hours finding for the data team to review."""
        if Finding.objects.exists():
            return
        practitioner = User.objects.get(username="practitioner")
        client = Client.objects.get(reference="DEMO-0001")
        late = datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=1),
            datetime.time(23, 20),
            tzinfo=timezone.get_current_timezone(),
        )
        for minute, action in enumerate(("client.viewed", "entry.viewed", "entry.viewed")):
            append_event(
                AuditEvent(
                    actor=practitioner,
                    action=action,
                    outcome="success",
                    object_type="records.client",
                    object_id=str(client.pk),
                    reason="allocation",
                ),
                occurred_at=late + datetime.timedelta(minutes=4 * minute),
            )
        Allocation.objects.filter(client=client, worker=practitioner).update(
            started_at=late - datetime.timedelta(days=30)
        )
        evaluate()

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
