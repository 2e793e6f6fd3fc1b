from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from accounts.models import Team, TOTPDevice, User

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
