"""Retention classes are managed in Django admin: the schedule is data, not code. Assignments and
legal holds are changed through the IG lead's pages, which audit them."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from retention.models import RetentionClass


@admin.register(RetentionClass)
class RetentionClassAdmin(admin.ModelAdmin[RetentionClass]):
    list_display = ("name", "trigger", "years", "years_after_death", "is_default", "active")
    list_filter = ("trigger", "active")

    def has_delete_permission(
        self, request: HttpRequest, obj: RetentionClass | None = None
    ) -> bool:
        # Records belong to classes: one no longer wanted is made inactive, never deleted.
        return False
