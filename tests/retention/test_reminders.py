"""The reviewers' reminder (retention.reminders.send_reminders): who is told about reviews waiting,
destructions waiting for a second person and legal holds due for review; that a notification
carries a count and a link, never personal data; that a second run the same day tells nobody
again; the run log it leaves; and that a conflict of interest keeps a record out of a reminder."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client as Browser
from django.utils import timezone

from accounts.models import AuditEvent, Notification, User
from records.models import Client, ClientStatus
from retention import services
from retention.models import DisposalReview, LegalHold, SweepRun
from retention.reminders import send_reminders
from tests.factories import TeamFactory, UserFactory, make_client

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
QUEUE = "/retention/reviews/"
NAMES = ("Robin", "Disposable", "Sam", "Southerly", "Ria", "Restricted", "Hal", "Held")


@dataclass
class World:
    lead: User
    second_lead: User
    guardian: User
    manager: User
    south_manager: User
    worker: User
    waiting: DisposalReview  # North
    south_waiting: DisposalReview
    confirming: DisposalReview  # North, restricted, approved by the lead
    held: Client  # North, under a hold the manager placed, due for review today
    held_review: DisposalReview  # the review in which the manager placed it
    hold: LegalHold


def _closed(team, given_name: str, family_name: str, **details) -> Client:
    client = make_client(team, given_name=given_name, family_name=family_name, **details)
    client.status, client.closed_on = ClientStatus.CLOSED, datetime.date(2010, 1, 1)
    client.save()
    return client


def _person(username: str, role: str, *teams) -> User:
    user = UserFactory.create(username=username, roles=[role])
    user.teams.set(teams)
    return user


@pytest.fixture
def world() -> World:
    north = TeamFactory.create(name="North")
    south = TeamFactory.create(name="South")
    lead = _person("lead", "ig_lead")
    manager = _person("manager", "manager", north)
    restricted = _closed(
        north, "Ria", "Restricted", restricted=True, restricted_reason="Address withheld"
    )
    confirming = DisposalReview.objects.create(client=restricted)
    services.review_approve(actor=lead, review=confirming)
    held = _closed(north, "Hal", "Held")
    held_review = DisposalReview.objects.create(client=held)
    hold = services.review_hold(
        actor=manager,
        review=held_review,
        reason=LegalHold.Reason.COMPLAINT,
        detail="Complaint about Hal Held",
        review_on=TODAY() + timedelta(days=30),
    )
    # The date has come (the service allows only future dates when the hold is placed).
    LegalHold.objects.filter(pk=hold.pk).update(review_on=TODAY())
    hold.refresh_from_db()
    # A hold not yet due tells nobody.
    services.hold_place(
        actor=lead,
        client=_closed(south, "Not", "Due"),
        reason=LegalHold.Reason.ARREARS,
        detail="",
        review_on=TODAY() + timedelta(days=5),
    )
    return World(
        lead=lead,
        second_lead=_person("lead2", "ig_lead"),
        guardian=_person("guardian", "caldicott_guardian"),
        manager=manager,
        south_manager=_person("southmgr", "manager", south),
        worker=_person("worker", "practitioner", north),
        waiting=DisposalReview.objects.create(client=_closed(north, "Robin", "Disposable")),
        south_waiting=DisposalReview.objects.create(client=_closed(south, "Sam", "Southerly")),
        confirming=confirming,
        held=held,
        held_review=held_review,
        hold=hold,
    )


def _told(user: User) -> dict[str, tuple[str, str]]:
    """What the user was told, by kind of reminder: message and link."""
    return {n.key.split(":")[0]: (n.message, n.url) for n in Notification.objects.filter(user=user)}


def test_each_reviewer_is_told_what_waits_for_them(world: World) -> None:
    hold_url = f"/retention/records/{world.held.uuid}/"

    run = send_reminders()

    assert run is not None
    assert _told(world.lead) == {
        "retention-waiting": ("2 records are waiting for a disposal review.", QUEUE),
        # The lead approved the one destruction waiting: they are not its second person.
        "hold-review": ("A legal hold is due for review.", hold_url),
    }
    assert _told(world.second_lead) == {
        "retention-waiting": ("2 records are waiting for a disposal review.", QUEUE),
        "retention-confirming": (
            "1 destruction is waiting for a second person's confirmation.",
            QUEUE,
        ),
        "hold-review": ("A legal hold is due for review.", hold_url),
    }
    assert _told(world.guardian) == {
        "retention-confirming": (
            "1 destruction is waiting for a second person's confirmation.",
            QUEUE,
        )
    }
    # They placed the hold; the record's retention page is the IG lead's, so the link is to
    # the review in which they placed it.
    assert _told(world.manager) == {
        "retention-waiting": ("1 record is waiting for a disposal review.", QUEUE),
        "hold-review": (
            "A legal hold you placed is due for review by the IG lead.",
            f"/retention/reviews/{world.held_review.uuid}/",
        ),
    }
    assert _told(world.south_manager) == {
        "retention-waiting": ("1 record is waiting for a disposal review.", QUEUE)
    }
    assert _told(world.worker) == {}
    for notification in Notification.objects.all():
        for name in NAMES:
            assert name not in notification.message, notification.message
        assert "T-" not in notification.message  # nor a case reference


def test_a_second_run_the_same_day_tells_nobody_again(world: World) -> None:
    first = send_reminders()
    told = Notification.objects.count()

    second = send_reminders()

    assert first is not None
    assert second is not None
    assert second.pk != first.pk
    assert Notification.objects.count() == told
    assert second.flagged == 0


def test_each_run_is_in_the_run_log_with_its_counts(world: World) -> None:
    run = send_reminders()

    assert run is not None
    run.refresh_from_db()
    assert run.job == SweepRun.Job.REMINDER
    assert run.status == SweepRun.Status.FINISHED
    assert run.finished_at is not None
    # Everyone who reviews: two IG leads, two managers, the Guardian.
    assert run.examined == 5
    assert run.flagged == Notification.objects.count() == 9
    event = AuditEvent.objects.get(action="retention.run_finished")
    assert event.object_id == str(run.pk)
    assert event.detail["notifications"] == 9


def test_a_conflicted_manager_is_not_told_about_that_record(world: World) -> None:
    from tests.records.test_policy import _restrict

    _restrict(world.manager, world.waiting.client)
    _restrict(world.manager, world.held)

    send_reminders()

    assert _told(world.manager) == {}
    # The manager who decided the conflict manages the team too, and is told in their place.
    deputy = User.objects.get(username="mgr-manager")
    assert _told(deputy) == {
        "retention-waiting": ("1 record is waiting for a disposal review.", QUEUE)
    }


def test_every_reminder_opens_for_the_person_told(world: World) -> None:
    from tests.conftest import sign_in_fully

    send_reminders()

    for user in (world.lead, world.second_lead, world.guardian, world.manager, world.south_manager):
        browser = Browser()
        sign_in_fully(browser, user)
        for notification in Notification.objects.filter(user=user):
            response = browser.get(notification.url)
            assert response.status_code == 200, (user.username, notification.key)


def test_a_manager_who_placed_a_hold_outside_a_review_is_sent_to_their_queue(
    world: World,
) -> None:
    hold = services.hold_place(
        actor=world.manager,
        client=_closed(world.held.team, "Una", "Reviewed"),
        reason=LegalHold.Reason.ARREARS,
        detail="",
        review_on=TODAY() + timedelta(days=3),
    )
    LegalHold.objects.filter(pk=hold.pk).update(review_on=TODAY() - timedelta(days=1))

    send_reminders()

    (told,) = Notification.objects.filter(user=world.manager, key__contains=str(hold.uuid))
    assert told.url == QUEUE
