from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class ConfideAdminSite(admin.AdminSite):
    """Django admin behind the same sign-in as the rest of Confide: password, second factor,
    policy acknowledgement. It has no sign-in page of its own to bypass."""

    site_header = "Confide administration"
    site_title = "Confide administration"
    index_title = "Staff, roles, teams and policy settings"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(super().has_permission(request) and user.is_verified())  # type: ignore[union-attr]

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return redirect_to_login(request.GET.get("next", reverse("admin:index")), reverse("accounts:sign_in"))

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return redirect("accounts:sign_out")

