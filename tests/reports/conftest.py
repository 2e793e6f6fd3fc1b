"""A crafted organisation for the statistics: two services, clients referred before, during and
after the first quarter of 2026-27 (April to June 2026), requests for information of several
kinds and outcomes, breaches of several kinds."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Team, User
from breaches.models import (
    Affected,
    Breach,
    Category,
    DataFormat,
    Kind,
    Protection,
    Sensitivity,
)
from disclosures.models import CaseStatus, Channel, DisclosureCase, RequestKind
from records.models import Client, ClientStatus, ReferralSource
from reports import periods
from tests.factories import TeamFactory, UserFactory, make_client

LONDON = ZoneInfo("Europe/London")
QUARTER = periods.quarter(2026, 1)  # 1 April to 30 June 2026
TODAY = datetime.date(2026, 7, 15)
D = datetime.date
MAY_DAY, MID_MAY = D(2026, 5, 1), D(2026, 5, 10)


@dataclass
class Organisation:
    therapies: Team
    housing: Team
    lead: User
    guardian: User
    closed_in_quarter: Client  # closed 5 May 2026, with requests and a breach about it


def _client(
    team: Team,
    referred_on: datetime.date,
    source: str,
    *,
    status: str = ClientStatus.ACTIVE,
    closed_on: datetime.date | None = None,
) -> Client:
    client = make_client(team, referred_on=referred_on, referral_source=source)
    client.status, client.closed_on = status, closed_on
    client.save(update_fields=["status", "closed_on"])
    return client


def _case(
    client: Client,
    by: User,
    kind: str,
    status: str,
    *,
    received: datetime.date = MAY_DAY,
    due: datetime.date | None = None,
    closed: datetime.date | None = None,
) -> DisclosureCase:
    closed_at = (
        datetime.datetime.combine(closed, datetime.time(15), tzinfo=LONDON) if closed else None
    )
    return DisclosureCase.objects.create(
        client=client,
        kind=kind,
        channel=Channel.LETTER,
        received_on=received,
        logged_by=by,
        status=status,
        due_on=due,
        closed_at=closed_at,
    )


def _breach(
    by: User,
    kind: str,
    category: str,
    *,
    aware: datetime.date = MID_MAY,
    near_miss: bool = False,
    notify_ico: bool | None = None,
    notified: bool = False,
) -> Breach:
    aware_at = datetime.datetime.combine(aware, datetime.time(23, 30), tzinfo=LONDON)
    return Breach.objects.create(
        reported_by=by,
        aware_at=aware_at,
        kind=kind,
        category=category,
        near_miss=near_miss,
        data_format=DataFormat.PAPER,
        protection=Protection.UNPROTECTED,
        affected=Affected.CLIENTS,
        records_count=1,
        sensitivity=Sensitivity.CONFIDENTIAL,
        notify_ico=notify_ico,
        ico_notified_at=aware_at + datetime.timedelta(hours=30) if notified else None,
    )


@pytest.fixture
def organisation(db: None) -> Organisation:
    therapies = TeamFactory.create(name="North talking therapies", service="Talking therapies")
    housing = TeamFactory.create(name="Housing support", service="Housing support")
    lead = UserFactory.create(username="isla", first_name="Isla", roles=["ig_lead"])
    guardian = UserFactory.create(username="gareth", roles=["caldicott_guardian"])
    clerk = UserFactory.create(username="adam", roles=["admin_staff"])

    # Talking therapies: 6 GP and 2 self-referrals in the quarter (one of them closed in it);
    # one referred in March and still open; one from 2025 closed in May; one from 2025 closed
    # in February (before the quarter); one referred in July (after it).
    for day in range(6):
        _client(therapies, D(2026, 4, 10 + day), ReferralSource.GP)
    _client(therapies, D(2026, 4, 20), ReferralSource.SELF)
    _client(
        therapies,
        D(2026, 4, 21),
        ReferralSource.SELF,
        status=ClientStatus.CLOSED,
        closed_on=D(2026, 6, 1),
    )
    _client(therapies, D(2026, 3, 1), ReferralSource.GP)
    closed_in_quarter = _client(
        therapies,
        D(2025, 1, 1),
        ReferralSource.NHS_OTHER,
        status=ClientStatus.CLOSED,
        closed_on=D(2026, 5, 5),
    )
    _client(
        therapies,
        D(2025, 1, 1),
        ReferralSource.NHS_OTHER,
        status=ClientStatus.CLOSED,
        closed_on=D(2026, 2, 1),
    )
    _client(therapies, D(2026, 7, 2), ReferralSource.GP, status=ClientStatus.REFERRED)
    # Housing support: 5 from housing providers and one recorded before sources were asked.
    for day in range(5):
        _client(housing, D(2026, 5, 1 + day), ReferralSource.HOUSING)
    _client(housing, D(2026, 6, 30), "")

    # Requests for information, all about the record closed in May.
    about = closed_in_quarter
    for _ in range(3):
        _case(about, clerk, RequestKind.POLICE, CaseStatus.RELEASED, closed=D(2026, 5, 2))
    _case(about, clerk, RequestKind.POLICE, CaseStatus.NOT_SHARED, closed=D(2026, 5, 3))
    _case(about, clerk, RequestKind.POLICE, CaseStatus.RELEASED, received=D(2026, 3, 31))
    _case(about, clerk, RequestKind.MEDIA, CaseStatus.WITHDRAWN, closed=D(2026, 5, 4))
    sar = RequestKind.SUBJECT_ACCESS
    for _ in range(2):  # in time
        _case(about, lead, sar, CaseStatus.RELEASED, due=D(2026, 6, 10), closed=D(2026, 6, 5))
    _case(about, lead, sar, CaseStatus.RELEASED, due=D(2026, 6, 10), closed=D(2026, 6, 20))
    _case(about, lead, sar, CaseStatus.RECEIVED, due=D(2026, 7, 1))  # overdue on 15 July
    _case(about, lead, sar, CaseStatus.RECEIVED, due=D(2026, 7, 30))  # still in time
    _case(about, lead, sar, CaseStatus.RECEIVED, due=None)  # clock stopped
    _case(
        about,
        lead,
        RequestKind.ERASURE,
        CaseStatus.ANSWERED,
        due=D(2026, 5, 10),
        closed=D(2026, 5, 9),
    )

    # Breaches the organisation became aware of in the quarter, and one after it.
    confidentiality, availability = Kind.CONFIDENTIALITY, Kind.AVAILABILITY
    for _ in range(2):
        _breach(lead, confidentiality, Category.WRONG_RECIPIENT, notify_ico=True, notified=True)
    linked = _breach(lead, confidentiality, Category.WRONG_RECIPIENT, notify_ico=False)
    linked.clients.add(closed_in_quarter)
    _breach(lead, availability, Category.LOST_OR_STOLEN)
    _breach(lead, confidentiality, Category.UNAUTHORISED_ACCESS, near_miss=True)
    _breach(lead, confidentiality, Category.WRONG_RECIPIENT, aware=D(2026, 7, 1))
    return Organisation(therapies, housing, lead, guardian, closed_in_quarter)
