"""The retention pages through Django's test client: the IG lead's overview and the sweep, finding
a record, a record's class and legal holds, the disposal review queue for each kind of reviewer,
keep and approve and confirm, the certificates (with no personal data) and paper destruction, and
the record gone once destroyed. Each page is checked for what it shows, what it writes to the audit
trail, and what bad input does (a clear message, nothing changed)."""

from __future__ import annotations

import datetime
import html
import itertools
import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client as Browser
from django.utils import timezone

from accounts.models import AuditEvent, User
from records.models import Client, ClientStatus
from retention import services
from retention.models import (
    DisposalCertificate,
    DisposalReview,
    LegalHold,
    RecordRetention,
    RetentionClass,
    SweepRun,
    Trigger,
)
from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory, allocate, make_client, make_entry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
CLOSED_ON = datetime.date(2010, 1, 1)
NHS_NUMBER = "943 476 5919"


def _long(day: datetime.date) -> str:
    """A date as the pages write it ("j F Y")."""
    return f"{day.day} {day:%B %Y}"


@dataclass
class World:
    lead: User
    second_lead: User
    guardian: User
    manager: User
    worker: User
    client: Client
    review: DisposalReview
    other_client: Client  # another team's record
    other_review: DisposalReview


def _closed(team, *, given_name: str = "Robin", family_name: str = "Disposable", **details):
    client = make_client(
        team,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=datetime.date(1971, 2, 3),
        nhs_number=NHS_NUMBER,
        **details,
    )
    client.status, client.closed_on = ClientStatus.CLOSED, CLOSED_ON
    client.save()
    return client


@pytest.fixture
def world() -> World:
    north = TeamFactory.create(name="North")
    south = TeamFactory.create(name="South")
    manager = UserFactory.create(username="manager", roles=["manager"])
    manager.teams.set([north])
    worker = UserFactory.create(username="worker", roles=["practitioner"])
    worker.teams.set([north])
    client = _closed(north)
    allocate(client, worker)
    make_entry(client, worker, title="First session", body="Talked about the eviction.")
    other_client = _closed(south, given_name="Sam", family_name="Southerly")
    return World(
        lead=UserFactory.create(username="lead", roles=["ig_lead"]),
        second_lead=UserFactory.create(username="lead2", roles=["ig_lead"]),
        guardian=UserFactory.create(username="guardian", roles=["caldicott_guardian"]),
        manager=manager,
        worker=worker,
        client=client,
        review=DisposalReview.objects.create(client=client),
        other_client=other_client,
        other_review=DisposalReview.objects.create(client=other_client),
    )


def _browser(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def _text(response: Any) -> str:
    """The page with its entities decoded, so messages read as the user reads them."""
    return html.unescape(response.content.decode())


def _events(action: str, **filters: object) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters))


def _restricted(world: World) -> tuple[Client, DisposalReview]:
    client = _closed(
        world.client.team,
        given_name="Ria",
        family_name="Restricted",
        restricted=True,
        restricted_reason="Address never to be disclosed",
    )
    return client, DisposalReview.objects.create(client=client)


# --- The overview and the sweep -----------------------------------------------------------------


def test_the_overview_shows_the_latest_sweeps_progress_and_the_run_log(world: World) -> None:
    lead = _browser(world.lead)
    assert "The sweep has not run yet." in _text(lead.get("/retention/"))

    now = timezone.now()
    SweepRun.objects.create(
        job=SweepRun.Job.SWEEP,
        status=SweepRun.Status.FINISHED,
        started_at=now - timedelta(days=1, minutes=5),
        finished_at=now - timedelta(days=1),
        total=10,
        examined=10,
        flagged=1,
    )
    SweepRun.objects.create(
        job=SweepRun.Job.REMINDER,
        status=SweepRun.Status.FINISHED,
        started_at=now - timedelta(hours=2),
        finished_at=now - timedelta(hours=2),
        examined=4,
        flagged=3,
    )
    SweepRun.objects.create(
        job=SweepRun.Job.SWEEP,
        started_at=now - timedelta(minutes=1),
        total=200,
        examined=50,
        flagged=7,
        requested_by=world.lead,
    )

    page = _text(lead.get("/retention/"))

    progress = page[page.index('data-testid="sweep-progress"') :]
    progress = progress[: progress.index("</div>")]
    assert "50 of 200 records examined (25%), 7 flagged" in progress
    assert 'value="25"' in progress
    log = page[page.index('data-testid="run-log"') :]
    assert log.count('data-testid="run-row"') == 3
    assert f"started by {world.lead.display_name}" in log
    assert "Reminder of reviews waiting and holds to review" in log
    assert "2 waiting" in page  # the two open reviews


def test_running_the_sweep_now_is_audited_and_queued_on_commit(
    world: World, django_capture_on_commit_callbacks
) -> None:
    lead = _browser(world.lead)
    with django_capture_on_commit_callbacks() as queued:
        response = lead.post("/retention/sweep")
    assert response.status_code == 302
    assert response["Location"] == "/retention/"
    assert len(queued) == 1  # the task, sent to the broker once the request commits
    (event,) = _events("retention.sweep_requested")
    assert event.actor == world.lead
    assert event.object_type == "retention.sweeprun"
    assert "The sweep has been queued." in _text(lead.get("/retention/"))


def test_the_retention_pages_are_the_ig_leads_only(world: World) -> None:
    for user in (world.manager, world.guardian, world.worker):
        browser = _browser(user)
        assert browser.get("/retention/").status_code == 403
        assert browser.post("/retention/sweep").status_code == 403
        assert (
            browser.post("/retention/find", {"reference": world.client.reference}).status_code
            == 403
        )
        assert browser.get(f"/retention/records/{world.client.uuid}/").status_code == 403
        assert browser.get("/retention/certificates/paper").status_code == 403
    assert not _events("retention.sweep_requested")
    assert not _events("retention.record_viewed")


# --- Finding a record ---------------------------------------------------------------------------


def test_finding_a_record_by_its_reference_in_any_case(world: World) -> None:
    lead = _browser(world.lead)
    record_url = f"/retention/records/{world.client.uuid}/"
    for typed in (
        world.client.reference,
        world.client.reference.lower(),
        f" {world.client.reference} ",
    ):
        response = lead.post("/retention/find", {"reference": typed})
        assert response.status_code == 302, typed
        assert response["Location"] == record_url


def test_an_unknown_or_missing_reference_says_so(world: World) -> None:
    lead = _browser(world.lead)
    response = lead.post("/retention/find", {"reference": "T-999999"}, follow=True)
    assert response.redirect_chain == [("/retention/", 302)]
    assert "No record has that case reference" in _text(response)
    response = lead.post("/retention/find", {"reference": ""}, follow=True)
    assert "Enter the record's case reference" in _text(response)


# --- One record's retention ---------------------------------------------------------------------


def test_the_record_page_shows_class_due_date_and_holds_and_is_audited(world: World) -> None:
    hold = services.hold_place(
        actor=world.lead,
        client=world.other_client,
        reason=LegalHold.Reason.COMPLAINT,
        detail="Complaint to the ombudsman",
        review_on=TODAY() + timedelta(days=30),
    )
    response = _browser(world.lead).get(f"/retention/records/{world.other_client.uuid}/")
    page = _text(response)

    assert response.status_code == 200
    assert 'data-testid="class">Client records' in page
    assert f'data-testid="due-on">{_long(CLOSED_ON.replace(year=2018))}' in page
    assert "A complaint" in page
    assert "Complaint to the ombudsman" in page
    assert f"/retention/holds/{hold.uuid}/" in page
    # No identifying details: the page needs none.
    assert "Southerly" not in page
    assert NHS_NUMBER not in page
    (event,) = _events("retention.record_viewed")
    assert (event.actor, event.object_type, event.object_id) == (
        world.lead,
        "records.client",
        str(world.other_client.pk),
    )
    assert event.detail["holds_shown"] == [str(hold.uuid)]


def test_assigning_a_class_needs_a_reason_and_offers_only_active_classes(world: World) -> None:
    psychology = RetentionClass.objects.create(
        name="Psychology records", trigger=Trigger.CASE_CLOSED, years=20
    )
    retired = RetentionClass.objects.create(
        name="Retired class", trigger=Trigger.CASE_CLOSED, years=3, active=False
    )
    lead = _browser(world.lead)
    url = f"/retention/records/{world.client.uuid}/class"

    form = _text(lead.get(url))
    assert "Psychology records" in form
    assert "Retired class" not in form

    response = lead.post(url, {"retention_class": psychology.pk, "reason": " "})
    page = _text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Say why the record belongs to this class" in page
    response = lead.post(url, {"retention_class": retired.pk, "reason": "Old rules"})
    assert "Choose a class" in _text(response)
    assert not RecordRetention.objects.exists()
    assert not _events("retention.class_assigned")

    response = lead.post(
        url, {"retention_class": psychology.pk, "reason": "Psychological therapy record"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/retention/records/{world.client.uuid}/"
    assert RecordRetention.objects.get(client=world.client).retention_class == psychology
    (event,) = _events("retention.class_assigned")
    assert event.reason == "Psychological therapy record"
    page = _text(lead.get(response["Location"]))
    assert "Retention class saved." in page
    assert 'data-testid="class">Psychology records' in page
    assert _long(CLOSED_ON.replace(year=2030)) in page


def test_placing_a_hold_through_the_page(world: World) -> None:
    lead = _browser(world.lead)
    url = f"/retention/records/{world.other_client.uuid}/hold"
    later = (TODAY() + timedelta(days=90)).isoformat()

    response = lead.post(url, {"reason": "other", "detail": "", "review_on": later})
    page = _text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Say why the record must be kept" in page
    assert 'href="#id_detail"' in page  # the summary links to the details, not the reasons
    yesterday = (TODAY() - timedelta(days=1)).isoformat()
    response = lead.post(url, {"reason": "complaint", "detail": "", "review_on": yesterday})
    assert "The review date must be after today" in _text(response)
    assert not LegalHold.objects.exists()
    assert world.other_review.status == DisposalReview.Status.WAITING

    response = lead.post(url, {"reason": "other", "detail": "Insurer's claim", "review_on": later})
    assert response.status_code == 302
    assert response["Location"] == f"/retention/records/{world.other_client.uuid}/"
    hold = LegalHold.objects.get(client=world.other_client)
    assert (hold.reason, hold.detail, hold.placed_by) == ("other", "Insurer's claim", world.lead)
    world.other_review.refresh_from_db()
    assert world.other_review.status == DisposalReview.Status.HELD
    page = _text(lead.get(response["Location"]))
    assert "Legal hold placed." in page
    assert "Insurer's claim" in page


def test_reviewing_and_lifting_a_hold_through_its_page(world: World) -> None:
    hold = services.hold_place(
        actor=world.lead,
        client=world.other_client,
        reason=LegalHold.Reason.LEGAL_PROCEEDINGS,
        detail="County court claim",
        review_on=TODAY() + timedelta(days=10),
    )
    lead = _browser(world.lead)
    url = f"/retention/holds/{hold.uuid}/"
    page = _text(lead.get(url))
    assert "County court claim" in page
    assert "<title>Legal hold \N{EN DASH} Confide</title>" in page
    assert _events("retention.record_viewed", object_id=str(world.other_client.pk))

    response = lead.post(url, {"action": "review", "review-review_on": TODAY().isoformat()})
    page = _text(response)
    assert "The next review date must be after today" in page
    assert 'href="#id_review-review_on"' in page
    later = TODAY() + timedelta(days=200)
    response = lead.post(url, {"action": "review", "review-review_on": later.isoformat()})
    assert response.status_code == 302
    assert response["Location"] == f"/retention/records/{world.other_client.uuid}/"
    hold.refresh_from_db()
    assert hold.review_on == later
    assert _events("retention.hold_reviewed")

    response = lead.post(url, {"action": "lift", "lift-reason": ""})
    page = _text(response)
    assert response.status_code == 200
    assert "Say why the hold is lifted" in page
    assert "<title>Legal hold \N{EN DASH} error \N{EN DASH} Confide</title>" in page
    hold.refresh_from_db()
    assert hold.in_force

    response = lead.post(url, {"action": "lift", "lift-reason": "The claim was withdrawn"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert not hold.in_force
    assert hold.lift_reason == "The claim was withdrawn"
    assert "Hold lifted." in _text(lead.get(response["Location"]))
    assert lead.get(url).status_code == 403  # a lifted hold is not reviewed again


# --- The review queue ---------------------------------------------------------------------------


def _queue(user: User) -> str:
    response = _browser(user).get("/retention/reviews/")
    assert response.status_code == 200
    return _text(response)


def test_the_ig_lead_sees_every_open_review(world: World) -> None:
    kept = DisposalReview.objects.create(
        client=_closed(world.client.team, given_name="Kim"),
        status=DisposalReview.Status.KEPT,
        next_review_on=TODAY() + timedelta(days=100),
    )
    page = _queue(world.lead)
    assert f"/retention/reviews/{world.review.uuid}/" in page
    assert f"/retention/reviews/{world.other_review.uuid}/" in page
    assert f"/retention/reviews/{kept.uuid}/" not in page  # decided, not open
    assert page.count('data-testid="review-row"') == 2


def test_a_manager_sees_only_their_teams_reviews(world: World) -> None:
    page = _queue(world.manager)
    assert f"/retention/reviews/{world.review.uuid}/" in page
    assert world.other_client.reference not in page
    shown = AuditEvent.objects.filter(action="retention.queue_viewed").get()
    assert shown.actor == world.manager
    assert shown.detail["shown"] == [str(world.review.uuid)]
    manager = _browser(world.manager)
    assert manager.get(f"/retention/reviews/{world.review.uuid}/").status_code == 200
    assert manager.get(f"/retention/reviews/{world.other_review.uuid}/").status_code == 404
    assert manager.get(f"/retention/reviews/{world.other_review.uuid}/keep").status_code == 404


def test_the_guardian_sees_only_destructions_waiting_for_a_second_person(world: World) -> None:
    _, confirming = _restricted(world)
    services.review_approve(actor=world.lead, review=confirming)
    # Someone who approved a destruction as IG lead and is now the Guardian (a change of roles)
    # does not see it: they cannot be its second person.
    former_lead = UserFactory.create(username="former", roles=["ig_lead", "caldicott_guardian"])
    _, their_own = _restricted(world)
    services.review_approve(actor=former_lead, review=their_own)
    former_lead.groups.remove(Group.objects.get(name="ig_lead"))

    page = _queue(world.guardian)
    assert f"/retention/reviews/{confirming.uuid}/" in page
    assert f"/retention/reviews/{their_own.uuid}/" in page  # someone else approved it
    assert f"/retention/reviews/{world.review.uuid}/" not in page  # waiting, not for them
    assert page.count('data-testid="review-row"') == 2
    assert f"approved by {world.lead.display_name}" in page

    theirs = _queue(former_lead)
    assert f"/retention/reviews/{confirming.uuid}/" in theirs
    assert f"/retention/reviews/{their_own.uuid}/" not in theirs
    assert (
        _browser(world.guardian).get(f"/retention/reviews/{world.review.uuid}/").status_code == 404
    )


def test_the_review_queue_is_not_for_practitioners(world: World) -> None:
    assert _browser(world.worker).get("/retention/reviews/").status_code == 403


# --- A review: keep, approve, confirm -----------------------------------------------------------


def test_opening_a_review_is_audited(world: World) -> None:
    page = _text(_browser(world.manager).get(f"/retention/reviews/{world.review.uuid}/"))
    assert "1 entry, 0 documents" in page
    assert 'data-testid="keep"' in page
    assert 'data-testid="approve"' not in page  # only the IG lead approves
    (event,) = _events("retention.review_viewed")
    assert (event.actor, event.object_type, event.object_id) == (
        world.manager,
        "records.client",
        str(world.client.pk),
    )
    assert event.detail["review"] == str(world.review.uuid)


def test_keeping_with_bad_input_says_what_is_wrong_and_changes_nothing(world: World) -> None:
    manager = _browser(world.manager)
    url = f"/retention/reviews/{world.review.uuid}/keep"

    response = manager.post(url, {"reason": "", "next_review_on": TODAY().isoformat()})
    page = _text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Say why the record is kept" in page
    assert "The next review date must be after today" in page
    # Each message sits by its own field, and the summary links to that field.
    assert 'id="id_reason-error"' in page
    assert 'id="id_next_review_on-error"' in page
    assert 'href="#id_next_review_on"' in page

    response = manager.post(url, {"reason": "Open complaint", "next_review_on": "31/02/2030"})
    assert "Enter a real date" in _text(response)
    world.review.refresh_from_db()
    assert world.review.status == DisposalReview.Status.WAITING
    assert not _events("retention.kept")


def test_keeping_a_record_until_a_later_date(world: World) -> None:
    manager = _browser(world.manager)
    later = TODAY() + timedelta(days=365)
    response = manager.post(
        f"/retention/reviews/{world.review.uuid}/keep",
        {"reason": "Open complaint", "next_review_on": later.isoformat()},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/retention/reviews/{world.review.uuid}/"
    page = _text(manager.get(response["Location"]))
    assert "Record kept." in page
    assert f"Kept until {_long(later)}" in page
    assert 'data-testid="kept-reason">Open complaint' in page
    world.review.refresh_from_db()
    assert (world.review.status, world.review.next_review_on) == (DisposalReview.Status.KEPT, later)
    assert 'data-testid="keep"' not in page  # decided


def test_a_manager_places_a_hold_from_the_review(world: World) -> None:
    manager = _browser(world.manager)
    url = f"/retention/reviews/{world.review.uuid}/hold"
    form = _text(manager.get(url))
    assert f'href="/retention/reviews/{world.review.uuid}/">Back to the review' in form
    later = (TODAY() + timedelta(days=60)).isoformat()
    response = manager.post(url, {"reason": "arrears", "detail": "", "review_on": later})
    assert response.status_code == 302
    assert response["Location"] == f"/retention/reviews/{world.review.uuid}/"
    page = _text(manager.get(response["Location"]))
    assert "Legal hold placed." in page
    assert "Kept under a legal hold" in page
    assert LegalHold.objects.get(client=world.client).placed_by == world.manager


def test_approving_needs_the_i_understand_box(world: World) -> None:
    lead = _browser(world.lead)
    url = f"/retention/reviews/{world.review.uuid}/destroy"
    assert "I understand that destruction cannot be undone" in _text(lead.get(url))
    response = lead.post(url, {})
    page = _text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Confirm that you understand destruction cannot be undone" in page
    world.client.refresh_from_db()
    assert not world.client.is_disposed
    world.review.refresh_from_db()
    assert world.review.status == DisposalReview.Status.WAITING
    assert not DisposalCertificate.objects.exists()


def test_approving_a_small_record_destroys_it_and_names_the_certificate(world: World) -> None:
    lead = _browser(world.lead)
    response = lead.post(f"/retention/reviews/{world.review.uuid}/destroy", {"understood": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"/retention/reviews/{world.review.uuid}/"
    certificate = DisposalCertificate.objects.get()
    page = _text(lead.get(response["Location"]))
    assert re.search(r"Disposal certificate DC-\d{6} is kept", page)
    assert f"Record destroyed. Disposal certificate {certificate.reference} is kept." in page
    assert "Robin" not in page
    world.client.refresh_from_db()
    assert world.client.is_disposed
    assert certificate.confirmed_by is None


def test_a_restricted_record_waits_for_a_second_person_who_is_not_the_approver(
    world: World,
) -> None:
    client, review = _restricted(world)
    lead = _browser(world.lead)
    review_url = f"/retention/reviews/{review.uuid}/"
    assert 'data-testid="second-person"' in _text(lead.get(review_url))
    assert 'data-testid="needs-second"' in _text(lead.get(f"{review_url}destroy"))

    response = lead.post(f"{review_url}destroy", {"understood": "on"})
    assert response.status_code == 302
    page = _text(lead.get(review_url))
    assert "Destruction approved. A second person must now confirm it." in page
    assert "Destruction approved: waiting for a second person" in page
    assert 'data-testid="confirm"' not in page
    client.refresh_from_db()
    assert not client.is_disposed
    assert lead.get(f"{review_url}confirm").status_code == 403
    assert lead.post(f"{review_url}confirm", {"understood": "on"}).status_code == 403

    second = _browser(world.second_lead)
    assert 'data-testid="confirm"' in _text(second.get(review_url))
    assert "Confirm the destruction" in _text(second.get(f"{review_url}confirm"))
    response = second.post(f"{review_url}confirm", {"understood": "on"})
    certificate = DisposalCertificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/retention/certificates/{certificate.pk}/"
    page = _text(second.get(response["Location"]))
    assert f"Disposal certificate {certificate.reference} is kept." in page
    assert "Destroyed" in _text(second.get(review_url))
    client.refresh_from_db()
    assert client.is_disposed
    assert (certificate.approved_by, certificate.confirmed_by) == (world.lead, world.second_lead)


def test_a_legal_hold_in_force_keeps_the_approve_link_away_and_refuses_approval(
    world: World,
) -> None:
    services.hold_place(
        actor=world.manager,
        client=world.client,
        reason=LegalHold.Reason.COMPLAINT,
        detail="",
        review_on=TODAY() + timedelta(days=30),
    )
    # The hold ended that review; an agreed erasure request puts the record back in the queue.
    review = DisposalReview.objects.create(
        client=world.client, origin=DisposalReview.Origin.ERASURE
    )
    lead = _browser(world.lead)
    page = _text(lead.get(f"/retention/reviews/{review.uuid}/"))
    assert "Legal hold in force" in page
    assert 'data-testid="approve"' not in page

    response = lead.post(f"/retention/reviews/{review.uuid}/destroy", {"understood": "on"})
    assert response.status_code == 200
    assert "A legal hold is in force: lift it before the record is destroyed" in _text(response)
    world.client.refresh_from_db()
    assert not world.client.is_disposed
    review.refresh_from_db()
    assert review.status == DisposalReview.Status.WAITING


# --- Certificates and paper records -------------------------------------------------------------


def test_recording_paper_destruction_checks_its_details(world: World) -> None:
    lead = _browser(world.lead)
    form = {
        "contractor": "Shred Co",
        "contractor_certificate": "SC-2031",
        "destroyed_on": (TODAY() - timedelta(days=2)).isoformat(),
        "description": "3 archive boxes of case files closed in 2016, team North",
    }
    response = lead.post("/retention/certificates/paper", {**form, "contractor_certificate": ""})
    page = _text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter the number of the contractor's certificate of destruction" in page
    tomorrow = (TODAY() + timedelta(days=1)).isoformat()
    response = lead.post("/retention/certificates/paper", {**form, "destroyed_on": tomorrow})
    page = _text(response)
    assert "The date of destruction cannot be in the future" in page
    assert 'href="#id_destroyed_on"' in page
    assert not DisposalCertificate.objects.exists()

    response = lead.post("/retention/certificates/paper", form)
    assert response.status_code == 302
    certificate = DisposalCertificate.objects.get()
    assert response["Location"] == f"/retention/certificates/{certificate.pk}/"
    page = _text(lead.get(response["Location"]))
    assert f"Recorded as disposal certificate {certificate.reference}." in page
    assert "Shred Co, certificate SC-2031" in page
    assert _events("retention.paper_destroyed")
    listing = _text(lead.get("/retention/certificates/"))
    assert certificate.reference in listing
    assert "Paper records: 3 archive boxes" in listing


def test_an_electronic_certificate_names_the_record_but_none_of_its_personal_data(
    world: World,
) -> None:
    services.review_approve(actor=world.lead, review=world.review)
    certificate = DisposalCertificate.objects.get()
    personal = ("Robin", "Disposable", NHS_NUMBER, "9434765919", "1971", "3 February")
    for user in (world.lead, world.guardian):
        browser = _browser(user)
        page = browser.get(f"/retention/certificates/{certificate.pk}/").content.decode()
        assert f'data-testid="record-reference">{world.client.reference}, North' in page
        listing = browser.get("/retention/certificates/").content.decode()
        assert f"Record {world.client.reference}" in listing
        for value in personal:
            assert value not in page, value
            assert value not in listing, value
    assert _browser(world.manager).get("/retention/certificates/").status_code == 403
    manager = _browser(world.manager)
    assert manager.get(f"/retention/certificates/{certificate.pk}/").status_code == 403


def test_after_destruction_the_team_manager_can_no_longer_open_the_record(world: World) -> None:
    manager = _browser(world.manager)
    before = manager.get(f"/records/{world.client.uuid}/")
    assert before.status_code == 200
    assert "Disposable" in _text(before)

    _browser(world.lead).post(
        f"/retention/reviews/{world.review.uuid}/destroy", {"understood": "on"}
    )

    assert manager.get(f"/records/{world.client.uuid}/").status_code == 404
    # The review stays readable to the manager, for the record, without anything personal.
    page = _text(manager.get(f"/retention/reviews/{world.review.uuid}/"))
    assert "Destroyed" in page
    assert "Disposable" not in page


def test_the_guardian_confirms_as_the_second_person_and_sees_the_outcome(world: World) -> None:
    client, review = _restricted(world)
    services.review_approve(actor=world.lead, review=review)
    guardian = _browser(world.guardian)

    response = guardian.post(
        f"/retention/reviews/{review.uuid}/confirm", {"understood": "on"}, follow=True
    )

    certificate = DisposalCertificate.objects.get()
    assert response.redirect_chain == [(f"/retention/certificates/{certificate.pk}/", 302)]
    assert response.status_code == 200
    assert f"Record destroyed. Disposal certificate {certificate.reference} is kept." in _text(
        response
    )
    client.refresh_from_db()
    assert client.is_disposed
    assert (certificate.approved_by, certificate.confirmed_by) == (world.lead, world.guardian)


def test_the_record_page_of_a_destroyed_record_keeps_only_what_survives(world: World) -> None:
    services.review_approve(actor=world.lead, review=world.review)
    certificate = DisposalCertificate.objects.get()
    lead = _browser(world.lead)
    url = f"/retention/records/{world.client.uuid}/"

    page = _text(lead.get(url))

    assert (
        f'under disposal certificate <a href="/retention/certificates/{certificate.pk}/">'
        f"{certificate.reference}</a>"
    ) in page
    assert 'data-testid="assign-class"' not in page
    assert 'data-testid="hold-new"' not in page
    assert "Disposable" not in page
    assert lead.get(f"{url}class").status_code == 403
    assert lead.get(f"{url}hold").status_code == 403
    response = lead.post("/retention/find", {"reference": world.client.reference})
    assert response["Location"] == url


def test_an_agreed_erasure_requests_review_links_to_the_request_while_it_exists(
    world: World,
) -> None:
    from disclosures import rights
    from disclosures import services as disclosure_services
    from disclosures.models import RequestKind, RightsOutcome

    DisposalReview.objects.filter(client=world.client).delete()
    world.client.closed_on, world.client.status = None, ClientStatus.ACTIVE  # not due at all
    world.client.save()
    case = disclosure_services.case_open(
        actor=world.lead,
        client=world.client,
        details=disclosure_services.RequestDetails(
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
    lead = _browser(world.lead)
    url = f"/retention/reviews/{review.uuid}/"
    page = _text(lead.get(url))
    assert "Erasure request agreed" in page
    assert f'href="/disclosures/{case.uuid}/"' in page
    assert lead.get(f"/disclosures/{case.uuid}/").status_code == 200

    lead.post(f"{url}destroy", {"understood": "on"})

    # The request went with the record: no link to a page that is no longer there.
    assert lead.get(f"/disclosures/{case.uuid}/").status_code == 404
    page = _text(lead.get(url))
    assert "Erasure request agreed" in page
    assert f"/disclosures/{case.uuid}/" not in page
    certificate = DisposalCertificate.objects.get()
    assert "Erasure request agreed" in _text(lead.get(f"/retention/certificates/{certificate.pk}/"))


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))


def _heading_levels(page: str) -> list[int]:
    parser = _Headings()
    parser.feed(page[page.index("<main") : page.index("</main>")])
    return parser.levels


def test_every_retention_page_has_one_h1_and_no_skipped_heading_level(world: World) -> None:
    services.hold_place(
        actor=world.lead,
        client=world.other_client,
        reason=LegalHold.Reason.COMPLAINT,
        detail="",
        review_on=TODAY() + timedelta(days=30),
    )
    hold = LegalHold.objects.get()
    held_review = DisposalReview.objects.create(
        client=world.other_client, origin=DisposalReview.Origin.ERASURE
    )
    SweepRun.objects.create(job=SweepRun.Job.SWEEP)
    paper = services.paper_destruction_record(
        actor=world.lead,
        contractor="Shred Co",
        contractor_certificate="SC-1",
        destroyed_on=TODAY(),
        description="Two boxes",
    )
    record = f"/retention/records/{world.client.uuid}/"
    review = f"/retention/reviews/{world.review.uuid}/"
    lead = _browser(world.lead)
    for url in (
        "/retention/",
        record,
        f"{record}class",
        f"{record}hold",
        f"/retention/holds/{hold.uuid}/",
        "/retention/reviews/",
        review,
        f"{review}keep",
        f"{review}hold",
        f"{review}destroy",
        f"/retention/reviews/{held_review.uuid}/",  # with the legal hold's warning
        "/retention/certificates/",
        f"/retention/certificates/{paper.pk}/",
        "/retention/certificates/paper",
    ):
        response = lead.get(url)
        assert response.status_code == 200, url
        levels = _heading_levels(response.content.decode())
        assert levels[0] == 1, url
        assert levels.count(1) == 1, url
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, (url, levels)
