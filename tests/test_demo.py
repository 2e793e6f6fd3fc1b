"""The demo organisation: teams, one user per role, clients, and a way through the second factor."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.management.commands.demo_organisation import DEMO_PASSWORD
from accounts.models import Role, TOTPDevice, User
from breaches.models import Breach
from disclosures.models import DisclosureCase
from records.models import Client as ClientRecord
from retention.models import DisposalCertificate, DisposalReview, LegalHold

pytestmark = pytest.mark.django_db


def test_demo_creates_a_user_per_role_who_can_sign_in(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo_organisation")
    out = capsys.readouterr().out
    for role in Role:
        people = User.objects.filter(groups__name=role.value)
        assert people.exists()
        for person in people:
            assert person.username in out
    assert User.objects.get(username="sysadmin").is_superuser
    assert ClientRecord.objects.count() == 8
    # Every demo referral says where it came from, for the statistics.
    assert not ClientRecord.objects.filter(referral_source="").exists()
    # Retention to walk through: a record flagged by the sweep, one under a legal hold, a paper
    # disposal certificate.
    review = DisposalReview.objects.get()
    assert (review.client.reference, review.status) == ("DEMO-0007", "waiting")
    assert LegalHold.objects.get().client.reference == "DEMO-0008"
    assert DisposalCertificate.objects.get().method == "paper"
    # Requests for information to walk through: one waiting for the Guardian, two on the IG
    # lead's clock.
    assert DisclosureCase.objects.filter(status="awaiting_guardian").count() == 1
    assert set(
        DisclosureCase.objects.filter(due_on__isnull=False).values_list("kind", flat=True)
    ) == {"subject_access", "rectification"}
    # Breaches at different stages: an urgent one just reported, one with the ICO clock running,
    # a near miss closed.
    assert sorted(Breach.objects.values_list("status", flat=True)) == [
        "assessed",
        "closed",
        "reported",
    ]
    assert Breach.objects.get(status="reported").urgent_safety
    # The demo's clients have identifiers, sealed under their own keys.
    first = ClientRecord.objects.get(reference="DEMO-0001")
    assert first.full_name == "Avery Synthetic"
    assert b"Synthetic" not in bytes(first.family_name_sealed)
    assert "otpauth://totp/Confide%3Apractitioner?secret=" in out

    browser = Client()
    response = browser.post(
        "/account/sign-in/", {"username": "guardian", "password": DEMO_PASSWORD}
    )
    assert response["Location"] == "/account/two-factor/"
    call_command("demo_code", "guardian")
    code = capsys.readouterr().out.strip()
    assert browser.post("/account/two-factor/", {"code": code}).status_code == 302
    browser.post("/account/confidentiality-policy/", {"confirm": "on"})
    assert "Caldicott Guardian" in browser.get("/").content.decode()


def test_demo_is_idempotent_and_prints_working_backup_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("demo_organisation")
    call_command("demo_organisation")
    out = capsys.readouterr().out
    assert User.objects.filter(username="practitioner").count() == 1
    assert DisclosureCase.objects.count() == 3
    assert Breach.objects.count() == 3
    assert TOTPDevice.objects.filter(user__username="practitioner").count() == 1
    line = next(
        line for line in out.splitlines()[::-1] if "backup codes:" in line
    )  # sysadmin's, newest run
    code = line.split("backup codes:")[1].split()[0]
    browser = Client()
    browser.post("/account/sign-in/", {"username": "sysadmin", "password": DEMO_PASSWORD})
    assert browser.post("/account/two-factor/", {"code": code}).status_code == 302


def test_demo_gives_the_data_team_a_finding_to_review(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo_organisation")
    call_command("demo_organisation")  # idempotent: still one finding
    from monitoring.models import Finding

    finding = Finding.objects.get()
    assert finding.rule.kind == "after_hours"
    assert finding.subject.username == "practitioner"
    assert [c.reference for c in finding.clients.all()] == ["DEMO-0001"]
