"""Notifications: told once per key, e-mailed a link and nothing else, read on their own page."""

from __future__ import annotations

import datetime
import logging
import socket
import threading
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import Notification, User
from accounts.notifications import EMAIL_SUBJECT, notify
from tests.conftest import sign_in_fully
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEY = "sar-due:0b7f4a52-6c1e-4a8e-9d51-2f0c3f1e8a11:7"
MESSAGE = "A subject access request is due in 7 days"
TARGET = "/disclosures/0b7f4a52-6c1e-4a8e-9d51-2f0c3f1e8a11/"


class Rollback(Exception):
    pass


@pytest.fixture
def pat() -> User:
    return UserFactory.create(username="pat", roles=["practitioner"])


@pytest.fixture
def sam() -> User:
    return UserFactory.create(username="sam", roles=["manager"])


def _notify(users: list[User], **changes: str) -> list[Notification]:
    return notify(users, **{"key": KEY, "message": MESSAGE, "url": TARGET, **changes})


def _browser(user: User) -> Client:
    browser = Client()
    sign_in_fully(browser, user)
    return browser


# --- notify() ----------------------------------------------------------------------------------


def test_notifying_twice_creates_one_per_user_and_sends_one_email_each(
    pat: User, sam: User, mailoutbox: list[mail.EmailMessage], django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify([pat, sam, pat])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = _notify([pat, sam])

    assert sorted(n.user.username for n in first) == ["pat", "sam"]
    assert all(n.pk and not n.is_read for n in first)
    assert again == []
    assert callbacks == []
    assert Notification.objects.filter(key=KEY).count() == 2
    assert sorted(address for email in mailoutbox for address in email.to) == [
        "pat@example.invalid",
        "sam@example.invalid",
    ]


def test_a_new_key_notifies_again_and_only_those_without_it(
    pat: User, sam: User, django_capture_on_commit_callbacks
) -> None:
    _notify([pat])
    with django_capture_on_commit_callbacks(execute=True):
        new = _notify([pat, sam])
        other = _notify([pat], key="sar-due:0b7f4a52-6c1e-4a8e-9d51-2f0c3f1e8a11:1")
    assert [n.user for n in new] == [sam]
    assert [n.user for n in other] == [pat]
    assert pat.notifications.count() == 2


def test_inactive_users_are_skipped(
    pat: User, mailoutbox: list[mail.EmailMessage], django_capture_on_commit_callbacks
) -> None:
    gone = UserFactory.create(username="gone", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        created = _notify([gone, pat])
    assert [n.user for n in created] == [pat]
    assert not gone.notifications.exists()
    assert [email.to for email in mailoutbox] == [["pat@example.invalid"]]


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/disclosures/",
        "//evil.example/disclosures/",
        "/\\evil.example/disclosures/",
        "disclosures/",
        "javascript:alert(1)",
        "",
        "/disclosures/ x",
        "/disclosures/\n",
        "/" + "x" * Notification.URL_MAX_LENGTH,
    ],
)
def test_a_url_that_is_not_a_local_path_is_refused(pat: User, url: str) -> None:
    with pytest.raises(ValueError, match="must be a path in Confide"):
        _notify([pat], url=url)
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"message": ""}, "message"),
        ({"message": "   "}, "message"),
        ({"message": "x" * (Notification.MESSAGE_MAX_LENGTH + 1)}, "message"),
        ({"key": ""}, "key"),
        ({"key": "k" * (Notification.KEY_MAX_LENGTH + 1)}, "key"),
    ],
)
def test_an_empty_or_over_long_message_or_key_is_refused(
    pat: User, changes: dict[str, str], complaint: str
) -> None:
    with pytest.raises(ValueError, match=f"needs a {complaint}") as refused:
        _notify([pat], **changes)
    assert "xxx" not in str(refused.value), "the error does not repeat the value"
    assert not Notification.objects.exists()


def test_the_email_carries_a_link_to_the_notifications_page_and_nothing_else(
    pat: User, settings, mailoutbox: list[mail.EmailMessage], django_capture_on_commit_callbacks
) -> None:
    settings.SITE_URL = "https://confide.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        _notify([pat])
    (email,) = mailoutbox
    assert email.to == ["pat@example.invalid"]
    assert email.subject == EMAIL_SUBJECT == "Confide: you have a new notification"
    body = str(email.body)
    assert "https://confide.example.org/account/notifications/" in body
    for secret in (MESSAGE, TARGET, "0b7f4a52", "subject access", "Alex", pat.last_name):
        assert secret not in body
        assert secret not in email.subject
    assert not email.attachments


def test_a_user_without_an_email_address_is_notified_in_confide_only(
    mailoutbox: list[mail.EmailMessage], django_capture_on_commit_callbacks
) -> None:
    nomail = UserFactory.create(username="nomail", email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert len(_notify([nomail])) == 1
    assert callbacks == []
    assert mailoutbox == []


def test_nothing_is_kept_or_sent_if_the_transaction_rolls_back(
    pat: User, mailoutbox: list[mail.EmailMessage], django_capture_on_commit_callbacks
) -> None:
    def notify_then_fail() -> None:
        with transaction.atomic():
            assert len(_notify([pat])) == 1
            raise Rollback

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Rollback):
        notify_then_fail()
    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.exists()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_mail_server_that_is_down_is_logged_and_the_notification_stands(
    pat: User, settings, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 5
    with (
        caplog.at_level(logging.WARNING, logger="accounts.notifications"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        (created,) = _notify([pat])
    assert len(callbacks) == 1
    assert Notification.objects.get() == created
    assert "0 of 1 sent before the mail server failed (ConnectionRefusedError)" in caplog.text
    assert "pat" not in caplog.text
    assert MESSAGE not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_two_callers_at_once_notify_each_user_once(pat: User) -> None:
    """The second caller's insert waits for the first's transaction, then finds the key taken."""
    first_inserted, second_started = threading.Event(), threading.Event()
    results: dict[str, list[Notification]] = {}
    errors: list[BaseException] = []

    def run(name: str, body: Callable[[], None]) -> threading.Thread:
        def target() -> None:
            try:
                body()
            except BaseException as exc:  # reported by the test, not lost in the thread
                errors.append(exc)
            finally:
                connection.close()

        thread = threading.Thread(target=target, name=name)
        thread.start()
        return thread

    def first() -> None:
        with transaction.atomic():
            results["first"] = _notify([pat])
            first_inserted.set()
            second_started.wait(10)
            # Let the second caller's insert reach the database while this one is uncommitted.
            threading.Event().wait(0.5)

    def second() -> None:
        first_inserted.wait(10)
        second_started.set()
        results["second"] = _notify([pat])

    threads = [run("first", first), run("second", second)]
    for thread in threads:
        thread.join(30)
    assert not errors
    assert len(results["first"]) == 1
    assert results["second"] == []
    assert Notification.objects.filter(user=pat, key=KEY).count() == 1
    assert len(mail.outbox) == 1


# --- The pages ---------------------------------------------------------------------------------


def _made(user: User, key: str, message: str, *, minutes_ago: int) -> Notification:
    (notification,) = notify([user], key=key, message=message, url=TARGET)
    notification.created_at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    notification.save(update_fields=["created_at"])
    return notification


def test_the_page_lists_only_your_own_newest_first_with_the_unread_count(
    pat: User, sam: User
) -> None:
    _made(pat, "older", "Older notice", minutes_ago=30)
    _made(pat, "newer", "Newer notice", minutes_ago=5)
    read = _made(pat, "read", "Read notice", minutes_ago=60)
    read.read_at = timezone.now()
    read.save(update_fields=["read_at"])
    _made(sam, "theirs", "Someone else's notice", minutes_ago=1)

    browser = _browser(pat)
    page = browser.get("/account/notifications/").content.decode()
    assert page.index("Newer notice") < page.index("Older notice") < page.index("Read notice")
    assert "Someone else" not in page
    assert page.count('data-testid="unread-tag"') == 2
    assert "Notifications (2)" in page
    assert "Mark all as read" in page
    assert "Notifications (2)" in browser.get("/").content.decode()
    assert "Notifications (1)" in _browser(sam).get("/").content.decode()


def test_with_nothing_unread_the_header_shows_no_count(pat: User) -> None:
    page = _browser(pat).get("/account/notifications/").content.decode()
    assert ">Notifications</a>" in page
    assert "You have no notifications" in page
    assert "Mark all as read" not in page


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(pat: User) -> None:
    notification = _made(pat, KEY, MESSAGE, minutes_ago=1)
    browser = _browser(pat)
    response = browser.get(f"/account/notifications/{notification.uuid}/")
    assert response.status_code == 302
    assert response["Location"] == TARGET
    notification.refresh_from_db()
    assert notification.read_at is not None
    first_read = notification.read_at
    browser.get(f"/account/notifications/{notification.uuid}/")
    notification.refresh_from_db()
    assert notification.read_at == first_read
    assert "Notifications (" not in browser.get("/").content.decode()


def test_someone_elses_notification_is_not_found(pat: User, sam: User) -> None:
    theirs = _made(sam, KEY, MESSAGE, minutes_ago=1)
    browser = _browser(pat)
    assert browser.get(f"/account/notifications/{theirs.uuid}/").status_code == 404
    missing = "/account/notifications/8d5c2b1e-0000-4000-8000-000000000000/"
    assert browser.get(missing).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read_marks_only_your_own_and_needs_a_post(pat: User, sam: User) -> None:
    mine = [_made(pat, f"mine-{n}", MESSAGE, minutes_ago=n) for n in range(3)]
    theirs = _made(sam, "theirs", MESSAGE, minutes_ago=1)
    browser = _browser(pat)
    assert browser.get("/account/notifications/read/").status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 4

    response = browser.post("/account/notifications/read/")
    assert response["Location"] == "/account/notifications/"
    assert all(Notification.objects.get(pk=n.pk).is_read for n in mine)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    page = browser.get("/account/notifications/").content.decode()
    assert "All your notifications are marked as read" in page
    assert "Notifications (" not in page


def test_mark_all_as_read_needs_the_csrf_token(pat: User) -> None:
    _made(pat, KEY, MESSAGE, minutes_ago=1)
    browser = _browser(pat)
    browser.handler.enforce_csrf_checks = True  # signed in; now the form's token is needed
    assert browser.post("/account/notifications/read/").status_code == 403
    assert Notification.objects.get().read_at is None


def test_notifications_are_read_only_in_admin(pat: User) -> None:
    notification = _made(pat, KEY, MESSAGE, minutes_ago=1)
    root = _browser(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    base = "/admin/accounts/notification/"
    assert root.get(base).status_code == 200
    assert root.get(f"{base}add/").status_code == 403
    assert root.get(f"{base}{notification.pk}/delete/").status_code == 403
    root.post(f"{base}{notification.pk}/change/", {"message": "edited"})
    notification.refresh_from_db()
    assert notification.message == MESSAGE
