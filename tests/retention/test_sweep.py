"""The nightly sweep, run in-process: which records it flags, that it flags each once, that a
killed run is taken over from its cursor, and the run log it leaves."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import AuditEvent
from records.models import ClientStatus
from retention.models import (
    DisposalReview,
    LegalHold,
    RecordRetention,
    RetentionClass,
    SweepRun,
    Trigger,
)
from retention.sweep import run_sweep
from tests.factories import TeamFactory, UserFactory, make_client

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2030, 6, 15)


def closed(team, closed_on: D | None, **details):
    client = make_client(team, **details)
    client.closed_on = closed_on
    client.status = ClientStatus.CLOSED if closed_on else ClientStatus.ACTIVE
    client.save()
    return client


def flagged_ids() -> set[int]:
    return set(DisposalReview.objects.values_list("client_id", flat=True))


def test_records_past_their_date_are_flagged_once_and_others_are_not() -> None:
    team = TeamFactory()
    lead = UserFactory.create(roles=["ig_lead"])
    due = closed(team, D(2022, 6, 15))  # 8 years to the day
    not_yet = closed(team, D(2022, 6, 16))
    still_open = closed(team, None)
    held = closed(team, D(2010, 1, 1))
    hold = LegalHold(client=held, reason=LegalHold.Reason.COMPLAINT, placed_by=lead)
    hold.review_on = TODAY + timedelta(days=30)
    hold.detail = ""
    hold.save()

    run = run_sweep(today=TODAY)

    assert run is not None
    assert flagged_ids() == {due.pk}
    # Neither the open record nor the held one is a candidate at all.
    assert (run.status, run.total, run.examined, run.flagged, run.errors) == (
        "finished",
        2,
        2,
        1,
        0,
    )
    event = AuditEvent.objects.get(action="retention.flagged")
    assert (event.object_id, event.actor_id) == (str(due.pk), None)
    assert event.detail["due_on"] == "2030-06-15"
    assert not_yet.pk not in flagged_ids()
    assert still_open.pk not in flagged_ids()

    again = run_sweep(today=TODAY)
    assert again is not None
    assert again.flagged == 0
    assert DisposalReview.objects.count() == 1
    assert AuditEvent.objects.filter(action="retention.flagged").count() == 1


def test_each_class_gives_its_own_date() -> None:
    team = TeamFactory()
    lead = UserFactory.create(roles=["ig_lead"])
    mental_health = RetentionClass.objects.get(years=20)
    children = RetentionClass.objects.get(trigger=Trigger.BIRTHDAY)
    # 20 years after closure: closed 2012 is not due in 2030; closed 2010 is.
    kept = closed(team, D(2012, 1, 1))
    due = closed(team, D(2010, 6, 1))
    # Children's records: to the 25th birthday. Born 2005-06-15: due on 2030-06-15.
    child_due = closed(team, D(2015, 1, 1), date_of_birth=D(2005, 6, 15))
    child_kept = closed(team, D(2015, 1, 1), date_of_birth=D(2005, 6, 16))
    # Died in 2019: mental-health records 10 years after death, so due since 2029.
    died = closed(team, D(2019, 1, 1), deceased=True, deceased_on=D(2019, 3, 1))
    for client, cls in (
        (kept, mental_health),
        (due, mental_health),
        (child_due, children),
        (child_kept, children),
        (died, mental_health),
    ):
        RecordRetention.objects.create(client=client, retention_class=cls, assigned_by=lead)

    run_sweep(today=TODAY)

    assert flagged_ids() == {due.pk, child_due.pk, died.pk}


def test_a_record_kept_until_a_new_date_is_flagged_again_only_on_that_date() -> None:
    team = TeamFactory()
    lead = UserFactory.create(roles=["ig_lead"])
    client = closed(team, D(2020, 1, 1))
    review = DisposalReview.objects.create(
        client=client,
        status=DisposalReview.Status.KEPT,
        decided_by=lead,
        next_review_on=TODAY + timedelta(days=1),
    )
    run_sweep(today=TODAY)
    assert list(DisposalReview.objects.values_list("pk", flat=True)) == [review.pk]
    run_sweep(today=TODAY + timedelta(days=1))
    assert DisposalReview.objects.filter(status="waiting", client=client).count() == 1


@override_settings(RETENTION_BATCH_SIZE=2, RETENTION_STALE_SECONDS=60)
def test_a_killed_run_is_taken_over_from_its_cursor_once_stale() -> None:
    team = TeamFactory()
    clients = [closed(team, D(2000, 1, 1)) for _ in range(5)]
    # A run that was killed after its first batch: two records flagged, cursor on the second.
    dead = SweepRun.objects.create(
        job="sweep",
        total=5,
        cursor=clients[1].pk,
        examined=2,
        flagged=2,
        heartbeat_at=timezone.now(),
    )
    for client in clients[:2]:
        DisposalReview.objects.create(client=client, run=dead)

    assert run_sweep(today=TODAY) is None  # its heartbeat is fresh: it may be alive

    SweepRun.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    run = run_sweep(today=TODAY)

    assert run is not None
    assert run.pk == dead.pk
    assert (run.status, run.examined, run.flagged, run.resumed) == ("finished", 5, 5, 1)
    assert flagged_ids() == {c.pk for c in clients}
    assert DisposalReview.objects.count() == 5
    assert SweepRun.objects.count() == 1


def test_an_unreadable_record_is_logged_and_the_sweep_goes_on() -> None:
    team = TeamFactory()
    lead = UserFactory.create(roles=["ig_lead"])
    children = RetentionClass.objects.get(trigger=Trigger.BIRTHDAY)
    broken = closed(team, D(2015, 1, 1), date_of_birth=D(2000, 1, 1))
    fine = closed(team, D(2000, 1, 1))
    RecordRetention.objects.create(client=broken, retention_class=children, assigned_by=lead)
    type(broken).objects.filter(pk=broken.pk).update(date_of_birth_sealed=b"\x01garbage" * 4)

    run = run_sweep(today=TODAY)

    assert run is not None
    assert (run.examined, run.flagged, run.errors) == (2, 1, 1)
    assert broken.reference in run.error_detail
    assert flagged_ids() == {fine.pk}
