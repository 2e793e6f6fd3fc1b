"""Sign-in: password, second factor, enrolment, lock-out, throttling, and their audit events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, BackupCode, TOTPDevice, User
from tests.conftest import current_code, sign_in_fully
from tests.factories import PASSWORD, UserFactory, enrol

pytestmark = pytest.mark.django_db


def actions(**filters: object) -> list[str]:
    return list(
        AuditEvent.objects.filter(**filters).order_by("seq").values_list("action", flat=True)
    )


def test_anonymous_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/")


def test_wrong_password_is_refused_and_audited_without_the_typed_username(
    client: Client, user: User
) -> None:
    response = client.post("/account/sign-in/", {"username": "pat", "password": "wrong"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    event = AuditEvent.objects.get(action="signin.failed")
    assert event.outcome == "failure"
    assert (event.object_type, event.object_id) == ("accounts.user", str(user.pk))
    assert event.actor is None


def test_unknown_username_is_audited_without_recording_what_was_typed(
    client: Client, db: None
) -> None:
    client.post("/account/sign-in/", {"username": "MySecretPassword1!", "password": "x"})
    event = AuditEvent.objects.get(action="signin.failed")
    assert event.object_id == ""
    assert "MySecretPassword1!" not in str(event.detail)
    assert event.detail["account_exists"] is False


def test_password_only_session_reaches_nothing_but_enrolment_and_sign_out(
    client: Client, user: User
) -> None:
    response = client.post("/account/sign-in/", {"username": "pat", "password": PASSWORD})
    assert response["Location"] == "/account/two-factor/set-up/"
    for path in [
        "/",
        "/account/security/",
        "/account/confidentiality-policy/",
        "/admin/",
        "/account/two-factor/",
    ]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/account/two-factor/set-up/", path
    assert client.get("/account/two-factor/set-up/").status_code == 200
    assert client.post("/account/sign-out/").status_code == 302
    assert client.get("/account/two-factor/set-up/")["Location"].startswith("/account/sign-in/")


def test_enrolment_shows_a_qr_code_and_confirms_with_a_code(
    client: Client, user: User, settings
) -> None:
    settings.OTP_THROTTLE_FACTOR = 0  # throttling has its own test
    client.post("/account/sign-in/", {"username": "pat", "password": PASSWORD})
    page = client.get("/account/two-factor/set-up/").content.decode()
    assert "<svg" in page
    assert "otpauth" not in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/account/two-factor/set-up/", {"code": "000000"}).status_code == 200
    response = client.post("/account/two-factor/set-up/", {"code": device.current_token()})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    # Stored as digests only, never in clear.
    stored = list(BackupCode.objects.filter(device__user=user).values_list("digest", flat=True))
    assert len(stored) == 10
    assert not set(codes) & set(stored)
    assert actions(actor=user) == [
        "signin.password_ok",
        "signin.factor_failed",
        "mfa.enrolled",
        "mfa.backup_codes_issued",
        "signin.success",
    ]


def test_totp_secret_is_stored_encrypted(enrolled_user: User) -> None:
    device = TOTPDevice.objects.get(user=enrolled_user)
    assert device.base32_key not in device.encrypted_key
    assert device.bin_key.hex() not in device.encrypted_key
    assert device.encrypted_key.startswith("gAAAAA")  # a Fernet token


def test_full_sign_in_reaches_home_and_rotates_the_session(
    client: Client, enrolled_user: User
) -> None:
    client.get("/account/sign-in/")
    client.post("/account/sign-in/", {"username": "pat", "password": PASSWORD})
    after_password = client.session.session_key
    response = client.post("/account/two-factor/", {"code": current_code(enrolled_user)})
    assert response.status_code == 302
    assert client.session.session_key != after_password
    # The confidentiality policy comes first, then home.
    assert client.get("/")["Location"] == "/account/confidentiality-policy/"
    client.post("/account/confidentiality-policy/", {"confirm": "on"})
    home = client.get("/")
    assert home.status_code == 200
    assert "Practitioner" in home.content.decode()
    assert home["Cache-Control"].startswith("max-age=0") or "no-store" in home["Cache-Control"]
    assert actions(actor=enrolled_user) == [
        "signin.password_ok",
        "signin.success",
        "policy.acknowledged",
    ]


def test_a_totp_code_works_only_once(client: Client, enrolled_user: User) -> None:
    code = current_code(enrolled_user)
    client.post("/account/sign-in/", {"username": "pat", "password": PASSWORD})
    assert client.post("/account/two-factor/", {"code": code}).status_code == 302
    other = Client()
    other.post("/account/sign-in/", {"username": "pat", "password": PASSWORD})
    response = other.post("/account/two-factor/", {"code": code})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()


def test_backup_code_signs_in_once(client: Client, enrolled_user: User) -> None:
    from accounts.services import backup_codes_replace

    codes = backup_codes_replace(user=enrolled_user)
    client.post("/account/sign-in/", {"username": "pat", "password": PASSWORD})
    assert client.post("/account/two-factor/", {"code": codes[0].upper()}).status_code == 302
    event = AuditEvent.objects.get(action="mfa.backup_code_used")
    assert event.detail["codes_left"] == 9

    again = Client()
    again.post("/account/sign-in/", {"username": "pat", "password": PASSWORD})
    response = again.post("/account/two-factor/", {"code": codes[0]})
    assert response.status_code == 200
    assert "not right" in response.content.decode()


def test_wrong_codes_are_throttled(client: Client, enrolled_user: User) -> None:
    client.post("/account/sign-in/", {"username": "pat", "password": PASSWORD})
    client.post("/account/two-factor/", {"code": "000001"})
    # Even the right code is refused while the back-off runs.
    response = client.post("/account/two-factor/", {"code": current_code(enrolled_user)})
    assert "Too many wrong codes" in response.content.decode()
    assert actions(actor=enrolled_user)[-2:] == ["signin.factor_failed", "signin.factor_throttled"]
    device = TOTPDevice.objects.get(user=enrolled_user)
    assert device.throttling_failure_count == 1


def test_repeated_wrong_passwords_lock_the_account_from_that_address(
    client: Client, user: User, settings
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/account/sign-in/", {"username": "pat", "password": "wrong"}, REMOTE_ADDR="10.0.0.9"
        )
    response = client.post(
        "/account/sign-in/", {"username": "pat", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    assert "signin.locked_out" in actions(object_id=str(user.pk))
    # The right password from the same address is still refused: nothing gets through.
    assert "_auth_user_id" not in client.session


def test_lockout_from_elsewhere_does_not_lock_the_real_user_out(
    client: Client, enrolled_user: User, settings
) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        attacker.post(
            "/account/sign-in/", {"username": "pat", "password": "guess"}, REMOTE_ADDR="203.0.113.7"
        )
    response = client.post(
        "/account/sign-in/", {"username": "pat", "password": PASSWORD}, REMOTE_ADDR="192.0.2.10"
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/"


def test_sign_out_ends_the_session_on_the_server(client: Client, enrolled_user: User) -> None:
    from django.contrib.sessions.models import Session

    sign_in_fully(client, enrolled_user)
    key = client.session.session_key
    client.post("/account/sign-out/")
    assert not Session.objects.filter(session_key=key).exists()
    assert actions(actor=enrolled_user)[-1] == "signout"
    assert client.get("/")["Location"].startswith("/account/sign-in/")


def test_events_record_where_the_request_came_from(client: Client, user: User) -> None:
    client.post(
        "/account/sign-in/", {"username": "pat", "password": "x"}, REMOTE_ADDR="198.51.100.4"
    )
    assert AuditEvent.objects.get(action="signin.failed").ip_address == "198.51.100.4"


def test_inactive_user_cannot_sign_in(client: Client, db: None) -> None:
    UserFactory.create(username="gone", is_active=False)
    response = client.post("/account/sign-in/", {"username": "gone", "password": PASSWORD})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()


def test_enrolled_user_is_never_offered_a_new_enrolment(
    client: Client, enrolled_user: User
) -> None:
    client.post("/account/sign-in/", {"username": "pat", "password": PASSWORD})
    response = client.get("/account/two-factor/set-up/")
    assert response["Location"] == "/account/two-factor/"
    assert TOTPDevice.objects.filter(user=enrolled_user).count() == 1


def test_password_age_forces_a_change_when_the_organisation_sets_one(
    client: Client, enrolled_user: User, settings
) -> None:
    settings.PASSWORD_MAX_AGE_DAYS = 90
    enrolled_user.password_changed_at = timezone.now() - timedelta(days=91)
    enrolled_user.save()
    sign_in_fully(client, enrolled_user)
    assert client.get("/")["Location"] == "/account/password/"


def test_second_account_cannot_use_anothers_device(client: Client, enrolled_user: User) -> None:
    other = UserFactory.create(username="other")
    enrol(other)
    client.post("/account/sign-in/", {"username": "other", "password": PASSWORD})
    response = client.post("/account/two-factor/", {"code": current_code(enrolled_user)})
    # Pat's current code is not Other's code (the chance they coincide is one in a million).
    assert response.status_code == 200
