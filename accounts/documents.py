"""What every report's CSV and PDF exports share: a cell a spreadsheet will not run, and an A4
document with the embedded fonts, the title and a "page n of m" footer (fpdf2)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from django.conf import settings
from fpdf import FPDF


def csv_cell(value: str) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class ReportDocument(FPDF):
    """An A4 report, its title in the footer of every page. Text is set in the "body" font."""

    def __init__(
        self,
        title: str,
        *,
        orientation: Literal["portrait", "landscape"] = "portrait",
        margin: float = 20,
    ) -> None:
        super().__init__(orientation=orientation, format="A4")
        self.report_title = title
        fonts = Path(settings.DISCLOSURE_FONT_DIR)
        self.set_title(title)
        self.set_creator(settings.ORGANISATION_NAME)
        self.add_font("body", "", str(fonts / "DejaVuSans.ttf"))
        self.add_font("body", "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=margin)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("body", "", 8)
        self.cell(0, 10, f"{self.report_title}. Page {self.page_no()} of {{nb}}", align="C")
