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

from accounts.audit import AuditAction
from accounts.models import AuditEvent, AuditOutcome
from disclosures.actions import DisclosureAction
from disclosures.models import (
    ClientField,
    EntryField,
    Release,
    ReleaseMethod,
    RequestKind,
    SharingException,
    Statement,
)
from records.actions import RecordAction
from records.models import Client, ClientStatus, EntryKind, EntryVersion
from records.policy import Reason

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


def record_sections(
    *,
    client: Client,
    client_fields: Sequence[str],
    items: Sequence[tuple[EntryVersion, Sequence[str]]],
) -> list[Section]:
    """One record in a subject access bundle: its details, then its entries."""
    lines = [Line("Case reference", client.reference), Line("Service", client.team.name)]
    lines += [_client_line(client, code) for code in ClientField.values if code in client_fields]
    sections = [Section(f"Your record {client.reference}", tuple(lines))]
    for number, (version, fields) in enumerate(items, start=1):
        entry = _entry_section(version, fields, number)
        sections.append(Section(f"{client.reference}: {entry.heading.lower()}", entry.lines))
    if not items:
        sections.append(Section(f"{client.reference}: entries", (Line("", "No entries."),)))
    return sections


def _action_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for choices in (AuditAction.choices, RecordAction.choices, DisclosureAction.choices):
        labels.update((str(code), str(label)) for code, label in choices)
    return labels


def access_section(client: Client, events: Sequence[AuditEvent]) -> Section:
    """Who has accessed the record, from the audit trail (what each did and why), oldest
    first."""
    actions = _action_labels()
    reasons: dict[str, str] = {str(code): str(label) for code, label in Reason.choices}
    lines = []
    for event in sorted(events, key=lambda event: event.seq):
        who = event.actor.display_name if event.actor else "Confide (scheduled job)"
        what = actions.get(event.action, event.action)
        why = reasons.get(event.reason, event.reason) or "no reason recorded"
        outcome = "" if event.outcome == AuditOutcome.SUCCESS else " (refused)"
        lines.append(
            Line(
                formats.date_format(timezone.localtime(event.occurred_at), "j F Y H:i"),
                f"{who}: {what}{outcome}; {why}",
            )
        )
    return Section(
        f"Who has accessed your record {client.reference}",
        tuple(lines) or (Line("", "No access has been recorded."),),
    )


def disclosures_section(releases: Sequence[Release]) -> Section:
    """What has been disclosed about the person: when, to whom, what, why and how."""
    lines = []
    for entry in sorted(releases, key=lambda entry: entry.released_at):
        released = entry.released or {}
        what = []
        if released.get("client_fields"):
            fields = ", ".join(
                ClientField(code).label.lower() for code in released["client_fields"]
            )
            what.append(f"details ({fields})")
        if released.get("statements"):
            what.append("; ".join(Statement(code).label for code in released["statements"]))
        if released.get("entries"):
            count = len(released["entries"])
            what.append(f"{count} record {'entry' if count == 1 else 'entries'}")
        basis = (
            "with your consent"
            if entry.consent_id
            else f"without consent: {SharingException(entry.exception).label.lower()}"
            if entry.exception
            else RequestKind(entry.kind).label
        )
        lines.append(
            Line(
                formats.date_format(timezone.localtime(entry.released_at), "j F Y"),
                f"To {entry.recipient}, for {entry.purpose or RequestKind(entry.kind).label}: "
                f"{', '.join(what) or 'nothing'}; {basis}; "
                f"{ReleaseMethod(entry.method).label.lower()}.",
            )
        )
    return Section(
        "What we have disclosed about you",
        tuple(lines) or (Line("", "Nothing has been disclosed about you."),),
    )


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
