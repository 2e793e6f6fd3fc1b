"""The monitoring rules: each reads one day of the audit trail and says what it found.

Every rule is a function of a :class:`Day` (that day's events naming a client record, and the
refused attempts, with the facts about the records and people they need) and the rule's
parameters, and returns what to raise. Rules read only the trail and the records' plain columns
(team, restricted flag, allocations, declarations): never entry content.

What counts as an access: any event, by a person, that names a client record as its target
(opening the record, an entry, a document, the consents, the access log; writing an entry;
allocating). Lists name no single record and are not counted.

A rule raises at most one finding per person, day and (for rules about a record) record, with
the events found as its evidence; re-running a day raises nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Q

from accounts.models import AuditOutcome
from disclosures.deadlines import is_working_day
from monitoring.models import RuleKind, UserDay
from records.actions import RecordAction
from records.models import Allocation, ConflictDeclaration
from records.policy import Reason

CLIENT = "records.client"


# --- Parameters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    default: Any
    help: str
    minimum: float | None = None
    choices: tuple[str, ...] = ()


REASON_CODES = tuple(Reason.values)

PARAMETERS: dict[str, dict[str, Param]] = {
    RuleKind.OUTSIDE_ALLOCATION: {
        "within_reasons": Param(
            ["allocation", "team", "team_manager", "admin_duty"],
            "Access reasons that are within the person's allocation or team; any other (duty "
            "access by the IG lead or Caldicott Guardian, a missing reason) is raised. "
            "Break-the-glass has a rule of its own.",
            choices=REASON_CODES,
        ),
        "check_allocations": Param(
            True,
            "Also raise an access given on the grounds of allocation when no allocation of that "
            "person to that record was open at the time.",
        ),
    },
    RuleKind.BREAK_GLASS: {
        "only_unreviewed": Param(
            False, "Raise only uses not yet reviewed by the time the nightly job runs."
        ),
    },
    RuleKind.AFTER_HOURS: {
        "start": Param("08:00", "Working hours start (HH:MM)."),
        "end": Param("18:00", "Working hours end (HH:MM)."),
        "non_working_days": Param(
            True, "Weekends and bank holidays (CONFIDE_BANK_HOLIDAY_REGION) are out of hours."
        ),
    },
    RuleKind.RESTRICTED: {
        "exempt_reasons": Param(
            ["allocation"],
            "Access reasons not raised for restricted records (by default the allocated worker).",
            choices=REASON_CODES,
        ),
    },
    RuleKind.STAFF_CONNECTION: {
        "include_allowed": Param(
            True,
            "Also raise access to a record whose declared connection a manager decided "
            "'access allowed' (the access was permitted, but is still watched).",
        ),
        "match_surname": Param(
            True, "Raise access to a record whose surname is the person's own (staff-as-client)."
        ),
        "match_postcode": Param(
            True,
            "Raise access to a record at the person's home postcode, where administration holds "
            "it (Django admin, kept only as a keyed hash).",
        ),
    },
    RuleKind.VOLUME: {
        "factor": Param(3.0, "Raise a day above this many times the person's baseline.", 1.0),
        "baseline_days": Param(28, "Days before the day that make up the baseline.", 1),
        "min_baseline_days": Param(
            5,
            "Days of activity needed for a baseline; with fewer, the threshold is min_records "
            "times factor.",
            1,
        ),
        "min_records": Param(10, "Never raise a day with fewer distinct records than this.", 1),
    },
    RuleKind.BULK: {
        "records": Param(20, "Distinct records within the window that raise it.", 2),
        "minutes": Param(10, "The window, in minutes.", 1),
    },
    RuleKind.DENIED: {
        "min_attempts": Param(3, "Refused attempts by one person in a day that raise it.", 1),
    },
}


def _parse_time(value: object, name: str) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValidationError(f"{name} must be a time like 08:00, not {value!r}") from None


def validate(kind: str, raw: object) -> dict[str, Any]:
    """The rule's parameters with defaults filled in; refuses unknown names and bad values with
    a message naming the parameter."""
    spec = PARAMETERS.get(kind, {})
    if not isinstance(raw, dict):
        raise ValidationError('The parameters must be a JSON object, e.g. {"minutes": 10}')
    unknown = sorted(set(raw) - set(spec))
    if unknown:
        raise ValidationError(
            f"Unknown parameter {', '.join(unknown)}; this rule takes "
            f"{', '.join(sorted(spec)) or 'none'}"
        )
    values: dict[str, Any] = {}
    for name, param in spec.items():
        value = raw.get(name, param.default)
        default = param.default
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValidationError(f"{name} must be true or false")
        elif isinstance(default, int | float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValidationError(f"{name} must be a number")
            if isinstance(default, int) and not isinstance(value, int):
                raise ValidationError(f"{name} must be a whole number")
            if param.minimum is not None and value < param.minimum:
                raise ValidationError(f"{name} must be at least {param.minimum:g}")
        elif isinstance(default, list):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError(f"{name} must be a list of codes")
            bad = sorted(set(value) - set(param.choices))
            if bad:
                raise ValidationError(
                    f"{name}: unknown code {', '.join(bad)}; choose from {', '.join(param.choices)}"
                )
        elif isinstance(default, str):
            _parse_time(value, name)
        values[name] = value
    if kind == RuleKind.AFTER_HOURS and _parse_time(values["start"], "start") >= _parse_time(
        values["end"], "end"
    ):
        raise ValidationError("Working hours must start before they end")
    return values


# --- A day of the trail ----------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    seq: int
    at: datetime  # local time
    actor_id: int
    action: str
    outcome: str
    object_type: str
    client_id: int | None
    reason: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class RecordFacts:
    team_id: int
    restricted: bool
    surname_index: str = ""
    postcode_index: str = ""


@dataclass
class Day:
    """One local calendar day's events by people that name a client record or were refused."""

    day: date
    events: list[Event]
    records: dict[int, RecordFacts]

    @property
    def accesses(self) -> list[Event]:
        return [
            e
            for e in self.events
            if e.object_type == CLIENT
            and e.client_id is not None
            and e.outcome == AuditOutcome.SUCCESS
        ]

    @property
    def refused(self) -> list[Event]:
        return [e for e in self.events if e.outcome == AuditOutcome.DENIED]


@dataclass
class Raised:
    """A finding to raise."""

    kind: str
    subject_id: int
    day: date
    events: list[Event]
    summary: str
    scope: str = ""  # what makes it one finding within the person's day, e.g. the record
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject_id}:{self.day.isoformat()}:{self.scope}"

    @property
    def client_ids(self) -> list[int]:
        return sorted({e.client_id for e in self.events if e.client_id is not None})


def _by(events: Iterable[Event], *keys: str) -> dict[tuple[Any, ...], list[Event]]:
    groups: dict[tuple[Any, ...], list[Event]] = defaultdict(list)
    for event in events:
        groups[tuple(getattr(event, k) for k in keys)].append(event)
    return groups


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"1 {word}"
    return f"{count} {word}{'es' if word.endswith('s') else 's'}"


# --- The rules -------------------------------------------------------------------------------


def outside_allocation(day: Day, params: dict[str, Any]) -> list[Raised]:
    within = set(params["within_reasons"]) | {Reason.BREAK_GLASS}
    claimed = [e for e in day.accesses if e.reason == Reason.ALLOCATION]
    open_allocations: dict[tuple[int, int], list[tuple[datetime, datetime | None]]] = defaultdict(
        list
    )
    if params["check_allocations"] and claimed:
        rows = Allocation.objects.filter(
            worker_id__in={e.actor_id for e in claimed},
            client_id__in={e.client_id for e in claimed},
        ).values_list("worker_id", "client_id", "started_at", "ended_at")
        for worker_id, client_id, started, ended in rows:
            open_allocations[(worker_id, client_id)].append((started, ended))

    def unsupported(event: Event) -> bool:
        spans = open_allocations.get((event.actor_id, event.client_id or 0), [])
        return not any(s <= event.at and (e is None or e > event.at) for s, e in spans)

    found: list[Event] = []
    for event in day.accesses:
        if event.reason not in within or (
            params["check_allocations"] and event.reason == Reason.ALLOCATION and unsupported(event)
        ):
            found.append(event)
    raised = []
    for (actor_id, client_id), events in _by(found, "actor_id", "client_id").items():
        reasons = sorted({e.reason or "none given" for e in events})
        raised.append(
            Raised(
                RuleKind.OUTSIDE_ALLOCATION,
                actor_id,
                day.day,
                events,
                f"{_plural(len(events), 'access')} to a record on grounds other than "
                f"allocation or team: {', '.join(reasons)}",
                scope=str(client_id),
            )
        )
    return raised


def break_glass(day: Day, params: dict[str, Any]) -> list[Raised]:
    from records.models import BreakGlassAccess

    grants = [e for e in day.accesses if e.action == RecordAction.BREAK_GLASS_GRANTED]
    if params["only_unreviewed"] and grants:
        pending = {
            str(u)
            for u in BreakGlassAccess.objects.filter(
                uuid__in=[e.detail.get("access") for e in grants if e.detail.get("access")],
                review=BreakGlassAccess.Review.PENDING,
            ).values_list("uuid", flat=True)
        }
        grants = [e for e in grants if e.detail.get("access") in pending]
    raised = []
    for grant in grants:
        used = [
            e
            for e in day.accesses
            if e.actor_id == grant.actor_id
            and e.client_id == grant.client_id
            and e.reason == Reason.BREAK_GLASS
        ]
        events = sorted({e.seq: e for e in (grant, *used)}.values(), key=lambda e: e.seq)
        raised.append(
            Raised(
                RuleKind.BREAK_GLASS,
                grant.actor_id,
                day.day,
                events,
                f"Break-the-glass access to a record, then {_plural(len(events) - 1, 'access')} "
                "under it that day",
                scope=str(grant.seq),
                facts={"access": grant.detail.get("access", "")},
            )
        )
    return raised


def after_hours(day: Day, params: dict[str, Any]) -> list[Raised]:
    start, end = _parse_time(params["start"], "start"), _parse_time(params["end"], "end")
    closed_day = params["non_working_days"] and not is_working_day(day.day)
    found = [e for e in day.accesses if closed_day or not (start <= e.at.time() < end)]
    raised = []
    for (actor_id,), events in _by(found, "actor_id").items():
        records = len({e.client_id for e in events})
        when = (
            "on a non-working day"
            if closed_day
            else f"outside {params['start']} to {params['end']}"
        )
        raised.append(
            Raised(
                RuleKind.AFTER_HOURS,
                actor_id,
                day.day,
                events,
                f"{_plural(len(events), 'access')} to {_plural(records, 'record')} {when}",
                facts={"records": records, "non_working_day": closed_day},
            )
        )
    return raised


def restricted(day: Day, params: dict[str, Any]) -> list[Raised]:
    exempt = set(params["exempt_reasons"])
    found = [
        e
        for e in day.accesses
        if day.records[e.client_id or 0].restricted and e.reason not in exempt
    ]
    return [
        Raised(
            RuleKind.RESTRICTED,
            actor_id,
            day.day,
            events,
            f"{_plural(len(events), 'access')} to a restricted record",
            scope=str(client_id),
        )
        for (actor_id, client_id), events in _by(found, "actor_id", "client_id").items()
    ]


def staff_connection(day: Day, params: dict[str, Any]) -> list[Raised]:
    from accounts.models import User
    from records.crypto import surname_index

    accesses = day.accesses
    if not accesses:
        return []
    declarations = ConflictDeclaration.objects.filter(
        staff_id__in={e.actor_id for e in accesses},
        client_id__in={e.client_id for e in accesses},
    )
    if not params["include_allowed"]:
        declarations = declarations.exclude(decision=ConflictDeclaration.Decision.ALLOWED)
    declared = set(declarations.values_list("staff_id", "client_id"))
    staff = {
        pk: (surname_index(last_name), postcode)
        for pk, last_name, postcode in User.objects.filter(
            pk__in={e.actor_id for e in accesses}
        ).values_list("pk", "last_name", "home_postcode_index")
    }

    def matched(event: Event) -> list[str]:
        record = day.records[event.client_id or 0]
        surname, postcode = staff.get(event.actor_id, ("", ""))
        why = []
        if (event.actor_id, event.client_id) in declared:
            why.append("declared connection")
        if params["match_surname"] and surname and surname == record.surname_index:
            why.append("same surname")
        if params["match_postcode"] and postcode and postcode == record.postcode_index:
            why.append("same postcode")
        return why

    raised = []
    for (actor_id, client_id), events in _by(accesses, "actor_id", "client_id").items():
        why = matched(events[0])
        if why:
            raised.append(
                Raised(
                    RuleKind.STAFF_CONNECTION,
                    actor_id,
                    day.day,
                    events,
                    f"{_plural(len(events), 'access')} to a record the person may be connected "
                    f"to: {', '.join(why)}",
                    scope=str(client_id),
                    facts={"matched": why},
                )
            )
    return raised


def volume(day: Day, params: dict[str, Any]) -> list[Raised]:
    by_actor = _by(day.accesses, "actor_id")
    if not by_actor:
        return []
    since = day.day - timedelta(days=params["baseline_days"])
    baselines = {
        row["user_id"]: row
        for row in UserDay.objects.filter(
            user_id__in=[actor_id for (actor_id,) in by_actor], day__gte=since, day__lt=day.day
        )
        .values("user_id")
        .annotate(days=Count("pk"), mean=Avg("records"))
    }
    raised = []
    for (actor_id,), events in by_actor.items():
        records = len({e.client_id for e in events})
        baseline = baselines.get(actor_id)
        if baseline and baseline["days"] >= params["min_baseline_days"]:
            mean = float(baseline["mean"])
            threshold = max(params["min_records"], params["factor"] * mean)
            against = f"a baseline of {mean:.1f} a day"
        else:
            mean = 0.0
            threshold = params["min_records"] * params["factor"]
            against = "no baseline yet"
        if records >= params["min_records"] and records > threshold:
            raised.append(
                Raised(
                    RuleKind.VOLUME,
                    actor_id,
                    day.day,
                    events,
                    f"{_plural(records, 'record')} opened in the day, against {against}",
                    facts={"records": records, "baseline": round(mean, 1)},
                )
            )
    return raised


def bulk(day: Day, params: dict[str, Any]) -> list[Raised]:
    window = timedelta(minutes=params["minutes"])
    raised = []
    for (actor_id,), events in _by(day.accesses, "actor_id").items():
        events.sort(key=lambda e: e.at)
        counts: dict[int, int] = defaultdict(int)
        best, best_span = 0, (0, 0)
        left = 0
        for right, event in enumerate(events):
            counts[event.client_id or 0] += 1
            while events[right].at - events[left].at >= window:
                gone = events[left].client_id or 0
                counts[gone] -= 1
                if not counts[gone]:
                    del counts[gone]
                left += 1
            if len(counts) > best:
                best, best_span = len(counts), (left, right)
        if best >= params["records"]:
            peak = events[best_span[0] : best_span[1] + 1]
            raised.append(
                Raised(
                    RuleKind.BULK,
                    actor_id,
                    day.day,
                    peak,
                    f"{_plural(best, 'record')} opened within {params['minutes']} minutes",
                    facts={"records": best, "minutes": params["minutes"]},
                )
            )
    return raised


def denied(day: Day, params: dict[str, Any]) -> list[Raised]:
    raised = []
    for (actor_id,), events in _by(day.refused, "actor_id").items():
        if len(events) >= params["min_attempts"]:
            raised.append(
                Raised(
                    RuleKind.DENIED,
                    actor_id,
                    day.day,
                    events,
                    f"{_plural(len(events), 'attempt')} refused in the day",
                    facts={"actions": sorted({e.action for e in events})},
                )
            )
    return raised


RULES: dict[str, Callable[[Day, dict[str, Any]], list[Raised]]] = {
    RuleKind.OUTSIDE_ALLOCATION: outside_allocation,
    RuleKind.BREAK_GLASS: break_glass,
    RuleKind.AFTER_HOURS: after_hours,
    RuleKind.RESTRICTED: restricted,
    RuleKind.STAFF_CONNECTION: staff_connection,
    RuleKind.VOLUME: volume,
    RuleKind.BULK: bulk,
    RuleKind.DENIED: denied,
}


def day_filter() -> Q:
    """The events a day's evaluation reads: a person's events naming a record, and refusals."""
    return Q(actor__isnull=False) & (Q(object_type=CLIENT) | Q(outcome=AuditOutcome.DENIED))
