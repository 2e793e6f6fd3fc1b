"""The escalation jobs: deadlines close or past notify the IG lead at each configured mark, cases
left waiting notify the Caldicott Guardian; once each, with a link and no personal data, and
never about a record the person is restricted from."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import AuditEvent, Notification
from disclosures import services, tasks
from disclosures.models import CaseStatus, DisclosureCase, RequestKind
from tests.disclosures import test_workflow
from tests.disclosures.test_workflow import World, _open, _share, _verify
from tests.factories import UserFactory
from tests.records.test_policy import _restrict

pytestmark = pytest.mark.django_db

world = test_workflow.world

TODAY = timezone.localdate()


def _sar(w: World) -> DisclosureCase:
    return services.case_open(
        actor=w.ig,
        client=w.client,
        details=services.RequestDetails(
            kind=RequestKind.SUBJECT_ACCESS,
            channel="letter",
            received_on=TODAY,
            requester_name="Robin Disclosed",
            asked_for="Everything",
        ),
    )


def _due_in(case: DisclosureCase, days: int) -> None:
    DisclosureCase.objects.filter(pk=case.pk).update(due_on=TODAY + datetime.timedelta(days=days))


@override_settings(DEADLINE_ESCALATE_DAYS=[7, 2])
def test_a_deadline_notifies_the_ig_lead_once_at_each_mark_and_when_it_passes(
    world: World,
) -> None:
    case = _sar(world)
    _due_in(case, 10)
    assert tasks.escalate_deadlines() == 0  # before the first mark
    _due_in(case, 6)
    assert tasks.escalate_deadlines() == 1
    assert tasks.escalate_deadlines() == 0  # idempotent
    _due_in(case, 2)
    assert tasks.escalate_deadlines() == 1
    _due_in(case, -1)
    assert tasks.escalate_deadlines() == 1
    assert tasks.escalate_deadlines() == 0
    notes = list(Notification.objects.filter(user=world.ig).order_by("created_at"))
    assert [note.message for note in notes] == [
        "A request from a data subject is due within 7 days.",
        "A request from a data subject is due within 2 days.",
        "A request from a data subject is past its deadline.",
    ]
    assert {note.url for note in notes} == {f"/disclosures/{case.uuid}/"}
    for note in notes:  # a link and a fixed sentence: nothing about the person
        assert world.client.reference not in note.message
        assert "Robin" not in note.message
    events = AuditEvent.objects.filter(action="disclosure.deadline_escalated")
    assert [event.detail["mark_days"] for event in events.order_by("seq")] == [7, 2, -1]
    assert all(event.actor is None for event in events)


@override_settings(DEADLINE_ESCALATE_DAYS=[7, 2])
def test_stopped_closed_and_restricted_requests_do_not_escalate(world: World) -> None:
    stopped = _sar(world)
    DisclosureCase.objects.filter(pk=stopped.pk).update(due_on=None)
    closed = _sar(world)
    _due_in(closed, 1)
    services.case_withdraw(actor=world.ig, case=closed, reasons="Withdrawn by the requester")
    assert tasks.escalate_deadlines() == 0
    # An IG lead restricted from the record is not told about it; another IG lead is.
    other_lead = UserFactory.create(username="ig2", roles=["ig_lead"])
    open_case = _sar(world)
    _due_in(open_case, 1)
    world.ig.teams.add(world.team)
    _restrict(world.ig, world.client)
    assert tasks.escalate_deadlines() == 1
    assert Notification.objects.get().user == other_lead


@override_settings(GUARDIAN_ESCALATE_HOURS=24)
def test_a_case_waiting_too_long_notifies_the_guardians_once_per_wait(world: World) -> None:
    case = _open(world)
    _verify(world, case)
    services.case_propose(actor=world.worker, case=case, decision=_share(world.plain))
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_GUARDIAN
    assert tasks.escalate_guardian_waits() == 0  # not waited long enough
    waited = timezone.now() - datetime.timedelta(hours=25)
    DisclosureCase.objects.filter(pk=case.pk).update(status_changed_at=waited)
    # Two Guardians in the world: each is told once.
    assert tasks.escalate_guardian_waits() == 2
    assert tasks.escalate_guardian_waits() == 0
    users = set(Notification.objects.values_list("user__username", flat=True))
    assert users == {"guardian", "guardian_manager"}
    note = Notification.objects.first()
    assert note is not None
    assert note.url == f"/disclosures/{case.uuid}/"
    assert "24 hours" in note.message
    assert AuditEvent.objects.filter(action="disclosure.guardian_escalated").count() == 2
