"""The ICO-deadline job: as the time left reaches each configured mark, and once the 72 hours have
passed, the IG leads and the investigating officer are notified; once each, with the breach's
reference and a link only; never after the ICO is told or the breach is judged not reportable."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import AuditEvent, Notification
from breaches import services, tasks
from breaches.models import Breach
from tests.breaches import test_workflow
from tests.breaches.test_workflow import World, report, to_assessed
from tests.factories import UserFactory
from tests.records.test_policy import _restrict

pytestmark = pytest.mark.django_db

world = test_workflow.world


def _hours_left(breach: Breach, hours: float) -> None:
    """Move the time the organisation became aware so that ``hours`` of the 72 are left."""
    aware = timezone.now() - datetime.timedelta(hours=72 - hours)
    Breach.objects.filter(pk=breach.pk).update(aware_at=aware)


@override_settings(BREACH_ESCALATE_HOURS=[30, 12, 3])
def test_each_mark_notifies_once_and_the_deadline_once_more(world: World) -> None:
    breach = report(world)
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    Notification.objects.all().delete()  # the report's and the assignment's
    _hours_left(breach, 40)
    assert tasks.escalate_ico_deadlines() == 0  # before the first mark
    _hours_left(breach, 29.5)
    assert tasks.escalate_ico_deadlines() == 2  # the IG lead and the officer
    assert tasks.escalate_ico_deadlines() == 0  # and not again
    _hours_left(breach, 11.5)
    assert tasks.escalate_ico_deadlines() == 2
    _hours_left(breach, 2.5)
    assert tasks.escalate_ico_deadlines() == 2
    assert tasks.escalate_ico_deadlines() == 0
    _hours_left(breach, -1)
    assert tasks.escalate_ico_deadlines() == 2
    assert tasks.escalate_ico_deadlines() == 0
    lead_notes = list(Notification.objects.filter(user=world.ig).order_by("created_at", "pk"))
    assert [note.message for note in lead_notes] == [
        f"Breach {breach.reference}: 29 hours left to notify the ICO.",
        f"Breach {breach.reference}: 11 hours left to notify the ICO.",
        f"Breach {breach.reference}: 2 hours left to notify the ICO.",
        f"Breach {breach.reference}: the 72 hours to notify the ICO have passed.",
    ]
    assert {note.url for note in Notification.objects.all()} == {f"/breaches/{breach.uuid}/"}
    assert {note.key for note in lead_notes} == {
        f"breach:{breach.uuid}:ico:{mark}" for mark in (30, 12, 3, -1)
    }
    assert set(Notification.objects.values_list("user", flat=True)) == {
        world.ig.pk,
        world.manager.pk,
    }
    for note in Notification.objects.all():  # a reference and a fixed sentence: no one named
        assert "Robin" not in note.message
        assert "wrong" not in note.message
    events = AuditEvent.objects.filter(action="breach.escalated").order_by("seq")
    assert [event.detail["mark_hours"] for event in events] == [30, 12, 3, -1]
    assert all(event.actor is None for event in events)


@override_settings(BREACH_ESCALATE_HOURS=[24, 6])
def test_a_late_first_run_notifies_only_the_tightest_mark_reached(world: World) -> None:
    breach = report(world)
    Notification.objects.all().delete()
    _hours_left(breach, 5)
    assert tasks.escalate_ico_deadlines() == 1  # the IG lead: no officer yet
    assert Notification.objects.get().key == f"breach:{breach.uuid}:ico:6"


@override_settings(BREACH_ESCALATE_HOURS=[24, 6])
def test_no_escalation_once_the_ico_is_notified_or_not_reportable_or_closed(
    world: World,
) -> None:
    notified = report(world)
    to_assessed(world, notified)
    services.breach_notify_ico(
        actor=world.ig, breach=notified, notified_at=timezone.now(), reference="ICO-1"
    )
    not_reportable = report(world)
    to_assessed(world, not_reportable, notify_ico=False)
    Notification.objects.all().delete()
    for breach in (notified, not_reportable):
        _hours_left(breach, -5)
    assert tasks.escalate_ico_deadlines() == 0
    # A breach still undecided escalates whatever stage it is at.
    pending = report(world)
    services.breach_assign(actor=world.ig, breach=pending, officer=world.manager)
    Notification.objects.all().delete()
    _hours_left(pending, 3)
    assert tasks.escalate_ico_deadlines() == 2
    services.breach_contain(
        actor=world.manager,
        breach=pending,
        contained_at=pending.aware_at + datetime.timedelta(hours=1),
        note="x",
    )
    services.breach_assess(
        actor=world.manager,
        breach=pending,
        assessment=test_workflow.assessment(notify_ico=True),
    )
    services.breach_notify_ico(
        actor=world.ig, breach=pending, notified_at=timezone.now(), reference="ICO-2"
    )
    _hours_left(pending, -1)
    assert tasks.escalate_ico_deadlines() == 0


@override_settings(BREACH_ESCALATE_HOURS=[24])
def test_a_restricted_ig_lead_is_not_told_about_a_breach_they_may_not_see(world: World) -> None:
    breach = report(world, client_references=[world.client.reference])
    other_lead = UserFactory.create(username="ig2", roles=["ig_lead"])
    world.ig.teams.add(world.team)
    _restrict(world.ig, world.client)
    Notification.objects.all().delete()
    _hours_left(breach, 10)
    assert tasks.escalate_ico_deadlines() == 1
    assert Notification.objects.get().user == other_lead


def test_the_marks_setting_is_read_as_whole_hours_largest_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_int_list

    def read(value: str) -> list[int]:
        monkeypatch.setenv("CONFIDE_BREACH_ESCALATE_HOURS", value)
        return env_int_list(
            "CONFIDE_BREACH_ESCALATE_HOURS", [24, 6], minimum=1, maximum=71, example="24,6"
        )

    assert read("6, 24,12") == [24, 12, 6]
    for bad in ("soon", "0,6", "72", ","):
        with pytest.raises(ImproperlyConfigured, match="CONFIDE_BREACH_ESCALATE_HOURS must be"):
            read(bad)
    monkeypatch.delenv("CONFIDE_BREACH_ESCALATE_HOURS")
    assert env_int_list(
        "CONFIDE_BREACH_ESCALATE_HOURS", [6, 24], minimum=1, maximum=71, example=""
    ) == [
        24,
        6,
    ]
