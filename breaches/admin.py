"""Django admin shows system administrators the breach register's plain columns, read only: the
stage, kind, dates and who acted. What the report and the investigation say is sealed and shown
only on the breach's own pages, to those :mod:`breaches.policy` allows; admin is never a back door
to it, and breaches change only through their workflow (:mod:`breaches.services`)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from breaches.models import Breach


@admin.register(Breach)
class BreachAdmin(admin.ModelAdmin[Breach]):
    list_display = (
        "reference",
        "status",
        "kind",
        "category",
        "near_miss",
        "urgent_safety",
        "aware_at",
        "ico_notified_at",
    )
    list_filter = ("status", "kind", "category", "near_miss", "urgent_safety")
    ordering = ("-aware_at",)
    fields = (
        "reported_by",
        "reported_at",
        "aware_at",
        "kind",
        "category",
        "near_miss",
        "urgent_safety",
        "data_format",
        "protection",
        "affected",
        "records_count",
        "sensitivity",
        "stolen",
        "status",
        "investigating_officer",
        "assigned_by",
        "assigned_at",
        "contained_at",
        "contained_by",
        "likelihood",
        "severity",
        "notify_ico",
        "tell_people",
        "assessed_at",
        "assessed_by",
        "ico_notified_at",
        "ico_reference",
        "ico_recorded_by",
        "people_told_at",
        "people_told_by",
        "lessons_at",
        "lessons_by",
        "closed_at",
        "closed_by",
    )
    readonly_fields = fields

    @admin.display(description="Reference")
    def reference(self, obj: Breach) -> str:
        return obj.reference

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Breach | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Breach | None = None) -> bool:
        return False
