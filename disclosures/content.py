"""What a release contains, laid out once: the case page previews it and the PDF bundle prints
it from the same sections, so what the decider and the Guardian see is what leaves."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from fpdf import FPDF
from fpdf.enums import EncryptionMethod, XPos, YPos

from disclosures.models import ClientField, EntryField, Statement
from records.models import Client, ClientStatus, EntryKind, EntryVersion

MARKING = "Private & Confidential, for the attention of the addressee only"
# Unambiguous characters, for a password read out over the phone.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet, not a password)


@dataclass(frozen=True)
class Line:
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[Line, ...]


def _day(value: Any) -> str:
    return formats.date_format(value, "j F Y") if value else "Not recorded"


def _client_line(client: Client, code: str) -> Line:
    label = ClientField(code).label
    if code == ClientField.NAME:
        return Line("Name", client.full_name)
    if code == ClientField.DATE_OF_BIRTH:
        return Line("Date of birth", _day(client.date_of_birth))
    if code == ClientField.NHS_NUMBER:
        return Line("NHS number", client.nhs_number or "Not recorded")
    if code == ClientField.ADDRESS:
        return Line("Address", client.address or "Not recorded")
    if code == ClientField.PHONE:
        return Line("Phone number", client.phone or "Not recorded")
    if code == ClientField.EMAIL:
        return Line("E-mail address", client.email or "Not recorded")
    if code == ClientField.STATUS:
        return Line("Uses the service", f"Yes; case {ClientStatus(client.status).label.lower()}")
    if code == ClientField.APPOINTMENTS:
        attended = {True: "attended", False: "not attended", None: "attendance not recorded"}
        booked = client.first_appointment_on
        return Line(
            "First appointment",
            f"{_day(booked)}, {attended[client.first_appointment_attended]}"
            if booked
            else "Not booked",
        )
    return Line(label, "")


def _entry_section(version: EntryVersion, fields: Sequence[str], number: int) -> Section:
    lines: list[Line] = []
    for code in EntryField.values:
        if code not in fields:
            continue
        if code == EntryField.DATE:
            lines.append(Line("Date", _day(version.occurred_on)))
        elif code == EntryField.KIND:
            lines.append(Line("Kind", EntryKind(version.entry.kind).label))
        elif code == EntryField.TITLE:
            lines.append(Line("Title", version.title))
        elif code == EntryField.BODY:
            lines.append(Line("Text", version.body))
        elif code == EntryField.AUTHOR:
            lines.append(Line("Recorded by", version.author.display_name))
    return Section(f"Record entry {number}", tuple(lines))


def release_sections(
    *,
    client: Client,
    client_fields: Sequence[str],
    statements: Sequence[str],
    items: Iterable[tuple[EntryVersion, Sequence[str]]],
) -> list[Section]:
    """Exactly what a release contains, in order."""
    sections: list[Section] = []
    if statements:
        sections.append(
            Section(
                "What we can tell you",
                tuple(Line("", Statement(code).label) for code in statements),
            )
        )
    if client_fields:
        sections.append(
            Section(
                "About the person",
                tuple(
                    _client_line(client, code)
                    for code in ClientField.values
                    if code in client_fields
                ),
            )
        )
    for number, (version, fields) in enumerate(items, start=1):
        sections.append(_entry_section(version, fields, number))
    return sections


def new_password() -> str:
    """A password for a bundle, given to the recipient by another channel."""
    groups = ["".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(5)]
    return "-".join(groups)


class _Bundle(FPDF):
    def header(self) -> None:
        self.set_font("body", "B", 9)
        self.cell(0, 6, MARKING, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("body", "", 8)
        self.cell(0, 10, f"{MARKING}. Page {self.page_no()} of {{nb}}", align="C")


def _font_dir() -> Path:
    return Path(settings.DISCLOSURE_FONT_DIR)


def bundle_pdf(
    *,
    title: str,
    header_lines: Sequence[Line],
    sections: Sequence[Section],
    password: str,
) -> tuple[bytes, str]:
    """The release as a PDF encrypted with AES-256 under ``password``; returns it with its
    SHA-256. Nothing personal goes in the PDF's metadata, which readers show unlocked."""
    pdf = _Bundle(format="A4")
    pdf.set_title("Confidential disclosure")
    pdf.set_creator(settings.ORGANISATION_NAME)
    pdf.add_font("body", "", str(_font_dir() / "DejaVuSans.ttf"))
    pdf.add_font("body", "B", str(_font_dir() / "DejaVuSans-Bold.ttf"))
    pdf.set_encryption(
        owner_password=secrets.token_urlsafe(32),
        user_password=password,
        encryption_method=EncryptionMethod.AES_256,
    )
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("body", "B", 16)
    pdf.multi_cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    for line in header_lines:
        _line(pdf, line)
    for section in sections:
        pdf.ln(4)
        pdf.set_font("body", "B", 12)
        pdf.multi_cell(0, 7, section.heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for line in section.lines:
            _line(pdf, line)
    data = bytes(pdf.output())
    return data, hashlib.sha256(data).hexdigest()


def _line(pdf: FPDF, line: Line) -> None:
    if line.label:
        pdf.set_font("body", "B", 10)
        pdf.multi_cell(0, 6, line.label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("body", "", 10)
    pdf.multi_cell(0, 6, line.value or " ", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def released_on_label() -> str:
    return formats.date_format(timezone.localdate(), "j F Y")
