from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts import selectors, services
from accounts.models import (
    AuditArchive,
    AuditEvent,
    ConfidentialityPolicy,
    Notification,
    PolicyAcknowledgement,
    Team,
    User,
)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the audit trail. Say who asked and how you checked it was them.",
        error_messages={"required": "Give the reason; it is recorded in the audit trail"},
    )


def _with_reason(
    modeladmin: admin.ModelAdmin[User],
    request: HttpRequest,
    queryset: QuerySet[User],
    *,
    title: str,
    action: str,
    apply: Any,
    done: str,
) -> HttpResponse | None:
    """An admin action that asks for a reason on an intermediate page before it acts."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        actor = request.user
        assert isinstance(actor, User)
        for user in queryset:
            apply(actor=actor, user=user, reason=form.cleaned_data["reason"], request=request)
        modeladmin.message_user(request, done.format(count=queryset.count()), messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/accounts/user/reason_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "users": queryset,
            "form": form,
            "action": action,
            "opts": modeladmin.model._meta,
        },
    )


class StaffChangeForm(UserChangeForm[User]):
    home_postcode = forms.CharField(
        label="Home postcode",
        required=False,
        max_length=10,
        help_text="Kept only as a keyed hash, never shown again: access monitoring uses it to "
        "notice a member of staff opening a client record at their own address. Leave empty "
        "to keep what is held; enter NONE to remove it.",
    )

    def clean_home_postcode(self) -> str | None:
        from records.crypto import find_postcode, postcode_index

        value = self.cleaned_data["home_postcode"].strip()
        if not value:
            return None  # unchanged
        if value.upper() == "NONE":
            return ""
        if not find_postcode(value):
            raise forms.ValidationError("Enter a UK postcode, for example LS1 4AP")
        return postcode_index(value)

    def save(self, commit: bool = True) -> User:
        index = self.cleaned_data.get("home_postcode")
        if index is not None:
            self.instance.home_postcode_index = index
        return super().save(commit=commit)


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    form = StaffChangeForm
    list_display = ("username", "first_name", "last_name", "is_active", "is_staff", "role_list")
    list_filter = ("is_active", "is_staff", "groups", "teams")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Teams", {"fields": ("teams",)}),
        ("Access monitoring", {"fields": ("home_postcode", "home_postcode_held")}),
    )
    filter_horizontal = ("groups", "user_permissions", "teams")
    readonly_fields = ("last_login", "date_joined", "password_changed_at", "home_postcode_held")
    actions = ["reset_second_factor", "disable_accounts"]

    @admin.display(description="Home postcode held")
    def home_postcode_held(self, obj: User) -> str:
        return "Yes (as a keyed hash)" if obj.home_postcode_index else "No"

    @admin.display(description="Roles")
    def role_list(self, obj: User) -> str:
        return ", ".join(sorted(obj.role_names))

    @admin.action(description="Reset second factor (user enrols again at next sign-in)")
    def reset_second_factor(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        return _with_reason(
            self,
            request,
            queryset,
            title="Reset second factor",
            action="reset_second_factor",
            apply=services.mfa_reset,
            done="Second factor reset for {count} account(s); their sessions have ended.",
        )

    @admin.action(description="Disable accounts and end their sessions")
    def disable_accounts(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        return _with_reason(
            self,
            request,
            queryset,
            title="Disable accounts",
            action="disable_accounts",
            apply=services.user_deactivate,
            done="{count} account(s) disabled; their sessions have ended.",
        )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "service", "is_active")
    search_fields = ("name", "service")


@admin.register(ConfidentialityPolicy)
class ConfidentialityPolicyAdmin(admin.ModelAdmin[ConfidentialityPolicy]):
    list_display = ("version", "title", "published_at", "acknowledged_by")
    ordering = ("-published_at",)

    @admin.display(description="Acknowledged by")
    def acknowledged_by(self, obj: ConfidentialityPolicy) -> int:
        return obj.acknowledgements.count()

    def get_readonly_fields(
        self, request: HttpRequest, obj: ConfidentialityPolicy | None = None
    ) -> Any:
        # A published version is what staff signed: it never changes. Publish a new version.
        if obj is not None and obj.published_at is not None:
            return ("version", "title", "text", "published_at")
        return ()

    def has_delete_permission(
        self, request: HttpRequest, obj: ConfidentialityPolicy | None = None
    ) -> bool:
        return obj is None or obj.published_at is None

    def save_model(
        self, request: HttpRequest, obj: ConfidentialityPolicy, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        selectors.forget_current_policy()


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PolicyAcknowledgement)
class PolicyAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ("user", "policy", "acknowledged_at")
    list_filter = ("policy",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail, to read. Nobody can add, change or delete it here (or, by trigger, in the
    database)."""

    list_display = ("seq", "occurred_at", "actor", "action", "outcome", "object_type", "object_id")
    list_filter = ("outcome", "action")
    list_select_related = ("actor",)
    show_full_result_count = False


@admin.register(AuditArchive)
class AuditArchiveAdmin(ReadOnlyAdmin):
    """Months of the audit trail detached from the live database (`audit_partitions detach`),
    and where the chain stood at the end of each."""

    list_display = ("month", "partition", "events", "last_seq", "detached_at")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Who was told what, and whether they have read it. Only accounts.notifications.notify
    writes them."""

    list_display = ("created_at", "user", "message", "read_at")
    list_select_related = ("user",)
    search_fields = ("key",)
