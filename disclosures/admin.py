"""Django admin shows system administrators the register of data-sharing agreements, which the IG
lead keeps through its own pages (:mod:`disclosures.agreement_views`). Disclosure cases are not
here: admin is never a back door to what a case says about a client."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from disclosures.models import DataSharingAgreement


@admin.register(DataSharingAgreement)
class DataSharingAgreementAdmin(admin.ModelAdmin[DataSharingAgreement]):
    list_display = ("title", "kind", "partner", "review_on", "review_overdue", "active")
    list_filter = ("kind", "active")
    search_fields = ("title", "partner", "parties")
    ordering = ("review_on",)
    readonly_fields = ("ended_at", "ended_by", "end_reason")

    @admin.display(boolean=True, description="Review overdue")
    def review_overdue(self, obj: DataSharingAgreement) -> bool:
        return obj.review_overdue

    def has_delete_permission(
        self, request: HttpRequest, obj: DataSharingAgreement | None = None
    ) -> bool:
        # Cases cite agreements: retire one by unticking "active", never delete it.
        return False
