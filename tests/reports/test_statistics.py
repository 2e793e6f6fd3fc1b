"""The figures for a crafted organisation (unsuppressed, with a threshold of 1, then as
published), a service's own figures, and figures that survive the disposal of the records they
counted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from records.models import Client
from reports import periods, statistics
from reports.statistics import Report, Table
from retention import services as retention_services
from retention.models import DisposalReview
from tests.reports.conftest import QUARTER, TODAY, Organisation

pytestmark = pytest.mark.django_db


def figures(table: Table) -> dict[tuple[str, str], str]:
    """Every cell that is not 0, by (row, column)."""
    return {
        (row.label, column): cell.text
        for row in table.rows
        for column, cell in zip(table.columns, row.cells, strict=True)
        if cell.text != "0"
    }


def _exact(service: str | None = None) -> Report:
    return statistics.build(QUARTER, service=service, threshold=1, today=TODAY)


def test_referrals_by_service_and_source(organisation: Organisation) -> None:
    assert figures(_exact().table("referrals")) == {
        ("Housing support", "Housing provider"): "5",
        ("Housing support", "Not recorded"): "1",
        ("Housing support", "Total"): "6",
        ("Talking therapies", "GP"): "6",
        ("Talking therapies", "Self-referral"): "2",
        ("Talking therapies", "Total"): "8",
        ("Total", "GP"): "6",
        ("Total", "Self-referral"): "2",
        ("Total", "Housing provider"): "5",
        ("Total", "Not recorded"): "1",
        ("Total", "Total"): "14",
    }


def test_caseload_open_at_the_start_referred_closed_open_at_the_end(
    organisation: Organisation,
) -> None:
    table = _exact().table("caseload")
    assert table.columns == [
        "Open at the start",
        "Referred in the period",
        "Closed in the period",
        "Open at the end",
    ]
    assert figures(table) == {
        ("Housing support", "Referred in the period"): "6",
        ("Housing support", "Open at the end"): "6",
        # March's referral and the 2025 record closed in May were open on 1 April; May's and
        # June's closures; July's referral is not counted, nor February's closure.
        ("Talking therapies", "Open at the start"): "2",
        ("Talking therapies", "Referred in the period"): "8",
        ("Talking therapies", "Closed in the period"): "2",
        ("Talking therapies", "Open at the end"): "8",
        ("Total", "Open at the start"): "2",
        ("Total", "Referred in the period"): "14",
        ("Total", "Closed in the period"): "2",
        ("Total", "Open at the end"): "14",
    }


def test_requests_by_kind_and_outcome(organisation: Organisation) -> None:
    assert figures(_exact().table("disclosures")) == {
        ("Police: prevention or detection of crime", "Released"): "3",
        ("Police: prevention or detection of crime", "Not shared"): "1",
        ("Police: prevention or detection of crime", "Total"): "4",
        ("Subject access request", "Released"): "3",
        ("Subject access request", "Still open"): "3",
        ("Subject access request", "Total"): "6",
        ("Media (may be a Freedom of Information request)", "Withdrawn"): "1",
        ("Media (may be a Freedom of Information request)", "Total"): "1",
        ("Data-subject request: erasure", "Answered"): "1",
        ("Data-subject request: erasure", "Total"): "1",
        ("Total", "Released"): "6",
        ("Total", "Not shared"): "1",
        ("Total", "Answered"): "1",
        ("Total", "Withdrawn"): "1",
        ("Total", "Still open"): "3",
        ("Total", "Total"): "12",
    }


def test_subject_access_timeliness(organisation: Organisation) -> None:
    table = _exact().table("timeliness")
    assert [row.label for row in table.body] == [
        "Subject access request",
        "Data-subject request: rectification",
        "Data-subject request: erasure",
        "Data-subject request: restriction of processing",
        "Data-subject request: objection to processing",
        "Data-subject request: data portability",
    ]
    sar = "Subject access request"
    assert figures(table) == {
        (sar, "Answered in time"): "2",
        (sar, "Answered late"): "1",
        (sar, "Open, in time"): "1",
        (sar, "Open, overdue"): "1",
        (sar, "Open, clock stopped"): "1",
        (sar, "Total"): "6",
        ("Data-subject request: erasure", "Answered in time"): "1",
        ("Data-subject request: erasure", "Total"): "1",
        ("Total", "Answered in time"): "3",
        ("Total", "Answered late"): "1",
        ("Total", "Open, in time"): "1",
        ("Total", "Open, overdue"): "1",
        ("Total", "Open, clock stopped"): "1",
        ("Total", "Total"): "7",
    }
    # Overdue is judged on the day: by 31 July the one due on the 30th is overdue too.
    later = statistics.build(QUARTER, service=None, threshold=1, today=TODAY.replace(day=31)).table(
        "timeliness"
    )
    assert figures(later)[(sar, "Open, overdue")] == "2"


def test_breaches_by_kind_what_happened_and_the_ico(organisation: Organisation) -> None:
    table = _exact().table("breaches")
    wrong = "Confidentiality: Sent to the wrong recipient"
    assert figures(table) == {
        ("Confidentiality: Access by an unauthorised party", "Near misses"): "1",
        ("Confidentiality: Access by an unauthorised party", "Total"): "1",
        (wrong, "Reported to the ICO"): "2",
        (wrong, "Not reportable"): "1",
        (wrong, "Total"): "3",
        ("Availability: Device or papers lost or stolen", "Not yet assessed"): "1",
        ("Availability: Device or papers lost or stolen", "Total"): "1",
        ("Total", "Reported to the ICO"): "2",
        ("Total", "Not reportable"): "1",
        ("Total", "Not yet assessed"): "1",
        ("Total", "Near misses"): "1",
        ("Total", "Total"): "5",
    }


def test_one_service_counts_only_its_own_records(organisation: Organisation) -> None:
    report = _exact(service="Housing support")
    assert [row.label for row in report.table("referrals").body] == ["Housing support"]
    assert figures(report.table("disclosures")) == {}  # every request was about therapies
    # A breach belongs to no one service: the organisation's are shown.
    assert figures(report.table("breaches"))[("Total", "Total")] == "5"
    assert report.service_label == "Housing support"


def test_a_month_outside_everything_counts_zeros_and_says_so(organisation: Organisation) -> None:
    report = statistics.build(periods.month(2024, 2), service=None, threshold=5, today=TODAY)
    assert figures(report.table("referrals")) == {}
    assert report.table("breaches").body == []
    assert report.table("breaches").empty == "No breaches or near misses in the period."


def test_published_figures_suppress_small_numbers_and_what_would_give_them_away(
    organisation: Organisation,
) -> None:
    table = statistics.build(QUARTER, service=None, threshold=5, today=TODAY).table("referrals")
    shown = figures(table)
    assert shown[("Talking therapies", "Self-referral")] == "<5"
    assert shown[("Housing support", "Not recorded")] == "<5"
    # Beside each, the smallest count that would give it away from the totals is withheld:
    # therapies' 6 GP referrals (8 - 6 = 2) and housing's 5 (6 - 5 = 1), and so on outwards.
    assert shown[("Talking therapies", "GP")] == "withheld"
    assert shown[("Housing support", "Housing provider")] == "withheld"
    assert not set(shown.values()) - {"<5", "withheld"}
    # Each row, and each column, with a "<5" has another cell withheld beside it.
    for row in table.rows:
        texts = [cell.text for cell in row.cells]
        if "<5" in texts:
            assert sum(cell.suppressed for cell in row.cells) >= 2, row
    for index in range(len(table.columns)):
        column = [row.cells[index] for row in table.rows]
        if any(cell.small for cell in column):
            assert sum(cell.suppressed for cell in column) >= 2, table.columns[index]


def test_each_table_is_one_grouped_query(organisation: Organisation) -> None:
    with CaptureQueriesContext(connection) as queries:
        statistics.build(QUARTER, service=None, threshold=5, today=TODAY)
    # services for the two client tables, referrals, caseload, requests, timeliness, breaches
    assert len(queries) <= 8
    assert sum("GROUP BY" in query["sql"] for query in queries) == 5


def test_every_figure_survives_the_disposal_of_a_record_it_counted(
    organisation: Organisation,
) -> None:
    def published() -> list[list[Table]]:
        return [
            statistics.build(QUARTER, service=None, threshold=threshold, today=TODAY).tables
            for threshold in (1, 5)
        ]

    before = published()
    client = organisation.closed_in_quarter
    review = DisposalReview.objects.create(client=client)
    certificate = retention_services.review_approve(actor=organisation.lead, review=review)
    assert certificate is not None
    client = Client.objects.get(pk=client.pk)
    assert client.is_disposed
    assert bytes(client.family_name_sealed) == b""  # its personal data is gone
    assert client.referral_source == "nhs_other"  # its category is not personal data
    assert published() == before
