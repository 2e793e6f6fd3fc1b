"""Real pages in headless Chromium: sign-in with password and TOTP, and first-time enrolment."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from accounts.models import AuditEvent, TOTPDevice
from tests.factories import PASSWORD, UserFactory, enrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_practitioner_signs_in_with_password_and_totp_and_reaches_their_home(
    live_server, page: Page
) -> None:
    person = UserFactory.create(
        username="priya", first_name="Priya", last_name="Patel", roles=["practitioner"]
    )
    device = enrol(person)

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/account/sign-in/?next=/")
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor")
        == "rgb(0, 94, 184)"
    )

    page.get_by_label("Username").fill("priya")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Enter a correct username and password"
    )

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    page.get_by_label("Security code").fill(device.current_token())
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Confidentiality declaration")).to_be_visible()
    page.get_by_label("I have read this policy").check()
    page.get_by_role("button", name="Acknowledge and continue").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Hello, Priya Patel")).to_be_visible()
    expect(page.get_by_test_id("role-practitioner")).to_contain_text(
        "Read and write the case records"
    )
    expect(page.get_by_test_id("signed-in-user")).to_contain_text("Priya Patel")
    assert list(
        AuditEvent.objects.filter(actor=person).order_by("seq").values_list("action", flat=True)
    ) == [
        "signin.password_ok",
        "signin.success",
        "policy.acknowledged",
    ]

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Confide")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/account/sign-in/?next=/")


def test_password_only_session_reaches_nothing_but_enrolment_and_sign_out(
    live_server, page: Page
) -> None:
    UserFactory.create(
        username="newstarter", first_name="New", last_name="Starter", roles=["admin_staff"]
    )

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("newstarter")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.locator(".app-qr svg")).to_be_visible()

    for path in [
        "/",
        "/account/security/",
        "/admin/",
        "/account/confidentiality-policy/",
        "/account/two-factor/",
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page).to_have_url(f"{live_server.url}/account/two-factor/set-up/")
    expect(page.locator(".nhsuk-header__navigation")).to_have_count(0)

    # Enrol as a person would: type the key shown into an authenticator (here, computed).
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code from your authenticator app").fill(f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    assert TOTPDevice.objects.get(user__username="newstarter").confirmed
    page.get_by_role("link", name="I have saved my codes, continue").click()
    expect(page.get_by_role("heading", name="Confidentiality declaration")).to_be_visible()


def test_a_user_who_signs_out_from_enrolment_is_signed_out(live_server, page: Page) -> None:
    UserFactory.create(username="changedmind", roles=["manager"])
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("changedmind")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.locator("main").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Confide")).to_be_visible()
    page.goto(f"{live_server.url}/account/two-factor/set-up/")
    expect(page).to_have_url(f"{live_server.url}/account/sign-in/?next=/account/two-factor/set-up/")
