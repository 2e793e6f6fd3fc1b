"""Need-to-know access: who may open what, and why; deny wins; lists agree with decisions."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Team, User
from records import policy, services
from records.models import BreakGlassAccess, Client, ConflictDeclaration
from records.policy import Reason
from tests.factories import TeamFactory, UserFactory, allocate, make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def team() -> Team:
    return TeamFactory.create(name="North")


@pytest.fixture
def other_team() -> Team:
    return TeamFactory.create(name="South")


def _member(username: str, role: str, *teams: Team) -> User:
    user = UserFactory.create(username=username, roles=[role] if role else [])
    user.teams.set(teams)
    return user


def _restrict(staff: User, client: Client) -> ConflictDeclaration:
    manager = _member(f"mgr-{staff.username}", "manager", *staff.teams.all())
    declaration = services.conflict_declare(
        actor=staff,
        team=staff.teams.first(),  # type: ignore[arg-type]
        connected_person="My cousin",
        nature="Family",
    )
    services.conflict_decide(
        actor=manager,
        declaration=declaration,
        client=client,
        decision=ConflictDeclaration.Decision.RESTRICTED,
        measures="Not to be allocated",
        reasons="Close family member",
        client_consulted=True,
    )
    return declaration


def test_allocation_gives_full_access_for_that_reason(team: Team, other_team: Team) -> None:
    worker = _member("alloc", "practitioner", other_team)
    client = make_client(team)
    allocate(client, worker)
    access = policy.decide(worker, client)
    assert access.reason == Reason.ALLOCATION
    assert access.clinical
    assert access.write
    assert not access.manage


def test_team_roles_give_their_duty_and_no_more(team: Team) -> None:
    client = make_client(team)
    practitioner = policy.decide(_member("p", "practitioner", team), client)
    admin = policy.decide(_member("a", "admin_staff", team), client)
    manager = policy.decide(_member("m", "manager", team), client)
    assert (practitioner.reason, practitioner.clinical, practitioner.manage) == (
        Reason.TEAM,
        True,
        False,
    )
    assert (admin.reason, admin.admin_part, admin.clinical, admin.administer) == (
        Reason.ADMIN_DUTY,
        True,
        False,
        True,
    )
    assert (manager.reason, manager.manage) == (Reason.TEAM_MANAGER, True)


@pytest.mark.parametrize("role", ["data_team", "ig_lead", "caldicott_guardian", ""])
def test_roles_without_a_record_duty_get_nothing_by_role_alone(team: Team, role: str) -> None:
    user = _member("r", role, team)
    assert policy.decide(user, make_client(team)) == policy.NO_ACCESS


def test_another_teams_practitioner_gets_nothing(team: Team, other_team: Team) -> None:
    assert not policy.decide(_member("o", "practitioner", other_team), make_client(team)).allowed


def test_a_restriction_beats_allocation_team_and_break_the_glass(team: Team) -> None:
    worker = _member("conflicted", "practitioner", team)
    client = make_client(team)
    allocate(client, worker)
    _restrict(worker, client)
    access = policy.decide(worker, client)
    assert access.reason == Reason.CONFLICT
    assert not access.allowed
    assert not policy.visible_clients(worker).filter(pk=client.pk).exists()
    assert not policy.caseload(worker).exists()
    with pytest.raises(services.NotPermitted):
        services.break_glass(actor=worker, client=client, reason="I need to see it, honestly")


def test_restricting_ends_the_workers_allocation(team: Team) -> None:
    worker = _member("conflicted", "practitioner", team)
    client = make_client(team)
    allocation = allocate(client, worker)
    _restrict(worker, client)
    allocation.refresh_from_db()
    assert allocation.ended_at is not None


def test_a_declaration_decided_allowed_does_not_block(team: Team) -> None:
    worker = _member("friend", "practitioner", team)
    manager = _member("boss", "manager", team)
    client = make_client(team)
    declaration = services.conflict_declare(
        actor=worker, team=team, connected_person="Neighbour", nature="Lives next door"
    )
    services.conflict_decide(
        actor=manager,
        declaration=declaration,
        client=client,
        decision=ConflictDeclaration.Decision.ALLOWED,
        measures="",
        reasons="Only a passing acquaintance; the client agreed",
        client_consulted=True,
    )
    assert policy.decide(worker, client).reason == Reason.TEAM


def test_break_the_glass_is_read_only_and_ends_when_it_expires(
    team: Team, other_team: Team
) -> None:
    outsider = _member("outsider", "practitioner", other_team)
    client = make_client(team)
    grant = services.break_glass(actor=outsider, client=client, reason="Crisis call out of hours")
    access = policy.decide(outsider, client)
    assert access.reason == Reason.BREAK_GLASS
    assert access.clinical
    assert not access.write
    assert policy.visible_clients(outsider).filter(pk=client.pk).exists()
    BreakGlassAccess.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert not policy.decide(outsider, client).allowed
    assert not policy.visible_clients(outsider).exists()
    assert policy.revoke_expired_break_glass() == 1


def test_a_disposed_record_opens_for_nobody(team: Team) -> None:
    manager = _member("m", "manager", team)
    client = make_client(team)
    services.client_destroy_data_key(actor=None, client=client, reason="disposal")
    assert policy.decide(manager, client).reason == Reason.DISPOSED
    assert not policy.visible_clients(manager).exists()


def test_an_inactive_user_gets_nothing(team: Team) -> None:
    worker = _member("gone", "practitioner", team)
    client = make_client(team)
    allocate(client, worker)
    worker.is_active = False
    worker.save()
    assert not policy.decide(worker, client).allowed
    assert not policy.visible_clients(worker).exists()


def test_lists_show_exactly_the_records_decide_allows(team: Team, other_team: Team) -> None:
    """The list filter (one query) and the per-record decision never disagree."""
    clients = [make_client(team) for _ in range(3)] + [make_client(other_team) for _ in range(2)]
    people = [
        _member("p-north", "practitioner", team),
        _member("p-south", "practitioner", other_team),
        _member("admin", "admin_staff", team),
        _member("manager", "manager", other_team),
        _member("data", "data_team", team),
        _member("both", "practitioner", team, other_team),
    ]
    allocate(clients[3], people[0])
    _restrict(people[5], clients[1])
    services.break_glass(actor=people[4], client=clients[4], reason="Safeguarding call, urgent")
    for user, client in itertools.product(people, clients):
        listed = policy.visible_clients(user).filter(pk=client.pk).exists()
        assert listed == policy.decide(user, client).allowed, (user.username, client.reference)


def test_the_scheduled_job_removes_expired_grants_and_records_it(team: Team) -> None:
    from accounts.models import AuditEvent
    from records.tasks import expire_break_glass

    outsider = _member("outsider", "practitioner")
    live = make_client(team)
    expired = make_client(team)
    services.break_glass(actor=outsider, client=live, reason="Out of hours crisis call")
    old = services.break_glass(actor=outsider, client=expired, reason="Out of hours crisis call")
    BreakGlassAccess.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    assert expire_break_glass() == 1
    assert policy.decide(outsider, live).reason == Reason.BREAK_GLASS
    assert AuditEvent.objects.get(action="break_glass.expired").detail == {"grants_removed": 1}
    assert expire_break_glass() == 0
