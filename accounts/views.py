from __future__ import annotations

import re
import uuid

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import notifications as notification_services
from accounts import selectors, services
from accounts.forms import (
    AcknowledgeForm,
    CodeForm,
    EnrolmentCodeForm,
    PasswordChangeForm,
    SignInForm,
    UnlockForm,
)
from accounts.models import User
from accounts.roles import homes_for
from breaches import policy as breach_policy
from breaches import selectors as breach_selectors
from disclosures import policy as disclosure_policy
from disclosures import selectors as disclosure_selectors
from retention import policy as retention_policy

SESSION_NEXT = "confide_next"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _after_sign_in(request: HttpRequest) -> HttpResponse:
    target = request.session.pop(SESSION_NEXT, None)
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(settings.LOGIN_REDIRECT_URL)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context: dict[str, object] = {"homes": homes_for(user)}
    with transaction.atomic():
        if disclosure_policy.is_guardian(user):
            # The Caldicott Guardian's home is their queue.
            cases = disclosure_selectors.guardian_queue(user)
            disclosure_selectors.audit_shown(request, name="guardian_queue", cases=cases)
            context["guardian_cases"] = cases
        if disclosure_policy.may_log_rights_requests(user):
            # The IG lead's home shows the data-subject requests' deadlines.
            deadlines = disclosure_selectors.deadline_list(user)
            disclosure_selectors.audit_shown(request, name="deadlines", cases=deadlines)
            context["deadline_cases"] = deadlines
        if breach_policy.is_ig_lead(user):
            # Counts only: the register itself is a click away.
            context["breach_counts"] = breach_selectors.open_counts(user)
        if retention_policy.may_see_review_queue(user):
            # The Guardian's queue holds only destructions waiting for a second person.
            context["disposal_waiting"] = retention_policy.review_queue(user).count()
        return render(request, "accounts/home.html", context)


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and selectors.is_verified(request.user):
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignInForm(request.POST if request.method == "POST" else None)
    next_url = request.GET.get("next") or request.POST.get("next") or ""
    if request.method == "POST" and form.is_valid():
        try:
            services.signin_password(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except services.AccountLockedOut:
            # django-axes's middleware answers with the lock-out page.
            return render(request, "accounts/locked_out.html", status=429)
        except services.SignInFailed:
            form.add_error(None, "Enter a correct username and password")
        else:
            if next_url:
                request.session[SESSION_NEXT] = next_url
            if selectors.has_authenticator(_user(request)):
                return redirect("accounts:mfa_verify")
            return redirect("accounts:mfa_setup")
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.signout(request=request)
        messages.success(request, "You have signed out")
        return redirect("accounts:sign_in")
    return render(request, "accounts/sign_out.html")


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)


@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    device = services.mfa_enrolment_device(user=user)
    form = EnrolmentCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.mfa_confirm_enrolment(
                request=request, device=device, token=form.cleaned_data["code"]
            )
        except services.InvalidCode:
            form.add_error(
                "code",
                "That code is not right. Check the app shows Confide and try the newest code",
            )
        else:
            return render(
                request, "accounts/backup_codes.html", {"codes": codes, "first_time": True}
            )
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - SVG made by qrcode here
            "secret": " ".join(re.findall(".{1,4}", device.base32_key)),
        },
    )


@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.mfa_verify(request=request, token=form.cleaned_data["code"])
        except services.CodeThrottled as exc:
            wait = "a few seconds"
            if exc.until is not None:
                seconds = max(1, int((exc.until - timezone.now()).total_seconds()))
                wait = f"{seconds} second{'s' if seconds != 1 else ''}"
            form.add_error("code", f"Too many wrong codes. Wait {wait}, then try again")
        except services.InvalidCode:
            form.add_error(
                "code",
                "That code is not right. Enter the newest code from your app, or a backup code",
            )
        else:
            return _after_sign_in(request)
    return render(request, "accounts/mfa_verify.html", {"form": form})


@require_http_methods(["GET", "POST"])
def locked(request: HttpRequest) -> HttpResponse:
    form = UnlockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_unlock(request=request, password=form.cleaned_data["password"])
        except services.AccountLockedOut:
            return render(request, "accounts/locked_out.html", status=429)
        except services.SignInFailed:
            form.add_error("password", "That password is not right")
        else:
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/locked.html", {"form": form})


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """The page's script calls this while the user is typing or moving about the page, so that a
    long piece of writing is not lost to the idle lock. The gate middleware did the work."""
    return HttpResponse(status=204)


@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    current = selectors.current_policy()
    if current is None:
        return redirect(settings.LOGIN_REDIRECT_URL)
    user = _user(request)
    already = selectors.has_acknowledged(user, current.pk)
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not already and form.is_valid():
        services.policy_acknowledge(request=request, user=user, policy=current)
        messages.success(
            request, f"Thank you. You acknowledged version {current.version} of the policy"
        )
        return _after_sign_in(request)
    paragraphs = [p.strip() for p in current.text.split("\n\n") if p.strip()]
    return render(
        request,
        "accounts/policy.html",
        {"policy": current, "paragraphs": paragraphs, "form": form, "already": already},
    )


@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            request=request, user=user, new_password=form.cleaned_data["new_password"]
        )
        messages.success(request, "Your password has been changed")
        return redirect("accounts:security")
    expired = selectors.password_expired(user, settings.PASSWORD_MAX_AGE_DAYS)
    return render(request, "accounts/password_change.html", {"form": form, "expired": expired})


@require_GET
def security(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    backup = user.backupcodedevice_set.first()
    return render(
        request,
        "accounts/security.html",
        {"codes_left": backup.codes.count() if backup else 0},
    )


@require_POST
def backup_codes_regenerate(request: HttpRequest) -> HttpResponse:
    codes = services.backup_codes_regenerate(request=request, user=_user(request))
    return render(request, "accounts/backup_codes.html", {"codes": codes, "first_time": False})


# --- Notifications ---------------------------------------------------------------------------


@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(selectors.notifications_for(user), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@require_GET
def notification_open(request: HttpRequest, notification_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    notification = selectors.get_notification_for_user(user, notification_id)
    notification_services.notification_mark_read(user=user, notification=notification)
    # notify() accepts only local paths; checked again here, as any redirect target is.
    if not notification_services.is_local_path(notification.url):
        return redirect("accounts:notifications")
    return redirect(notification.url)


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notification_services.notifications_mark_all_read(user=_user(request))
    messages.success(request, "All your notifications are marked as read")
    return redirect("accounts:notifications")
