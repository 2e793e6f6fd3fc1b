"""The breach workflow, driven through its services: each step in order and only in order, each
recording who and when and writing its audit event; the reasons the law and the policy require;
who may take which step; and the report's text sealed at rest."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEvent, Notification, Team, User
from breaches import policy, services
from breaches.errors import (
    BreachError,
    DecisionNeedsReasons,
    LateNotificationNeedsReason,
    NotPermitted,
    StepOutOfOrder,
)
from breaches.models import Breach, Category, Kind, Status
from breaches.services import Assessment, BreachDetails, Step
from disclosures import services as disclosure_services
from disclosures.models import Release
from records.models import Client
from tests.factories import TeamFactory, UserFactory, allocate, make_client, make_entry
from tests.records.test_policy import _restrict

pytestmark = pytest.mark.django_db

WHAT_HAPPENED = "Letter about the client's sessions posted to the old address."
STAFF = "Sam Sender (admin team) posted it."


@dataclass
class World:
    team: Team
    client: Client
    other_client: Client
    worker: User
    colleague: User
    manager: User
    ig: User
    guardian: User
    outsider: User


@pytest.fixture
def world() -> World:
    team = TeamFactory.create(name="North")
    other_team = TeamFactory.create(name="South")
    people = {
        name: UserFactory.create(username=name, roles=roles)
        for name, roles in {
            "worker": ["practitioner"],
            "colleague": ["practitioner"],
            "manager": ["manager"],
            "ig": ["ig_lead"],
            "guardian": ["caldicott_guardian"],
            "outsider": ["practitioner"],
        }.items()
    }
    for name in ("worker", "colleague", "manager"):
        people[name].teams.add(team)
    people["outsider"].teams.add(other_team)
    client = make_client(team, given_name="Robin", family_name="Breached")
    allocate(client, people["worker"])
    other_client = make_client(other_team, given_name="Sky", family_name="Elsewhere")
    return World(team=team, client=client, other_client=other_client, **people)


def details(**changes: object) -> BreachDetails:
    base = BreachDetails(
        aware_at=timezone.now() - datetime.timedelta(hours=2),
        kind=Kind.CONFIDENTIALITY,
        category=Category.WRONG_RECIPIENT,
        near_miss=False,
        urgent_safety=False,
        what_data="A letter with the client's appointment dates",
        data_format="paper",
        protection="unprotected",
        affected="clients",
        record_types="Appointment letter",
        records_count=1,
        sensitivity="confidential",
        risks="The new tenant now knows the client attends therapy",
        recovery_steps="Asked the new tenant to return it",
        stolen=False,
        crime_number="",
        what_happened=WHAT_HAPPENED,
        staff_involved=STAFF,
        ongoing_risk="None",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def report(w: World, **changes: object) -> Breach:
    return services.breach_report(actor=w.worker, details=details(**changes))


def assessment(**changes: object) -> Assessment:
    base = Assessment(
        likelihood="medium",
        severity="high",
        notify_ico=True,
        ico_reasons="Health-related information about a named client",
        tell_people=True,
        tell_reasons="The client should know who has seen it",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def to_assessed(w: World, breach: Breach, **changes: object) -> None:
    services.breach_assign(actor=w.ig, breach=breach, officer=w.manager)
    services.breach_contain(
        actor=w.manager, breach=breach, contained_at=timezone.now(), note="Letter returned"
    )
    services.breach_assess(actor=w.manager, breach=breach, assessment=assessment(**changes))


def actions(breach: Breach) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="breaches.breach", object_id=str(breach.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


# --- Reporting ---------------------------------------------------------------------------------


def test_anyone_signed_in_can_report_and_the_ig_lead_is_told_with_a_link_only(
    world: World,
) -> None:
    breach = services.breach_report(
        actor=world.outsider, details=details(what_happened="Laptop left on a train")
    )
    assert breach.status == Status.REPORTED
    assert breach.reported_by == world.outsider
    assert actions(breach) == ["breach.reported"]
    note = Notification.objects.get()
    assert note.user == world.ig
    assert note.message == f"A breach has been reported: {breach.reference}."
    assert note.url == f"/breaches/{breach.uuid}/"
    event = AuditEvent.objects.get(action="breach.reported")
    assert event.actor == world.outsider
    assert event.detail["notified"] == [world.ig.pk]
    assert "Laptop" not in str(event.detail)


def test_the_report_text_is_sealed_in_the_database(world: World) -> None:
    breach = report(world)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT what_happened_sealed, staff_involved_sealed FROM breaches_breach WHERE id = %s",
            [breach.pk],
        )
        row = cursor.fetchone()
    assert row is not None
    stored = b"".join(bytes(value) for value in row)
    assert b"old address" not in stored
    assert b"Sam Sender" not in stored
    fresh = Breach.objects.get(pk=breach.pk)
    assert fresh.what_happened == WHAT_HAPPENED
    assert fresh.staff_involved == STAFF


def test_an_urgent_safety_case_tells_the_ig_leads_at_once_with_the_prompt(world: World) -> None:
    other_lead = UserFactory.create(username="ig2", roles=["ig_lead"])
    breach = report(world, urgent_safety=True)
    notes = Notification.objects.order_by("user__username")
    assert [note.user for note in notes] == [world.ig, other_lead]
    for note in notes:
        assert note.message.startswith(f"Breach {breach.reference} is an urgent safety case.")
        assert "warn them now" in note.message
        assert "Robin" not in note.message


def test_the_report_refuses_what_the_policy_needs_and_the_future(world: World) -> None:
    future = timezone.now() + datetime.timedelta(hours=1)
    with pytest.raises(BreachError, match="cannot be in the future"):
        report(world, aware_at=future)
    with pytest.raises(BreachError, match="crime number"):
        report(world, stolen=True, category=Category.LOST_OR_STOLEN)
    with pytest.raises(BreachError, match="what happened"):
        report(world, what_happened="  ")
    with pytest.raises(BreachError, match="kind of breach"):
        report(world, kind="bad")
    stolen = report(world, stolen=True, crime_number="NP/123/26")
    assert stolen.crime_number == "NP/123/26"
    assert Breach.objects.count() == 1


def test_the_reporter_links_only_records_they_may_open(world: World) -> None:
    breach = report(world, client_references=[world.client.reference.lower()])
    assert list(breach.clients.all()) == [world.client]
    # A record they may not open gets the same answer as one that does not exist.
    for reference in (world.other_client.reference, "NOPE-1"):
        with pytest.raises(
            BreachError, match=f"No record you may open has the case reference {reference}"
        ):
            report(world, client_references=[reference])


def test_the_reporter_links_only_a_disclosure_they_may_see(world: World) -> None:
    entry = make_entry(world.client, world.worker)
    case = disclosure_services.case_open(
        actor=world.worker,
        client=world.client,
        details=disclosure_services.RequestDetails(
            kind="agency",
            requester_body="other_agency",
            channel="letter",
            received_on=timezone.localdate(),
            requester_name="Housing officer",
            purpose="Housing application",
            asked_for="Support history",
        ),
    )
    disclosure_services.case_propose(
        actor=world.worker,
        case=case,
        decision=disclosure_services.DecisionDetails(
            share=True,
            reasons="Client asked us to",
            consent_purpose="housing",
            exception="statutory_duty",
            lawful_basis="legal_obligation",
            items=[(entry.uuid, ["date"])],
        ),
    )
    disclosure_services.guardian_review(
        actor=world.guardian, case=case, outcome="approved", reasons="Statutory duty"
    )
    disclosure_services.case_verify(actor=world.worker, case=case, method="letterhead", note="Ok")
    release, _ = disclosure_services.case_release(
        actor=world.worker,
        case=case,
        details=disclosure_services.ReleaseDetails(
            method="recorded_post", recipient="Housing office", client_told=True
        ),
    )
    breach = report(world, release=release)
    assert breach.release == release
    with pytest.raises(BreachError, match="Choose a disclosure from the list"):
        services.breach_report(actor=world.outsider, details=details(release=release))
    assert Release.objects.count() == 1


# --- The workflow, in order ----------------------------------------------------------------------


def test_each_step_in_order_records_who_and_when_and_its_audit_event(world: World) -> None:
    breach = report(world)
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    assert breach.status == Status.ASSIGNED
    assert (breach.investigating_officer, breach.assigned_by) == (world.manager, world.ig)
    assert Notification.objects.filter(user=world.manager).get().message == (
        f"You are the investigating officer for breach {breach.reference}."
    )
    contained = timezone.now() - datetime.timedelta(minutes=30)
    services.breach_contain(actor=world.manager, breach=breach, contained_at=contained, note="Back")
    assert (breach.status, breach.contained_at, breach.contained_by) == (
        Status.CONTAINED,
        contained,
        world.manager,
    )
    assert breach.containment == "Back"
    services.breach_assess(actor=world.manager, breach=breach, assessment=assessment())
    assert breach.status == Status.ASSESSED
    assert breach.risk_level == "high"
    assert (breach.notify_ico, breach.tell_people, breach.assessed_by) == (
        True,
        True,
        world.manager,
    )
    told_ico = timezone.now()
    services.breach_notify_ico(
        actor=world.ig, breach=breach, notified_at=told_ico, reference="ICO-0001"
    )
    assert (breach.status, breach.ico_reference, breach.ico_late) == (
        Status.ICO_NOTIFIED,
        "ICO-0001",
        False,
    )
    services.breach_tell_people(
        actor=world.ig, breach=breach, told_at=timezone.now(), how="Phoned the client"
    )
    assert breach.status == Status.PEOPLE_TOLD
    services.breach_record_lessons(actor=world.ig, breach=breach, lessons="Check addresses")
    assert breach.status == Status.LESSONS_LEARNED
    services.breach_close(actor=world.ig, breach=breach)
    assert breach.status == Status.CLOSED
    assert (breach.closed_by, breach.lessons) == (world.ig, "Check addresses")
    assert actions(breach) == [
        "breach.reported",
        "breach.assigned",
        "breach.contained",
        "breach.assessed",
        "breach.ico_notified",
        "breach.people_told",
        "breach.lessons_recorded",
        "breach.closed",
    ]
    events = AuditEvent.objects.filter(object_type="breaches.breach").exclude(
        action="breach.reported"
    )
    assert {event.actor for event in events} == {world.ig, world.manager}
    assert {event.reason for event in events} == {"ig_duty", "investigating_officer"}
    assessed = AuditEvent.objects.get(action="breach.assessed")
    assert assessed.detail["notify_ico"] is True
    assert "Health-related" not in str(assessed.detail)


def test_steps_out_of_order_are_refused_by_name(world: World) -> None:
    breach = report(world)
    with pytest.raises(StepOutOfOrder, match="not ready for recording containment"):
        services.breach_contain(
            actor=world.ig, breach=breach, contained_at=timezone.now(), note="Done"
        )
    with pytest.raises(StepOutOfOrder, match="the next step is assigning"):
        services.breach_assess(actor=world.ig, breach=breach, assessment=assessment())
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    with pytest.raises(StepOutOfOrder):
        services.breach_notify_ico(
            actor=world.ig, breach=breach, notified_at=timezone.now(), reference="X"
        )
    with pytest.raises(StepOutOfOrder):
        services.breach_close(actor=world.ig, breach=breach)
    assert breach.status == Status.ASSIGNED
    assert actions(breach) == ["breach.reported", "breach.assigned"]


def test_decisions_not_to_notify_or_tell_skip_those_steps(world: World) -> None:
    breach = report(world)
    to_assessed(world, breach, notify_ico=False, tell_people=False)
    assert services.next_step(breach) == Step.LESSONS
    with pytest.raises(StepOutOfOrder):
        services.breach_notify_ico(
            actor=world.ig, breach=breach, notified_at=timezone.now(), reference="X"
        )
    with pytest.raises(StepOutOfOrder):
        services.breach_tell_people(
            actor=world.ig, breach=breach, told_at=timezone.now(), how="Letter"
        )
    services.breach_record_lessons(actor=world.ig, breach=breach, lessons="Nothing to change")
    services.breach_close(actor=world.ig, breach=breach)
    assert breach.status == Status.CLOSED


def test_the_ico_but_not_the_people_goes_straight_to_lessons_after_the_notification(
    world: World,
) -> None:
    breach = report(world)
    to_assessed(world, breach, tell_people=False)
    services.breach_notify_ico(
        actor=world.ig, breach=breach, notified_at=timezone.now(), reference="ICO-2"
    )
    assert services.next_step(breach) == Step.LESSONS


def test_every_decision_needs_its_reasons(world: World) -> None:
    breach = report(world)
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    services.breach_contain(
        actor=world.manager, breach=breach, contained_at=timezone.now(), note="x"
    )
    with pytest.raises(DecisionNeedsReasons, match="reasons for not reporting to the ICO"):
        services.breach_assess(
            actor=world.manager,
            breach=breach,
            assessment=assessment(notify_ico=False, ico_reasons=" "),
        )
    with pytest.raises(DecisionNeedsReasons, match="reasons for telling the people affected"):
        services.breach_assess(
            actor=world.manager, breach=breach, assessment=assessment(tell_reasons="")
        )
    assert Breach.objects.get(pk=breach.pk).status == Status.CONTAINED


def test_notifying_the_ico_after_72_hours_needs_the_reasons_for_the_delay(world: World) -> None:
    aware = timezone.now() - datetime.timedelta(hours=80)
    breach = report(world, aware_at=aware)
    to_assessed(world, breach)
    late = aware + datetime.timedelta(hours=73)
    with pytest.raises(LateNotificationNeedsReason, match="give the reasons for the delay"):
        services.breach_notify_ico(
            actor=world.ig, breach=breach, notified_at=late, reference="ICO-9"
        )
    assert Breach.objects.get(pk=breach.pk).ico_notified_at is None
    services.breach_notify_ico(
        actor=world.ig,
        breach=breach,
        notified_at=late,
        reference="ICO-9",
        late_reason="The officer was on leave",
    )
    assert breach.ico_late is True
    assert breach.late_reason == "The officer was on leave"
    event = AuditEvent.objects.get(action="breach.ico_notified")
    assert event.detail["late"] is True
    assert event.detail["hours_to_notify"] == 73.0


def test_on_time_the_delay_reason_is_not_kept(world: World) -> None:
    aware = timezone.now() - datetime.timedelta(hours=75)
    breach = report(world, aware_at=aware)
    to_assessed(world, breach)
    services.breach_notify_ico(
        actor=world.ig,
        breach=breach,
        notified_at=aware + datetime.timedelta(hours=71),
        reference="ICO-1",
        late_reason="Not needed",
    )
    assert breach.ico_late is False
    assert breach.late_reason == ""


def test_times_cannot_be_in_the_future_or_before_awareness(world: World) -> None:
    breach = report(world)
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    with pytest.raises(BreachError, match="cannot be in the future"):
        services.breach_contain(
            actor=world.manager,
            breach=breach,
            contained_at=timezone.now() + datetime.timedelta(hours=1),
            note="x",
        )
    with pytest.raises(BreachError, match="before the organisation became aware"):
        services.breach_contain(
            actor=world.manager,
            breach=breach,
            contained_at=breach.aware_at - datetime.timedelta(hours=1),
            note="x",
        )


# --- Who may take which step ---------------------------------------------------------------------


def test_only_the_ig_lead_assigns_and_the_officer_can_be_changed_while_open(world: World) -> None:
    breach = report(world)
    for actor in (world.worker, world.guardian, world.manager):
        with pytest.raises(NotPermitted):
            services.breach_assign(actor=actor, breach=breach, officer=world.manager)
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    services.breach_assign(actor=world.ig, breach=breach, officer=world.colleague)
    assert breach.investigating_officer == world.colleague
    assert breach.status == Status.ASSIGNED
    event = AuditEvent.objects.filter(action="breach.assigned").order_by("-seq").first()
    assert event is not None
    assert event.detail == {
        "breach": breach.reference,
        "officer": world.colleague.pk,
        "previous_officer": world.manager.pk,
    }
    # The old officer no longer reaches it.
    assert not policy.breach_access(world.manager, breach).see


def test_the_officer_contains_and_assesses_but_the_ig_lead_records_the_rest(world: World) -> None:
    breach = report(world)
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    for actor in (world.worker, world.guardian):
        with pytest.raises(NotPermitted):
            services.breach_contain(
                actor=actor, breach=breach, contained_at=timezone.now(), note="x"
            )
    with pytest.raises(NotPermitted, match="cannot act on this breach"):
        services.breach_contain(
            actor=world.outsider, breach=breach, contained_at=timezone.now(), note="x"
        )
    services.breach_contain(
        actor=world.manager, breach=breach, contained_at=timezone.now(), note="x"
    )
    services.breach_assess(actor=world.manager, breach=breach, assessment=assessment())
    with pytest.raises(NotPermitted, match="Only the IG lead"):
        services.breach_notify_ico(
            actor=world.manager, breach=breach, notified_at=timezone.now(), reference="X"
        )


def test_who_sees_what_of_a_breach(world: World) -> None:
    breach = report(world)
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    access = {
        name: policy.breach_access(getattr(world, name), breach)
        for name in ("worker", "manager", "ig", "guardian", "outsider", "colleague")
    }
    assert (access["worker"].see, access["worker"].full) == (True, False)  # the reporter
    flags = ("see", "full", "assign", "investigate", "manage")
    assert {name: [f for f in flags if getattr(a, f)] for name, a in access.items()} == {
        "worker": ["see"],
        "manager": ["see", "full", "investigate"],
        "ig": ["see", "full", "assign", "investigate", "manage"],
        "guardian": ["see", "full"],
        "outsider": [],
        "colleague": [],
    }
    visible = {
        name: set(policy.visible_breaches(getattr(world, name)))
        for name in ("worker", "manager", "ig", "guardian", "outsider")
    }
    assert visible == {
        "worker": {breach},
        "manager": {breach},
        "ig": {breach},
        "guardian": {breach},
        "outsider": set(),
    }


def test_a_restriction_on_an_affected_record_shuts_the_breach_to_that_person(world: World) -> None:
    breach = report(world, client_references=[world.client.reference])
    world.ig.teams.add(world.team)
    _restrict(world.ig, world.client)
    other_lead = UserFactory.create(username="ig2", roles=["ig_lead"])
    assert not policy.breach_access(world.ig, breach).see
    assert breach not in policy.visible_breaches(world.ig)
    assert policy.breach_access(other_lead, breach).full
    with pytest.raises(BreachError, match="cannot investigate this breach"):
        services.breach_assign(actor=other_lead, breach=breach, officer=world.ig)
    # The reporter still sees what they wrote, restricted or not.
    world.worker.teams.add(world.team)
    _restrict(world.worker, world.client)
    access = policy.breach_access(world.worker, breach)
    assert (access.see, access.full) == (True, False)


def test_nothing_more_is_recorded_on_a_closed_breach(world: World) -> None:
    breach = report(world)
    to_assessed(world, breach, notify_ico=False, tell_people=False)
    services.breach_record_lessons(actor=world.ig, breach=breach, lessons="x")
    services.breach_close(actor=world.ig, breach=breach)
    with pytest.raises(NotPermitted):
        services.breach_assign(actor=world.ig, breach=breach, officer=world.colleague)
    assert not policy.breach_access(world.ig, breach).manage
    assert policy.breach_access(world.ig, breach).full
