"""Statistics for funders and the IG group (DESIGN §6, policy 001 §2.10, 002 "Reports and
statistics"): referrals, caseload, requests for information, the timeliness of data-subject
requests and breaches, for a period and optionally one service.

Every figure is a database aggregate (GROUP BY, or a conditional count) over plain columns that
disposal keeps (a client's team, dates, status and referral source; a request's kind, status and
dates; a breach's kind, category and dates), so the figures do not change when the records they
counted are destroyed. The true counts live only inside :func:`build`: they go through
:func:`reports.suppression.suppress` together, with every equation that ties them (row and column
totals, and the tables that share figures), and only what that allows leaves in the
:class:`Report` the page, the CSV and the PDF are drawn from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone

from accounts.models import Team
from breaches.models import Breach, Category, Kind
from disclosures.models import CLOCKED_KINDS, CaseStatus, DisclosureCase, RequestKind
from records.models import Client, ReferralSource
from reports.periods import Period
from reports.suppression import Cell, Key, Line, small_label, suppress

TOTAL = "total"
NO_SERVICE = "No service recorded"


# --- What leaves this module -------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]
    total: bool = False


@dataclass(frozen=True)
class Table:
    """One published table: headings and cells as they may be shown, nothing else."""

    id: str
    section: str
    caption: str
    description: str
    row_heading: str
    columns: list[str]
    rows: list[Row]
    empty: str = ""  # said instead of the table when it has no rows

    @property
    def body(self) -> list[Row]:
        return [row for row in self.rows if not row.total]

    @property
    def total_row(self) -> Row | None:
        return next((row for row in self.rows if row.total), None)


@dataclass(frozen=True)
class Report:
    period: Period
    service: str | None
    threshold: int
    as_of: date
    tables: list[Table] = field(default_factory=list)

    @property
    def service_label(self) -> str:
        return self.service if self.service is not None else "All services"

    @property
    def small_label(self) -> str:
        return small_label(self.threshold)

    def table(self, table_id: str) -> Table:
        return next(table for table in self.tables if table.id == table_id)


# --- Building the tables -----------------------------------------------------------------------


@dataclass
class _Layout:
    id: str
    section: str
    caption: str
    description: str
    row_heading: str
    columns: list[str]
    rows: list[tuple[str, list[Key], bool]]
    empty: str


class _Workbook:
    """The true counts of every table of one report, and the equations between them."""

    def __init__(self) -> None:
        self.counts: dict[Key, int] = {}
        self.lines: list[Line] = []
        self.layouts: list[_Layout] = []

    def put(self, key: Key, value: int) -> None:
        # A figure two tables share must be the same count in both.
        assert self.counts.setdefault(key, value) == value, f"{key} counted two ways"

    def line(self, *terms: tuple[Key, int]) -> None:
        self.lines.append(Line(tuple(terms)))

    def table(
        self,
        *,
        table_id: str,
        section: str,
        caption: str,
        description: str,
        row_heading: str,
        rows: Sequence[tuple[str, str]],
        columns: Sequence[tuple[str, str]],
        counts: Mapping[tuple[str, str], int],
        row_totals: bool,
        shared: Mapping[tuple[str, str], Key] | None = None,
        empty: str = "",
    ) -> None:
        """A table with a total row (and a total column if ``row_totals``); ``shared`` names
        cells that are another table's figures."""
        aliases = shared or {}

        def key(row: str, column: str) -> Key:
            return aliases.get((row, column), (table_id, row, column))

        row_ids, column_ids = [r for r, _ in rows], [c for c, _ in columns]
        for r in row_ids:
            for c in column_ids:
                self.put(key(r, c), counts.get((r, c), 0))
        if row_totals:
            for r in row_ids:
                self.put(key(r, TOTAL), sum(counts.get((r, c), 0) for c in column_ids))
                self.line(*[(key(r, c), 1) for c in column_ids], (key(r, TOTAL), -1))
        for c in column_ids:
            self.put(key(TOTAL, c), sum(counts.get((r, c), 0) for r in row_ids))
            self.line(*[(key(r, c), 1) for r in row_ids], (key(TOTAL, c), -1))
        if row_totals:
            grand = sum(counts.get((r, c), 0) for r in row_ids for c in column_ids)
            self.put(key(TOTAL, TOTAL), grand)
            self.line(*[(key(TOTAL, c), 1) for c in column_ids], (key(TOTAL, TOTAL), -1))
            self.line(*[(key(r, TOTAL), 1) for r in row_ids], (key(TOTAL, TOTAL), -1))
        shown_columns = column_ids + ([TOTAL] if row_totals else [])
        layout_rows = [(label, [key(r, c) for c in shown_columns], False) for r, label in rows] + [
            ("Total", [key(TOTAL, c) for c in shown_columns], True)
        ]
        self.layouts.append(
            _Layout(
                id=table_id,
                section=section,
                caption=caption,
                description=description,
                row_heading=row_heading,
                columns=[label for _, label in columns] + (["Total"] if row_totals else []),
                rows=layout_rows,
                empty=empty,
            )
        )

    def publish(self, threshold: int) -> list[Table]:
        cells = suppress(self.counts, self.lines, threshold)
        return [
            Table(
                id=layout.id,
                section=layout.section,
                caption=layout.caption,
                description=layout.description,
                row_heading=layout.row_heading,
                columns=layout.columns,
                rows=[
                    Row(label, [cells[key] for key in keys], total)
                    for label, keys, total in layout.rows
                ],
                empty=layout.empty,
            )
            for layout in self.layouts
        ]


def _pairs(groups: Iterable[tuple[Any, ...]]) -> dict[tuple[str, str], int]:
    """Two-way GROUP BY results, (a, b, count), as counts by (a, b)."""
    return {(str(a), str(b)): int(n) for a, b, n in groups}


def _bounds(period: Period) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(period.start, time.min, tzinfo=tz)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def services() -> list[str]:
    """Every service a team delivers (blank for teams with none recorded)."""
    return list(Team.objects.order_by("service").values_list("service", flat=True).distinct())


def _service_rows(service: str | None) -> list[tuple[str, str]]:
    names = services() if service is None else [service]
    return [(name, name or NO_SERVICE) for name in names]


def _referrals(book: _Workbook, period: Period, service: str | None) -> None:
    clients = Client.objects.all()
    if service is not None:
        clients = clients.filter(team__service=service)
    counts = _pairs(
        clients.filter(referred_on__range=(period.start, period.end))
        .values_list("team__service", "referral_source")
        .annotate(n=Count("pk"))
        .order_by()
    )
    book.table(
        table_id="referrals",
        section="Clients",
        caption="Referrals received, by service and referral source",
        description=(
            "Every client record whose date of referral is in the period, by the service of the "
            "team that holds it and where the referral came from. Records made before the "
            "referral source was asked count as not recorded."
        ),
        row_heading="Service",
        rows=_service_rows(service),
        columns=[
            *((str(code), str(label)) for code, label in ReferralSource.choices),
            ("", "Not recorded"),
        ],
        counts=counts,
        row_totals=True,
    )
    caseload = (
        clients.filter(referred_on__lte=period.end)
        .values("team__service")
        .annotate(
            open_start=Count(
                "pk",
                filter=Q(referred_on__lt=period.start)
                & (Q(closed_on__isnull=True) | Q(closed_on__gte=period.start)),
            ),
            received=Count("pk", filter=Q(referred_on__gte=period.start)),
            closed=Count("pk", filter=Q(closed_on__range=(period.start, period.end))),
            open_end=Count("pk", filter=Q(closed_on__isnull=True) | Q(closed_on__gt=period.end)),
        )
        .order_by()
    )
    movement: dict[tuple[str, str], int] = {}
    for group in caseload:
        for column in ("open_start", "received", "closed", "open_end"):
            movement[(group["team__service"], column)] = group[column]
    rows = _service_rows(service)
    # A service's referrals are the first table's row total: one figure, suppressed alike.
    shared: dict[tuple[str, str], Key] = {
        (r, "received"): ("referrals", r, TOTAL) for r, _ in [*rows, (TOTAL, "")]
    }
    book.table(
        table_id="caseload",
        section="Clients",
        caption="Caseload by service: open at the start, referred, closed, open at the end",
        description=(
            "Open at the start: referred before the period and not closed before it. Referred: "
            "as in the table above. Closed: closed in the period. Open at the end: referred by "
            "the end of the period and not closed by then. A record closed and then reopened "
            "counts as open since its referral."
        ),
        row_heading="Service",
        rows=rows,
        columns=[
            ("open_start", "Open at the start"),
            ("received", "Referred in the period"),
            ("closed", "Closed in the period"),
            ("open_end", "Open at the end"),
        ],
        counts=movement,
        row_totals=False,
        shared=shared,
    )
    # Open at the start, plus referred, less closed, is open at the end: a reader can use that.
    for r, _ in [*rows, (TOTAL, "")]:
        book.line(
            (("caseload", r, "open_start"), 1),
            (shared[(r, "received")], 1),
            (("caseload", r, "closed"), -1),
            (("caseload", r, "open_end"), -1),
        )


OUTCOMES = [
    ("released", "Released"),
    ("not_shared", "Not shared"),
    ("answered", "Answered"),
    ("withdrawn", "Withdrawn"),
    ("open", "Still open"),
]
TIMELINESS = [
    ("in_time", "Answered in time"),
    ("late", "Answered late"),
    ("withdrawn", "Withdrawn"),
    ("open_in_time", "Open, in time"),
    ("overdue", "Open, overdue"),
    ("stopped", "Open, clock stopped"),
]


def _disclosures(book: _Workbook, period: Period, service: str | None, today: date) -> None:
    cases = DisclosureCase.objects.filter(received_on__range=(period.start, period.end))
    if service is not None:
        cases = cases.filter(client__team__service=service)
    outcome = Case(
        When(status=CaseStatus.RELEASED, then=Value("released")),
        When(status=CaseStatus.NOT_SHARED, then=Value("not_shared")),
        When(status=CaseStatus.ANSWERED, then=Value("answered")),
        When(status=CaseStatus.WITHDRAWN, then=Value("withdrawn")),
        default=Value("open"),
    )
    counts = _pairs(
        cases.annotate(result=outcome)
        .values_list("kind", "result")
        .annotate(n=Count("pk"))
        .order_by()
    )
    kinds = [(str(code), str(label)) for code, label in RequestKind.choices]
    book.table(
        table_id="disclosures",
        section="Requests for information",
        caption="Requests for information received, by kind and outcome",
        description=(
            "Every request received in the period, whatever its kind, by where it stands now: "
            "released (in full or in part), not shared, answered (the data-subject rights other "
            "than access), withdrawn, or still open."
        ),
        row_heading="Kind of request",
        rows=kinds,
        columns=OUTCOMES,
        counts=counts,
        row_totals=True,
    )
    answered = Q(status__in=[CaseStatus.RELEASED, CaseStatus.NOT_SHARED, CaseStatus.ANSWERED])
    timeliness = Case(
        When(status=CaseStatus.WITHDRAWN, then=Value("withdrawn")),
        When(
            answered & (Q(due_on__isnull=True) | Q(closed_at__date__lte=F("due_on"))),
            then=Value("in_time"),
        ),
        When(answered, then=Value("late")),
        When(due_on__isnull=True, then=Value("stopped")),
        When(due_on__lt=today, then=Value("overdue")),
        default=Value("open_in_time"),
    )
    clocked = _pairs(
        cases.filter(kind__in=CLOCKED_KINDS)
        .annotate(timeliness=timeliness)
        .values_list("kind", "timeliness")
        .annotate(n=Count("pk"))
        .order_by()
    )
    clocked_kinds = [(code, label) for code, label in kinds if code in CLOCKED_KINDS]
    # The same requests as the first table's rows of these kinds: their totals and withdrawals
    # are its figures, and its outcomes add up to these columns.
    shared: dict[tuple[str, str], Key] = {}
    for k, _ in clocked_kinds:
        shared[(k, TOTAL)] = ("disclosures", k, TOTAL)
        shared[(k, "withdrawn")] = ("disclosures", k, "withdrawn")
    book.table(
        table_id="timeliness",
        section="Requests for information",
        caption="Subject access and other data-subject requests: answered in time?",
        description=(
            "The requests above that run on the statutory clock (one calendar month, extended "
            "or stopped where the law allows). In time: answered on or before the due date, or "
            "while the clock was stopped. Open, overdue: not answered and past the due date "
            "today."
        ),
        row_heading="Kind of request",
        rows=clocked_kinds,
        columns=TIMELINESS,
        counts=clocked,
        row_totals=True,
        shared=shared,
    )
    for k, _ in clocked_kinds:
        book.line(
            (("disclosures", k, "released"), 1),
            (("disclosures", k, "not_shared"), 1),
            (("disclosures", k, "answered"), 1),
            (("timeliness", k, "in_time"), -1),
            (("timeliness", k, "late"), -1),
        )
        book.line(
            (("disclosures", k, "open"), 1),
            (("timeliness", k, "open_in_time"), -1),
            (("timeliness", k, "overdue"), -1),
            (("timeliness", k, "stopped"), -1),
        )


ICO_COLUMNS = [
    ("reported", "Reported to the ICO"),
    ("pending", "Reportable, not yet reported"),
    ("not_reportable", "Not reportable"),
    ("not_assessed", "Not yet assessed"),
    ("near_miss", "Near misses"),
]


def _breaches(book: _Workbook, period: Period) -> None:
    start, end = _bounds(period)
    ico = Case(
        When(near_miss=True, then=Value("near_miss")),
        When(ico_notified_at__isnull=False, then=Value("reported")),
        When(notify_ico=True, then=Value("pending")),
        When(notify_ico=False, then=Value("not_reportable")),
        default=Value("not_assessed"),
    )
    groups = (
        Breach.objects.filter(aware_at__gte=start, aware_at__lt=end)
        .annotate(ico=ico)
        .values_list("kind", "category", "ico")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(f"{kind}:{category}", status): n for kind, category, status, n in groups}
    present = {row for row, _ in counts}
    rows = [
        (f"{kind}:{category}", f"{kind_label.split(':')[0]}: {category_label}")
        for kind, kind_label in Kind.choices
        for category, category_label in Category.choices
        if f"{kind}:{category}" in present
    ]
    book.table(
        table_id="breaches",
        section="Breaches",
        caption="Breaches and near misses, by kind, what happened and the ICO",
        description=(
            "Every breach and near miss the organisation became aware of in the period, for the "
            "whole organisation (a breach belongs to no one service), by its kind and what "
            "happened, and whether it was reported to the Information Commissioner's Office."
        ),
        row_heading="Kind: what happened",
        rows=rows,
        columns=ICO_COLUMNS,
        counts=counts,
        row_totals=True,
        empty="No breaches or near misses in the period.",
    )


def build(
    period: Period, *, service: str | None, threshold: int, today: date | None = None
) -> Report:
    """The statistics for ``period`` (and one service, or all), suppressed as published."""
    today = today or timezone.localdate()
    book = _Workbook()
    _referrals(book, period, service)
    _disclosures(book, period, service, today)
    _breaches(book, period)
    return Report(
        period=period,
        service=service,
        threshold=threshold,
        as_of=today,
        tables=book.publish(threshold),
    )
