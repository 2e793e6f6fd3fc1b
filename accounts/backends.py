"""The sign-in backend: Django's ModelBackend, with the session's user read in one query.

Every request loads its user from the session (``get_user``), and nearly every page then asks
the same things of that user: which roles, which teams, how many unread notifications, which
authenticator is confirmed (django-otp's check of the session's second factor). On PostgreSQL
those come back with the user, as arrays and a count from indexed subqueries, so a page pays
one query for them rather than five. They describe the user as the request began; code that
changes them during a request (marking notifications read, say) forgets the copy it changed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Notification, Role, TOTPDevice, User


def _with_request_facts(users: Any) -> Any:
    unread = (
        Notification.objects.filter(user_id=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return users.annotate(
        confide_roles=ArraySubquery(
            User.groups.through.objects.filter(
                user_id=OuterRef("pk"), group__name__in=Role.values
            ).values("group__name")
        ),
        confide_teams=ArraySubquery(
            User.teams.through.objects.filter(user_id=OuterRef("pk"))
            .order_by("team_id")
            .values("team_id")
        ),
        confide_unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
        confide_devices=ArraySubquery(
            TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True).values("pk")
        ),
    )


def remember_request_facts(user: User) -> None:
    """Move the annotations onto the attributes that ``User.role_names``,
    ``records.policy``, the header's notification count and the OTP middleware read."""
    user._role_names = frozenset(user.confide_roles)  # type: ignore[attr-defined]
    user._confide_team_ids = list(user.confide_teams)  # type: ignore[attr-defined]
    user._confide_unread = user.confide_unread  # type: ignore[attr-defined]
    user._confide_devices = frozenset(user.confide_devices)  # type: ignore[attr-defined]


_NO_USER = -1


@cache
def _session_user_sql() -> tuple[str, tuple[Any, ...]]:
    """The query's SQL, built by the ORM once per process (building it costs more than running
    it), for a user id that never exists; ``get_user`` puts the real id in its place."""
    sql, params = _with_request_facts(User.objects.filter(pk=_NO_USER)).query.sql_with_params()
    if params.count(_NO_USER) != 1 or params[-1] != _NO_USER:
        raise RuntimeError("the session user's query has an unexpected shape")
    return sql, params[:-1]


class SessionUserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        if connection.vendor != "postgresql":
            return super().get_user(user_id)
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        sql, params = _session_user_sql()
        user = next(iter(User.objects.raw(sql, (*params, pk))), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        remember_request_facts(user)
        return user
