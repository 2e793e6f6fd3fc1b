"""Need-to-know access to client records, decided in one place.

Every "may this user see or do this to this client?" question is answered here, and this is
the only module that talks to django-guardian. Access comes from:

- **allocation**: a guardian grant (``records.work_on_client``) in the client's own permission
  table, given and taken away with the allocation;
- **team**: membership of the team that holds the record, with a role whose duty needs it:
  practitioners read and write their team's records (they cover for each other), managers also
  manage them, administration staff see only the administrative part (identifiers, referral,
  appointments), never entries;
- **break the glass**: a guardian grant (``records.break_glass_client``) that holds only while
  its :class:`~records.models.BreakGlassAccess` is live; read-only, and reviewed afterwards.

A conflict-of-interest declaration linked to the client and not decided "allowed" denies the
person the record whatever else would grant it, break-the-glass included: deny wins. So does a
destroyed data key: a disposed record opens for nobody.

Lists never check rows one by one: :func:`visible_clients` filters with indexed semi-joins on
the grant table, the team and the declarations, so a list costs the same queries at any length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, models
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Value
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Role, User
from records.models import (
    BreakGlassAccess,
    Client,
    ClientUserObjectPermission,
    ConflictDeclaration,
)

WORK_ON = "work_on_client"
BREAK_GLASS = "break_glass_client"

# Declarations that block: restricted, or linked to the record and not yet decided.
BLOCKING = (ConflictDeclaration.Decision.PENDING, ConflictDeclaration.Decision.RESTRICTED)


class Reason(models.TextChoices):
    """Why access was allowed or refused; written into every access audit event."""

    ALLOCATION = "allocation", "Allocated worker"
    TEAM = "team", "Member of the team that holds the record"
    TEAM_MANAGER = "team_manager", "Manager of the team that holds the record"
    ADMIN_DUTY = "admin_duty", "Administration duty (administrative part only)"
    BREAK_GLASS = "break_glass", "Break the glass"
    IG_DUTY = "ig_duty", "Information governance duty (access log only)"
    DATA_SUBJECT_REQUEST = (
        "data_subject_request",
        "Information governance: answering the person's own request (subject access and "
        "other rights)",
    )
    GUARDIAN_DUTY = "guardian_duty", "Caldicott Guardian reviewing an escalated disclosure"
    CONFLICT = "conflict", "Refused: conflict-of-interest restriction"
    DISPOSED = "disposed", "Refused: record disposed of"
    NO_GRANT = "no_grant", "Refused: no grant"


@dataclass(frozen=True)
class Access:
    """What one user may do with one client's record, and why."""

    reason: Reason
    admin_part: bool = False  # identifiers, referral, appointments, status
    clinical: bool = False  # entries and their history
    write: bool = False  # add and amend entries
    administer: bool = False  # edit the administrative part
    manage: bool = False  # allocate, decide declarations, see who accessed the record
    # When set, the break-the-glass grant that this access rests on, until when.
    expires_at: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.admin_part

    @property
    def denied_by_conflict(self) -> bool:
        return self.reason == Reason.CONFLICT


NO_ACCESS = Access(reason=Reason.NO_GRANT)


@cache
def _permission_id(codename: str) -> int:
    return Permission.objects.get(content_type__app_label="records", codename=codename).pk


def forget_cached_permissions() -> None:
    """Test flushes re-create permissions with new ids."""
    _permission_id.cache_clear()


def _team_ids(user: User) -> list[int]:
    cached: list[int] | None = getattr(user, "_confide_team_ids", None)
    if cached is None:
        cached = list(user.teams.values_list("pk", flat=True))
        user._confide_team_ids = cached  # type: ignore[attr-defined]
    return cached


def _roles(user: User) -> frozenset[str]:
    return frozenset(user.role_names)


def blocking_declarations(user: User) -> QuerySet[ConflictDeclaration]:
    """The declarations that shut records to the user: restricted, or linked and undecided.
    Every app's policy builds its conflict-of-interest rule on this one query."""
    return ConflictDeclaration.objects.filter(staff=user, decision__in=BLOCKING)


def with_access_facts(clients: QuerySet[Client], user: User) -> QuerySet[Client]:
    """``clients`` with what :func:`decide` must ask the database about each for ``user`` (a
    blocking declaration, the user's grants) read in the same query, on PostgreSQL. The facts
    are marked with the user's id and hold only for that user."""
    if connection.vendor != "postgresql":
        return clients
    return clients.annotate(
        confide_facts_user=Value(user.pk, output_field=IntegerField()),
        confide_blocked=Exists(blocking_declarations(user).filter(client=OuterRef("pk"))),
        confide_codenames=ArraySubquery(
            ClientUserObjectPermission.objects.filter(
                user=user, content_object=OuterRef("pk")
            ).values("permission__codename")
        ),
    )


def _facts(user: User, client: Client) -> tuple[bool, frozenset[str]] | None:
    if getattr(client, "confide_facts_user", None) != user.pk:
        return None
    return bool(client.confide_blocked), frozenset(client.confide_codenames)  # type: ignore[attr-defined]


def is_restricted(user: User, client: Client) -> bool:
    facts = _facts(user, client)
    if facts is not None:
        return facts[0]
    return blocking_declarations(user).filter(client=client).exists()


def not_restricted(user: User, client_field: str = "pk") -> Q:
    """A filter keeping only rows whose client (reached by ``client_field``) the user is not
    restricted from, as an indexed semi-join."""
    return ~Q(Exists(blocking_declarations(user).filter(client=OuterRef(client_field))))


def decide(user: User, client: Client) -> Access:
    """The one answer to "what may ``user`` do with ``client``'s record, and why?"."""
    if not user.is_active or not user.is_authenticated:
        return NO_ACCESS
    if client.is_disposed:
        return Access(reason=Reason.DISPOSED)
    if is_restricted(user, client):
        return Access(reason=Reason.CONFLICT)
    facts = _facts(user, client)
    codenames = (
        facts[1]
        if facts is not None
        else frozenset(
            ClientUserObjectPermission.objects.filter(user=user, content_object=client).values_list(
                "permission__codename", flat=True
            )
        )
    )
    roles = _roles(user)
    in_team = client.team_id in _team_ids(user)
    if in_team and Role.MANAGER in roles:
        return Access(
            reason=Reason.TEAM_MANAGER,
            admin_part=True,
            clinical=True,
            write=True,
            administer=True,
            manage=True,
        )
    if WORK_ON in codenames:
        return Access(
            reason=Reason.ALLOCATION,
            admin_part=True,
            clinical=True,
            write=True,
            administer=in_team and Role.ADMIN_STAFF in roles,
        )
    if in_team and Role.PRACTITIONER in roles:
        return Access(
            reason=Reason.TEAM,
            admin_part=True,
            clinical=True,
            write=True,
            administer=Role.ADMIN_STAFF in roles,
        )
    if in_team and Role.ADMIN_STAFF in roles:
        return Access(reason=Reason.ADMIN_DUTY, admin_part=True, administer=True)
    if BREAK_GLASS in codenames:
        live = live_break_glass(user, client)
        if live is not None:
            return Access(
                reason=Reason.BREAK_GLASS,
                admin_part=True,
                clinical=True,
                expires_at=live.expires_at,
            )
    return NO_ACCESS


def live_break_glass(user: User, client: Client) -> BreakGlassAccess | None:
    return (
        BreakGlassAccess.objects.filter(user=user, client=client, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


# --- Lists ----------------------------------------------------------------------------------


def _grant(user: User, codename: str) -> Exists:
    return Exists(
        ClientUserObjectPermission.objects.filter(
            user=user, permission_id=_permission_id(codename), content_object=OuterRef("pk")
        )
    )


def visible_clients(user: User) -> QuerySet[Client]:
    """Every record the user may open (at least its administrative part), in one query."""
    if not user.is_active:
        return Client.objects.none()
    live_glass = _grant(user, BREAK_GLASS) & Exists(
        BreakGlassAccess.objects.filter(
            user=user, client=OuterRef("pk"), expires_at__gt=timezone.now()
        )
    )
    reach = Q(_grant(user, WORK_ON)) | Q(live_glass)
    if _roles(user) & {Role.PRACTITIONER, Role.MANAGER, Role.ADMIN_STAFF}:
        reach |= Q(team_id__in=_team_ids(user))
    return Client.objects.filter(reach, not_restricted(user), data_key_destroyed_at__isnull=True)


def caseload(user: User) -> QuerySet[Client]:
    """The clients allocated to the user: "my clients"."""
    return Client.objects.filter(
        _grant(user, WORK_ON), not_restricted(user), data_key_destroyed_at__isnull=True
    )


def managed_teams(user: User) -> list[int]:
    return _team_ids(user) if user.has_role(Role.MANAGER) else []


def team_clients(user: User) -> QuerySet[Client]:
    """The records of the teams the user manages."""
    return Client.objects.filter(
        not_restricted(user), team_id__in=managed_teams(user), data_key_destroyed_at__isnull=True
    )


def may_break_glass(user: User, client: Client) -> bool:
    """Anyone signed in may ask, with a reason, unless a declaration bars them (deny wins)."""
    return user.is_active and not client.is_disposed and not is_restricted(user, client)


def may_see_access_log(user: User, client: Client) -> Reason | None:
    """ "Who has accessed this record": the record's team manager, and the IG lead (who answers
    clients' questions and subject access requests) for any record. A restriction still wins."""
    if not user.is_active or is_restricted(user, client):
        return None
    if decide(user, client).manage:
        return Reason.TEAM_MANAGER
    if user.has_role(Role.IG_LEAD):
        return Reason.IG_DUTY
    return None


def may_manage_team(user: User, team_id: int) -> bool:
    return user.has_role(Role.MANAGER) and team_id in _team_ids(user)


# --- Duties that are not about one record ---------------------------------------------------

REFERRING_ROLES = (Role.ADMIN_STAFF, Role.MANAGER, Role.PRACTITIONER)


def may_log_referrals(user: User, team_id: int | None = None) -> bool:
    """Admin staff, practitioners and managers log referrals, into their own teams."""
    return (
        user.is_active
        and any(user.has_role(role) for role in REFERRING_ROLES)
        and (team_id is None or team_id in _team_ids(user))
    )


def is_manager(user: User) -> bool:
    """Managers' pages: the team list, declarations, off-site requests to approve."""
    return user.is_active and user.has_role(Role.MANAGER)


def may_review_break_glass(user: User, access: BreakGlassAccess | None = None) -> str | None:
    """Who reviews break-the-glass use: the data team for any record, a manager for their
    teams' records; never the person who used it. Returns the duty it rests on, or None."""
    if not user.is_active or (access is not None and access.user_id == user.pk):
        return None
    if user.has_role(Role.DATA_TEAM):
        return "data_team"
    if user.has_role(Role.MANAGER) and (access is None or access.client.team_id in _team_ids(user)):
        return "team_manager"
    return None


def break_glass_to_review(user: User) -> QuerySet[BreakGlassAccess]:
    """The accesses waiting for this user's review, in one query."""
    if may_review_break_glass(user) is None:
        return BreakGlassAccess.objects.none()
    queryset = BreakGlassAccess.objects.filter(review=BreakGlassAccess.Review.PENDING).exclude(
        user=user
    )
    if not user.has_role(Role.DATA_TEAM):
        queryset = queryset.filter(client__team_id__in=managed_teams(user))
    return queryset


def may_decide_declaration(user: User, declaration: ConflictDeclaration) -> bool:
    """A manager of the declaring person's team, other than that person."""
    return may_manage_team(user, declaration.team_id) and user.pk != declaration.staff_id


def declarations_to_decide(user: User) -> QuerySet[ConflictDeclaration]:
    return ConflictDeclaration.objects.filter(team_id__in=managed_teams(user)).exclude(staff=user)


def may_find_any_access_log(user: User) -> bool:
    """The IG lead answers clients' questions about who saw their record, for any record."""
    return user.is_active and user.has_role(Role.IG_LEAD)


# --- Grants (the only writes to guardian's tables) -----------------------------------------


def grant_allocation(*, worker: User, client: Client) -> None:
    assign_perm(f"records.{WORK_ON}", worker, client)


def revoke_allocation(*, worker: User, client: Client) -> None:
    remove_perm(f"records.{WORK_ON}", worker, client)


def grant_break_glass(*, user: User, client: Client) -> None:
    assign_perm(f"records.{BREAK_GLASS}", user, client)


def revoke_expired_break_glass() -> int:
    """Remove break-the-glass grants with no live access behind them; returns how many."""
    live = BreakGlassAccess.objects.filter(
        user=OuterRef("user"), client=OuterRef("content_object"), expires_at__gt=timezone.now()
    )
    stale = ClientUserObjectPermission.objects.filter(
        permission_id=_permission_id(BREAK_GLASS)
    ).exclude(Exists(live))
    count, _ = stale.delete()
    return count


def break_glass_duration() -> timedelta:
    return timedelta(minutes=settings.BREAK_GLASS_MINUTES)
