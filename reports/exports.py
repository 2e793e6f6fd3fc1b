"""The statistics as CSV and PDF, drawn from the same published :class:`~reports.statistics.Report`
as the page: the suppressed cells as they are shown, never a count behind them."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.utils import formats
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from accounts.documents import ReportDocument, csv_cell
from reports.statistics import Report

TITLE = "Statistics for funders and the IG group"


def suppression_note(report: Report) -> str:
    return (
        f"Numbers from 1 to {report.threshold - 1} are shown as {report.small_label}, so that "
        "no one can be recognised; 'withheld' marks a larger number withheld so that a small "
        "one cannot be worked out from the totals. Zero is shown as 0."
        if report.threshold > 1
        else "No numbers are suppressed (the threshold is 1)."
    )


def as_csv(report: Report) -> str:
    """One line per cell: table, row, column, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", "row", "column", "value"])
    writer.writerow(["Period", "", "From", report.period.start.isoformat()])
    writer.writerow(["Period", "", "To", report.period.end.isoformat()])
    writer.writerow(["Service", "", "", report.service_label])
    writer.writerow(["Figures as at", "", "", report.as_of.isoformat()])
    writer.writerow(["Suppression", "", "", suppression_note(report)])
    for table in report.tables:
        for row in table.rows:
            for column, cell in zip(table.columns, row.cells, strict=True):
                writer.writerow(
                    [csv_cell(table.caption), csv_cell(row.label), csv_cell(column), cell.text]
                )
    return out.getvalue()


def as_pdf(report: Report) -> bytes:
    pdf = ReportDocument(TITLE, orientation="landscape", margin=16)
    pdf.set_font("body", "B", 16)
    pdf.multi_cell(0, 9, TITLE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("body", "", 10)
    as_of = formats.date_format(report.as_of, "j F Y")
    for line in (
        f"{settings.ORGANISATION_NAME}. {report.period.label}. {report.service_label}.",
        f"Figures as at {as_of}. {suppression_note(report)}",
    ):
        pdf.multi_cell(0, 6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    section = ""
    for table in report.tables:
        if table.section != section:
            section = table.section
            pdf.ln(4)
            pdf.set_font("body", "B", 13)
            pdf.multi_cell(0, 8, section, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        pdf.set_font("body", "B", 10)
        pdf.multi_cell(0, 6, table.caption, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("body", "", 8)
        pdf.multi_cell(0, 4.5, table.description, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        if not table.body and table.empty:
            pdf.set_font("body", "", 9)
            pdf.multi_cell(0, 6, table.empty, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            continue
        label_width = 60 if len(table.columns) > 6 else 80
        other = (pdf.epw - label_width) / len(table.columns)
        pdf.set_font("body", "", 7 if len(table.columns) > 6 else 8)
        with pdf.table(
            col_widths=(label_width, *([other] * len(table.columns))),
            width=pdf.epw,
            text_align=("LEFT", *(["RIGHT"] * len(table.columns))),
            headings_style=FontFace(emphasis="BOLD"),
            line_height=4.5,
        ) as grid:
            heading = grid.row()
            for text in (table.row_heading, *table.columns):
                heading.cell(text)
            for row in table.rows:
                cells = grid.row()
                cells.cell(row.label)
                for cell in row.cells:
                    cells.cell(cell.text)
    return bytes(pdf.output())
