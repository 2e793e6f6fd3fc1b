"""Disposal reviews and destruction: keep, hold, approve, confirm; what destruction leaves
behind (a certificate with no personal data, pseudonymous audit events, counts) and what it
takes (every sealed value, the documents, the data key, so that even an earlier copy of the
database no longer opens); erasure requests through the same path; paper records."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from accounts.audit import verify_chain
from accounts.models import AuditEvent, User
from disclosures import rights
from disclosures import services as disclosure_services
from disclosures.models import RequestKind, RightsOutcome
from disclosures.services import RequestDetails
from records import crypto
from records import services as record_services
from records.models import Client, ClientStatus, Entry, EntryVersion
from records.services import attachment_path
from retention import policy, selectors, services
from retention.errors import HoldInForce, NotPermitted, RetentionError, ReviewMoved
from retention.models import DisposalCertificate, DisposalReview, LegalHold
from tests.factories import TeamFactory, UserFactory, allocate, make_client, make_entry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@dataclass
class World:
    lead: User
    second_lead: User
    guardian: User
    manager: User
    worker: User
    client: Client
    review: DisposalReview


def _closed(team, **details) -> Client:
    client = make_client(
        team,
        given_name="Robin",
        family_name="Disposable",
        date_of_birth=datetime.date(1971, 2, 3),
        nhs_number="943 476 5919",
        **details,
    )
    client.status, client.closed_on = ClientStatus.CLOSED, datetime.date(2010, 1, 1)
    client.save()
    return client


@pytest.fixture
def world() -> World:
    team = TeamFactory.create(name="North")
    manager = UserFactory.create(username="manager", roles=["manager"])
    manager.teams.set([team])
    worker = UserFactory.create(username="worker", roles=["practitioner"])
    worker.teams.set([team])
    client = _closed(team)
    allocate(client, worker)
    make_entry(client, worker, title="First session", body="Talked about the eviction.")
    return World(
        lead=UserFactory.create(username="lead", roles=["ig_lead"]),
        second_lead=UserFactory.create(username="lead2", roles=["ig_lead"]),
        guardian=UserFactory.create(username="guardian", roles=["caldicott_guardian"]),
        manager=manager,
        worker=worker,
        client=client,
        review=DisposalReview.objects.create(client=client),
    )


def _raw(sql: str, *params: int) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def test_approving_destroys_the_record_and_keeps_a_certificate_without_personal_data(
    world: World, django_capture_on_commit_callbacks
) -> None:
    client = world.client
    entry = Entry.objects.get(client=client)
    attachment = record_services.attachment_add(
        actor=world.worker, entry=entry, filename="letter.txt", data=b"Dear Robin"
    )
    assert attachment_path(attachment).exists()
    # A copy of the database as a backup would hold it, taken before disposal.
    (dump,) = _raw(
        "SELECT family_name_sealed, data_key_wrapped, data_key_master_id FROM records_client "
        "WHERE id = %s",
        client.pk,
    )
    version = EntryVersion.objects.get(entry=entry)
    (body_dump,) = _raw("SELECT body_sealed FROM records_entryversion WHERE id = %s", version.pk)
    teams_before = Client.objects.filter(team=client.team).count()

    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.review_approve(actor=world.lead, review=world.review)

    assert certificate is not None
    client.refresh_from_db()
    assert client.is_disposed
    world.review.refresh_from_db()
    assert world.review.status == DisposalReview.Status.DESTROYED
    # Every sealed value and search index is gone, and the document's file.
    row = Client.objects.values("family_name_sealed", "nhs_number_index", "name_dob_index").get(
        pk=client.pk
    )
    assert (bytes(row["family_name_sealed"]), row["nhs_number_index"], row["name_dob_index"]) == (
        b"",
        "",
        "",
    )
    assert (
        bytes(EntryVersion.objects.values_list("body_sealed", flat=True).get(pk=version.pk)) == b""
    )
    assert not attachment_path(attachment).exists()
    # The earlier copy no longer opens with the keys Confide holds now.
    family_sealed, wrapped, master_id = dump
    stale = Client(uuid=client.uuid, data_key_wrapped=wrapped, data_key_master_id=master_id)
    stale.data_key_split = client.data_key_split
    stale.family_name_sealed = family_sealed
    with pytest.raises(crypto.DecryptionFailed):
        stale.sealing_cipher()
    assert body_dump[0]  # it held ciphertext
    # What survives: the certificate, the counts, the audit chain (pseudonymous).
    assert (certificate.record_reference, certificate.team_name) == (client.reference, "North")
    assert certificate.retention_class == selectors.default_class().name
    assert (certificate.entries_destroyed, certificate.documents_destroyed) == (1, 1)
    assert certificate.approved_by == world.lead
    assert certificate.confirmed_by is None
    text = " ".join(
        str(v) for v in DisposalCertificate.objects.values().get(pk=certificate.pk).values()
    )
    for personal in ("Robin", "Disposable", "1971", "943 476 5919", "9434765919", "eviction"):
        assert personal not in text
    assert Client.objects.filter(team=client.team).count() == teams_before
    assert Entry.objects.filter(client=client).count() == 1
    actions = list(
        AuditEvent.objects.filter(object_id=str(client.pk), object_type="records.client")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == [
        "retention.destruction_approved",
        "client.key_destroyed",
        "retention.destroyed",
    ]
    assert verify_chain().intact
    # Nothing is left to decide, and the record opens for nobody.
    with pytest.raises(NotPermitted):
        services.review_keep(
            actor=world.lead,
            review=world.review,
            reason="x",
            next_review_on=TODAY() + timedelta(days=1),
        )


def test_certificates_cannot_be_changed_or_deleted(world: World) -> None:
    certificate = services.paper_destruction_record(
        actor=world.lead,
        contractor="Shred Co",
        contractor_certificate="SC-77",
        destroyed_on=TODAY(),
        description="Two archive boxes, team North, closed 2012",
    )
    assert certificate.reference == f"DC-{certificate.pk:06d}"
    with pytest.raises(DatabaseError), transaction.atomic():
        DisposalCertificate.objects.filter(pk=certificate.pk).update(contractor="Someone else")
    with pytest.raises(DatabaseError), transaction.atomic():
        DisposalCertificate.objects.filter(pk=certificate.pk).delete()
    assert AuditEvent.objects.filter(action="retention.paper_destroyed").count() == 1


def test_paper_destruction_needs_its_details_and_the_ig_lead(world: World) -> None:
    good = {
        "contractor": "Shred Co",
        "contractor_certificate": "SC-1",
        "destroyed_on": TODAY(),
        "description": "One box",
    }
    with pytest.raises(NotPermitted):
        services.paper_destruction_record(actor=world.manager, **good)  # type: ignore[arg-type]
    with pytest.raises(RetentionError, match="certificate number"):
        services.paper_destruction_record(
            actor=world.lead,
            **{**good, "contractor_certificate": " "},  # type: ignore[arg-type]
        )
    with pytest.raises(RetentionError, match="future"):
        services.paper_destruction_record(
            actor=world.lead,
            **{**good, "destroyed_on": TODAY() + timedelta(days=1)},  # type: ignore[arg-type]
        )
    assert not DisposalCertificate.objects.exists()


def test_a_restricted_record_needs_a_second_person_who_is_not_the_approver(world: World) -> None:
    DisposalReview.objects.all().delete()
    restricted = _closed(
        world.client.team, restricted=True, restricted_reason="Address never to be disclosed"
    )
    review = DisposalReview.objects.create(client=restricted)

    assert services.review_approve(actor=world.lead, review=review) is None

    review.refresh_from_db()
    assert review.status == DisposalReview.Status.CONFIRMING
    assert not restricted.is_disposed
    with pytest.raises(NotPermitted, match="not the approver"):
        services.review_confirm(actor=world.lead, review=review)
    with pytest.raises(NotPermitted):
        services.review_confirm(actor=world.manager, review=review)
    certificate = services.review_confirm(actor=world.guardian, review=review)
    assert (certificate.approved_by, certificate.confirmed_by) == (world.lead, world.guardian)
    restricted.refresh_from_db()
    assert restricted.is_disposed
    assert AuditEvent.objects.filter(action="retention.destruction_confirmed").count() == 1
    review.refresh_from_db()
    with pytest.raises(NotPermitted):
        services.review_confirm(actor=world.second_lead, review=review)


@override_settings(DISPOSAL_SECOND_PERSON_ENTRIES=1)
def test_a_record_larger_than_the_set_size_needs_a_second_person(world: World) -> None:
    assert services.review_approve(actor=world.lead, review=world.review) is not None  # 1 entry
    big = _closed(world.client.team)
    make_entry(big, world.worker)
    make_entry(big, world.worker)
    review = DisposalReview.objects.create(client=big)
    assert services.review_approve(actor=world.lead, review=review) is None
    services.review_confirm(actor=world.second_lead, review=review)
    big.refresh_from_db()
    assert big.is_disposed


def test_a_held_record_cannot_be_destroyed(world: World) -> None:
    services.hold_place(
        actor=world.manager,
        client=world.client,
        reason=LegalHold.Reason.COMPLAINT,
        detail="Complaint to the ombudsman",
        review_on=TODAY() + timedelta(days=60),
    )
    world.review.refresh_from_db()
    assert world.review.status == DisposalReview.Status.HELD  # the hold ends the review
    review = DisposalReview.objects.create(client=world.client)  # e.g. an erasure request
    with pytest.raises(HoldInForce):
        services.review_approve(actor=world.lead, review=review)
    world.client.refresh_from_db()
    assert not world.client.is_disposed
    assert AuditEvent.objects.filter(action="retention.hold_placed").count() == 1


def test_keeping_needs_a_reason_and_a_later_date_and_is_not_for_everyone(world: World) -> None:
    later = TODAY() + timedelta(days=365)
    with pytest.raises(RetentionError, match="reason"):
        services.review_keep(
            actor=world.manager, review=world.review, reason=" ", next_review_on=later
        )
    with pytest.raises(RetentionError, match="after today"):
        services.review_keep(
            actor=world.manager,
            review=world.review,
            reason="Open complaint",
            next_review_on=TODAY(),
        )
    with pytest.raises(NotPermitted):
        services.review_keep(
            actor=world.worker, review=world.review, reason="Mine", next_review_on=later
        )
    with pytest.raises(NotPermitted, match="IG lead"):
        services.review_approve(actor=world.manager, review=world.review)

    services.review_keep(
        actor=world.manager, review=world.review, reason="Open complaint", next_review_on=later
    )

    world.review.refresh_from_db()
    assert (world.review.status, world.review.next_review_on) == ("kept", later)
    assert world.review.reason == "Open complaint"
    with pytest.raises(NotPermitted):  # decided: nothing left to decide
        services.review_approve(actor=world.lead, review=world.review)
    event = AuditEvent.objects.get(action="retention.kept")
    assert event.actor == world.manager
    assert "Open complaint" not in str(event.detail)  # the reason is sealed, not in the trail


def test_a_manager_with_a_conflict_neither_sees_nor_decides_the_review(world: World) -> None:
    from tests.records.test_policy import _restrict

    _restrict(world.manager, world.client)
    assert policy.review_access(world.manager, world.review) == policy.NO_REVIEW_ACCESS
    assert not policy.review_queue(world.manager).exists()
    assert policy.review_queue(world.lead).get() == world.review


def test_an_agreed_erasure_goes_through_the_destruction_path(world: World) -> None:
    DisposalReview.objects.all().delete()
    world.client.closed_on, world.client.status = None, ClientStatus.ACTIVE  # not due at all
    world.client.save()
    case = disclosure_services.case_open(
        actor=world.lead,
        client=world.client,
        details=RequestDetails(
            kind=RequestKind.ERASURE,
            channel="letter",
            received_on=TODAY(),
            requester_name="Robin Disposable",
            asked_for="Delete everything you hold about me",
        ),
    )
    disclosure_services.case_verify(
        actor=world.lead, case=case, method="identity_documents", note="Passport seen"
    )
    rights.rights_answer(
        actor=world.lead, case=case, outcome=RightsOutcome.DONE, reasons="No reason to keep it"
    )

    review = DisposalReview.objects.get(client=world.client)
    assert (review.origin, review.status, review.erasure_case_id) == ("erasure", "waiting", case.pk)
    certificate = services.review_approve(actor=world.lead, review=review)
    assert certificate is not None
    assert certificate.origin == "erasure"
    world.client.refresh_from_db()
    assert world.client.is_disposed


def test_a_refused_erasure_destroys_nothing(world: World) -> None:
    DisposalReview.objects.all().delete()
    case = disclosure_services.case_open(
        actor=world.lead,
        client=world.client,
        details=RequestDetails(
            kind=RequestKind.ERASURE,
            channel="letter",
            received_on=TODAY(),
            requester_name="Robin Disposable",
            asked_for="Delete everything",
        ),
    )
    rights.rights_answer(
        actor=world.lead, case=case, outcome=RightsOutcome.REFUSED, reasons="Legal obligation"
    )
    assert not DisposalReview.objects.exists()


def test_a_review_decided_meanwhile_is_not_decided_twice(world: World) -> None:
    stale = DisposalReview.objects.get(pk=world.review.pk)
    services.review_keep(
        actor=world.lead,
        review=world.review,
        reason="Complaint",
        next_review_on=TODAY() + timedelta(days=30),
    )
    stale.status = DisposalReview.Status.WAITING  # the page was loaded before
    with pytest.raises(ReviewMoved):
        services.review_keep(
            actor=world.manager,
            review=stale,
            reason="Other",
            next_review_on=TODAY() + timedelta(days=30),
        )


def test_an_edit_loaded_before_destruction_cannot_bring_the_record_back(world: World) -> None:
    stale = Client.objects.get(pk=world.client.pk)  # a page opened before the destruction
    services.review_approve(actor=world.lead, review=world.review)

    with pytest.raises(record_services.NotPermitted, match="destroyed"):
        record_services.client_update(
            actor=world.manager,
            client=stale,
            details=record_services.ClientDetails(
                given_name="Robin", family_name="Returned", date_of_birth=datetime.date(1971, 2, 3)
            ),
        )

    row = Client.objects.values("data_key_wrapped", "data_key_destroyed_at", "family_name_sealed")
    after = row.get(pk=stale.pk)
    assert after["data_key_wrapped"] is None
    assert after["data_key_destroyed_at"] is not None
    assert bytes(after["family_name_sealed"]) == b""


def test_a_destroyed_records_earlier_reviews_still_open_for_the_ig_lead(world: World) -> None:
    from django.test import Client as Browser

    from tests.conftest import sign_in_fully

    services.review_keep(
        actor=world.lead,
        review=world.review,
        reason="Complaint still open",
        next_review_on=TODAY() + timedelta(days=30),
    )
    later = DisposalReview.objects.create(client=world.client)
    services.review_approve(actor=world.lead, review=later)
    browser = Browser()
    sign_in_fully(browser, world.lead)

    for review in (world.review, later):
        page = browser.get(f"/retention/reviews/{review.uuid}/")
        assert page.status_code == 200
        assert "Complaint still open" not in page.content.decode()
    record = browser.get(f"/retention/records/{world.client.uuid}/")
    assert "This record was destroyed" in record.content.decode()
