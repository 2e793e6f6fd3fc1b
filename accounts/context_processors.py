from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import Role, User
from accounts.selectors import current_policy_id, is_verified, unread_notification_count
from accounts.services import SESSION_LOCKED, SESSION_POLICY


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The header's navigation for a fully signed-in user; nothing before that."""
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "organisation_name": settings.ORGANISATION_NAME,
        "idle_timeout_seconds": settings.IDLE_TIMEOUT_MINUTES * 60,
    }
    session = getattr(request, "session", {})
    policy_id = current_policy_id()
    # Navigation appears only once the sign-in gate is passed: second factor, not locked,
    # current policy acknowledged. Before that its links would only lead back to the gate.
    gated = session.get(SESSION_LOCKED, False) or (
        policy_id is not None and session.get(SESSION_POLICY) != policy_id
    )
    if not isinstance(user, User) or not is_verified(user) or gated:
        context["nav_items"] = []
        return context
    items = [("Home", reverse("home"))]
    if user.has_role(Role.PRACTITIONER):
        items.append(("My clients", reverse("records:caseload")))
    if user.has_role(Role.MANAGER):
        items.append(("Team", reverse("records:team")))
    if any(user.has_role(r) for r in (Role.PRACTITIONER, Role.MANAGER, Role.ADMIN_STAFF)):
        items.append(("Find a client", reverse("records:search")))
    if user.has_role(Role.CALDICOTT_GUARDIAN):
        items.append(("Guardian's queue", reverse("disclosures:guardian_queue")))
    if user.has_role(Role.DATA_TEAM) or user.has_role(Role.IG_LEAD):
        items.append(("Access monitoring", reverse("monitoring:findings")))
    if user.has_role(Role.IG_LEAD):
        items.append(("Data-subject requests", reverse("disclosures:deadlines")))
    if user.has_role(Role.IG_LEAD) or user.has_role(Role.CALDICOTT_GUARDIAN):
        items.append(("Breaches", reverse("breaches:register")))
    if any(
        user.has_role(r)
        for r in (
            Role.PRACTITIONER,
            Role.MANAGER,
            Role.ADMIN_STAFF,
            Role.IG_LEAD,
            Role.CALDICOTT_GUARDIAN,
        )
    ):
        items.append(("Requests", reverse("disclosures:list")))
    if user.has_role(Role.IG_LEAD):
        items.append(("Data-sharing agreements", reverse("disclosures:agreements")))
        items.append(("Retention", reverse("retention:overview")))
    elif user.has_role(Role.MANAGER) or user.has_role(Role.CALDICOTT_GUARDIAN):
        items.append(("Disposal reviews", reverse("retention:reviews")))
    if user.has_role(Role.IG_LEAD) or user.has_role(Role.CALDICOTT_GUARDIAN):
        items.append(("Statistics", reverse("reports:statistics")))
    unread = unread_notification_count(user)
    items.append(
        (
            f"Notifications ({unread})" if unread else "Notifications",
            reverse("accounts:notifications"),
        )
    )
    context["unread_notifications"] = unread
    items.append(("Your account", reverse("accounts:security")))
    if user.is_staff:
        items.append(("Administration", reverse("admin:index")))
    path = request.path
    # The longest link the page sits under is the current one: the agreements pages are under
    # the requests' URL too.
    current = max(
        (url for _, url in items if path == url or (url != "/" and path.startswith(url))),
        key=len,
        default=None,
    )
    context["nav_items"] = [
        {"label": label, "url": url, "current": url == current} for label, url in items
    ]
    context["signed_in_user"] = user
    return context
