"""The access-monitoring report: who accessed which records, on what grounds, over a period, for
the whole organisation or one person, team or record, with the findings the rules raised.

Figures come from the nightly rollups (:class:`~monitoring.models.AccessCount`) when every day of
the period has been evaluated and no single record is asked about; otherwise from the raw audit
trail. Both give the same figures (a test holds them to it); the rollup is what keeps a month's
report fast at eight years of trail. The detailed rows (who, when, which record, why) always come
from the trail. Nothing here reads a record's content.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Count, QuerySet, Sum
from django.db.models.functions import Cast, TruncDate
from fpdf.enums import XPos, YPos

from accounts.documents import ReportDocument, csv_cell
from accounts.models import AuditEvent, AuditOutcome, Team, User
from breaches.ig_report import Chart, chart, pdf_chart
from breaches.ig_report import Count as Bar
from monitoring.evaluate import day_bounds, local_zone
from monitoring.labels import action_label, reason_label
from monitoring.models import AccessCount, EvaluatedDay, Finding, FindingStatus, Rule
from monitoring.rules import CLIENT
from records.models import Client

TOP_PEOPLE = 20
DETAIL_ROWS = 200


@dataclass(frozen=True)
class Scope:
    start: date
    end: date  # inclusive
    user: User | None = None
    team: Team | None = None
    client: Client | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def describe(self) -> str:
        parts = [f"{self.start:%d %B %Y} to {self.end:%d %B %Y}"]
        if self.user is not None:
            parts.append(f"accesses by {self.user.display_name}")
        if self.team is not None:
            parts.append(f"records of {self.team.name}")
        if self.client is not None:
            parts.append(f"record {self.client.reference}")
        return ", ".join(parts)

    def audit_detail(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "user": self.user.pk if self.user else None,
            "team": self.team.pk if self.team else None,
            "client": self.client.pk if self.client else None,
        }


@dataclass
class Figures:
    source: str  # "rollup" or "trail"
    total: int = 0
    refused: int = 0
    people: int = 0
    by_day: list[Bar] = field(default_factory=list)
    by_reason: list[Bar] = field(default_factory=list)
    by_action: list[Bar] = field(default_factory=list)
    by_person: list[Bar] = field(default_factory=list)
    by_team: list[Bar] = field(default_factory=list)
    findings_by_rule: list[Bar] = field(default_factory=list)
    findings_by_outcome: list[Bar] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        values: dict[str, Any] = {
            k: [Bar(**b) for b in v] if isinstance(v, list) else v for k, v in data.items()
        }
        return cls(**values)

    def charts(self) -> list[Chart]:
        return [
            chart("chart-days", "Accesses by day", self.by_day),
            chart("chart-reasons", "Accesses by grounds", self.by_reason),
            chart("chart-actions", "Accesses by what was done", self.by_action),
            chart("chart-teams", "Accesses by the record's team", self.by_team),
            chart("chart-people", f"The {TOP_PEOPLE} people with most accesses", self.by_person),
            chart("chart-rules", "Findings by rule", self.findings_by_rule),
            chart("chart-outcomes", "Findings by outcome", self.findings_by_outcome),
        ]


def _sorted(counts: dict[str, int], *, limit: int | None = None) -> list[Bar]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Bar(label, value) for label, value in ordered[:limit]]


def _names(user_ids: set[int]) -> dict[int, str]:
    return {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)}


def _team_names() -> dict[int | None, str]:
    names: dict[int | None, str] = dict(Team.objects.values_list("pk", "name"))
    names[None] = "No team"
    return names


# --- From the trail -----------------------------------------------------------------------------


def trail_events(scope: Scope) -> QuerySet[AuditEvent]:
    start, _ = day_bounds(scope.start)
    _, end = day_bounds(scope.end)
    events = AuditEvent.objects.filter(
        occurred_at__gte=start, occurred_at__lt=end, object_type=CLIENT, actor__isnull=False
    )
    if scope.user is not None:
        events = events.filter(actor=scope.user)
    if scope.client is not None:
        events = events.filter(object_id=str(scope.client.pk))
    if scope.team is not None:
        ids = (
            Client.objects.filter(team=scope.team)
            .annotate(text_id=Cast("pk", CharField()))
            .values("text_id")
        )
        events = events.filter(object_id__in=ids)
    return events


def from_trail(scope: Scope) -> Figures:
    events = trail_events(scope)
    figures = Figures(source="trail")
    by_day = {
        row["day"]: row["n"]
        for row in events.annotate(day=TruncDate("occurred_at", tzinfo=local_zone()))
        .values("day")
        .annotate(n=Count("pk"))
    }
    figures.by_day = _days(scope, by_day)
    figures.total = sum(by_day.values())
    figures.refused = events.filter(outcome=AuditOutcome.DENIED).count()
    reasons = events.values("reason").annotate(n=Count("pk"))
    figures.by_reason = _sorted(_merge((reason_label(r["reason"]), r["n"]) for r in reasons))
    actions = events.values("action").annotate(n=Count("pk"))
    figures.by_action = _sorted(_merge((action_label(r["action"]), r["n"]) for r in actions))
    people = {r["actor"]: r["n"] for r in events.values("actor").annotate(n=Count("pk"))}
    figures.people = len(people)
    names = _names(set(people))
    figures.by_person = _sorted(
        _merge((names.get(pk, str(pk)), n) for pk, n in people.items()), limit=TOP_PEOPLE
    )
    per_record = dict(events.values_list("object_id").annotate(n=Count("pk")))
    teams = dict(
        Client.objects.filter(pk__in=[int(i) for i in per_record if i.isdigit()]).values_list(
            "pk", "team_id"
        )
    )
    team_names = _team_names()
    figures.by_team = _sorted(
        _merge(
            (team_names[teams.get(int(i)) if i.isdigit() else None], n)
            for i, n in per_record.items()
        )
    )
    _findings(scope, figures)
    return figures


def _merge(pairs: Any) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for label, value in pairs:
        counts[label] += value
    return dict(counts)


def _days(scope: Scope, counts: dict[date, int]) -> list[Bar]:
    return [
        Bar(f"{day:%a %d %b}", counts.get(day, 0))
        for day in (scope.start + timedelta(days=n) for n in range(scope.days))
    ]


# --- From the rollup ----------------------------------------------------------------------------


def rollup_covers(scope: Scope) -> bool:
    if scope.client is not None:
        return False
    evaluated = EvaluatedDay.objects.filter(day__gte=scope.start, day__lte=scope.end).count()
    return evaluated == scope.days


_ROLLUP_COLUMNS = ("day", "reason", "action", "user_id", "team_id", "outcome")


def _rollup_sums(scope: Scope) -> dict[str, dict[Any, int]]:
    """The period's events summed by each of ``_ROLLUP_COLUMNS`` in turn. On PostgreSQL that is
    one scan of the rollup with GROUPING SETS, not one scan per column."""
    rows = AccessCount.objects.filter(day__gte=scope.start, day__lte=scope.end)
    if scope.user is not None:
        rows = rows.filter(user=scope.user)
    if scope.team is not None:
        rows = rows.filter(team=scope.team)
    sums: dict[str, dict[Any, int]] = {column: {} for column in _ROLLUP_COLUMNS}
    if connection.vendor != "postgresql":
        for column in _ROLLUP_COLUMNS:
            sums[column] = dict(rows.values_list(column).annotate(n=Sum("events")))
        return sums
    where, params = _where(rows)
    table = connection.ops.quote_name(AccessCount._meta.db_table)
    flags = ", ".join(f"GROUPING({c})" for c in _ROLLUP_COLUMNS)
    columns = ", ".join(_ROLLUP_COLUMNS)
    sets = ", ".join(f"({c})" for c in _ROLLUP_COLUMNS)
    sql = (
        f"SELECT {flags}, {columns}, SUM(events) FROM {table} WHERE {where} "  # noqa: S608
        f"GROUP BY GROUPING SETS ({sets})"
    )
    width = len(_ROLLUP_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            grouped = row[:width].index(0)  # GROUPING() is 0 for the set's own column
            sums[_ROLLUP_COLUMNS[grouped]][row[width + grouped]] = int(row[-1])
    return sums


def _where(rows: QuerySet[AccessCount]) -> tuple[str, list[Any]]:
    """The WHERE clause Django compiles for ``rows``, with its parameters."""
    compiler = rows.query.get_compiler(using=rows.db)
    sql, params = rows.query.where.as_sql(compiler, connection)
    return sql, list(params)


def from_rollup(scope: Scope) -> Figures:
    sums = _rollup_sums(scope)
    figures = Figures(source="rollup")
    by_day = sums["day"]
    figures.by_day = _days(scope, by_day)
    figures.total = sum(by_day.values())
    figures.refused = sums["outcome"].get(str(AuditOutcome.DENIED), 0)
    figures.by_reason = _sorted(
        _merge((reason_label(reason), n) for reason, n in sums["reason"].items())
    )
    figures.by_action = _sorted(
        _merge((action_label(action), n) for action, n in sums["action"].items())
    )
    people = sums["user_id"]
    figures.people = len(people)
    names = _names(set(people))
    figures.by_person = _sorted(
        _merge((names.get(pk, str(pk)), n) for pk, n in people.items()), limit=TOP_PEOPLE
    )
    team_names = _team_names()
    figures.by_team = _sorted(_merge((team_names[team], n) for team, n in sums["team_id"].items()))
    _findings(scope, figures)
    return figures


def _findings(scope: Scope, figures: Figures) -> None:
    found = Finding.objects.filter(day__gte=scope.start, day__lte=scope.end)
    if scope.user is not None:
        found = found.filter(subject=scope.user)
    if scope.client is not None:
        found = found.filter(clients=scope.client)
    if scope.team is not None:
        found = found.filter(clients__team=scope.team).distinct()
    rules = dict(Rule.objects.values_list("pk", "name"))
    figures.findings_by_rule = _sorted(
        {rules[r]: n for r, n in found.values_list("rule").annotate(n=Count("pk", distinct=True))}
    )
    statuses = dict(FindingStatus.choices)
    figures.findings_by_outcome = _sorted(
        {
            str(statuses[s]): n
            for s, n in found.values_list("status").annotate(n=Count("pk", distinct=True))
        }
    )


def figures(scope: Scope) -> Figures:
    return from_rollup(scope) if rollup_covers(scope) else from_trail(scope)


# --- Who accessed what, and why ------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    when: str
    person: str
    record: str
    team: str
    action: str
    grounds: str
    outcome: str

    def as_list(self) -> list[str]:
        return [
            self.when,
            self.person,
            self.record,
            self.team,
            self.action,
            self.grounds,
            self.outcome,
        ]


HEADINGS = ["When", "Member of staff", "Record", "Team", "What", "Grounds", "Outcome"]


def rows(scope: Scope, *, limit: int | None = None, chunk: int = 2000) -> Iterator[Row]:
    """The scope's accesses, newest first, chunk by chunk (a month's CSV streams)."""
    events = trail_events(scope).order_by("-seq").select_related("actor")
    if limit is not None:
        events = events[:limit]
    team_names = _team_names()
    outcomes = dict(AuditOutcome.choices)
    zone = local_zone()
    batch: list[AuditEvent] = []
    for event in events.iterator(chunk_size=chunk):
        batch.append(event)
        if len(batch) >= chunk:
            yield from _rows(batch, team_names, outcomes, zone)
            batch = []
    yield from _rows(batch, team_names, outcomes, zone)


def _rows(
    batch: list[AuditEvent], team_names: dict[int | None, str], outcomes: dict[str, Any], zone: Any
) -> Iterator[Row]:
    ids = {int(e.object_id) for e in batch if e.object_id.isdigit()}
    records = {
        pk: (ref, team)
        for pk, ref, team in Client.objects.filter(pk__in=ids).values_list(
            "pk", "reference", "team_id"
        )
    }
    for event in batch:
        reference, team = (
            records.get(int(event.object_id), ("", None))
            if event.object_id.isdigit()
            else ("", None)
        )
        yield Row(
            when=event.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            person=event.actor.display_name if event.actor else "",
            record=reference,
            team=team_names.get(team, ""),
            action=action_label(event.action),
            grounds=reason_label(event.reason),
            outcome=str(outcomes.get(event.outcome, event.outcome)),
        )


# --- Exports ------------------------------------------------------------------------------------


def csv_lines(scope: Scope) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    for row in rows(scope):
        writer.writerow([csv_cell(value) for value in row.as_list()])
        if out.tell() > 65536:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def as_pdf(title: str, scope_text: str, found: Figures, detail: list[Row]) -> bytes:
    pdf = ReportDocument(title)
    pdf.set_font("body", "B", 16)
    pdf.multi_cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("body", "", 10)
    pdf.multi_cell(
        0,
        6,
        f"{settings.ORGANISATION_NAME}. {scope_text}. {found.total} accesses by "
        f"{found.people} people, {found.refused} refused. Who accessed which records and on "
        "what grounds; never the records' content.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    for item in found.charts():
        if item.bars:
            pdf_chart(pdf, item)
    if detail:
        pdf.add_page()
        pdf.set_font("body", "B", 12)
        pdf.multi_cell(0, 7, "Who accessed what, and why", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("body", "", 7)
        widths = (28, 30, 20, 25, 32, 35, 18)
        for heading, width in zip(HEADINGS, widths, strict=True):
            pdf.cell(width, 5, heading)
        pdf.ln(5)
        for row in detail:
            for value, width in zip(row.as_list(), widths, strict=True):
                pdf.cell(width, 4.5, value[: int(width / 1.4)])
            pdf.ln(4.5)
    return bytes(pdf.output())
