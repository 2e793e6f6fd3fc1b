"""Reads of client records: fetch-and-authorise for views, and the lists and search.

``get_client_for_user`` and ``get_entry_for_user`` fetch and authorise together: someone who may
not know the record exists gets the same 404 whether it exists or not, and the refusal is
audited; someone who may see the record but not do this gets a 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import AuditEvent, AuditOutcome, User
from records import crypto, policy
from records.actions import RecordAction
from records.models import (
    Allocation,
    Attachment,
    Challenge,
    Client,
    Consent,
    ConsentRecipient,
    Entry,
    EntryVersion,
)
from records.services import (
    format_nhs_number,
    name_dob_index,
    nhs_number_index,
    recipient_index,
)

Need = Literal["admin_part", "clinical", "write", "administer", "manage"]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _refuse(
    request: HttpRequest,
    *,
    client: Client | None,
    requested: str,
    need: Need,
    access: policy.Access,
) -> None:
    audit_log(
        action=RecordAction.CLIENT_ACCESS_DENIED,
        actor=_user(request),
        outcome=AuditOutcome.DENIED,
        target=client,
        object_type="records.client",
        reason=access.reason,
        detail={
            "requested": requested,
            "need": need,
            "path": request.resolver_match.view_name if request.resolver_match else "",
        },
        request=request,
    )


def with_allocations(queryset: QuerySet[Client]) -> QuerySet[Client]:
    return queryset.select_related("team").prefetch_related(
        Prefetch(
            "allocations",
            queryset=Allocation.objects.filter(ended_at=None).select_related("worker"),
            to_attr="current_allocations",
        )
    )


def get_client_for_user(
    request: HttpRequest, client_id: uuid.UUID, *, need: Need = "admin_part"
) -> tuple[Client, policy.Access]:
    user = _user(request)
    client = with_allocations(
        policy.with_access_facts(Client.objects.filter(uuid=client_id), user)
    ).first()
    access = policy.decide(user, client) if client is not None else policy.NO_ACCESS
    if client is None or not access.allowed:
        _refuse(request, client=client, requested=str(client_id), need=need, access=access)
        raise Http404("No client record found")
    if not getattr(access, need):
        _refuse(request, client=client, requested=str(client_id), need=need, access=access)
        raise PermissionDenied("You cannot do this with this record")
    return client, access


def get_entry_for_user(
    request: HttpRequest, client_id: uuid.UUID, entry_id: uuid.UUID, *, need: Need = "clinical"
) -> tuple[Entry, policy.Access]:
    client, access = get_client_for_user(request, client_id, need=need)
    entry = (
        client.entries.select_related("current_version__author", "created_by")
        .filter(uuid=entry_id)
        .first()
    )
    if entry is None:
        raise Http404("No such entry")
    _attach(entry)
    return entry, access


def _attach(entry: Entry) -> None:
    """Let the current version reach its client's key without another query."""
    if entry.current_version is not None:
        entry.current_version.entry = entry


def client_entries(client: Client) -> list[Entry]:
    """The record's entries, newest first, each marked ``challenged`` if a challenge to it is
    waiting for a decision."""
    entries: list[Entry] = list(
        client.entries.select_related("current_version__author", "created_by").annotate(
            challenged=Exists(
                Challenge.objects.filter(entry=OuterRef("pk"), outcome=Challenge.Outcome.PENDING)
            )
        )
    )
    for entry in entries:
        _attach(entry)
    return entries


def entry_versions(entry: Entry) -> list[EntryVersion]:
    versions = list(entry.versions.select_related("author").order_by("-number"))
    for version in versions:
        version.entry = entry
    return versions


def audit_list(
    request: HttpRequest,
    *,
    name: str,
    clients: Iterable[Client],
    detail: dict[str, object] | None = None,
) -> None:
    """Record which records a list page showed."""
    shown = [client.pk for client in clients]
    audit_log(
        action=RecordAction.LIST_VIEWED,
        actor=_user(request),
        object_type="records.client_list",
        object_id=name,
        detail={"shown": shown, "count": len(shown), **(detail or {})},
        request=request,
    )


def search(
    user: User, terms: Mapping[str, Any], *, within: QuerySet[Client] | None = None
) -> QuerySet[Client]:
    """Exact-match search (a search form's cleaned data) over the records the user may open, or
    ``within``: by case reference, NHS number, or family name with date of birth, the latter two
    through their blind indexes."""
    queryset = within if within is not None else policy.visible_clients(user)
    if terms.get("reference"):
        queryset = queryset.filter(reference__iexact=terms["reference"].strip())
    if terms.get("nhs_number"):
        queryset = queryset.filter(nhs_number_index=nhs_number_index(terms["nhs_number"]) or "-")
    if terms.get("family_name"):
        born = terms.get("date_of_birth")
        assert isinstance(born, date)
        queryset = queryset.filter(name_dob_index=name_dob_index(terms["family_name"], born) or "-")
    return queryset


def search_detail(terms: Mapping[str, Any], clients: list[Client]) -> dict[str, object]:
    """What a search's audit event records: the terms as keyed hashes (never in clear), the
    number of results and which records they were."""
    hashed: dict[str, str] = {}
    for name, value in terms.items():
        if value in (None, ""):
            continue
        text = format_nhs_number(str(value)) if name == "nhs_number" else str(value)
        hashed[name] = crypto.blind_index("audit-search", text.strip().casefold())[:16]
    return {"terms": hashed, "count": len(clients), "shown": [client.pk for client in clients]}


# --- Consent --------------------------------------------------------------------------------


def client_consents(client: Client) -> list[Consent]:
    consents = list(client.consents.select_related("recorded_by", "withdrawn_recorded_by"))
    recipients = ConsentRecipient.objects.filter(consent__client=client).order_by("pk")
    by_consent: dict[int, list[ConsentRecipient]] = {}
    for consent in consents:
        consent.client = client
        by_consent[consent.pk] = []
    lookup = {consent.pk: consent for consent in consents}
    for recipient in recipients:
        recipient.consent = lookup[recipient.consent_id]
        by_consent[recipient.consent_id].append(recipient)
    for consent in consents:
        consent.recipient_list = by_consent[consent.pk]  # type: ignore[attr-defined]
    return consents


def valid_consent(
    client: Client,
    *,
    purpose: str,
    recipient_name: str = "",
    recipient_category: str = "",
    on: date | None = None,
) -> Consent | None:
    """Is there valid consent to share with this recipient for this purpose? The consent in force
    that covers it (given, not withdrawn, not expired), or None.

    The recipient is a named person or agency (matched on the name, ignoring case, spacing and
    punctuation) or a category such as family and friends. Disclosures ask this question.
    """
    day = on or timezone.localdate()
    matches = Q()
    if recipient_name:
        matches |= Q(recipients__name_index=recipient_index(recipient_name) or "-")
    if recipient_category:
        matches |= Q(
            recipients__kind=ConsentRecipient.Kind.CATEGORY,
            recipients__category=recipient_category,
        )
    if not matches:
        return None
    consent = (
        Consent.objects.filter(matches, client=client, purpose=purpose, given_on__lte=day)
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
        .order_by("-given_on")
        .first()
    )
    if consent is not None:
        consent.client = client
    return consent


def entry_challenges(entry: Entry) -> list[Challenge]:
    challenges = list(
        entry.challenges.select_related("recorded_by", "decided_by", "corrected_version")
    )
    for challenge in challenges:
        challenge.entry = entry
    return challenges


def get_access_log_client(request: HttpRequest, client_id: uuid.UUID) -> tuple[Client, str]:
    """Fetch a client for its access log: 404, audited, unless the user may see the log."""
    user = _user(request)
    client = (
        policy.with_access_facts(Client.objects.filter(uuid=client_id), user)
        .select_related("team")
        .first()
    )
    reason = policy.may_see_access_log(user, client) if client is not None else None
    if client is None or reason is None:
        _refuse(
            request,
            client=client,
            requested=str(client_id),
            need="manage",
            access=policy.decide(user, client) if client is not None else policy.NO_ACCESS,
        )
        raise Http404("No client record found")
    return client, reason


def access_events(client: Client) -> QuerySet[AuditEvent]:
    """Every audit event about the client's record, newest first (indexed on object)."""
    return (
        AuditEvent.objects.filter(object_type="records.client", object_id=str(client.pk))
        .select_related("actor")
        .order_by("-seq")
    )


@dataclass(frozen=True)
class EventPage:
    """One page of a record's access log. Unlike Django's paginator it never counts the whole
    log (a record can gather many thousands of events over eight years): it reads one row past
    the page to know whether an older page exists."""

    number: int
    events: list[AuditEvent]
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def access_events_page(client: Client, page: str | None, *, size: int = 50) -> EventPage:
    """Page ``page`` of the client's events: the first page for anything that is not a positive
    number, or that lies past the end (an old link), rather than an empty page."""
    number = int(page) if page and page.isdigit() and 0 < int(page) < 1_000_000 else 1
    start = (number - 1) * size
    events = list(access_events(client)[start : start + size + 1])
    if not events and number > 1:
        return access_events_page(client, None, size=size)
    return EventPage(number=number, events=events[:size], has_next=len(events) > size)


def entry_attachments(entry: Entry) -> list[Attachment]:
    attachments = list(entry.attachments.select_related("uploaded_by"))
    for attachment in attachments:
        attachment.entry = entry
    return attachments
