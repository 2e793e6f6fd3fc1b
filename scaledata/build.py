"""Build a large synthetic organisation: staff in teams, clients with encrypted records, entries,
consents, break-the-glass uses, disclosures, breaches, retention, and years of audit trail.

The big tables (clients, entries and their versions, allocations, grants, audit events) go in
with COPY, with their indexes and foreign keys put aside while they load and rebuilt afterwards
under the same names and definitions. Every encrypted value is sealed with the product's own
functions (``records.crypto``, the models' ``Sealed`` attributes) and opens through the models.

Determinism: each stage draws from its own ``random.Random`` seeded from the seed and the stage's
name, and rows are generated in a fixed order, so a seed and an ``until`` date give the same rows.
The random parts are the secrets only: data keys, key shares and AES-GCM nonces.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import random
import time
import uuid
import zoneinfo
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import connection, models, transaction

from accounts.audit import AuditAction
from accounts.models import (
    AuditChainHead,
    AuditEvent,
    PolicyAcknowledgement,
    Role,
    Team,
    TOTPDevice,
    User,
)
from accounts.selectors import current_policy
from breaches.models import Breach
from disclosures.models import CaseStatus, Channel, DisclosureCase, RequestKind
from records import crypto, keystore
from records.actions import RecordAction
from records.models import (
    Allocation,
    BreakGlassAccess,
    Client,
    ClientStatus,
    ClientUserObjectPermission,
    Consent,
    ConsentPurpose,
    ConsentRecipient,
    Entry,
    EntryKind,
    EntryVersion,
    RecipientCategory,
)
from records.policy import Reason
from records.services import name_dob_index, nhs_number_index, recipient_index
from retention.models import LegalHold, RecordRetention, RetentionClass
from scaledata import copyload
from scaledata.audit import ChainWriter, Event

PASSWORD = "Scale passphrase for Confide 2026"  # noqa: S105 - synthetic data; refused in production
USERNAME_PREFIX = "scale."
CASELOAD = 25  # open cases per practitioner: the caseload the benchmark measures
YEARS = 8  # the audit trail's span
LIST_CAP = 10  # a client page's audit event lists at most this many entries (see README)
LONDON = zoneinfo.ZoneInfo("Europe/London")
DAY_US = 86_400_000_000


@dataclass(frozen=True)
class Size:
    staff: int
    clients: int
    entries: int
    events: int


SIZES = {
    "full": Size(staff=500, clients=200_000, entries=5_000_000, events=20_000_000),
    "ci": Size(staff=40, clients=400, entries=4_000, events=30_000),
}

GIVEN = [
    "Avery",
    "Blake",
    "Casey",
    "Devon",
    "Emery",
    "Finley",
    "Harper",
    "Jordan",
    "Kendall",
    "Logan",
    "Morgan",
    "Nico",
    "Oakley",
    "Parker",
    "Quinn",
    "Riley",
    "Rowan",
    "Sage",
    "Taylor",
    "Reese",
    "Alexis",
    "Jamie",
    "Robin",
    "Ashton",
    "Bailey",
    "Cameron",
    "Drew",
    "Ellis",
    "Frankie",
    "Gray",
    "Hayden",
    "Indigo",
    "Jules",
    "Kai",
    "Lane",
    "Marley",
    "Noel",
    "Peyton",
    "Remy",
    "Sasha",
]
FAMILY = [
    "Synthetic",
    "Example",
    "Fictional",
    "Madeup",
    "Placeholder",
    "Invented",
    "Sample",
    "Testcase",
    "Specimen",
    "Mockley",
    "Dummond",
    "Notreal",
    "Fakeham",
    "Pretendon",
    "Imaginary",
    "Hypothet",
    "Modelson",
    "Templeton",
    "Stubbs",
    "Proxley",
    "Surrogate",
    "Standin",
    "Exemplar",
    "Archetype",
    "Prototype",
    "Facsimile",
    "Replica",
    "Simulacre",
    "Likeness",
    "Copley",
]
TOWNS = ["Exampletown", "Sampleford", "Testbury", "Mockington", "Placeham", "Dummyvale"]
TITLES = (
    "Contact note",
    "Initial assessment",
    "Review of support plan",
    "Telephone call",
    "Home visit",
    "Risk assessment update",
    "Multi-agency meeting",
    "Letter from housing officer",
    "Benefits check",
    "Session notes",
)
SENTENCES = (
    "Met at the office as arranged.",
    "Spoke by telephone for twenty minutes.",
    "Reviewed the goals agreed at the last session.",
    "Mood described as low but improving.",
    "Sleep remains disturbed; discussed routines.",
    "Agreed to contact the housing officer about repairs.",
    "Rent arrears discussed; a payment plan is in place.",
    "No new risks identified today.",
    "Safety plan reviewed and still appropriate.",
    "Attended with a friend for support.",
    "Discussed coping strategies for anxiety.",
    "Next appointment booked for two weeks' time.",
    "Letter received from the GP practice.",
    "Completed the outcome measures.",
    "Referred to the benefits advice service.",
    "Described a difficult week at work.",
    "Practised the breathing exercise together.",
    "Asked about volunteering opportunities.",
    "Tenancy sustainment plan updated.",
    "Missed the previous appointment; rebooked.",
)
ENTRY_KINDS = (
    [EntryKind.CONTACT_NOTE] * 12
    + [EntryKind.SUPPORT_PLAN] * 2
    + [EntryKind.RISK_ASSESSMENT] * 2
    + [EntryKind.MEETING_RECORD] * 2
    + [EntryKind.CASE_DOCUMENT, EntryKind.OTHER_AGENCY, EntryKind.BENEFITS_RENTS]
)
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Safari/537.36 Edg/130.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
)

# Event kinds, packed into each event's sort key.
(
    K_CREATED,
    K_ALLOCATED,
    K_ACTIVATED,
    K_CLOSED,
    K_DEALLOCATED,
    K_ENTRY_CREATED,
    K_VIEW,
    K_ENTRY_VIEW,
    K_TEAM_VIEW,
    K_TEAM_ENTRY_VIEW,
    K_MANAGER_VIEW,
    K_ADMIN_VIEW,
    K_DENIED,
    K_ACCESS_LOG,
    K_HISTORY,
    K_GLASS_GRANTED,
    K_GLASS_VIEW,
    K_GLASS_REVIEWED,
    K_CONSENT,
    K_LIST,
    K_SIGNIN_PASSWORD,
    K_SIGNIN,
    K_DISCLOSURE,
    K_BREACH,
) = range(24)

# Background activity on a client's record: kind, share.
BACKGROUND = (
    (K_VIEW, 0.40),
    (K_ENTRY_VIEW, 0.36),
    (K_TEAM_VIEW, 0.04),
    (K_TEAM_ENTRY_VIEW, 0.03),
    (K_MANAGER_VIEW, 0.05),
    (K_ADMIN_VIEW, 0.06),
    (K_DENIED, 0.02),
    (K_ACCESS_LOG, 0.01),
    (K_HISTORY, 0.03),
)
AFTER_HOURS = 0.06  # share of activity outside 08:00-18:00 on weekdays
LIST_SHARE = 0.10  # of the trail: caseload lists shown
SIGNIN_SHARE = 0.08  # of the trail: sign-ins (two events each)


def _uuid(key: bytes, kind: bytes, n: int) -> uuid.UUID:
    digest = hashlib.blake2b(n.to_bytes(8, "big"), key=key, person=kind, digest_size=16).digest()
    return uuid.UUID(bytes=digest, version=4)


def _reference(n: int, salt: int) -> str:
    """A unique, random-looking case reference in the product's alphabet: an affine bijection
    of ``n`` modulo 32**7, so no two clients collide."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    value = (n * 0x2F5A_3B1 + salt) % (32**7)
    chars = []
    for _ in range(7):
        value, digit = divmod(value, 32)
        chars.append(alphabet[digit])
    return "C-" + "".join(chars)


def _nhs_number(n: int) -> str:
    """A valid NHS number in the 999 range, which is never issued to patients."""
    k = 0
    while True:
        body = f"999{(n * 7 + k) % 1_000_000:06d}"
        total = sum(int(d) * (10 - i) for i, d in enumerate(body))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return f"{body[:3]} {body[3:6]} {body[6:]}{check}"
        k += 1


class Progress:
    """Rows per second and time left, printed every few seconds. Counts only: no row content."""

    def __init__(self, say: Callable[[str], None], label: str, total: int) -> None:
        self.say, self.label, self.total = say, label, max(total, 1)
        self.done = 0
        self.started = self.last = time.monotonic()

    def tick(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= 5:
            self.last = now
            rate = self.done / max(now - self.started, 1e-9)
            left = (self.total - self.done) / rate if rate else 0
            share = 100 * self.done / self.total
            self.say(
                f"  {self.label}: {self.done:,} / {self.total:,} ({share:.0f}%)"
                f", {rate:,.0f} rows/s, about {timedelta(seconds=int(left))} left"
            )

    def end(self) -> None:
        took = time.monotonic() - self.started
        self.say(
            f"  {self.label}: {self.done:,} in {took:.1f} s ({self.done / max(took, 1e-9):,.0f}/s)"
        )


@dataclass
class Staff:
    teams: list[int] = field(default_factory=list)
    practitioners: dict[int, list[int]] = field(default_factory=dict)  # team id -> user ids
    managers: dict[int, list[int]] = field(default_factory=dict)
    admins: dict[int, list[int]] = field(default_factory=dict)
    data_team: list[int] = field(default_factory=list)
    ig_leads: list[int] = field(default_factory=list)
    guardians: list[int] = field(default_factory=list)
    team_of: dict[int, int] = field(default_factory=dict)
    agent: dict[int, str] = field(default_factory=dict)
    ip: dict[int, str] = field(default_factory=dict)

    def everyone(self) -> list[int]:
        return sorted(self.agent)


@dataclass
class Plan:
    """Per client, in arrays indexed by client number (0-based)."""

    n: int
    ids: array[int] = field(default_factory=lambda: array("q"))
    team: array[int] = field(default_factory=lambda: array("q"))
    referred: array[int] = field(default_factory=lambda: array("q"))  # day numbers
    first: array[int] = field(default_factory=lambda: array("q"))  # -1 when none
    closed: array[int] = field(default_factory=lambda: array("q"))  # -1 when open
    worker: array[int] = field(default_factory=lambda: array("q"))  # 0 when none
    allocator: array[int] = field(default_factory=lambda: array("q"))
    logger: array[int] = field(default_factory=lambda: array("q"))
    entry_start: array[int] = field(default_factory=lambda: array("q"))
    entry_count: array[int] = field(default_factory=lambda: array("q"))
    uuids: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    keys: list[bytes] = field(default_factory=list)


class Builder:
    def __init__(
        self,
        *,
        seed: int,
        size: Size,
        until: date,
        say: Callable[[str], None],
        drop_indexes: bool = True,
    ) -> None:
        self.seed, self.size, self.until, self.say = seed, size, until, say
        self.drop_indexes = drop_indexes
        self.key = hashlib.blake2b(f"confide-scale/{seed}".encode(), digest_size=32).digest()
        self.end_day = (until - date(1970, 1, 1)).days
        self.start_day = (_add_years(until, -YEARS) - date(1970, 1, 1)).days
        self.staff = Staff()
        self.plan = Plan(n=size.clients)
        self._offsets: dict[int, int] = {}
        self.entry_created = array("q")
        self.entry_author = array("q")
        self.entry_kind = array("b")
        self.entry_id0 = self.version_id0 = self.client_id0 = self.allocation0 = 0
        self.glass: list[tuple[int, int, int, int, int, str]] = []  # client, user, at, reviewer..
        self.consents: list[tuple[int, int, int, str]] = []  # client, actor, at, uuid
        self.disclosures: list[tuple[int, int, int, str]] = []
        self.breaches: list[tuple[int, int, str]] = []

    def rng(self, stage: str) -> random.Random:
        return random.Random(f"{self.seed}/{stage}")  # noqa: S311 - synthetic data, not secrets

    # --- Time ---------------------------------------------------------------------------------

    def _midnight(self, day: int) -> int:
        """Local midnight of ``day`` (days since the epoch) in microseconds since the epoch."""
        found = self._offsets.get(day)
        if found is None:
            local = datetime.combine(self.as_date(day), datetime.min.time(), tzinfo=LONDON)
            offset = local.utcoffset() or timedelta(0)
            found = day * DAY_US - int(offset.total_seconds()) * 1_000_000
            self._offsets[day] = found
        return found

    def moment(self, rng: random.Random, day: int, *, after_hours: bool = False) -> int:
        """A time on ``day`` (local): office hours on a weekday, or the evening, early morning or
        weekend for after-hours work."""
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
        if not after_hours and weekday >= 5:
            day -= weekday - 4  # moved to the Friday before
        if after_hours:
            seconds = rng.choice((rng.randrange(18 * 3600, 23 * 3600), rng.randrange(0, 8 * 3600)))
        else:
            seconds = rng.randrange(8 * 3600, 18 * 3600)
        return self._midnight(day) + seconds * 1_000_000 + rng.randrange(1_000_000)

    @staticmethod
    def as_datetime(micros: int) -> datetime:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)

    @staticmethod
    def as_date(day: int) -> date:
        return date(1970, 1, 1) + timedelta(days=day)

    # --- Stages -------------------------------------------------------------------------------

    def run(self) -> None:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET synchronous_commit = off")
        self.make_staff()
        self.plan_clients()
        tables = [
            m._meta.db_table
            for m in (Client, Allocation, ClientUserObjectPermission, Entry, EntryVersion)
        ] + [AuditEvent._meta.db_table]
        schema = copyload.read_schema(tables)
        if self.drop_indexes:
            self.say("Putting indexes and foreign keys aside while loading")
            with transaction.atomic():
                copyload.drop(schema)
        try:
            self.load_clients()
            self.plan_entries()
            self.load_entries()
            self.load_extras()
            self.load_audit()
        finally:
            if self.drop_indexes:
                self.say("Rebuilding indexes and checking foreign keys")
                took = time.monotonic()
                with transaction.atomic():
                    copyload.restore(schema, lambda m: self.say(f"  {m}"))
                self.say(f"  rebuilt in {time.monotonic() - took:.0f} s")
        if copyload.read_schema(tables).sql_snapshot() != schema.sql_snapshot():
            raise RuntimeError("the rebuilt indexes and constraints differ from the migrations'")
        for model in (
            Client,
            Allocation,
            Entry,
            EntryVersion,
            Consent,
            ConsentRecipient,
            BreakGlassAccess,
            DisclosureCase,
            Breach,
        ):
            copyload.reset_sequence(model)
        self.say("Sharing the keystore to disk and analysing the tables")
        os.sync()
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        self.say(f"Built in {timedelta(seconds=int(time.monotonic() - started))}")

    # Staff ----------------------------------------------------------------------------------

    def make_staff(self) -> None:
        rng = self.rng("staff")
        total = self.size.staff
        data_team = max(1, total // 80)
        ig_leads = max(1, total // 250)
        guardians = 1
        in_teams = total - data_team - ig_leads - guardians
        n_teams = max(2, in_teams // 20)
        self.say(f"Staff: {total} in {n_teams} teams")
        teams = Team.objects.bulk_create(
            Team(
                name=f"Scale team {t + 1:02d}",
                service=rng.choice(["Talking therapies", "Housing support", "Family support"]),
            )
            for t in range(n_teams)
        )
        password = make_password(PASSWORD, salt=hashlib.sha256(self.key).hexdigest()[:22])
        people: list[tuple[str, list[Role], int | None]] = []
        for t, team in enumerate(teams):
            size = in_teams // n_teams + (1 if t < in_teams % n_teams else 0)
            roles = [Role.MANAGER, Role.ADMIN_STAFF] + [Role.PRACTITIONER] * (size - 2)
            if size >= 12:
                roles[2] = Role.MANAGER
                roles[3] = Role.ADMIN_STAFF
            people += [(role.value, [role], team.pk) for role in roles]
        people += [(Role.DATA_TEAM.value, [Role.DATA_TEAM], None)] * data_team
        people += [(Role.IG_LEAD.value, [Role.IG_LEAD], None)] * ig_leads
        people += [(Role.CALDICOTT_GUARDIAN.value, [Role.CALDICOTT_GUARDIAN], None)] * guardians
        short = {
            "practitioner": "p",
            "admin_staff": "a",
            "manager": "m",
            "data_team": "d",
            "ig_lead": "ig",
            "caldicott_guardian": "cg",
        }
        counters: dict[str, int] = {}
        users = []
        for role, _, _ in people:
            counters[role] = counters.get(role, 0) + 1
            users.append(
                User(
                    username=f"{USERNAME_PREFIX}{short[role]}{counters[role]:04d}",
                    first_name=rng.choice(GIVEN),
                    last_name=rng.choice(FAMILY),
                    email="",
                    password=password,
                    password_changed_at=self.as_datetime(self._midnight(self.end_day - 30)),
                    date_joined=self.as_datetime(self._midnight(self.start_day - 30)),
                )
            )
        users = User.objects.bulk_create(users)
        groups = {g.name: g.pk for g in Group.objects.filter(name__in=Role.values)}
        group_rows = []
        team_rows = []
        devices = []
        s = self.staff
        s.teams = [t.pk for t in teams]
        for pk in s.teams:
            s.practitioners[pk], s.managers[pk], s.admins[pk] = [], [], []
        for user, (role, roles, team_pk) in zip(users, people, strict=True):
            group_rows += [
                User.groups.through(user_id=user.pk, group_id=groups[r.value]) for r in roles
            ]
            if team_pk is not None:
                team_rows.append(User.teams.through(user_id=user.pk, team_id=team_pk))
                s.team_of[user.pk] = team_pk
                {
                    "practitioner": s.practitioners,
                    "manager": s.managers,
                    "admin_staff": s.admins,
                }[role][team_pk].append(user.pk)
            else:
                {
                    "data_team": s.data_team,
                    "ig_lead": s.ig_leads,
                    "caldicott_guardian": s.guardians,
                }[role].append(user.pk)
            s.agent[user.pk] = rng.choice(AGENTS)
            s.ip[user.pk] = f"10.{20 + (team_pk or 0) % 200}.{user.pk // 250}.{user.pk % 250 + 1}"
            device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
            device.set_key(totp_secret(self.key, user.username))
            devices.append(device)
        User.groups.through.objects.bulk_create(group_rows)
        User.teams.through.objects.bulk_create(team_rows)
        TOTPDevice.objects.bulk_create(devices)
        policy = current_policy()
        if policy is not None:
            PolicyAcknowledgement.objects.bulk_create(
                PolicyAcknowledgement(
                    user=user, policy=policy, acknowledged_at=users[0].date_joined
                )
                for user in users
            )

    # Clients --------------------------------------------------------------------------------

    def plan_clients(self) -> None:
        rng = self.rng("clients")
        s, p = self.staff, self.plan
        n = p.n
        self.client_id0 = _last_id(Client)
        open_slots = [(t, w) for t in s.teams for w in s.practitioners[t] for _ in range(CASELOAD)]
        n_open = min(len(open_slots), int(n * 0.6))
        n_waiting = max(1, n // 100)
        n_legacy = max(1, n // 20)
        rng.shuffle(open_slots)
        kinds = ["open"] * n_open + ["waiting"] * n_waiting + ["legacy"] * n_legacy
        kinds += ["closed"] * (n - len(kinds))
        rng.shuffle(kinds)
        slot = iter(open_slots)
        span = self.end_day - self.start_day
        salt = rng.randrange(32**7)
        for i, kind in enumerate(kinds):
            duration = rng.randrange(60, 720)
            if kind == "open":
                team, worker = next(slot)
                referred = self.end_day - rng.randrange(45, 540)
                first, closed = referred + rng.randrange(7, 28), -1
            elif kind == "waiting":
                team, worker = rng.choice(s.teams), 0
                referred, first, closed = self.end_day - rng.randrange(1, 30), -1, -1
            else:
                team = rng.choice(s.teams)
                worker = rng.choice(s.practitioners[team])
                if kind == "legacy":
                    closed = self.end_day - 365 * YEARS - rng.randrange(2, 700)
                else:
                    closed = self.start_day + rng.randrange(30, span)
                referred = closed - duration
                first = referred + rng.randrange(7, 28)
            p.ids.append(self.client_id0 + i + 1)
            p.team.append(team)
            p.referred.append(referred)
            p.first.append(first)
            p.closed.append(closed)
            p.worker.append(worker)
            p.allocator.append(rng.choice(s.managers[team]))
            p.logger.append(rng.choice(s.admins[team]))
            p.uuids.append(str(_uuid(self.key, b"client", i)))
            p.references.append(_reference(i + 1, salt))
        self.say(
            f"Clients: {n:,} ({n_open:,} open and allocated, {n_waiting:,} waiting, "
            f"{n_legacy:,} closed more than {YEARS} years ago)"
        )

    def load_clients(self) -> None:
        rng = self.rng("client-details")
        p, s = self.plan, self.staff
        progress = Progress(self.say, "clients", p.n)
        made_folders: set[Path] = set()
        therapy_teams = set(
            Team.objects.filter(pk__in=s.teams, service="Talking therapies").values_list(
                "pk", flat=True
            )
        )

        def clients() -> Iterator[Client]:
            for i in range(p.n):
                client_uuid = p.uuids[i]
                data_key, share = crypto.new_data_key(), crypto.new_key_share()
                _put_share(client_uuid, share, made_folders)
                p.keys.append(data_key)
                referred = self.as_date(p.referred[i])
                client = Client(
                    pk=p.ids[i],
                    uuid=uuid.UUID(client_uuid),
                    reference=p.references[i],
                    team_id=p.team[i],
                    created_at=self.as_datetime(self.moment(rng, p.referred[i])),
                    referred_on=referred,
                    first_appointment_on=self.as_date(p.first[i]) if p.first[i] >= 0 else None,
                    first_appointment_attended=True if p.first[i] >= 0 else None,
                    closed_on=self.as_date(p.closed[i]) if p.closed[i] >= 0 else None,
                    privacy_notice_given_on=referred,
                    national_opt_out=rng.random() < 0.03,
                )
                client.status = (
                    ClientStatus.CLOSED
                    if p.closed[i] >= 0
                    else ClientStatus.ACTIVE
                    if p.first[i] >= 0
                    else ClientStatus.REFERRED
                )
                client.data_key_master_id, client.data_key_wrapped = crypto.wrap_split(
                    data_key, share, client_uuid=client_uuid
                )
                client.data_key_split = True
                client.__dict__["_cipher"] = AESGCM(data_key)
                given, family = rng.choice(GIVEN), rng.choice(FAMILY)
                born = referred - timedelta(days=rng.randrange(18 * 365, 80 * 365))
                client.given_name, client.family_name = given, family
                client.date_of_birth_text = born.isoformat()
                if rng.random() < 0.7:
                    client.nhs_number = _nhs_number(i)
                    client.nhs_number_index = nhs_number_index(client.nhs_number)
                client.name_dob_index = name_dob_index(family, born)
                client.address = (
                    f"{rng.randrange(1, 300)} {rng.choice(FAMILY)} Road\n"
                    f"{rng.choice(TOWNS)}\nZZ99 {rng.randrange(10)}ZZ"
                )
                client.phone = f"01632 {rng.randrange(960000, 961000)}"
                client.referrer_name = f"Dr {rng.choice(GIVEN)} {rng.choice(FAMILY)}"
                client.referrer_organisation = f"{rng.choice(TOWNS)} Medical Practice"
                client.referrer_contact = f"01632 {rng.randrange(960000, 961000)}"
                client.referral_reason = rng.choice(SENTENCES)
                if rng.random() < 0.02:
                    client.restricted = True
                    client.restricted_reason = "Address never to be disclosed."
                if p.closed[i] >= 0 and rng.random() < 0.01:
                    client.deceased = True
                    client.deceased_on = self.as_date(p.closed[i])
                progress.tick()
                yield client

        copyload.copy_instances(Client, clients())
        progress.end()

        work_on = Permission.objects.get(
            content_type__app_label="records", codename="work_on_client"
        )

        allocation0 = self.allocation0 = _last_id(Allocation)
        grant0 = _last_id(ClientUserObjectPermission)

        def allocations() -> Iterator[Allocation]:
            for i in range(p.n):
                if p.first[i] < 0:
                    continue
                worker = p.worker[i]
                started = self.moment(rng, p.first[i])
                yield Allocation(
                    pk=allocation0 + i + 1,
                    client_id=p.ids[i],
                    worker_id=worker,
                    allocated_by_id=p.allocator[i],
                    started_at=self.as_datetime(started),
                    ended_at=self.as_datetime(self.moment(rng, p.closed[i]))
                    if p.closed[i] >= 0
                    else None,
                    ended_by_id=p.allocator[i] if p.closed[i] >= 0 else None,
                )

        rows = copyload.copy_instances(Allocation, allocations())
        grants = copyload.copy_instances(
            ClientUserObjectPermission,
            (
                ClientUserObjectPermission(
                    pk=grant0 + n + 1,
                    permission_id=work_on.pk,
                    user_id=p.worker[i],
                    content_object_id=p.ids[i],
                )
                for n, i in enumerate(i for i in range(p.n) if p.first[i] >= 0 and p.closed[i] < 0)
            ),
        )
        copyload.reset_sequence(ClientUserObjectPermission)
        self.say(f"  allocations: {rows:,} ({grants:,} open, with their grants)")

        # Retention: some talking-therapy records kept under the 20-year class; a few legal holds.
        longer = RetentionClass.objects.filter(trigger="case_closed", years=20).first()
        ig = s.ig_leads[0]
        if longer is not None:
            RecordRetention.objects.bulk_create(
                RecordRetention(
                    client_id=p.ids[i],
                    retention_class=longer,
                    assigned_by_id=ig,
                    assigned_at=self.as_datetime(self.moment(rng, p.referred[i])),
                )
                for i in range(p.n)
                if p.team[i] in therapy_teams and rng.random() < 0.1
            )
        holds = []
        for i in range(p.n):
            if (
                p.closed[i] >= 0
                and p.closed[i] < self.end_day - 365 * YEARS
                and rng.random() < 0.02
            ):
                hold = LegalHold(
                    uuid=_uuid(self.key, b"hold", i),
                    client_id=p.ids[i],
                    reason=LegalHold.Reason.LEGAL_PROCEEDINGS,
                    placed_by_id=ig,
                    placed_at=self.as_datetime(self._midnight(self.end_day - 400)),
                    review_on=self.as_date(self.end_day + 180),
                )
                hold.client = self._light_client(i)
                hold.detail = "Material to proceedings in the county court."
                holds.append(hold)
        LegalHold.objects.bulk_create(holds)

    def _light_client(self, i: int) -> Client:
        """A client instance that seals under client ``i``'s key without another query."""
        client = Client(pk=self.plan.ids[i], uuid=uuid.UUID(self.plan.uuids[i]))
        client.__dict__["_cipher"] = AESGCM(self.plan.keys[i])
        return client

    # Entries --------------------------------------------------------------------------------

    def plan_entries(self) -> None:
        rng = self.rng("entries")
        p, s = self.plan, self.staff
        weights = [
            (p.closed[i] if p.closed[i] >= 0 else self.end_day) - p.first[i]
            if p.first[i] >= 0
            else 0
            for i in range(p.n)
        ]
        counts = _apportion(self.size.entries, weights, rng)
        self.entry_id0 = _last_id(Entry)
        self.version_id0 = _last_id(EntryVersion)
        index = 0
        for i in range(p.n):
            p.entry_start.append(index)
            p.entry_count.append(counts[i])
            if not counts[i]:
                continue
            first = p.first[i]
            last = p.closed[i] if p.closed[i] >= 0 else self.end_day - 1
            team = p.team[i]
            times = sorted(
                self.moment(rng, rng.randrange(first, max(last, first + 1)))
                for _ in range(counts[i])
            )
            for micros in times:
                self.entry_created.append(micros)
                author = p.worker[i] if rng.random() < 0.9 else rng.choice(s.practitioners[team])
                self.entry_author.append(author)
                self.entry_kind.append(rng.randrange(len(ENTRY_KINDS)))
            index += counts[i]

    def entry_uuid(self, index: int) -> str:
        return str(_uuid(self.key, b"entry", index))

    def version_uuid(self, index: int) -> str:
        return str(_uuid(self.key, b"version", index))

    def load_entries(self) -> None:
        p = self.plan
        total = len(self.entry_created)
        timestamp = _timestamp
        entry_fields = (
            "id", "uuid", "client_id", "kind", "created_by_id", "created_at",
            "current_version_id", "version_count",
        )  # fmt: skip
        entry_layout = _Layout(Entry, entry_fields)
        progress = Progress(self.say, "entries", total)

        def entries() -> Iterator[str]:
            for i in range(p.n):
                start, count = p.entry_start[i], p.entry_count[i]
                client_id = str(p.ids[i])
                for e in range(start, start + count):
                    number = str(self.entry_id0 + e + 1)
                    progress.tick()
                    yield entry_layout.line(
                        (
                            number,
                            self.entry_uuid(e),
                            client_id,
                            ENTRY_KINDS[self.entry_kind[e]].value,
                            str(self.entry_author[e]),
                            timestamp(self.entry_created[e]),
                            str(self.version_id0 + e + 1),
                            "1",
                        )
                    )

        copyload.copy_rows(Entry._meta.db_table, entry_layout.columns, entries())
        progress.end()

        rng = self.rng("entry-text")
        table = EntryVersion._meta.db_table
        version_fields = (
            "id", "uuid", "entry_id", "number", "author_id", "created_at", "occurred_on",
            "title_sealed", "body_sealed", "amendment_reason_sealed", "special_category",
            "special_categories", "third_party", "third_party_source_sealed", "withhold_from_sar",
            "withhold_reason_sealed",
        )  # fmt: skip
        layout = _Layout(EntryVersion, version_fields)
        progress = Progress(self.say, "entry versions (encrypted)", total)
        seal, bytea, empty = crypto.seal, copyload.bytea, copyload.bytea(b"")

        def versions() -> Iterator[str]:
            for i in range(p.n):
                start, count = p.entry_start[i], p.entry_count[i]
                if not count:
                    continue
                cipher = AESGCM(p.keys[i])
                for e in range(start, start + count):
                    row = self.version_uuid(e)
                    number = str(self.entry_id0 + e + 1)
                    version = str(self.version_id0 + e + 1)
                    micros = self.entry_created[e]
                    title = rng.choice(TITLES)
                    body = " ".join(rng.sample(SENTENCES, rng.randrange(2, 5)))
                    roll = rng.random()
                    categories = '["health"]' if roll < 0.25 else "[]"
                    third = roll > 0.95
                    withhold = roll > 0.985
                    progress.tick()
                    yield layout.line(
                        (
                            version,
                            row,
                            number,
                            "1",
                            str(self.entry_author[e]),
                            timestamp(micros),
                            _local_date(micros),
                            bytea(seal(cipher, title, table=table, column="title_sealed", row=row)),
                            bytea(seal(cipher, body, table=table, column="body_sealed", row=row)),
                            empty,
                            "t" if roll < 0.25 else "f",
                            categories,
                            "t" if third else "f",
                            bytea(
                                seal(
                                    cipher,
                                    "Information given by the client's GP.",
                                    table=table,
                                    column="third_party_source_sealed",
                                    row=row,
                                )
                            )
                            if third
                            else empty,
                            "t" if withhold else "f",
                            bytea(
                                seal(
                                    cipher,
                                    "Given in confidence by a health professional.",
                                    table=table,
                                    column="withhold_reason_sealed",
                                    row=row,
                                )
                            )
                            if withhold
                            else empty,
                        )
                    )

        copyload.copy_rows(table, layout.columns, versions())
        progress.end()

    # Consents, break the glass, disclosures, breaches ---------------------------------------

    def load_extras(self) -> None:
        rng = self.rng("extras")
        p, s = self.plan, self.staff
        in_span = [
            i
            for i in range(p.n)
            if p.first[i] >= self.start_day
            or (p.first[i] >= 0 and (p.closed[i] < 0 or p.closed[i] > self.start_day + 30))
        ]
        consent0, recipient0 = _last_id(Consent), _last_id(ConsentRecipient)
        glass0, case0, breach0 = (
            _last_id(BreakGlassAccess),
            _last_id(DisclosureCase),
            _last_id(Breach),
        )
        consents: list[Consent] = []
        recipients: list[ConsentRecipient] = []
        purposes = list(ConsentPurpose)
        purposes.remove(ConsentPurpose.OTHER)
        for i in in_span:
            if rng.random() >= 0.3:
                continue
            day = max(p.first[i], self.start_day)
            at = self.moment(rng, day)
            consent = Consent(
                pk=consent0 + len(consents) + 1,
                uuid=_uuid(self.key, b"consent", len(consents)),
                client_id=p.ids[i],
                purpose=rng.choice(purposes),
                given_by=Consent.GivenBy.CLIENT,
                capacity_considered=True,
                evidence=rng.choice(list(Consent.Evidence)),
                given_on=self.as_date(day),
                recorded_by_id=p.worker[i],
                recorded_at=self.as_datetime(at),
            )
            consent.client = self._light_client(i)
            consent.information = "Attendance, progress and any risks identified."
            if rng.random() < 0.1 and p.closed[i] < 0:
                consent.withdrawn_on = self.as_date(day + 30)
                consent.withdrawn_recorded_by_id = p.worker[i]
                consent.withdrawn_recorded_at = self.as_datetime(self.moment(rng, day + 30))
                consent.withdrawal_note = "The client asked for sharing to stop."
            consents.append(consent)
            self.consents.append((i, p.worker[i], at, str(consent.uuid)))
            for _ in range(rng.randrange(1, 4)):
                recipient = ConsentRecipient(
                    pk=recipient0 + len(recipients) + 1,
                    uuid=_uuid(self.key, b"recipient", len(recipients)),
                    consent_id=consent.pk,
                )
                recipient.consent = consent
                if rng.random() < 0.5:
                    recipient.kind = ConsentRecipient.Kind.CATEGORY
                    recipient.category = rng.choice(list(RecipientCategory))
                else:
                    recipient.kind = ConsentRecipient.Kind.AGENCY
                    recipient.name = f"{rng.choice(TOWNS)} Housing Association"
                    recipient.name_index = recipient_index(recipient.name)
                recipients.append(recipient)
        copyload.copy_instances(Consent, consents)
        copyload.copy_instances(ConsentRecipient, recipients)
        self.say(f"  consents: {len(consents):,} with {len(recipients):,} recipients")

        glass = []
        for g in range(max(2, p.n // 400)):
            i = rng.choice(in_span)
            team = p.team[i]
            others = [t for t in s.teams if t != team]
            user = rng.choice(s.practitioners[rng.choice(others)])
            last = p.closed[i] if p.closed[i] >= 0 else self.end_day - 2
            day = rng.randrange(max(p.first[i], self.start_day), max(last, self.start_day + 1))
            at = self.moment(rng, day, after_hours=rng.random() < 0.4)
            reviewer = rng.choice(s.data_team)
            access = BreakGlassAccess(
                pk=glass0 + g + 1,
                uuid=_uuid(self.key, b"glass", g),
                client_id=p.ids[i],
                user_id=user,
                granted_at=self.as_datetime(at),
                expires_at=self.as_datetime(at + settings.BREAK_GLASS_MINUTES * 60_000_000),
                review=BreakGlassAccess.Review.JUSTIFIED
                if rng.random() < 0.9
                else BreakGlassAccess.Review.UNJUSTIFIED,
                reviewed_by_id=reviewer,
                reviewed_at=self.as_datetime(at + 2 * DAY_US),
            )
            access.client = self._light_client(i)
            access.reason = "Client in crisis called the duty line; their worker is on leave."
            if access.review == BreakGlassAccess.Review.UNJUSTIFIED:
                access.review_note = "No crisis recorded; referred to the IG lead."
            glass.append(access)
            self.glass.append((i, user, at, reviewer, at + 2 * DAY_US, str(access.uuid)))
        copyload.copy_instances(BreakGlassAccess, glass)
        self.say(f"  break-the-glass uses: {len(glass):,}")

        cases = []
        kinds = [
            RequestKind.SUBJECT_ACCESS,
            RequestKind.POLICE,
            RequestKind.AGENCY,
            RequestKind.REFERRER,
            RequestKind.SOLICITOR,
            RequestKind.FAMILY_FRIENDS,
        ]
        for d in range(max(2, p.n // 100)):
            i = rng.choice(in_span)
            day = rng.randrange(max(p.first[i], self.start_day), self.end_day - 1)
            at = self.moment(rng, day)
            logger = p.logger[i]
            recent = day > self.end_day - 40
            case = DisclosureCase(
                pk=case0 + d + 1,
                uuid=_uuid(self.key, b"disclosure", d),
                client_id=p.ids[i],
                kind=rng.choice(kinds),
                channel=Channel.LETTER,
                received_on=self.as_date(day),
                logged_at=self.as_datetime(at),
                logged_by_id=logger,
                status=CaseStatus.RECEIVED if recent else CaseStatus.ANSWERED,
                status_changed_at=self.as_datetime(at),
                closed_by_id=None if recent else logger,
                closed_at=None if recent else self.as_datetime(at + 14 * DAY_US),
            )
            case.client = self._light_client(i)
            case.requester_name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
            case.requester_organisation = f"{rng.choice(TOWNS)} Council"
            case.purpose = "To support an assessment of needs."
            case.asked_for = "Dates of contact and the current support plan."
            cases.append(case)
            self.disclosures.append((i, logger, at, str(case.pk)))
        copyload.copy_instances(DisclosureCase, cases)
        self.say(f"  disclosure cases: {len(cases):,}")

        breaches = []
        for b in range(max(1, p.n // 2000)):
            day = rng.randrange(self.start_day, self.end_day - 1)
            at = self.moment(rng, day)
            reporter = rng.choice(s.everyone())
            breach = Breach(
                pk=breach0 + b + 1,
                uuid=_uuid(self.key, b"breach", b),
                reported_by_id=reporter,
                reported_at=self.as_datetime(at),
                aware_at=self.as_datetime(at - 3_600_000_000),
                kind="confidentiality",
                category=rng.choice(["wrong_recipient", "unauthorised_access"]),
                near_miss=rng.random() < 0.3,
                data_format="electronic",
                protection="protected",
                affected="clients",
                records_count=rng.randrange(1, 20),
                sensitivity="confidential",
                status="closed" if day < self.end_day - 60 else "reported",
                closed_at=self.as_datetime(at + 20 * DAY_US) if day < self.end_day - 60 else None,
                closed_by_id=s.ig_leads[0] if day < self.end_day - 60 else None,
            )
            breach.what_data = "A letter about one client."
            breach.what_happened = "A letter was sent to the wrong address."
            breaches.append(breach)
            self.breaches.append((reporter, at, str(breach.pk)))
        copyload.copy_instances(Breach, breaches)
        self.say(f"  breaches: {len(breaches):,}")

    # Audit trail ----------------------------------------------------------------------------

    def load_audit(self) -> None:
        rng = self.rng("audit")
        p, s = self.plan, self.staff
        start_us, end_us = self._midnight(self.start_day), self._midnight(self.end_day)
        months: dict[int, list[int]] = {}

        def add(micros: int, kind: int, actor: int, client: int = 0, sub: int = 0) -> None:
            if start_us <= micros < end_us:
                months.setdefault(micros // (31 * DAY_US), []).append(
                    (micros << 80) | (kind << 72) | (actor << 48) | (client << 24) | sub
                )

        # Lifecycle of each record, its entries, consents, break the glass, disclosures.
        for i in range(p.n):
            created = self.moment(rng, p.referred[i])
            add(created, K_CREATED, p.logger[i], i)
            if p.first[i] >= 0:
                at = self.moment(rng, p.first[i])
                add(at, K_ACTIVATED, p.allocator[i], i)
                add(at + 60_000_000, K_ALLOCATED, p.allocator[i], i)
            if p.closed[i] >= 0:
                at = self.moment(rng, p.closed[i])
                add(at, K_CLOSED, p.allocator[i], i)
                add(at + 60_000_000, K_DEALLOCATED, p.allocator[i], i)
            for e in range(p.entry_start[i], p.entry_start[i] + p.entry_count[i]):
                add(self.entry_created[e], K_ENTRY_CREATED, self.entry_author[e], i,
                    e - p.entry_start[i])  # fmt: skip
        for n, (i, actor, at, _) in enumerate(self.consents):
            add(at, K_CONSENT, actor, i, n)
        for n, (i, user, at, reviewer, reviewed, _) in enumerate(self.glass):
            add(at, K_GLASS_GRANTED, user, i, n)
            add(at + 90_000_000, K_GLASS_VIEW, user, i, n)
            add(reviewed, K_GLASS_REVIEWED, reviewer, i, n)
        for n, (i, actor, at, _) in enumerate(self.disclosures):
            add(at, K_DISCLOSURE, actor, i, n)
        for n, (actor, at, _) in enumerate(self.breaches):
            add(at, K_BREACH, actor, 0, n)
        fixed = sum(len(v) for v in months.values())

        # Staff activity: sign-ins and caseload lists, on working days.
        budget = self.size.events - fixed
        if budget < 0:
            raise ValueError(
                f"{self.size.events:,} events are fewer than the {fixed:,} that the records' "
                "own history needs: ask for more events or fewer entries"
            )
        signins = int(budget * SIGNIN_SHARE) // 2
        lists = int(budget * LIST_SHARE)
        background = budget - 2 * signins - lists
        everyone = s.everyone()
        practitioners = [u for t in s.teams for u in s.practitioners[t]]
        span = self.end_day - self.start_day
        for _ in range(signins):
            user = rng.choice(everyone)
            at = self.moment(
                rng, self.start_day + rng.randrange(span), after_hours=rng.random() < AFTER_HOURS
            )
            add(at, K_SIGNIN_PASSWORD, user)
            add(at + rng.randrange(5_000_000, 40_000_000), K_SIGNIN, user)
        for _ in range(lists):
            user = rng.choice(practitioners)
            add(self.moment(rng, self.start_day + rng.randrange(span)), K_LIST, user)

        # Everyone's work on the records, in proportion to each case's time open in the span.
        windows = []
        for i in range(p.n):
            if p.first[i] < 0:
                windows.append((0, 0))
                continue
            a = max(p.first[i], self.start_day)
            b = min(p.closed[i] if p.closed[i] >= 0 else self.end_day, self.end_day)
            windows.append((a, b) if b > a else (0, 0))
        counts = _apportion(background, [b - a for a, b in windows], rng)
        cumulative = []
        total = 0.0
        for kind, share in BACKGROUND:
            total += share
            cumulative.append((total, kind))
        others = {t: [u for o in s.teams if o != t for u in s.practitioners[o]] for t in s.teams}
        for i in range(p.n):
            a, b = windows[i]
            team = p.team[i]
            start, count = p.entry_start[i], p.entry_count[i]
            for _ in range(counts[i]):
                r = rng.random() * total
                kind = next(k for c, k in cumulative if r < c)
                at = self.moment(rng, rng.randrange(a, b), after_hours=rng.random() < AFTER_HOURS)
                sub = 0
                if kind in (K_VIEW, K_ENTRY_VIEW, K_HISTORY):
                    actor = p.worker[i]
                elif kind in (K_TEAM_VIEW, K_TEAM_ENTRY_VIEW):
                    actor = rng.choice(s.practitioners[team])
                elif kind == K_MANAGER_VIEW:
                    actor = rng.choice(s.managers[team])
                elif kind == K_ADMIN_VIEW:
                    actor = rng.choice(s.admins[team])
                elif kind == K_DENIED:
                    actor = rng.choice(others[team])
                else:  # K_ACCESS_LOG
                    actor = rng.choice(s.managers[team] if rng.random() < 0.7 else s.ig_leads)
                if kind in (K_ENTRY_VIEW, K_TEAM_ENTRY_VIEW, K_HISTORY):
                    made = bisect.bisect_right(self.entry_created, at, start, start + count) - start
                    if made == 0:
                        kind = K_VIEW if kind != K_TEAM_ENTRY_VIEW else K_TEAM_VIEW
                    else:
                        sub = rng.randrange(made)
                add(at, kind, actor, i, sub)
        planned = sum(len(v) for v in months.values())
        if planned != self.size.events:
            # Events that fell outside the span (a moment moved off its day): top up with
            # caseload lists so the trail has exactly the number asked for.
            for _ in range(self.size.events - planned):
                user = rng.choice(practitioners)
                add(self.moment(rng, self.start_day + 1 + rng.randrange(span - 2)), K_LIST, user)

        self.say(f"Audit events planned: {sum(len(v) for v in months.values()):,}")
        self._write_audit(months)

    def _write_audit(self, months: Mapping[int, list[int]]) -> None:
        p, s = self.plan, self.staff
        ensure = _partition_function()
        if ensure is not None:
            ensure(self.as_date(self.start_day - 1), self.as_date(self.end_day + 1))
        head = AuditChainHead.objects.filter(pk=1).first()
        writer = ChainWriter(seq=head.seq if head else 0, prev_hash=head.hash if head else "0" * 64)
        progress = Progress(self.say, "audit events (sealed, chained)", self.size.events)
        caseloads: dict[tuple[int, int], list[int]] = {}
        by_worker: dict[int, list[int]] = {}
        for i in range(p.n):
            if p.first[i] >= 0:
                by_worker.setdefault(p.worker[i], []).append(i)
        reference_order = sorted(range(p.n), key=lambda i: p.references[i])
        rank = [0] * p.n
        for position, i in enumerate(reference_order):
            rank[i] = position

        def caseload(worker: int, day: int) -> list[int]:
            month = day // 30
            found = caseloads.get((worker, month))
            if found is None:
                found = sorted(
                    (
                        i
                        for i in by_worker.get(worker, [])
                        if p.first[i] <= day and (p.closed[i] < 0 or p.closed[i] > day)
                    ),
                    key=rank.__getitem__,
                )
                found = [p.ids[i] for i in found]
                caseloads[(worker, month)] = found
            return found

        mask24, mask8 = (1 << 24) - 1, (1 << 8) - 1
        success, denied = "success", "denied"
        client_type, user_type = "records.client", "accounts.user"

        def entries_listed(i: int, micros: int) -> list[str]:
            start, count = p.entry_start[i], p.entry_count[i]
            made = bisect.bisect_right(self.entry_created, micros, start, start + count)
            return [
                self.entry_uuid(e) for e in range(made - 1, max(start, made - LIST_CAP) - 1, -1)
            ]

        def events() -> Iterator[Event]:
            for month in sorted(months):
                for key in sorted(months[month]):
                    micros = key >> 80
                    kind = (key >> 72) & mask8
                    actor = (key >> 48) & mask24
                    i = (key >> 24) & mask24
                    sub = key & mask24
                    agent = s.agent[actor]
                    hour = (micros // 3_600_000_000) % 24
                    ip = (
                        s.ip[actor]
                        if 7 <= hour <= 18
                        else f"10.99.{actor // 250}.{actor % 250 + 1}"
                    )
                    client_id = str(p.ids[i])
                    progress.tick()
                    if kind in (K_VIEW, K_TEAM_VIEW, K_MANAGER_VIEW):
                        reason = {K_VIEW: Reason.ALLOCATION, K_TEAM_VIEW: Reason.TEAM}.get(
                            kind, Reason.TEAM_MANAGER
                        )
                        yield (micros, success, actor, RecordAction.CLIENT_VIEWED, client_type,
                               client_id, reason.value,
                               {"part": "full", "entries_listed": entries_listed(i, micros),
                                "user_agent": agent}, ip)  # fmt: skip
                    elif kind in (K_ENTRY_VIEW, K_TEAM_ENTRY_VIEW):
                        reason = Reason.ALLOCATION if kind == K_ENTRY_VIEW else Reason.TEAM
                        yield (micros, success, actor, RecordAction.ENTRY_VIEWED, client_type,
                               client_id, reason.value,
                               {"entry": self.entry_uuid(p.entry_start[i] + sub), "version": 1,
                                "challenges": [], "attachments_listed": [], "user_agent": agent},
                               ip)  # fmt: skip
                    elif kind == K_HISTORY:
                        yield (micros, success, actor, RecordAction.ENTRY_HISTORY_VIEWED,
                               client_type, client_id, Reason.ALLOCATION.value,
                               {"entry": self.entry_uuid(p.entry_start[i] + sub), "versions": [1],
                                "user_agent": agent}, ip)  # fmt: skip
                    elif kind == K_ADMIN_VIEW:
                        yield (micros, success, actor, RecordAction.CLIENT_VIEWED, client_type,
                               client_id, Reason.ADMIN_DUTY.value,
                               {"part": "administrative", "entries_listed": [],
                                "user_agent": agent}, ip)  # fmt: skip
                    elif kind == K_DENIED:
                        yield (micros, denied, actor, RecordAction.CLIENT_ACCESS_DENIED,
                               client_type, client_id, Reason.NO_GRANT.value,
                               {"requested": p.uuids[i], "need": "admin_part",
                                "path": "records:client", "user_agent": agent}, ip)  # fmt: skip
                    elif kind == K_ACCESS_LOG:
                        duty = Reason.TEAM_MANAGER if actor in s.team_of else Reason.IG_DUTY
                        yield (micros, success, actor, RecordAction.ACCESS_LOG_VIEWED,
                               client_type, client_id, duty.value,
                               {"page": 1, "events_shown": [], "user_agent": agent},
                               ip)  # fmt: skip
                    elif kind == K_LIST:
                        shown = caseload(actor, micros // DAY_US)
                        yield (micros, success, actor, RecordAction.LIST_VIEWED,
                               "records.client_list", "caseload", "",
                               {"shown": shown, "count": len(shown), "user_agent": agent},
                               ip)  # fmt: skip
                    elif kind == K_SIGNIN_PASSWORD:
                        yield (micros, success, actor, AuditAction.SIGNIN_PASSWORD_OK, user_type,
                               str(actor), "", {"user_agent": agent}, ip)  # fmt: skip
                    elif kind == K_SIGNIN:
                        yield (micros, success, actor, AuditAction.SIGNIN_SUCCESS, user_type,
                               str(actor), "", {"factor": "app", "user_agent": agent},
                               ip)  # fmt: skip
                    elif kind == K_ENTRY_CREATED:
                        e = p.entry_start[i] + sub
                        reason = Reason.ALLOCATION if actor == p.worker[i] else Reason.TEAM
                        yield (micros, success, actor, RecordAction.ENTRY_CREATED, client_type,
                               client_id, reason.value,
                               {"entry": self.entry_uuid(e), "version": 1,
                                "kind": ENTRY_KINDS[self.entry_kind[e]].value,
                                "user_agent": agent}, ip)  # fmt: skip
                    elif kind == K_CREATED:
                        yield (micros, success, actor, RecordAction.CLIENT_CREATED, client_type,
                               client_id, Reason.ADMIN_DUTY.value,
                               {"fields": ["given_name", "family_name", "date_of_birth",
                                           "address", "phone", "referred_on", "referrer_name",
                                           "referral_reason"],
                                "team": p.team[i], "user_agent": agent}, ip)  # fmt: skip
                    elif kind in (K_ACTIVATED, K_CLOSED):
                        became = "active" if kind == K_ACTIVATED else "closed"
                        was = "referred" if kind == K_ACTIVATED else "active"
                        yield (micros, success, actor, RecordAction.CLIENT_UPDATED, client_type,
                               client_id, Reason.TEAM_MANAGER.value,
                               {"fields": ["status"], "from": was, "to": became,
                                "user_agent": agent}, ip)  # fmt: skip
                    elif kind in (K_ALLOCATED, K_DEALLOCATED):
                        action = (RecordAction.CLIENT_ALLOCATED if kind == K_ALLOCATED
                                  else RecordAction.CLIENT_DEALLOCATED)  # fmt: skip
                        yield (micros, success, actor, action, client_type, client_id,
                               Reason.TEAM_MANAGER.value,
                               {"worker": p.worker[i], "allocation": self.allocation0 + i + 1,
                                "user_agent": agent}, ip)  # fmt: skip
                    elif kind == K_CONSENT:
                        yield (micros, success, actor, RecordAction.CONSENT_RECORDED,
                               client_type, client_id, Reason.ALLOCATION.value,
                               {"consent": self.consents[sub][3], "user_agent": agent},
                               ip)  # fmt: skip
                    elif kind == K_GLASS_GRANTED:
                        granted = self.glass[sub]
                        expires = self.as_datetime(
                            granted[2] + settings.BREAK_GLASS_MINUTES * 60_000_000
                        )
                        yield (micros, success, actor, RecordAction.BREAK_GLASS_GRANTED,
                               client_type, client_id, Reason.BREAK_GLASS.value,
                               {"access": granted[5], "expires_at": expires.isoformat(),
                                "user_agent": agent}, ip)  # fmt: skip
                    elif kind == K_GLASS_VIEW:
                        yield (micros, success, actor, RecordAction.CLIENT_VIEWED, client_type,
                               client_id, Reason.BREAK_GLASS.value,
                               {"part": "full", "entries_listed": entries_listed(i, micros),
                                "user_agent": agent}, ip)  # fmt: skip
                    elif kind == K_GLASS_REVIEWED:
                        yield (micros, success, actor, RecordAction.BREAK_GLASS_REVIEWED,
                               client_type, client_id, "data_team",
                               {"access": self.glass[sub][5], "outcome": "justified",
                                "user_agent": agent}, ip)  # fmt: skip
                    elif kind == K_DISCLOSURE:
                        yield (micros, success, actor, "disclosure.logged",
                               "disclosures.disclosurecase", self.disclosures[sub][3],
                               Reason.ADMIN_DUTY.value,
                               {"client": p.ids[i], "user_agent": agent}, ip)  # fmt: skip
                    elif kind == K_BREACH:
                        yield (micros, success, actor, "breach.reported", "breaches.breach",
                               self.breaches[sub][2], "", {"user_agent": agent}, ip)  # fmt: skip
                    else:
                        raise AssertionError(kind)

        copyload.copy_rows(AuditEvent._meta.db_table, writer.columns, writer.lines(events()))
        progress.end()
        AuditChainHead.objects.update_or_create(
            pk=1, defaults={"seq": writer.seq, "hash": writer.prev}
        )


class _Layout:
    """The columns of ``model`` in table order, filled from values given in ``fields`` order."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        concrete = copyload.columns(model)
        attnames = [f.attname for f in concrete]
        if set(attnames) != set(fields):
            raise RuntimeError(
                f"{model._meta.label}'s columns changed: {sorted(set(attnames) ^ set(fields))}"
            )
        self.columns = [f.column for f in concrete]
        self._order = itemgetter(*[fields.index(a) for a in attnames])

    def line(self, values: Sequence[str]) -> str:
        return "\t".join(self._order(values)) + "\n"


def _last_id(model: type[models.Model]) -> int:
    last: int | None = model._default_manager.aggregate(m=models.Max("pk"))["m"]
    return last or 0


def _timestamp(micros: int) -> str:
    from scaledata.audit import timestamp

    return timestamp(micros)


def _local_date(micros: int) -> str:
    return (
        (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros))
        .astimezone(LONDON)
        .date()
        .isoformat()
    )


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _apportion(total: int, weights: Sequence[int], rng: random.Random) -> list[int]:
    """Split ``total`` in proportion to ``weights`` into whole numbers that add up to it."""
    weight_sum = sum(weights)
    if weight_sum == 0 or total == 0:
        return [0] * len(weights)
    counts = [total * w // weight_sum for w in weights]
    candidates = [i for i, w in enumerate(weights) if w > 0]
    for _ in range(total - sum(counts)):
        counts[rng.choice(candidates)] += 1
    return counts


def _put_share(client_uuid: str, share: bytes, made: set[Path]) -> None:
    """Store a key share as :func:`records.keystore.put` does (0600 file in a 0700 folder, never
    replacing one), without flushing each file: the builder syncs the file system once at the
    end, where the product flushes every share as it makes it."""
    target = keystore.path(client_uuid)
    if target.parent not in made:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        target.parent.parent.chmod(0o700)
        made.add(target.parent)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, share)
    finally:
        os.close(descriptor)


def totp_secret(key: bytes, username: str) -> bytes:
    """A bench user's TOTP secret, derived from the seed so the benchmark can sign in."""
    return hashlib.blake2b(username.encode(), key=key, person=b"totp", digest_size=20).digest()


def _partition_function() -> Callable[[date, date], Any] | None:
    """The function that makes the audit trail's monthly partitions covering a range of dates
    (``accounts.partitions.ensure``), where the trail is partitioned."""
    try:
        from accounts import partitions
    except ImportError:
        return None
    if not partitions.is_partitioned():
        return None
    function: Callable[[date, date], Any] = partitions.ensure
    return function
