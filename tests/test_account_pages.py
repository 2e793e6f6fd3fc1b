"""Policy acknowledgement, idle lock, password rules, backup codes and the role home pages."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import (
    AuditEvent,
    ConfidentialityPolicy,
    PasswordHistory,
    PolicyAcknowledgement,
    User,
)
from accounts.services import SESSION_LAST_SEEN
from tests.conftest import sign_in_fully
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def last_action() -> str:
    return AuditEvent.objects.order_by("-seq").values_list("action", flat=True).first() or ""


# --- Confidentiality policy -------------------------------------------------------------------


def test_policy_must_be_acknowledged_before_first_use(client: Client, enrolled_user: User) -> None:
    sign_in_fully(client, enrolled_user, acknowledge=False)
    assert client.get("/account/security/")["Location"] == "/account/confidentiality-policy/"
    page = client.get("/account/confidentiality-policy/")
    assert "I will keep confidential" in page.content.decode()
    assert "nhsuk-header__navigation" not in page.content.decode()
    refused = client.post("/account/confidentiality-policy/", {})
    assert "Confirm that you have read and will follow the policy" in refused.content.decode()
    client.post("/account/confidentiality-policy/", {"confirm": "on"})
    ack = PolicyAcknowledgement.objects.get(user=enrolled_user)
    assert ack.policy.version == "1"
    assert client.get("/account/security/").status_code == 200
    event = AuditEvent.objects.get(action="policy.acknowledged")
    assert event.detail["version"] == "1"
    assert event.actor == enrolled_user


def test_a_newly_published_version_must_be_acknowledged_again(
    client: Client, enrolled_user: User
) -> None:
    sign_in_fully(client, enrolled_user)
    assert client.get("/").status_code == 200
    ConfidentialityPolicy.objects.create(
        version="2",
        title="Confidentiality declaration",
        text="New text.",
        published_at=timezone.now(),
    )
    from accounts.selectors import forget_current_policy

    forget_current_policy()
    assert client.get("/")["Location"] == "/account/confidentiality-policy/"
    client.post("/account/confidentiality-policy/", {"confirm": "on"})
    assert client.get("/").status_code == 200
    assert set(enrolled_user.policy_acknowledgements.values_list("policy__version", flat=True)) == {
        "1",
        "2",
    }


# --- Idle lock -----------------------------------------------------------------------------------


def _age_session(client: Client, seconds: int) -> None:
    session = client.session
    session[SESSION_LAST_SEEN] = int(time.time()) - seconds
    session.save()


def test_idle_session_locks_and_shows_no_page_until_unlocked(
    client: Client, enrolled_user: User, settings
) -> None:
    sign_in_fully(client, enrolled_user)
    _age_session(client, settings.IDLE_TIMEOUT_MINUTES * 60 + 5)
    assert client.get("/")["Location"] == "/account/locked/"
    assert last_action() == "session.locked"
    locked_page = client.get("/account/locked/").content.decode()
    assert "Your session is locked" in locked_page
    assert "nhsuk-header__navigation" not in locked_page
    assert "data-idle-timeout" not in locked_page
    wrong = client.post("/account/locked/", {"password": "not it"})
    assert "That password is not right" in wrong.content.decode()
    assert last_action() == "session.unlock_failed"
    assert client.post("/account/locked/", {"password": PASSWORD})["Location"] == "/"
    assert client.get("/").status_code == 200
    assert last_action() == "session.unlocked"


def test_activity_keeps_the_session_unlocked(client: Client, enrolled_user: User, settings) -> None:
    sign_in_fully(client, enrolled_user)
    _age_session(client, settings.IDLE_TIMEOUT_MINUTES * 60 - 60)
    assert client.post("/account/keep-alive/").status_code == 204
    _age_session_keep = client.session[SESSION_LAST_SEEN]
    assert int(time.time()) - _age_session_keep < 5
    assert client.get("/").status_code == 200


def test_opening_the_lock_page_locks_the_screen(client: Client, enrolled_user: User) -> None:
    sign_in_fully(client, enrolled_user)
    assert "Your session is locked" in client.get("/account/locked/").content.decode()
    assert client.get("/")["Location"] == "/account/locked/"
    assert last_action() == "session.locked"


def test_idle_timeout_is_configurable(client: Client, enrolled_user: User, settings) -> None:
    settings.IDLE_TIMEOUT_MINUTES = 1
    sign_in_fully(client, enrolled_user)
    _age_session(client, 90)
    assert client.get("/")["Location"] == "/account/locked/"


# --- Passwords ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        ("Short1!", "too short"),
        ("alllowercaseletters", "one character class"),
        ("Worthington12!", "similar to the user's name"),
        ("123456789012345", "numeric"),
        ("password1234", "common"),
    ],
)
def test_weak_passwords_are_refused(candidate: str, reason: str) -> None:
    person = UserFactory.build(username="pat", first_name="Pat", last_name="Worthington")
    with pytest.raises(ValidationError):
        validate_password(candidate, person)


@pytest.mark.parametrize("candidate", ["Tr1cky-Pass-word", "correct horse battery staple"])
def test_good_passwords_and_long_passphrases_are_accepted(candidate: str) -> None:
    validate_password(candidate, UserFactory.build(username="pat"))


def test_changing_password_refuses_recent_ones_and_is_audited(
    client: Client, enrolled_user: User
) -> None:
    sign_in_fully(client, enrolled_user)
    first = "Another good pass 1"
    response = client.post(
        "/account/password/",
        {"current_password": PASSWORD, "new_password": first, "confirm_password": first},
    )
    assert response["Location"] == "/account/security/"
    assert last_action() == "password.changed"
    assert PasswordHistory.objects.filter(user=enrolled_user).count() == 1
    back = client.post(
        "/account/password/",
        {"current_password": first, "new_password": PASSWORD, "confirm_password": PASSWORD},
    )
    assert "You have used this password recently" in back.content.decode()
    enrolled_user.refresh_from_db()
    assert enrolled_user.check_password(first)


def test_password_change_ends_the_users_other_sessions(client: Client, enrolled_user: User) -> None:
    other = Client()
    sign_in_fully(client, enrolled_user)
    sign_in_fully(other, enrolled_user)
    new = "Yet another pass 22"
    client.post(
        "/account/password/",
        {"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )
    assert client.get("/").status_code == 200
    assert other.get("/")["Location"].startswith("/account/sign-in/")


def test_mismatched_confirmation_is_explained(client: Client, enrolled_user: User) -> None:
    sign_in_fully(client, enrolled_user)
    response = client.post(
        "/account/password/",
        {
            "current_password": PASSWORD,
            "new_password": "Good pass word 12",
            "confirm_password": "Other 12 words!",
        },
    )
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The two new passwords do not match" in page


# --- Backup codes and home ------------------------------------------------------------------------


def test_new_backup_codes_replace_the_old(client: Client, enrolled_user: User) -> None:
    sign_in_fully(client, enrolled_user)
    first = client.post("/account/security/backup-codes/").context["codes"]
    second = client.post("/account/security/backup-codes/").context["codes"]
    assert not set(first) & set(second)
    assert "10 unused" in client.get("/account/security/").content.decode()
    assert last_action() == "mfa.backup_codes_issued"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("practitioner", "Read and write the case records of your own caseload"),
        ("admin_staff", "Log referrals and appointments"),
        ("manager", "Decide conflict-of-interest declarations"),
        ("data_team", "Monitor access to client records"),
        ("ig_lead", "Keep the breach register and its 72-hour clock"),
        ("caldicott_guardian", "Approve, refuse or ask for more"),
    ],
)
def test_each_role_has_a_home_page_saying_what_it_can_do(
    client: Client, role: str, expected: str
) -> None:
    person = UserFactory.create(username=f"{role}-person", roles=[role])
    sign_in_fully(client, person)
    page = client.get("/").content.decode()
    assert expected in page
    assert f'data-testid="role-{role}"' in page
    assert page.count('class="nhsuk-card"') == 1


def test_navigation_shows_administration_only_to_system_administrators(
    client: Client, db: None
) -> None:
    admin = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    sign_in_fully(client, admin)
    assert "Administration" in client.get("/").content.decode()
    other = Client()
    sign_in_fully(other, UserFactory.create(username="plain", roles=["practitioner"]))
    assert "Administration" not in other.get("/").content.decode()


def test_pages_carry_security_headers(signed_in: Client) -> None:
    response = signed_in.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_sign_out_requires_post(signed_in: Client) -> None:
    assert signed_in.get("/account/sign-out/").status_code == 200
    assert signed_in.get("/").status_code == 200  # a GET did not sign out
