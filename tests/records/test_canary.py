"""Plaintext canaries: known synthetic names and notes must appear nowhere in a dump of the
database tables, nor in the application's logs, after they go through the real pages."""

from __future__ import annotations

import io
import logging

import pytest
from django.db import connection
from django.test import Client as Browser

from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

CANARIES = (
    "Zanzibarine",  # given name
    "Quillfeatherstone",  # family name
    "7 Marmalade Terrace",  # address
    "943 476 5919",  # NHS number as typed
    "9434765919",
    "Dr Periwinkle Canary",  # referrer
    "Snowleopard dreams of the sea",  # entry text
    "Amended with glacier notes",  # amendment
    "Grandmother Canary-Oak",  # third-party source
)


def _dump_tables() -> str:
    """Every row of every table, as PostgreSQL's COPY writes it (what a dump holds)."""
    out = io.StringIO()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            # The SELECT form reads partitioned tables too (the audit trail).
            cursor.copy_expert(f'COPY (SELECT * FROM "{table}") TO STDOUT', out)  # noqa: S608
    return out.getvalue()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="dumps PostgreSQL tables")
def test_no_canary_in_the_tables_or_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    team = TeamFactory.create(name="Canary team")
    adam = UserFactory.create(username="adam", roles=["admin_staff"])
    pat = UserFactory.create(username="pat", roles=["practitioner"])
    adam.teams.add(team)
    pat.teams.add(team)
    admin_browser, browser = Browser(), Browser()
    sign_in_fully(admin_browser, adam)
    sign_in_fully(browser, pat)

    admin_browser.post(
        "/records/new/",
        {
            "team": str(team.pk),
            "given_name": "Zanzibarine",
            "family_name": "Quillfeatherstone",
            "date_of_birth": "1979-06-15",
            "nhs_number": "943 476 5919",
            "address": "7 Marmalade Terrace",
            "referred_on": "2026-11-01",
            "referral_source": "gp",
            "referrer_name": "Dr Periwinkle Canary",
        },
    )
    from records.models import Client, Entry

    client = Client.objects.get()
    browser.post("/records/search/", {"nhs_number": "9434765919"})
    browser.post(
        "/records/search/", {"family_name": "Quillfeatherstone", "date_of_birth": "1979-06-15"}
    )
    browser.post(
        f"/records/{client.uuid}/entries/new/",
        {
            "kind": "contact_note",
            "occurred_on": "2026-11-02",
            "title": "Session",
            "body": "Snowleopard dreams of the sea",
            "third_party": "on",
            "third_party_source": "Grandmother Canary-Oak, at home",
        },
    )
    entry = Entry.objects.get()
    browser.post(
        f"/records/{client.uuid}/entries/{entry.uuid}/amend/",
        {
            "occurred_on": "2026-11-02",
            "title": "Session",
            "body": "Snowleopard dreams of the sea. Amended with glacier notes",
            "third_party": "on",
            "third_party_source": "Grandmother Canary-Oak, at home",
            "amendment_reason": "Added detail",
        },
    )
    page = browser.get(f"/records/{client.uuid}/entries/{entry.uuid}/history/")
    assert "Amended with glacier notes" in page.content.decode()  # the pages do show them

    dump = _dump_tables()
    logs = "\n".join(record.getMessage() for record in caplog.records)
    for canary in CANARIES:
        assert canary not in dump, f"{canary!r} is in the database in clear"
        assert canary.casefold() not in dump.casefold()
        assert canary not in logs, f"{canary!r} is in the logs"
