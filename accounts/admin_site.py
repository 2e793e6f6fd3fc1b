from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.selectors import is_verified


class ConfideAdminSite(admin.AdminSite):
    """Django admin behind the same sign-in as the rest of Confide: password, second factor,
    policy acknowledgement. It has no sign-in page of its own to bypass."""

    site_header = "Confide administration"
    site_title = "Confide administration"
    index_title = "Staff, roles, teams and policy settings"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(super().has_permission(request) and is_verified(user))

    @login_not_required
    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            next_url = reverse("admin:index")
        user = request.user
        if user.is_authenticated and is_verified(user):
            if self.has_permission(request):
                return redirect(next_url)
            raise PermissionDenied("Administration is for system administrators")
        return redirect_to_login(next_url, reverse("accounts:sign_in"))

    def logout(  # type: ignore[override]  # a redirect to Confide's sign-out page
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return redirect("accounts:sign_out")
