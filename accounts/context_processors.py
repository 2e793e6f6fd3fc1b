from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import User
from accounts.selectors import is_verified
from accounts.services import SESSION_LOCKED


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The header's navigation for a fully signed-in user; nothing before that."""
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "organisation_name": settings.ORGANISATION_NAME,
        "idle_timeout_seconds": settings.IDLE_TIMEOUT_MINUTES * 60,
    }
    locked = request.session.get(SESSION_LOCKED, False) if hasattr(request, "session") else False
    if not isinstance(user, User) or not is_verified(user) or locked:
        context["nav_items"] = []
        return context
    items = [("Home", reverse("home"))]
    items.append(("Your account", reverse("accounts:security")))
    if user.is_staff:
        items.append(("Administration", reverse("admin:index")))
    path = request.path
    context["nav_items"] = [
        {
            "label": label,
            "url": url,
            "current": path == url or (url != "/" and path.startswith(url)),
        }
        for label, url in items
    ]
    context["signed_in_user"] = user
    return context
