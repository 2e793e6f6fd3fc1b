"""The nightly evaluation: each day of the audit trail not yet evaluated, up to yesterday, is read
once, its findings raised and its rollups written, in one transaction with the cursor row that
marks it done. A run that dies part-way leaves whole days done and the rest for the next run;
two runs at once cannot both do a day (the cursor row is unique)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import AuditEvent
from monitoring import rules
from monitoring.actions import MonitoringAction
from monitoring.models import AccessCount, EvaluatedDay, Finding, Rule, UserDay
from records.models import Client

logger = logging.getLogger(__name__)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = local_zone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def load_day(day: date) -> rules.Day:
    start, end = day_bounds(day)
    zone = local_zone()
    rows = (
        AuditEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .filter(rules.day_filter())
        .order_by("seq")
        .values_list(
            "seq",
            "occurred_at",
            "actor_id",
            "action",
            "outcome",
            "object_type",
            "object_id",
            "reason",
            "detail",
        )
    )
    events = []
    for seq, at, actor_id, action, outcome, object_type, object_id, reason, detail in rows:
        client_id = int(object_id) if object_type == rules.CLIENT and object_id.isdigit() else None
        events.append(
            rules.Event(
                seq=seq,
                at=at.astimezone(zone),
                actor_id=actor_id,
                action=action,
                outcome=outcome,
                object_type=object_type,
                client_id=client_id,
                reason=reason,
                detail=detail if action in _DETAIL_NEEDED else {},
            )
        )
    ids = {e.client_id for e in events if e.client_id is not None}
    records = {
        pk: rules.RecordFacts(team_id, restricted, surname, postcode)
        for pk, team_id, restricted, surname, postcode in Client.objects.filter(
            pk__in=ids
        ).values_list("pk", "team_id", "restricted", "family_name_index", "postcode_index")
    }
    # An event naming a record that no longer exists at all is not an access anyone can review.
    events = [e for e in events if e.client_id is None or e.client_id in records]
    return rules.Day(day=day, events=events, records=records)


_DETAIL_NEEDED = {"break_glass.granted"}


@dataclass
class DayResult:
    day: date
    events: int
    findings: int


def evaluate_day(day: date) -> DayResult | None:
    """Evaluate one day; None if it had already been done (by this run or another), or is not
    over yet (a day is evaluated once, whole)."""
    if day >= timezone.localdate():
        return None
    try:
        with transaction.atomic():
            if EvaluatedDay.objects.filter(day=day).exists():
                return None
            loaded = load_day(day)
            raised = _raise(loaded)
            _roll_up(loaded)
            EvaluatedDay.objects.create(day=day, events=len(loaded.events), findings=raised)
            audit_log(
                action=MonitoringAction.DAY_EVALUATED,
                actor=None,
                detail={"day": day.isoformat(), "events": len(loaded.events), "findings": raised},
            )
    except IntegrityError:
        # Another run made the same day's cursor row first; its work stands.
        logger.info("access monitoring: %s was evaluated by another run", day)
        return None
    return DayResult(day, len(loaded.events), raised)


def _raise(day: rules.Day) -> int:
    made = 0
    for rule in Rule.objects.filter(enabled=True):
        check = rules.RULES.get(rule.kind)
        if check is None:
            continue
        params = rules.validate(rule.kind, rule.parameters)
        for found in check(day, params):
            finding, created = Finding.objects.get_or_create(
                key=found.key,
                defaults={
                    "rule": rule,
                    "subject_id": found.subject_id,
                    "day": found.day,
                    "first_at": min(e.at for e in found.events),
                    "last_at": max(e.at for e in found.events),
                    "event_count": len(found.events),
                    "summary": found.summary[:200],
                    "evidence": {
                        "events": [e.seq for e in found.events[:500]],
                        "actions": _counts(e.action for e in found.events),
                        "reasons": _counts(e.reason or "" for e in found.events),
                        **found.facts,
                    },
                },
            )
            if created:
                finding.clients.set(found.client_ids)
                made += 1
    return made


def _counts(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _roll_up(day: rules.Day) -> None:
    UserDay.objects.filter(day=day.day).delete()
    AccessCount.objects.filter(day=day.day).delete()
    per_user: dict[int, tuple[set[int], int]] = {}
    for event in day.accesses:
        records, events = per_user.get(event.actor_id, (set(), 0))
        records.add(event.client_id or 0)
        per_user[event.actor_id] = (records, events + 1)
    UserDay.objects.bulk_create(
        UserDay(day=day.day, user_id=user_id, records=len(records), events=events)
        for user_id, (records, events) in per_user.items()
    )
    counts: dict[tuple[int, int | None, str, str, str], int] = {}
    for event in day.events:
        if event.object_type != rules.CLIENT or event.client_id is None:
            continue
        team_id = day.records[event.client_id].team_id
        key = (event.actor_id, team_id, event.action, event.reason, event.outcome)
        counts[key] = counts.get(key, 0) + 1
    AccessCount.objects.bulk_create(
        AccessCount(
            day=day.day,
            user_id=user_id,
            team_id=team_id,
            action=action,
            reason=reason,
            outcome=outcome,
            events=events,
        )
        for (user_id, team_id, action, reason, outcome), events in counts.items()
    )


def days_due(today: date | None = None) -> list[date]:
    """The days to evaluate now: from the day after the last evaluated (or, on the first run,
    CONFIDE_MONITORING_FIRST_DAYS back) up to yesterday, at most a quarter at a time."""
    today = today or timezone.localdate()
    last = EvaluatedDay.objects.order_by("-day").values_list("day", flat=True).first()
    first = (
        last + timedelta(days=1) if last else today - timedelta(days=settings.MONITORING_FIRST_DAYS)
    )
    days: list[date] = []
    day = first
    while day < today and len(days) < 92:
        days.append(day)
        day += timedelta(days=1)
    return days


def evaluate(today: date | None = None) -> list[DayResult]:
    """Evaluate every day due; returns what each day raised."""
    done = []
    for day in days_due(today):
        result = evaluate_day(day)
        if result is not None:
            done.append(result)
    if done:
        logger.info(
            "access monitoring: %d day(s) evaluated, %d finding(s) raised",
            len(done),
            sum(r.findings for r in done),
        )
    return done
