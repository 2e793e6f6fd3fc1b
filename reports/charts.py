"""Bar charts of a published table's totals, laid out here so the template only draws them
(inline SVG: no script, nothing fetched). They are drawn from the suppressed cells: a suppressed
total has no bar, only its text ("<5" or "withheld")."""

from __future__ import annotations

from dataclasses import dataclass

from reports.statistics import Table

CHART_WIDTH = 640
CHART_LABEL_WIDTH = 280
CHART_BAR_HEIGHT = 22
CHART_GAP = 10


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: int
    width: int
    text_y: int
    value_x: int


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    height: int
    width: int = CHART_WIDTH
    label_width: int = CHART_LABEL_WIDTH


def chart(table: Table, *, title: str, by_rows: bool = False) -> Chart:
    """The table's totals as bars: its column totals, or with ``by_rows`` its row totals."""
    if by_rows:
        pairs = [(row.label, row.cells[-1]) for row in table.body]
    else:
        total = table.total_row
        assert total is not None
        pairs = list(zip(table.columns, total.cells, strict=True))
        if table.columns[-1] == "Total":
            pairs = pairs[:-1]
    biggest = max((cell.value or 0 for _, cell in pairs), default=0)
    room = CHART_WIDTH - CHART_LABEL_WIDTH - 80
    bars = []
    for index, (label, cell) in enumerate(pairs):
        y = CHART_GAP + index * (CHART_BAR_HEIGHT + CHART_GAP)
        width = round(room * cell.value / biggest) if biggest and cell.value else 0
        bars.append(
            Bar(
                label=label if len(label) <= 40 else label[:39] + "…",
                text=cell.text,
                y=y,
                width=width,
                text_y=y + CHART_BAR_HEIGHT - 6,
                value_x=CHART_LABEL_WIDTH + width + 8,
            )
        )
    described = "; ".join(f"{label}: {cell.text}" for label, cell in pairs)
    return Chart(
        id=f"chart-{table.id}",
        title=title,
        description=f"Bar chart. {described}." if pairs else "Bar chart with no bars.",
        bars=bars,
        height=CHART_GAP + max(len(bars), 1) * (CHART_BAR_HEIGHT + CHART_GAP),
    )


# Which totals of which tables are drawn, and as what.
CHARTS = {
    "referrals": ("Referrals by source", False),
    "disclosures": ("Requests for information by outcome", False),
    "timeliness": ("Data-subject requests: answered in time?", False),
    "breaches": ("Breaches and near misses by kind and what happened", True),
}


def charts_for(tables: list[Table]) -> dict[str, Chart]:
    return {
        table.id: chart(table, title=CHARTS[table.id][0], by_rows=CHARTS[table.id][1])
        for table in tables
        if table.id in CHARTS and (table.body or not CHARTS[table.id][1])
    }
