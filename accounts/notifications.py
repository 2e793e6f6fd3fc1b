"""Notifications: the one way Confide tells staff that something needs them.

Scheduled jobs (disclosure deadlines, the Guardian's queue, and later breaches and retention) call
:func:`notify`. A notification is a short generic message and a link to a page in Confide; the
page itself decides, as always, whether its reader may see what is there. Nothing that names a
client goes into a notification, and the e-mail that goes with one carries only a link to the
notifications page (DESIGN §2: no personal data in e-mails or notification texts).
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import Notification, User

logger = logging.getLogger(__name__)

EMAIL_SUBJECT = "Confide: you have a new notification"
_EMAIL_BODY = """You have a new notification in Confide.

To read it, sign in and open your notifications:
{link}

This e-mail is sent automatically. It never contains details of clients or cases.
"""


def is_local_path(url: str) -> bool:
    """Whether ``url`` is a path on this site ("/records/..."), never another site's address."""
    return (
        0 < len(url) <= Notification.URL_MAX_LENGTH
        and url.startswith("/")
        # Browsers read "//host" and "/\\host" as another site.
        and not url.startswith(("//", "/\\"))
        and url.isprintable()
        and not any(ch.isspace() for ch in url)
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


def notify(users: Iterable[User], *, key: str, message: str, url: str) -> list[Notification]:
    """Create one notification per active user, idempotently: a user who already has `key` gets
    nothing new. Returns the new ones. Runs inside the caller's transaction; the e-mails are sent
    on commit.

    ``message`` is short generic text ("A subject access request is due in 7 days") and ``url`` a
    path in Confide: the caller guarantees that neither carries personal data. Raises ValueError
    for an empty or over-long key or message, or a url that is not a local path. Each new
    notification's user with an e-mail address is sent, once the transaction commits, an e-mail
    with a link to their notifications page and nothing else.
    """
    # The errors do not repeat the values: they could end up in a job's log.
    if not key or len(key) > Notification.KEY_MAX_LENGTH:
        raise ValueError(
            f"a notification needs a key of 1 to {Notification.KEY_MAX_LENGTH} characters"
        )
    message = message.strip()
    if not message or len(message) > Notification.MESSAGE_MAX_LENGTH:
        raise ValueError(
            f"a notification needs a message of 1 to {Notification.MESSAGE_MAX_LENGTH} characters"
        )
    if not is_local_path(url):
        raise ValueError("a notification's url must be a path in Confide, starting with /")

    recipients = {user.pk: user for user in users if user.is_active}
    if not recipients:
        return []
    now = timezone.now()
    candidates = [
        Notification(user=user, key=key, message=message, url=url, created_at=now)
        for user in recipients.values()
    ]
    with transaction.atomic():
        # ON CONFLICT DO NOTHING: a user who already has the key (or whose notification another
        # caller is inserting at this moment: the database makes this insert wait for that one
        # to commit or roll back) is skipped without an error that would break the caller's
        # transaction.
        Notification.objects.bulk_create(candidates, ignore_conflicts=True)
        # The database does not say which rows it skipped, but the uuids made here do: a row
        # carrying one of them exists only if this call inserted it.
        created = list(
            Notification.objects.filter(uuid__in=[c.uuid for c in candidates]).order_by("pk")
        )
        for notification in created:
            notification.user = recipients[notification.user_id]
        to_email = [(n.uuid, n.user.email) for n in created if n.user.email]
        if to_email:
            transaction.on_commit(partial(_send_emails, to_email))
    return created


def _send_emails(recipients: list[tuple[uuid.UUID, str]]) -> None:
    """Tell each recipient that they have a new notification: a link to the notifications page,
    not to the page the notification is about, and not its message.

    Mail being down must not fail the job that notified (its transaction has committed and the
    notifications stand), so failures are logged, by notification id only, and not raised.
    """
    link = settings.SITE_URL + reverse("accounts:notifications")
    body = _EMAIL_BODY.format(link=link)
    sent = 0
    try:
        with mail.get_connection(fail_silently=False) as connection:
            for notification_id, address in recipients:
                email = mail.EmailMessage(EMAIL_SUBJECT, body, to=[address], connection=connection)
                try:
                    email.send()
                except smtplib.SMTPRecipientsRefused:
                    # The server's answer names the address: log the notification, not that.
                    logger.warning(
                        "notification e-mail refused by the mail server (notification %s)",
                        notification_id,
                    )
                else:
                    sent += 1
    except (smtplib.SMTPException, OSError) as exc:
        logger.error(
            "notification e-mails: %d of %d sent before the mail server failed (%s)",
            sent,
            len(recipients),
            type(exc).__name__,
        )


def forget_unread_count(user: User) -> None:
    """The count read with the session's user is stale once this request marks any read."""
    if hasattr(user, "_confide_unread"):
        delattr(user, "_confide_unread")


def notification_mark_read(*, user: User, notification: Notification) -> None:
    """Mark one of the user's notifications read (once: the first reading time stays)."""
    if notification.user_id != user.pk:
        raise ValueError("a notification is marked read only by its own user")
    if notification.read_at is None:
        forget_unread_count(user)
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many there were."""
    forget_unread_count(user)
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
