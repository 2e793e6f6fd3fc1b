"""The sign-in gate: what a signed-in session may reach before it has done everything required.

Order of the checks: second factor (enrol, or verify), idle lock, password age, confidentiality
policy. A session that has not passed a check reaches only the page that resolves it and
sign-out. Django's LoginRequiredMiddleware, before this one, already sends anonymous visitors to
sign-in. Every response to a signed-in session is marked not to be cached, so the browser's back
button shows no client data after sign-out or lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import DEFERRED
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from accounts import selectors
from accounts.models import TOTPDevice, User
from accounts.services import SESSION_LAST_SEEN, SESSION_LOCKED, SESSION_POLICY, session_lock

ALWAYS_ALLOWED = {"accounts:sign_out", "healthz"}
FACTOR_VIEWS = {"accounts:mfa_setup", "accounts:mfa_verify"}
# Refresh the idle clock at most this often, so that not every request writes the session.
_LAST_SEEN_GRANULARITY = 30


class SignInGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            add_never_cache_headers(response)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        user = request.user
        if not isinstance(user, User) or request.resolver_match is None:
            return None
        view = request.resolver_match.view_name
        if view in ALWAYS_ALLOWED:
            return None

        if not selectors.is_verified(user):
            target = (
                "accounts:mfa_verify" if selectors.has_authenticator(user) else "accounts:mfa_setup"
            )
            return None if view == target else self._send(request, target)
        if view in FACTOR_VIEWS:
            return redirect(settings.LOGIN_REDIRECT_URL)

        now = int(time.time())
        session = request.session
        if not session.get(SESSION_LOCKED):
            idle = now - int(session.get(SESSION_LAST_SEEN, now))
            # Opening the lock page locks the session too: the page's script sends an idle
            # screen there, and its clock may run a little ahead of this one.
            if idle > settings.IDLE_TIMEOUT_MINUTES * 60 or view == "accounts:locked":
                session_lock(request=request)
        if session.get(SESSION_LOCKED):
            return None if view == "accounts:locked" else self._send(request, "accounts:locked")
        if now - int(session.get(SESSION_LAST_SEEN, 0)) >= _LAST_SEEN_GRANULARITY:
            session[SESSION_LAST_SEEN] = now

        if selectors.password_expired(user, settings.PASSWORD_MAX_AGE_DAYS):
            return (
                None
                if view == "accounts:password_change"
                else self._send(request, "accounts:password_change")
            )

        policy_id = selectors.current_policy_id()
        if policy_id is not None and session.get(SESSION_POLICY) != policy_id:
            if selectors.has_acknowledged(user, policy_id):
                session[SESSION_POLICY] = policy_id
            elif view != "accounts:policy":
                return self._send(request, "accounts:policy")
        return None

    @staticmethod
    def _send(request: HttpRequest, view_name: str) -> HttpResponse:
        if request.headers.get("x-requested-with") == "fetch":
            return JsonResponse({"redirect": view_name}, status=401)
        return redirect(view_name)


class SessionUserOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, which marks a user verified when the session's device is theirs
    and confirmed, taking that answer from the user's confirmed authenticators, read with the
    user (``accounts.backends``), instead of a query of its own. The device it sets has only
    those fields; any other is read from the database if something asks for it. Any other kind
    of device, or a user read some other way, goes the library's own way."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        confirmed: frozenset[int] | None = getattr(user, "_confide_devices", None)
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        label, _, device_id = str(persistent_id or "").rpartition("/")
        if confirmed is None or not persistent_id or label != TOTPDevice._meta.label_lower:
            return super()._verify_user_sync(request, user)  # type: ignore[no-untyped-call]
        self._init_user_fields(user)  # type: ignore[no-untyped-call]
        device = None
        if device_id.isdigit() and int(device_id) in confirmed:
            known = {"id": int(device_id), "user_id": user.pk, "confirmed": True}
            device = TOTPDevice.from_db(
                DEFAULT_DB_ALIAS,
                list(known),
                [known.get(f.attname, DEFERRED) for f in TOTPDevice._meta.concrete_fields],
            )
        user.otp_device = self._finalize_device(request, user, device)  # type: ignore[no-untyped-call]
        return user
