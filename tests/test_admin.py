"""Django admin sits behind the same two-factor sign-in; its account actions are audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import AuditEvent, TOTPDevice, User
from tests.conftest import sign_in_fully
from tests.factories import PASSWORD, UserFactory, enrol

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


def admin_action(
    client: Client, action: str, user: User, reason: str
) -> _MonkeyPatchedWSGIResponse:
    """Run a user action in Django admin, past its reason page."""
    return client.post(
        "/admin/accounts/user/",
        {"action": action, "_selected_action": [user.pk], "apply": "1", "reason": reason},
    )


@pytest.fixture
def sysadmin() -> User:
    return UserFactory.create(username="root", is_staff=True, is_superuser=True)


def test_admin_has_no_password_only_way_in(client: Client, sysadmin: User) -> None:
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/account/sign-in/?next=/admin/"
    enrol(sysadmin)
    client.post("/account/sign-in/", {"username": "root", "password": PASSWORD})
    assert client.get("/admin/")["Location"] == "/account/two-factor/"
    assert client.get("/admin/accounts/user/")["Location"] == "/account/two-factor/"


def test_verified_system_administrator_reaches_admin(client: Client, sysadmin: User) -> None:
    sign_in_fully(client, sysadmin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/auditevent/").status_code == 200


def test_staff_without_admin_rights_are_refused(client: Client) -> None:
    sign_in_fully(client, UserFactory.create(username="pract", roles=["practitioner"]))
    assert client.get("/admin/", follow=True).status_code == 403


def test_audit_trail_cannot_be_changed_or_deleted_in_admin(client: Client, sysadmin: User) -> None:
    sign_in_fully(client, sysadmin)
    event = AuditEvent.objects.first()
    assert event is not None
    assert client.get(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403
    client.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"reason": "edited"})
    event.refresh_from_db()
    assert event.reason == ""


def test_resetting_a_second_factor_asks_why_ends_sessions_and_is_audited(
    client: Client, sysadmin: User
) -> None:
    victim = UserFactory.create(username="lostphone", roles=["practitioner"])
    their_browser = Client()
    sign_in_fully(their_browser, victim)
    sign_in_fully(client, sysadmin)
    form = client.post(
        "/admin/accounts/user/", {"action": "reset_second_factor", "_selected_action": [victim.pk]}
    )
    assert "Give the reason" not in form.content.decode()
    assert "reason" in form.content.decode()
    refused = admin_action(client, "reset_second_factor", victim, "")
    assert "Give the reason" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=victim).exists()
    admin_action(
        client, "reset_second_factor", victim, "Phone lost; identity checked by video call"
    )
    assert not TOTPDevice.objects.filter(user=victim).exists()
    assert their_browser.get("/")["Location"].startswith("/account/sign-in/")
    event = AuditEvent.objects.get(action="mfa.reset")
    assert (event.actor, event.object_id, event.reason) == (
        sysadmin,
        str(victim.pk),
        "Phone lost; identity checked by video call",
    )


def test_disabling_an_account_ends_its_sessions_on_the_server(
    client: Client, sysadmin: User
) -> None:
    leaver = UserFactory.create(username="leaver", roles=["practitioner"])
    their_browser = Client()
    sign_in_fully(their_browser, leaver)
    key = their_browser.session.session_key
    sign_in_fully(client, sysadmin)
    admin_action(client, "disable_accounts", leaver, "Left the service")
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(action="user.deactivated", object_id=str(leaver.pk)).exists()


def test_changes_to_staff_accounts_keep_before_and_after_values(
    client: Client, sysadmin: User
) -> None:
    from auditlog.models import LogEntry

    sign_in_fully(client, sysadmin)
    person = UserFactory.create(username="renamed", first_name="Old")
    person.first_name = "New"
    person.save()
    entry = LogEntry.objects.get_for_object(person).order_by("-timestamp").first()
    assert entry is not None
    assert entry.changes_dict["first_name"] == ["Old", "New"]
    assert "password" not in entry.changes_dict


def test_disabling_ends_a_session_that_changed_its_password(client: Client, sysadmin: User) -> None:
    leaver = UserFactory.create(username="changer", roles=["practitioner"])
    their_browser = Client()
    sign_in_fully(their_browser, leaver)
    new = "A brand new pass 77"
    their_browser.post(
        "/account/password/",
        {"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )
    key = their_browser.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    sign_in_fully(client, sysadmin)
    admin_action(client, "disable_accounts", leaver, "Left")
    assert not Session.objects.filter(session_key=key).exists()


def test_data_sharing_agreements_are_kept_in_admin_with_history_and_never_deleted(
    client: Client, sysadmin: User
) -> None:
    from auditlog.models import LogEntry

    from disclosures.models import DataSharingAgreement

    sign_in_fully(client, sysadmin)
    response = client.post(
        "/admin/disclosures/datasharingagreement/add/",
        {
            "title": "Section 115 protocol",
            "kind": "protocol",
            "partner": "Northshire Police",
            "parties": "Northshire Police; the charity",
            "scope": "Crime and disorder reduction",
            "review_on": "2027-03-31",
            "active": "on",
        },
    )
    assert response.status_code == 302
    agreement = DataSharingAgreement.objects.get()
    assert LogEntry.objects.get_for_object(agreement).count() == 1
    url = f"/admin/disclosures/datasharingagreement/{agreement.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert DataSharingAgreement.objects.filter(pk=agreement.pk).exists()
