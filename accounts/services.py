"""Writes for accounts: sign-in steps, second factors, policy acknowledgement, session lock.

Each service is atomic and writes its audit event in the same transaction as its change.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.models import VerifyNotAllowed

from accounts.audit import AuditAction, audit_log
from accounts.models import (
    AuditOutcome,
    BackupCode,
    BackupCodeDevice,
    ConfidentialityPolicy,
    PasswordHistory,
    PolicyAcknowledgement,
    TOTPDevice,
    User,
    UserSession,
    backup_code_digest,
)

SESSION_LAST_SEEN = "confide_last_seen"
SESSION_LOCKED = "confide_locked"
SESSION_POLICY = "confide_policy_ack"

_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class SignInFailed(Exception):
    """Wrong username or password; the message never says which."""


class AccountLockedOut(Exception):
    """Too many failures from this address for this account."""


class InvalidCode(Exception):
    """The second-factor code was wrong, expired or already used."""


class CodeThrottled(Exception):
    def __init__(self, until: datetime | None):
        super().__init__("too many wrong codes")
        self.until = until


def _known_user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def signin_password(*, request: HttpRequest, username: str, password: str) -> User:
    """First step: check the password (django-axes counts failures) and start a session that can
    reach nothing but the second factor and sign-out until that is passed."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        target = _known_user(username)
        if getattr(request, "axes_locked_out", False):
            audit_log(
                action=AuditAction.SIGNIN_LOCKED_OUT,
                actor=None,
                outcome=AuditOutcome.DENIED,
                target=target,
                request=request,
            )
            raise AccountLockedOut
        audit_log(
            action=AuditAction.SIGNIN_FAILED,
            actor=None,
            outcome=AuditOutcome.FAILURE,
            target=target,
            detail={"step": "password", "account_exists": target is not None},
            request=request,
        )
        raise SignInFailed
    assert isinstance(user, User)
    with transaction.atomic():
        login(request, user)  # a new session key: nothing from before sign-in carries over
        request.session[SESSION_LAST_SEEN] = int(time.time())
        UserSession.objects.create(user=user, session_key=_session_key(request))
        audit_log(action=AuditAction.SIGNIN_PASSWORD_OK, actor=user, target=user, request=request)
    return user


def _session_key(request: HttpRequest) -> str:
    if request.session.session_key is None:
        request.session.save()
    return str(request.session.session_key)


def _cycle_session(request: HttpRequest) -> None:
    old = request.session.session_key
    request.session.cycle_key()
    UserSession.objects.filter(session_key=old).update(session_key=_session_key(request))


def mfa_enrolment_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled, made on first call, reused on reload."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.new_for(user)
        device.save()
    return device


def mfa_confirm_enrolment(*, request: HttpRequest, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the authenticator with its first code; issue backup codes; verify the session."""
    user = request.user
    assert isinstance(user, User)
    assert device.user_id == user.pk
    assert not device.confirmed
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        accepted = device.verify_token(token)
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            audit_log(action=AuditAction.MFA_ENROLLED, actor=user, target=user, request=request)
            codes = _issue_backup_codes(user=user, actor=user, request=request)
            _verified(request, device)
        else:
            audit_log(
                action=AuditAction.SIGNIN_FACTOR_FAILED,
                actor=user,
                outcome=AuditOutcome.FAILURE,
                target=user,
                detail={"step": "enrolment"},
                request=request,
            )
    if not accepted:
        raise InvalidCode
    return codes


def mfa_verify(*, request: HttpRequest, token: str) -> None:
    """Second step: a code from the authenticator app, or a single-use backup code."""
    user = request.user
    assert isinstance(user, User)
    token = token.strip()
    compact = token.replace(" ", "").replace("-", "")
    device_class: type[TOTPDevice] | type[BackupCodeDevice] = (
        TOTPDevice if compact.isdigit() else BackupCodeDevice
    )
    throttled_until: datetime | None = None
    with transaction.atomic():
        device = device_class.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None:
            allowed, info = device.verify_is_allowed()
            if not allowed and info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
                throttled_until = info.get("locked_until")
                audit_log(
                    action=AuditAction.SIGNIN_FACTOR_THROTTLED,
                    actor=user,
                    outcome=AuditOutcome.DENIED,
                    target=user,
                    request=request,
                )
            elif device.verify_token(compact if device_class is TOTPDevice else token):
                if isinstance(device, BackupCodeDevice):
                    audit_log(
                        action=AuditAction.BACKUP_CODE_USED,
                        actor=user,
                        target=user,
                        detail={"codes_left": device.codes.count()},
                        request=request,
                    )
                _verified(request, device)
                return
        if throttled_until is None:
            audit_log(
                action=AuditAction.SIGNIN_FACTOR_FAILED,
                actor=user,
                outcome=AuditOutcome.FAILURE,
                target=user,
                detail={
                    "step": "verify",
                    "kind": "app" if device_class is TOTPDevice else "backup",
                },
                request=request,
            )
    if throttled_until is not None:
        raise CodeThrottled(throttled_until)
    raise InvalidCode


def _verified(request: HttpRequest, device: TOTPDevice | BackupCodeDevice) -> None:
    otp_login(request, device)  # type: ignore[no-untyped-call]
    _cycle_session(request)
    request.session[SESSION_LAST_SEEN] = int(time.time())
    request.session[SESSION_LOCKED] = False
    audit_log(
        action=AuditAction.SIGNIN_SUCCESS,
        actor=device.user,
        target=device.user,
        detail={"factor": "app" if isinstance(device, TOTPDevice) else "backup_code"},
        request=request,
    )


def backup_codes_replace(*, user: User, count: int | None = None) -> list[str]:
    """Store a fresh set of backup codes (as digests) and return them, once, for showing.
    The caller writes the audit event."""
    device, _ = BackupCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "Backup codes", "confirmed": True}
    )
    device.codes.all().delete()
    raw = [
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
        for _ in range(count or settings.BACKUP_CODE_COUNT)
    ]
    codes = [f"{code[:5]}-{code[5:]}" for code in raw]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, digest=backup_code_digest(c)) for c in codes
    )
    return codes


def _issue_backup_codes(*, user: User, actor: User, request: HttpRequest | None) -> list[str]:
    codes = backup_codes_replace(user=user)
    audit_log(
        action=AuditAction.BACKUP_CODES_ISSUED,
        actor=actor,
        target=user,
        detail={"count": len(codes)},
        request=request,
    )
    return codes


def backup_codes_regenerate(*, request: HttpRequest, user: User) -> list[str]:
    """New backup codes for a verified user; the old ones stop working."""
    with transaction.atomic():
        return _issue_backup_codes(user=user, actor=user, request=request)


def mfa_reset(*, actor: User, user: User, reason: str, request: HttpRequest | None = None) -> None:
    """A system administrator removes a user's second factors (lost phone): the user enrols
    again at next sign-in, and every session they hold ends."""
    if not reason.strip():
        raise ValueError("A reason is required to reset someone's second factor")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        BackupCodeDevice.objects.filter(user=user).delete()
        _end_sessions(user)
        audit_log(
            action=AuditAction.MFA_RESET, actor=actor, target=user, reason=reason, request=request
        )


def user_deactivate(
    *, actor: User, user: User, reason: str, request: HttpRequest | None = None
) -> None:
    """Disable a staff account and end its sessions on the server."""
    if not reason.strip():
        raise ValueError("A reason is required to disable an account")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        _end_sessions(user)
        audit_log(
            action=AuditAction.USER_DEACTIVATED,
            actor=actor,
            target=user,
            reason=reason,
            request=request,
        )


def _end_sessions(user: User) -> None:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    # Through the session engine, which also drops its cached copy (cached_db with Redis).
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()


def signout(*, request: HttpRequest) -> None:
    user = request.user
    with transaction.atomic():
        if isinstance(user, User):
            UserSession.objects.filter(session_key=request.session.session_key).delete()
            audit_log(action=AuditAction.SIGNOUT, actor=user, target=user, request=request)
        logout(request)  # deletes the session on the server, not only the cookie


def session_lock(*, request: HttpRequest) -> None:
    user = request.user
    assert isinstance(user, User)
    with transaction.atomic():
        request.session[SESSION_LOCKED] = True
        audit_log(action=AuditAction.SESSION_LOCKED, actor=user, target=user, request=request)


def session_unlock(*, request: HttpRequest, password: str) -> None:
    """Unlock an idle-locked session with the password; failures count towards lock-out."""
    user = request.user
    assert isinstance(user, User)
    checked = authenticate(request, username=user.get_username(), password=password)
    if checked is None or checked.pk != user.pk:
        locked_out = getattr(request, "axes_locked_out", False)
        audit_log(
            action=AuditAction.SIGNIN_LOCKED_OUT
            if locked_out
            else AuditAction.SESSION_UNLOCK_FAILED,
            actor=user,
            outcome=AuditOutcome.DENIED if locked_out else AuditOutcome.FAILURE,
            target=user,
            request=request,
        )
        if locked_out:
            signout(request=request)
            raise AccountLockedOut
        raise SignInFailed
    with transaction.atomic():
        request.session[SESSION_LOCKED] = False
        request.session[SESSION_LAST_SEEN] = int(time.time())
        _cycle_session(request)
        audit_log(action=AuditAction.SESSION_UNLOCKED, actor=user, target=user, request=request)


def password_change(*, request: HttpRequest, user: User, new_password: str) -> None:
    """Set a new (already validated) password, remembering the old one's hash."""
    with transaction.atomic():
        if user.password and settings.PASSWORD_HISTORY_COUNT:
            PasswordHistory.objects.create(user=user, password=user.password)
            stale = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-pk")[
                settings.PASSWORD_HISTORY_COUNT :
            ]
            PasswordHistory.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        old_key = request.session.session_key
        update_session_auth_hash(request, user)  # a new key for this session; the others end
        UserSession.objects.filter(session_key=old_key).update(session_key=_session_key(request))
        audit_log(action=AuditAction.PASSWORD_CHANGED, actor=user, target=user, request=request)


def policy_acknowledge(*, request: HttpRequest, user: User, policy: ConfidentialityPolicy) -> None:
    with transaction.atomic():
        _, created = PolicyAcknowledgement.objects.get_or_create(user=user, policy=policy)
        if created:
            audit_log(
                action=AuditAction.POLICY_ACKNOWLEDGED,
                actor=user,
                target=policy,
                detail={"version": policy.version},
                request=request,
            )
    request.session[SESSION_POLICY] = policy.pk
