"""Each monitoring rule over a crafted audit trail: exactly the expected findings, and none from an
ordinary day's work."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts.audit import append_event
from accounts.models import AuditEvent, User
from monitoring import rules
from monitoring.evaluate import days_due, evaluate, evaluate_day
from monitoring.models import EvaluatedDay, Finding, Rule, RuleKind, UserDay
from records import crypto
from records.models import Allocation, Client, ConflictDeclaration
from tests.factories import TeamFactory, UserFactory, make_client

LONDON = ZoneInfo("Europe/London")
DAY = date(2026, 3, 10)  # a Tuesday, not a bank holiday
SATURDAY = date(2026, 3, 14)


def at(hour: int, minute: int = 0, second: int = 0, *, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=LONDON)


@dataclass
class Org:
    pat: User  # practitioner, allocated to alice
    sam: User  # practitioner in the same team, not allocated
    lead: User  # IG lead, no team
    alice: Client
    bob: Client
    rita: Client  # restricted, allocated to pat

    def access(
        self,
        actor: User,
        client: Client,
        when: datetime,
        *,
        action: str = "client.viewed",
        reason: str = "allocation",
        outcome: str = "success",
        detail: dict[str, str] | None = None,
    ) -> AuditEvent:
        return append_event(
            AuditEvent(
                actor=actor,
                action=action,
                outcome=outcome,
                object_type="records.client",
                object_id=str(client.pk),
                reason=reason,
                detail=detail or {},
            ),
            occurred_at=when,
        )


@pytest.fixture
def org(db) -> Org:
    team = TeamFactory.create(name="North")
    pat = UserFactory.create(username="pat", roles=["practitioner"])
    sam = UserFactory.create(username="sam", roles=["practitioner"])
    pat.teams.add(team)
    sam.teams.add(team)
    lead = UserFactory.create(username="lead", roles=["ig_lead"])
    alice, bob = make_client(team), make_client(team)
    rita = make_client(team, restricted=True, restricted_reason="Fled violence")
    since = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for client in (alice, rita):
        Allocation.objects.create(client=client, worker=pat, allocated_by=pat, started_at=since)
    return Org(pat, sam, lead, alice, bob, rita)


def ordinary_day(org: Org, day: date = DAY) -> None:
    """A day's ordinary work: the allocated worker and a colleague covering, in working hours."""
    org.access(org.pat, org.alice, at(9, 30, day=day))
    org.access(org.pat, org.alice, at(9, 35, day=day), action="entry.viewed")
    org.access(org.pat, org.rita, at(11, day=day))
    org.access(org.sam, org.bob, at(14, day=day), reason="team")
    org.access(org.sam, org.alice, at(15, day=day), action="entry.created", reason="team")


def found() -> set[tuple[str, str, tuple[str, ...]]]:
    return {
        (
            f.rule.kind,
            f.subject.username,
            tuple(sorted(c.reference for c in f.clients.all())),
        )
        for f in Finding.objects.select_related("rule", "subject")
    }


def test_an_ordinary_day_raises_nothing_and_is_rolled_up(org: Org) -> None:
    ordinary_day(org)
    result = evaluate_day(DAY)
    assert result is not None
    assert (result.events, result.findings) == (5, 0)
    assert found() == set()
    assert dict(UserDay.objects.values_list("user__username", "records")) == {"pat": 2, "sam": 2}
    assert evaluate_day(DAY) is None  # done once


def test_outside_allocation_raises_duty_access_and_unbacked_allocation_claims(org: Org) -> None:
    ordinary_day(org)
    org.access(org.lead, org.bob, at(10), reason="ig_duty")
    org.access(org.lead, org.bob, at(10, 5), reason="ig_duty", action="entry.viewed")
    # Sam claims allocation to bob, but was never allocated: the trail and the allocations differ.
    org.access(org.sam, org.bob, at(16), reason="allocation")
    # Pat's allocation to alice had ended by the evening.
    Allocation.objects.filter(worker=org.pat, client=org.alice).update(ended_at=at(12))
    org.access(org.pat, org.alice, at(16, 30))

    evaluate_day(DAY)

    assert found() == {
        ("outside_allocation", "lead", (org.bob.reference,)),
        ("outside_allocation", "sam", (org.bob.reference,)),
        ("outside_allocation", "pat", (org.alice.reference,)),
    }
    lead = Finding.objects.get(subject=org.lead)
    assert lead.event_count == 2
    assert lead.evidence["reasons"] == {"ig_duty": 2}
    pat = Finding.objects.get(subject=org.pat)
    assert pat.event_count == 1  # the morning's accesses were under the open allocation


def test_break_glass_raises_each_use_with_what_was_opened_under_it(org: Org) -> None:
    ordinary_day(org)
    grant = org.access(
        org.sam,
        org.rita,
        at(10),
        action="break_glass.granted",
        reason="break_glass",
        detail={"access": "00000000-0000-0000-0000-000000000001"},
    )
    opened = org.access(org.sam, org.rita, at(10, 1), reason="break_glass")

    evaluate_day(DAY)

    # Restricted-record access by someone not allocated is also exactly what that rule is for.
    assert found() == {
        ("break_glass", "sam", (org.rita.reference,)),
        ("restricted", "sam", (org.rita.reference,)),
    }
    finding = Finding.objects.get(rule__kind=RuleKind.BREAK_GLASS)
    assert finding.evidence["events"] == [grant.seq, opened.seq]
    assert finding.evidence["access"] == "00000000-0000-0000-0000-000000000001"


def test_after_hours_raises_early_late_and_weekend_access_only(org: Org) -> None:
    ordinary_day(org)
    org.access(org.pat, org.alice, at(7, 59))
    org.access(org.pat, org.alice, at(18, 0))
    org.access(org.sam, org.bob, at(8, 0), reason="team")  # the first minute of the day is fine
    org.access(org.sam, org.bob, at(17, 59), reason="team")
    evaluate_day(DAY)
    assert found() == {("after_hours", "pat", (org.alice.reference,))}
    assert Finding.objects.get().event_count == 2

    org.access(org.sam, org.bob, at(11, day=SATURDAY), reason="team")
    evaluate_day(SATURDAY)
    assert ("after_hours", "sam", (org.bob.reference,)) in found()


def test_working_hours_are_a_parameter(org: Org) -> None:
    Rule.objects.filter(kind=RuleKind.AFTER_HOURS).update(
        parameters={"start": "07:00", "end": "19:00"}
    )
    ordinary_day(org)
    org.access(org.pat, org.alice, at(7, 30))
    org.access(org.pat, org.alice, at(18, 30))
    evaluate_day(DAY)
    assert found() == set()


def test_restricted_record_access_by_anyone_but_the_allocated_worker(org: Org) -> None:
    ordinary_day(org)  # pat, allocated, opens rita: not raised
    org.access(org.sam, org.rita, at(12), reason="team")
    evaluate_day(DAY)
    assert found() == {("restricted", "sam", (org.rita.reference,))}


def test_access_to_a_record_the_person_declared_a_connection_to(org: Org) -> None:
    ordinary_day(org)
    ConflictDeclaration.objects.create(
        staff=org.sam,
        team=org.bob.team,
        client=org.bob,
        decision=ConflictDeclaration.Decision.ALLOWED,
    )
    evaluate_day(DAY)
    assert found() == {("staff_connection", "sam", (org.bob.reference,))}


def test_staff_as_client_same_surname_or_home_postcode(org: Org) -> None:
    team = org.alice.team
    namesake = make_client(team, family_name=org.sam.last_name.upper(), address="1 High St")
    neighbour = make_client(team, family_name="Other", address="3 Mill Lane\nLeeds ls1 4ap")
    org.sam.home_postcode_index = crypto.postcode_index("LS1 4AP")
    org.sam.save()
    ordinary_day(org)
    org.access(org.sam, namesake, at(12), reason="team")
    org.access(org.sam, neighbour, at(12, 5), reason="team")
    org.access(org.pat, neighbour, at(12, 10), reason="team")  # pat lives elsewhere
    evaluate_day(DAY)
    assert found() == {
        ("staff_connection", "sam", (namesake.reference,)),
        ("staff_connection", "sam", (neighbour.reference,)),
    }
    assert sorted(f.evidence["matched"] for f in Finding.objects.all()) == [
        ["same postcode"],
        ["same surname"],
    ]


def test_surname_and_postcode_matching_can_be_switched_off(org: Org) -> None:
    Rule.objects.filter(kind=RuleKind.STAFF_CONNECTION).update(
        parameters={"match_surname": False, "match_postcode": False}
    )
    namesake = make_client(org.alice.team, family_name=org.sam.last_name)
    org.access(org.sam, namesake, at(12), reason="team")
    evaluate_day(DAY)
    assert found() == set()


def test_older_records_get_their_surname_and_postcode_hashes_from_the_rebuild(org: Org) -> None:
    Client.objects.filter(pk=org.alice.pk).update(family_name_index="", postcode_index="")
    call_command("rebuild_blind_indexes", stdout=io.StringIO())
    org.alice.refresh_from_db()
    assert org.alice.family_name_index == crypto.surname_index("Person")


def test_declared_connections_allowed_by_a_manager_can_be_left_out(org: Org) -> None:
    Rule.objects.filter(kind=RuleKind.STAFF_CONNECTION).update(
        parameters={"include_allowed": False}
    )
    ordinary_day(org)
    ConflictDeclaration.objects.create(
        staff=org.sam,
        team=org.bob.team,
        client=org.bob,
        decision=ConflictDeclaration.Decision.ALLOWED,
    )
    evaluate_day(DAY)
    assert found() == set()


def _weekdays_before(day: date, count: int) -> list[date]:
    days: list[date] = []
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def _many_clients(org: Org, count: int) -> list[Client]:
    return [make_client(org.alice.team) for _ in range(count)]


def test_volume_against_the_persons_own_baseline(org: Org) -> None:
    extra = _many_clients(org, 12)
    # Five ordinary days before: pat opens two records a day (alice and rita).
    for day in sorted(_weekdays_before(DAY, 5)):
        org.access(org.pat, org.alice, at(10, day=day), reason="team")
        org.access(org.pat, org.rita, at(11, day=day))
        evaluate_day(day)
    assert found() == set()
    # Today: twelve more records, spread over the day (not bulk), within the team.
    for n, client in enumerate(extra):
        org.access(org.pat, client, at(9 + n % 8, n * 4), reason="team")
    org.access(org.sam, org.bob, at(10), reason="team")
    evaluate_day(DAY)
    assert found() == {
        ("volume", "pat", tuple(sorted(c.reference for c in extra))),
    }
    finding = Finding.objects.get()
    assert (finding.evidence["records"], finding.evidence["baseline"]) == (12, 2.0)


def test_volume_within_the_baseline_raises_nothing(org: Org) -> None:
    extra = _many_clients(org, 12)
    for day in sorted(_weekdays_before(DAY, 5)):
        for n, client in enumerate(extra[:10]):
            org.access(org.pat, client, at(9 + n % 8, n * 4, day=day), reason="team")
        evaluate_day(day)
    for n, client in enumerate(extra):
        org.access(org.pat, client, at(9 + n % 8, n * 4), reason="team")
    evaluate_day(DAY)
    assert found() == set()


def test_bulk_viewing_many_records_within_minutes(org: Org) -> None:
    ordinary_day(org)
    burst = _many_clients(org, 20)
    for n, client in enumerate(burst):
        org.access(org.sam, client, at(13, n // 3, (n * 17) % 60), reason="team")
    evaluate_day(DAY)
    assert found() == {("bulk", "sam", tuple(sorted(c.reference for c in burst)))}
    assert Finding.objects.get().evidence["records"] == 20


def test_the_same_records_spread_over_the_day_are_not_bulk(org: Org) -> None:
    spread = _many_clients(org, 20)
    for n, client in enumerate(spread):
        org.access(org.sam, client, at(9 + n // 3, (n % 3) * 20), reason="team")
    Rule.objects.filter(kind=RuleKind.VOLUME).update(enabled=False)  # no baseline here
    evaluate_day(DAY)
    assert found() == set()


def test_refused_attempts_at_the_threshold(org: Org) -> None:
    ordinary_day(org)
    for minute in range(3):
        org.access(
            org.sam,
            org.rita,
            at(12, minute),
            action="client.access_denied",
            reason="conflict",
            outcome="denied",
        )
    for minute in range(2):
        org.access(
            org.pat,
            org.bob,
            at(12, minute),
            action="client.access_denied",
            reason="no_grant",
            outcome="denied",
        )
    evaluate_day(DAY)
    assert found() == {("denied", "sam", (org.rita.reference,))}


def test_a_disabled_rule_raises_nothing(org: Org) -> None:
    Rule.objects.filter(kind=RuleKind.RESTRICTED).update(enabled=False)
    ordinary_day(org)
    org.access(org.sam, org.rita, at(12), reason="team")
    evaluate_day(DAY)
    assert found() == set()


def test_the_nightly_job_resumes_after_the_last_day_done_up_to_yesterday(
    org: Org, settings
) -> None:
    settings.MONITORING_FIRST_DAYS = 3
    today = DAY + timedelta(days=1)
    assert days_due(today) == [DAY - timedelta(days=2), DAY - timedelta(days=1), DAY]
    org.access(org.sam, org.rita, at(12), reason="team")
    assert [r.day for r in evaluate(today)] == [
        DAY - timedelta(days=2),
        DAY - timedelta(days=1),
        DAY,
    ]
    assert set(EvaluatedDay.objects.values_list("day", flat=True)) == {
        DAY - timedelta(days=2),
        DAY - timedelta(days=1),
        DAY,
    }
    assert days_due(today) == []
    assert days_due(today + timedelta(days=2)) == [today, today + timedelta(days=1)]
    assert found() == {("restricted", "sam", (org.rita.reference,))}
    assert evaluate(today) == []  # nothing raised twice
    assert Finding.objects.count() == 1


def test_a_day_not_yet_over_is_never_evaluated(org: Org) -> None:
    today = timezone.localdate()
    assert evaluate_day(today) is None
    assert evaluate_day(today + timedelta(days=3)) is None
    assert not EvaluatedDay.objects.exists()


@pytest.mark.parametrize(
    ("kind", "parameters", "message"),
    [
        (RuleKind.BULK, {"minutes": 0}, "minutes must be at least 1"),
        (RuleKind.BULK, {"window": 5}, "Unknown parameter window"),
        (RuleKind.VOLUME, {"factor": "lots"}, "factor must be a number"),
        (RuleKind.AFTER_HOURS, {"start": "18:00", "end": "08:00"}, "start before they end"),
        (RuleKind.AFTER_HOURS, {"start": "8am"}, "start must be a time"),
        (RuleKind.RESTRICTED, {"exempt_reasons": ["friendship"]}, "unknown code friendship"),
        (RuleKind.DENIED, {"min_attempts": 2.5}, "whole number"),
    ],
)
def test_bad_parameters_are_refused_with_a_message(
    kind: str, parameters: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        rules.validate(kind, parameters)
