"""The IG group's breach report (000 §6: "a regular report on breaches ... to the Information
Governance Group"): for a period, breaches by kind and category, near misses, time to contain and
to notify the ICO, how many were late, and the lessons learned.

It holds no personal data: counts, durations, and the lessons as the IG lead wrote them for this
report. The page, the CSV and the PDF are drawn from the one :class:`Figures`, so they agree.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import formats, timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from accounts.documents import ReportDocument, csv_cell
from breaches.models import Breach, Category, Kind

CHART_WIDTH = 640
CHART_LABEL_WIDTH = 260
CHART_BAR_HEIGHT = 22
CHART_GAP = 10


@dataclass(frozen=True)
class Count:
    label: str
    value: int


@dataclass(frozen=True)
class Durations:
    """Hours from the organisation becoming aware to a step, over the breaches that took it."""

    count: int
    median_hours: float | None
    mean_hours: float | None

    @classmethod
    def of(cls, deltas: Sequence[timedelta]) -> Durations:
        hours = [delta.total_seconds() / 3600 for delta in deltas]
        if not hours:
            return cls(0, None, None)
        return cls(len(hours), statistics.median(hours), statistics.fmean(hours))


@dataclass(frozen=True)
class Lesson:
    reference: str
    category: str
    text: str


@dataclass(frozen=True)
class Figures:
    date_from: date
    date_to: date
    total: int
    breaches: int
    near_misses: int
    urgent: int
    by_kind: list[Count]
    by_category: list[Count]
    to_contain: Durations
    to_notify: Durations
    reported_to_ico: int
    not_reportable: int
    notified_late: int
    overdue_unnotified: int
    people_told: int
    open_at_end: int
    lessons: list[Lesson]

    @property
    def late(self) -> int:
        """Late: told the ICO after the 72 hours, or not yet told and past them."""
        return self.notified_late + self.overdue_unnotified


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def figures(date_from: date, date_to: date) -> Figures:
    """The report for breaches and near misses the organisation became aware of between the two
    dates, inclusive."""
    start, end = _bounds(date_from, date_to)
    breaches = list(Breach.objects.filter(aware_at__gte=start, aware_at__lt=end).order_by("pk"))
    now = timezone.now()
    real = [b for b in breaches if not b.near_miss]
    kinds = dict(Kind.choices)
    categories = dict(Category.choices)
    return Figures(
        date_from=date_from,
        date_to=date_to,
        total=len(breaches),
        breaches=len(real),
        near_misses=len(breaches) - len(real),
        urgent=sum(1 for b in breaches if b.urgent_safety),
        by_kind=[
            Count(str(label), sum(1 for b in breaches if b.kind == code))
            for code, label in kinds.items()
        ],
        by_category=[
            Count(str(label), sum(1 for b in breaches if b.category == code))
            for code, label in categories.items()
        ],
        to_contain=Durations.of(
            [b.contained_at - b.aware_at for b in breaches if b.contained_at is not None]
        ),
        to_notify=Durations.of(
            [b.ico_notified_at - b.aware_at for b in breaches if b.ico_notified_at is not None]
        ),
        reported_to_ico=sum(1 for b in breaches if b.ico_notified_at is not None),
        not_reportable=sum(1 for b in breaches if b.notify_ico is False),
        notified_late=sum(1 for b in breaches if b.ico_late),
        overdue_unnotified=sum(1 for b in breaches if b.ico_pending and b.ico_due_at < now),
        people_told=sum(1 for b in breaches if b.people_told_at is not None),
        open_at_end=sum(1 for b in breaches if b.is_open),
        lessons=[
            Lesson(b.reference, categories.get(b.category, b.category), b.lessons)
            for b in breaches
            if b.lessons
        ],
    )


def hours_label(hours: float | None) -> str:
    """A duration as people say it: "3 hours", "2 days 4 hours", "under an hour"."""
    if hours is None:
        return "None in the period"
    whole = round(hours)
    if whole < 1:
        return "Under an hour"
    days, rest = divmod(whole, 24)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if rest:
        parts.append(f"{rest} hour{'s' if rest != 1 else ''}")
    return " ".join(parts)


def _period_label(f: Figures) -> str:
    return (
        f"{formats.date_format(f.date_from, 'j F Y')} to {formats.date_format(f.date_to, 'j F Y')}"
    )


def summary_rows(f: Figures) -> list[tuple[str, str, str]]:
    """(section, measure, value) rows: the table on the page, the CSV and the PDF."""
    rows: list[tuple[str, str, str]] = [
        ("Period", "From", f.date_from.isoformat()),
        ("Period", "To", f.date_to.isoformat()),
        ("Reports", "All reports", str(f.total)),
        ("Reports", "Breaches", str(f.breaches)),
        ("Reports", "Near misses", str(f.near_misses)),
        ("Reports", "Urgent safety cases", str(f.urgent)),
    ]
    rows += [("By kind", count.label, str(count.value)) for count in f.by_kind]
    rows += [("By category", count.label, str(count.value)) for count in f.by_category]
    for name, durations in (
        ("Time to contain", f.to_contain),
        ("Time to notify the ICO", f.to_notify),
    ):
        rows += [
            (name, "Breaches measured", str(durations.count)),
            (name, "Median", hours_label(durations.median_hours)),
            (name, "Mean", hours_label(durations.mean_hours)),
        ]
    rows += [
        ("ICO", "Reported to the ICO", str(f.reported_to_ico)),
        ("ICO", "Decided not reportable", str(f.not_reportable)),
        ("ICO", "Reported after the 72 hours", str(f.notified_late)),
        ("ICO", "Not yet reported, past the 72 hours", str(f.overdue_unnotified)),
        ("ICO", "Late in all", str(f.late)),
        ("People affected", "Told", str(f.people_told)),
        ("Reports", "Still open", str(f.open_at_end)),
    ]
    return rows


# --- The chart -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    width: int
    text_y: int
    value_x: int


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart, laid out here so the template only draws it (inline SVG: no
    script, no style attribute, nothing fetched)."""

    id: str
    title: str
    description: str
    bars: list[Bar]
    height: int
    width: int = CHART_WIDTH
    label_width: int = CHART_LABEL_WIDTH


def chart(chart_id: str, title: str, counts: Sequence[Count]) -> Chart:
    biggest = max((count.value for count in counts), default=0)
    room = CHART_WIDTH - CHART_LABEL_WIDTH - 50
    bars = []
    for index, count in enumerate(counts):
        y = CHART_GAP + index * (CHART_BAR_HEIGHT + CHART_GAP)
        width = round(room * count.value / biggest) if biggest else 0
        bars.append(
            Bar(
                label=count.label.split(":")[0],
                value=count.value,
                y=y,
                width=width,
                text_y=y + CHART_BAR_HEIGHT - 6,
                value_x=CHART_LABEL_WIDTH + width + 8,
            )
        )
    described = "; ".join(f"{bar.label}: {bar.value}" for bar in bars)
    return Chart(
        id=chart_id,
        title=title,
        description=f"Bar chart. {described}.",
        bars=bars,
        height=CHART_GAP + len(bars) * (CHART_BAR_HEIGHT + CHART_GAP),
    )


def charts(f: Figures) -> list[Chart]:
    return [
        chart("chart-kind", "Reports by kind", f.by_kind),
        chart("chart-category", "Reports by category", f.by_category),
    ]


# --- Exports ---------------------------------------------------------------------------------


def as_csv(f: Figures) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "measure", "value"])
    for row in summary_rows(f):
        writer.writerow([csv_cell(value) for value in row])
    for lesson in f.lessons:
        writer.writerow(
            [csv_cell(value) for value in ("Lessons learned", lesson.reference, lesson.text)]
        )
    return out.getvalue()


def as_pdf(f: Figures) -> bytes:
    pdf = ReportDocument("Breach report for the IG group")
    pdf.set_font("body", "B", 16)
    pdf.multi_cell(0, 9, "Breach report for the IG group", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("body", "", 10)
    pdf.multi_cell(
        0,
        6,
        f"{settings.ORGANISATION_NAME}. Breaches and near misses the organisation became aware "
        f"of from {_period_label(f)}.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    for item in charts(f):
        pdf_chart(pdf, item)
    section = ""
    for name, measure, value in summary_rows(f):
        if name == "Period":
            continue
        if name != section:
            section = name
            pdf.ln(3)
            pdf.set_font("body", "B", 12)
            pdf.multi_cell(0, 7, name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("body", "", 10)
        pdf.cell(120, 6, measure)
        pdf.cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font("body", "B", 12)
    pdf.multi_cell(0, 7, "Lessons learned", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("body", "", 10)
    if not f.lessons:
        pdf.multi_cell(0, 6, "None recorded in the period.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for lesson in f.lessons:
        pdf.set_font("body", "B", 10)
        pdf.multi_cell(
            0, 6, f"{lesson.reference} ({lesson.category})", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.set_font("body", "", 10)
        pdf.multi_cell(0, 6, lesson.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def pdf_chart(pdf: FPDF, item: Chart) -> None:
    pdf.ln(3)
    pdf.set_font("body", "B", 12)
    pdf.multi_cell(0, 7, item.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("body", "", 9)
    scale = 0.25  # chart units to millimetres
    left = pdf.l_margin
    top = pdf.get_y()
    for bar in item.bars:
        y = top + bar.y * scale
        pdf.set_xy(left, y)
        pdf.cell(item.label_width * scale, CHART_BAR_HEIGHT * scale, bar.label)
        pdf.set_fill_color(0, 94, 184)  # NHS blue
        if bar.width:
            pdf.rect(
                left + item.label_width * scale,
                y,
                bar.width * scale,
                CHART_BAR_HEIGHT * scale,
                style="F",
            )
        pdf.set_xy(left + bar.value_x * scale, y)
        pdf.cell(20, CHART_BAR_HEIGHT * scale, str(bar.value))
    pdf.set_xy(left, top + item.height * scale)
