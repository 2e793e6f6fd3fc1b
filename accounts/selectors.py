"""Reads for accounts."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import ConfidentialityPolicy, Notification, TOTPDevice, User

_POLICY_CACHE_KEY = "confide:current-policy-id"


def current_policy() -> ConfidentialityPolicy | None:
    """The newest published version of the confidentiality policy."""
    return (
        ConfidentialityPolicy.objects.filter(published_at__lte=timezone.now())
        .order_by("-published_at", "-pk")
        .first()
    )


def current_policy_id() -> int | None:
    """The current policy's id, cached briefly: the sign-in gate asks on every request."""
    cached = cache.get(_POLICY_CACHE_KEY)
    if cached is None:
        policy = current_policy()
        cached = policy.pk if policy else 0
        cache.set(_POLICY_CACHE_KEY, cached, 60)
    return int(cached) or None


def forget_current_policy() -> None:
    cache.delete(_POLICY_CACHE_KEY)


def is_verified(user: object) -> bool:
    """Whether this request's user passed the second factor (django-otp's middleware sets
    ``is_verified`` on the user; anonymous users and users before OTPMiddleware have not)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def has_acknowledged(user: User, policy_id: int) -> bool:
    return user.policy_acknowledgements.filter(policy_id=policy_id).exists()


def has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def password_expired(user: User, max_age_days: int) -> bool:
    if max_age_days <= 0:
        return False
    changed = user.password_changed_at or user.date_joined
    return (timezone.now() - changed).days >= max_age_days


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_notification_count(user: User) -> int:
    """For the header, on every page: one count on a partial index, read with the session's
    user (``accounts.backends``) where it can be."""
    counted: int | None = getattr(user, "_confide_unread", None)
    if counted is None:
        counted = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return counted


def get_notification_for_user(user: User, notification_id: uuid.UUID) -> Notification:
    """One of the user's own notifications; anyone else's is not found, as a missing one is."""
    notification = notifications_for(user).filter(uuid=notification_id).first()
    if notification is None:
        raise Http404("No such notification")
    return notification
