from __future__ import annotations

import datetime
import itertools
from typing import Any

import factory
from django.contrib.auth.models import Group

from accounts.models import Team, TOTPDevice, User
from records.models import Allocation, Client, Entry, EntryKind

PASSWORD = "Correct horse 4 battery"


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")
    service = "Talking therapies"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Worker{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            obj.groups.set(Group.objects.filter(name__in=extracted))
        if create:
            obj.save()


def enrol(user: User) -> TOTPDevice:
    device = TOTPDevice.new_for(user)
    device.confirmed = True
    device.save()
    return device


_client_numbers = itertools.count(1)


def make_client(
    team: Team,
    *,
    given_name: str = "Test",
    family_name: str = "Person",
    date_of_birth: datetime.date = datetime.date(1990, 4, 1),
    nhs_number: str = "",
    **details: Any,
) -> Client:
    """A client record with sealed identifiers, made the way the referral service makes it."""
    from records.services import ClientDetails, _apply_details

    client = Client(team=team, reference=f"T-{next(_client_numbers):06d}")
    _apply_details(
        client,
        ClientDetails(
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth,
            nhs_number=nhs_number,
            **details,
        ),
    )
    client.save()
    return client


def allocate(client: Client, worker: User) -> Allocation:
    from records import policy

    allocation = Allocation.objects.create(client=client, worker=worker, allocated_by=worker)
    policy.grant_allocation(worker=worker, client=client)
    return allocation


def make_entry(
    client: Client, author: User, *, title: str = "Session note", body: str = "We talked."
) -> Entry:
    from records.services import EntryContent, _new_version

    entry = Entry.objects.create(client=client, kind=EntryKind.CONTACT_NOTE, created_by=author)
    content = EntryContent(
        occurred_on=datetime.date(2026, 1, 5), title=title, body=body, special_categories=[]
    )
    version = _new_version(entry=entry, author=author, content=content, number=1)
    entry.current_version, entry.version_count = version, 1
    entry.save()
    return entry
