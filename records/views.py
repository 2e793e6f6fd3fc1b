"""Client record pages. Each view fetches and authorises through :mod:`records.selectors`, calls
one service, and writes the audit event of what it shows before it renders: a page of client data
is not served if its audit event cannot be written."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from accounts.audit import audit_log, render_audited
from accounts.models import Role, Team, User
from disclosures import policy as disclosure_policy
from records import policy, selectors, services
from records.actions import RecordAction
from records.forms import (
    AllocateForm,
    AmendEntryForm,
    AttachmentForm,
    BreakGlassForm,
    BreakGlassReviewForm,
    ChallengeForm,
    ClientDetailsForm,
    ConsentForm,
    CorrectionForm,
    DecisionForm,
    DeclarationForm,
    NewClientForm,
    NewEntryForm,
    NotAlteredForm,
    OffSiteDecisionForm,
    OffSiteForm,
    PrivacyForm,
    SearchForm,
    StatusForm,
    WithdrawConsentForm,
)
from records.models import (
    Allocation,
    BreakGlassAccess,
    Client,
    ClientStatus,
    ConflictDeclaration,
    EntryKind,
    OffSiteRequest,
)
from records.services import RecordError


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _form_error(form: forms.Form, error: RecordError) -> None:
    form.add_error(None, str(error))


# --- Lists ----------------------------------------------------------------------------------


@require_http_methods(["GET"])
def caseload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    clients = list(selectors.with_allocations(policy.caseload(user)))
    response = render(request, "records/caseload.html", {"clients": clients})
    with transaction.atomic():
        selectors.audit_list(request, name="caseload", clients=clients)
    return response


@require_http_methods(["GET"])
def team(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.is_manager(user):
        raise PermissionDenied("The team page is for managers")
    teams = list(Team.objects.filter(pk__in=policy.managed_teams(user)).order_by("name"))
    chosen = request.GET.get("team", "")
    queryset = policy.team_clients(user)
    status = request.GET.get("status", "")
    if chosen.isdigit():
        queryset = queryset.filter(team_id=int(chosen))
    if status in ClientStatus.values:
        queryset = queryset.filter(status=status)
    clients = list(selectors.with_allocations(queryset))
    response = render(
        request,
        "records/team.html",
        {
            "clients": clients,
            "teams": teams,
            "chosen": chosen,
            "status": status,
            "statuses": ClientStatus.choices,
        },
    )
    with transaction.atomic():
        selectors.audit_list(
            request, name="team", clients=clients, detail={"team": chosen, "status": status}
        )
    return response


@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Search by POST, so that names, NHS numbers and dates of birth never sit in a URL."""
    user = _user(request)
    form = SearchForm(request.POST if request.method == "POST" else None)
    clients: list[Client] | None = None
    if form.is_valid():
        clients = list(selectors.with_allocations(selectors.search(user, form.cleaned_data)))
    response = render(request, "records/search.html", {"form": form, "clients": clients})
    with transaction.atomic():
        if clients is not None:
            audit_log(
                action=RecordAction.SEARCHED,
                actor=user,
                object_type="records.client_list",
                object_id="search",
                detail=selectors.search_detail(form.cleaned_data, clients),
                request=request,
            )
    return response


# --- A client's record ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def client_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.may_log_referrals(user):
        raise PermissionDenied("Logging referrals is for administration staff and practitioners")
    form = NewClientForm(request.POST if request.method == "POST" else None, user=user)
    if form.is_valid():
        try:
            client = services.client_create(
                actor=user, team=form.cleaned_data["team"], details=form.details(), request=request
            )
        except RecordError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"Referral logged as {client.reference}")
            return redirect("records:client", client_id=client.uuid)
    return render(request, "records/client_form.html", {"form": form, "creating": True})


@require_http_methods(["GET"])
def client_detail(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client, access = selectors.get_client_for_user(request, client_id)
    entries = selectors.client_entries(client) if access.clinical else []
    response = render(
        request,
        "records/client_detail.html",
        {
            "client": client,
            "access": access,
            "entries": entries,
            "status_form": StatusForm(),
            "may_log_request": disclosure_policy.may_log_request(_user(request)),
            "next_statuses": sorted(services.ALLOWED_STATUS_CHANGES[ClientStatus(client.status)]),
        },
    )
    with transaction.atomic():
        audit_log(
            action=RecordAction.CLIENT_VIEWED,
            actor=_user(request),
            target=client,
            reason=access.reason,
            detail={
                "part": "full" if access.clinical else "administrative",
                "entries_listed": [str(entry.uuid) for entry in entries],
            },
            request=request,
        )
    return response


@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client, access = selectors.get_client_for_user(request, client_id, need="administer")
    form = ClientDetailsForm(
        request.POST if request.method == "POST" else None,
        initial=ClientDetailsForm.initial_from(client),
    )
    if form.is_valid():
        try:
            changed = services.client_update(
                actor=_user(request), client=client, details=form.details(), request=request
            )
        except RecordError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Details saved" if changed else "Nothing changed")
            return redirect("records:client", client_id=client.uuid)
    response = render(
        request,
        "records/client_form.html",
        {"form": form, "client": client, "access": access, "creating": False},
    )
    with transaction.atomic():
        if request.method == "GET":
            audit_log(
                action=RecordAction.CLIENT_VIEWED,
                actor=_user(request),
                target=client,
                reason=access.reason,
                detail={"part": "administrative", "form": "edit"},
                request=request,
            )
    return response


@require_POST
def client_status(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client, _ = selectors.get_client_for_user(request, client_id, need="administer")
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.client_set_status(
                actor=_user(request),
                client=client,
                status=ClientStatus(form.cleaned_data["status"]),
                request=request,
            )
        except RecordError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Status is now {client.get_status_display().lower()}")
    else:
        messages.error(request, "Choose the new status")
    return redirect("records:client", client_id=client.uuid)


@require_http_methods(["GET", "POST"])
def client_allocation(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client, access = selectors.get_client_for_user(request, client_id, need="manage")
    workers = (
        User.objects.filter(is_active=True, groups__name=Role.PRACTITIONER, teams=client.team_id)
        .exclude(allocations__client=client, allocations__ended_at=None)
        .distinct()
        .order_by("last_name", "first_name")
    )
    form = AllocateForm(request.POST if request.method == "POST" else None, workers=workers)
    if form.is_valid():
        try:
            services.client_allocate(
                actor=_user(request),
                client=client,
                worker=form.cleaned_data["worker"],
                request=request,
            )
        except RecordError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Case allocated")
            return redirect("records:client", client_id=client.uuid)
    return render_audited(
        request,
        "records/allocation.html",
        {"client": client, "form": form, "access": access},
        action=RecordAction.CLIENT_VIEWED,
        target=client,
        reason=access.reason,
        detail={"part": "allocation"},
    )


@require_POST
def client_deallocate(
    request: HttpRequest, client_id: uuid.UUID, allocation_id: int
) -> HttpResponse:
    client, _ = selectors.get_client_for_user(request, client_id, need="manage")
    allocation = (
        Allocation.objects.filter(client=client, pk=allocation_id).select_related("worker").first()
    )
    if allocation is None:
        raise Http404("No such allocation")
    allocation.client = client
    try:
        services.client_deallocate(actor=_user(request), allocation=allocation, request=request)
    except RecordError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Allocation ended")
    return redirect("records:client_allocation", client_id=client.uuid)


# --- Entries --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client, _ = selectors.get_client_for_user(request, client_id, need="write")
    form = NewEntryForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            entry = services.entry_create(
                actor=_user(request),
                client=client,
                kind=form.cleaned_data["kind"],
                content=form.content(),
                request=request,
            )
        except RecordError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Entry added")
            return redirect("records:entry", client_id=client.uuid, entry_id=entry.uuid)
    return render(request, "records/entry_form.html", {"client": client, "form": form})


@require_http_methods(["GET"])
def entry_detail(request: HttpRequest, client_id: uuid.UUID, entry_id: uuid.UUID) -> HttpResponse:
    entry, access = selectors.get_entry_for_user(request, client_id, entry_id)
    challenges = selectors.entry_challenges(entry)
    attachments = selectors.entry_attachments(entry)
    response = render(
        request,
        "records/entry_detail.html",
        {
            "client": entry.client,
            "entry": entry,
            "version": entry.current_version,
            "access": access,
            "challenges": challenges,
            "attachments": attachments,
        },
    )
    with transaction.atomic():
        audit_log(
            action=RecordAction.ENTRY_VIEWED,
            actor=_user(request),
            target=entry.client,
            reason=access.reason,
            detail={
                "entry": str(entry.uuid),
                "version": entry.version_count,
                "challenges": [str(c.uuid) for c in challenges],
                "attachments_listed": [str(a.uuid) for a in attachments],
            },
            request=request,
        )
    return response


@require_http_methods(["GET"])
def entry_history(request: HttpRequest, client_id: uuid.UUID, entry_id: uuid.UUID) -> HttpResponse:
    entry, access = selectors.get_entry_for_user(request, client_id, entry_id)
    versions = selectors.entry_versions(entry)
    response = render(
        request,
        "records/entry_history.html",
        {"client": entry.client, "entry": entry, "versions": versions, "access": access},
    )
    with transaction.atomic():
        audit_log(
            action=RecordAction.ENTRY_HISTORY_VIEWED,
            actor=_user(request),
            target=entry.client,
            reason=access.reason,
            detail={"entry": str(entry.uuid), "versions": [v.number for v in versions]},
            request=request,
        )
    return response


@require_http_methods(["GET", "POST"])
def entry_amend(request: HttpRequest, client_id: uuid.UUID, entry_id: uuid.UUID) -> HttpResponse:
    entry, access = selectors.get_entry_for_user(request, client_id, entry_id, need="write")
    current = entry.current_version
    assert current is not None
    initial = {
        "occurred_on": current.occurred_on,
        "title": current.title,
        "body": current.body,
        "special_categories": current.special_categories,
        "third_party": current.third_party,
        "third_party_source": current.third_party_source,
        "withhold_from_sar": current.withhold_from_sar,
        "withhold_reason": current.withhold_reason,
    }
    form = AmendEntryForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        try:
            services.entry_amend(
                actor=_user(request),
                entry=entry,
                content=form.content(),
                reason=form.cleaned_data["amendment_reason"],
                request=request,
            )
        except RecordError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Entry amended: the earlier version stays in its history")
            return redirect("records:entry", client_id=entry.client.uuid, entry_id=entry.uuid)
    response = render(
        request,
        "records/entry_form.html",
        {
            "client": entry.client,
            "entry": entry,
            "form": form,
            "kind_label": EntryKind(entry.kind).label,
        },
    )
    with transaction.atomic():
        if request.method == "GET":
            audit_log(
                action=RecordAction.ENTRY_VIEWED,
                actor=_user(request),
                target=entry.client,
                reason=access.reason,
                detail={"entry": str(entry.uuid), "version": entry.version_count, "form": "amend"},
                request=request,
            )
    return response


# --- Break the glass ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        client = Client.objects.filter(
            reference__iexact=form.cleaned_data["reference"].strip(), data_key_destroyed_at=None
        ).first()
        try:
            if client is None:
                raise services.NotPermitted("no such record")
            services.break_glass(
                actor=user, client=client, reason=form.cleaned_data["reason"], request=request
            )
        except services.NotPermitted:
            # The same answer whether the record is missing or barred to this person.
            form.add_error("reference", "There is no record you can open with that reference")
        except RecordError as error:
            _form_error(form, error)
        else:
            assert client is not None
            minutes = int(policy.break_glass_duration().total_seconds() // 60)
            length = f"{minutes // 60} hours" if minutes % 60 == 0 else f"{minutes} minutes"
            messages.warning(
                request,
                f"You have read-only emergency access to this record for {length}. "
                "Your access and your reason are recorded and will be reviewed.",
            )
            return redirect("records:client", client_id=client.uuid)
    return render(request, "records/break_glass.html", {"form": form})


def _reviewable(user: User) -> list[BreakGlassAccess]:
    return list(
        policy.break_glass_to_review(user)
        .select_related("client__team", "user")
        .order_by("granted_at")
    )


@require_http_methods(["GET"])
def break_glass_reviews(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if policy.may_review_break_glass(user) is None:
        raise PermissionDenied("Reviewing break-the-glass access is for the data team and managers")
    accesses = _reviewable(user)
    response = render(
        request,
        "records/break_glass_reviews.html",
        {"accesses": accesses, "form": BreakGlassReviewForm()},
    )
    with transaction.atomic():
        audit_log(
            action=RecordAction.LIST_VIEWED,
            actor=user,
            object_type="records.breakglassaccess",
            object_id="reviews",
            detail={"shown": [str(a.uuid) for a in accesses], "count": len(accesses)},
            request=request,
        )
    return response


@require_POST
def break_glass_review(request: HttpRequest, access_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    access = next((a for a in _reviewable(user) if a.uuid == access_id), None)
    if access is None:
        raise Http404("Nothing to review")
    form = BreakGlassReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say whether the access was justified")
        return redirect("records:break_glass_reviews")
    try:
        services.break_glass_review(
            actor=user,
            access=access,
            justified=form.cleaned_data["justified"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except RecordError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Review recorded")
    return redirect("records:break_glass_reviews")


# --- Conflict of interest -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def declaration_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = DeclarationForm(request.POST if request.method == "POST" else None, user=user)
    if form.is_valid():
        try:
            services.conflict_declare(
                actor=user,
                team=form.cleaned_data["team"],
                connected_person=form.cleaned_data["connected_person"],
                nature=form.cleaned_data["nature"],
                request=request,
            )
        except RecordError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Declaration sent to your team's managers")
            return redirect("home")
    return render(request, "records/declaration_form.html", {"form": form})


def _declarations_for_manager(user: User) -> list[ConflictDeclaration]:
    return list(
        policy.declarations_to_decide(user)
        .select_related("staff", "team", "client", "decided_by")
        .order_by("decision", "-declared_at")
    )


@require_http_methods(["GET"])
def declarations(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.is_manager(user):
        raise PermissionDenied("Deciding declarations is for managers")
    items = _declarations_for_manager(user)
    response = render(request, "records/declarations.html", {"declarations": items})
    with transaction.atomic():
        audit_log(
            action=RecordAction.LIST_VIEWED,
            actor=user,
            object_type="records.conflictdeclaration",
            object_id="list",
            detail={"shown": [str(d.uuid) for d in items], "count": len(items)},
            request=request,
        )
    return response


@require_http_methods(["GET", "POST"])
def declaration_decide(request: HttpRequest, declaration_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    declaration = next(
        (d for d in _declarations_for_manager(user) if d.uuid == declaration_id), None
    )
    if declaration is None:
        raise Http404("No such declaration")
    action = request.POST.get("action") if request.method == "POST" else None
    form = DecisionForm(request.POST if action == "decide" else None)
    lookup = SearchForm(request.POST if action == "lookup" else None)
    matches: list[Client] | None = None
    events: list[dict[str, object]] = []
    if lookup.is_valid():
        # A manager linking a declaration looks across every record, not only their teams':
        # the connection may be with a client of another team. Exact matches only, audited.
        matches = list(
            selectors.search(
                user,
                lookup.cleaned_data,
                within=Client.objects.filter(data_key_destroyed_at=None).select_related("team"),
            )
        )
        events.append(
            {
                "action": RecordAction.SEARCHED,
                "reason": "conflict_declaration",
                "detail": selectors.search_detail(lookup.cleaned_data, matches),
            }
        )
    if form.is_valid():
        reference = form.cleaned_data["client_reference"].strip()
        client = (
            Client.objects.filter(reference__iexact=reference, data_key_destroyed_at=None).first()
            if reference
            else None
        )
        if reference and client is None:
            form.add_error("client_reference", "There is no record with that case reference")
        else:
            try:
                services.conflict_decide(
                    actor=user,
                    declaration=declaration,
                    client=client,
                    decision=ConflictDeclaration.Decision(form.cleaned_data["decision"]),
                    measures=form.cleaned_data["measures"],
                    reasons=form.cleaned_data["reasons"],
                    client_consulted=form.cleaned_data["client_consulted"],
                    request=request,
                )
            except RecordError as error:
                _form_error(form, error)
            else:
                messages.success(request, "Decision recorded")
                return redirect("records:declarations")
    events.append(
        {"action": RecordAction.DECLARATION_VIEWED, "reason": "team_manager", "detail": {}}
    )
    response = render(
        request,
        "records/declaration_decide.html",
        {"declaration": declaration, "form": form, "lookup": lookup, "matches": matches},
    )
    with transaction.atomic():
        for event in events:
            audit_log(
                actor=user,
                object_type="records.conflictdeclaration",
                object_id=str(declaration.pk),
                request=request,
                **event,  # type: ignore[arg-type]
            )
    return response


# --- Consent --------------------------------------------------------------------------------


@require_http_methods(["GET"])
def consents(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client, access = selectors.get_client_for_user(request, client_id, need="clinical")
    items = selectors.client_consents(client)
    response = render(
        request,
        "records/consents.html",
        {
            "client": client,
            "access": access,
            "consents": items,
            "privacy_form": PrivacyForm(
                initial={
                    "privacy_notice_given_on": client.privacy_notice_given_on,
                    "national_opt_out": client.national_opt_out,
                }
            ),
        },
    )
    with transaction.atomic():
        audit_log(
            action=RecordAction.CONSENT_VIEWED,
            actor=_user(request),
            target=client,
            reason=access.reason,
            detail={"consents_listed": [str(consent.uuid) for consent in items]},
            request=request,
        )
    return response


@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client, access = selectors.get_client_for_user(request, client_id, need="write")
    form = ConsentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.consent_record(
                actor=_user(request), client=client, details=form.details(), request=request
            )
        except RecordError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Consent recorded")
            return redirect("records:consents", client_id=client.uuid)
    return render(
        request, "records/consent_form.html", {"client": client, "access": access, "form": form}
    )


@require_http_methods(["GET", "POST"])
def consent_withdraw(
    request: HttpRequest, client_id: uuid.UUID, consent_id: uuid.UUID
) -> HttpResponse:
    client, access = selectors.get_client_for_user(request, client_id, need="write")
    consent = next((c for c in selectors.client_consents(client) if c.uuid == consent_id), None)
    if consent is None or consent.withdrawn_on is not None:
        raise Http404("No consent in force with that id")
    form = WithdrawConsentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.consent_withdraw(
                actor=_user(request),
                consent=consent,
                on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except RecordError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Withdrawal recorded: the consent no longer covers sharing")
            return redirect("records:consents", client_id=client.uuid)
    return render_audited(
        request,
        "records/consent_withdraw.html",
        {"client": client, "access": access, "consent": consent, "form": form},
        action=RecordAction.CONSENT_VIEWED,
        target=client,
        reason=access.reason,
        detail={"consents_listed": [str(consent.uuid)], "form": "withdraw"},
    )


@require_POST
def client_privacy(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client, _ = selectors.get_client_for_user(request, client_id, need="write")
    form = PrivacyForm(request.POST)
    if form.is_valid():
        try:
            services.client_privacy_record(
                actor=_user(request),
                client=client,
                privacy_notice_given_on=form.cleaned_data["privacy_notice_given_on"],
                national_opt_out=form.cleaned_data["national_opt_out"],
                request=request,
            )
        except RecordError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Privacy information and opt-out saved")
    else:
        messages.error(request, "Enter a real date for the privacy information")
    return redirect("records:consents", client_id=client.uuid)


# --- Challenges to accuracy -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def challenge_new(request: HttpRequest, client_id: uuid.UUID, entry_id: uuid.UUID) -> HttpResponse:
    entry, access = selectors.get_entry_for_user(request, client_id, entry_id, need="write")
    form = ChallengeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.challenge_record(
                actor=_user(request),
                entry=entry,
                raised_on=form.cleaned_data["raised_on"],
                client_view=form.cleaned_data["client_view"],
                request=request,
            )
        except RecordError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Challenge recorded: it is shown with the entry")
            return redirect("records:entry", client_id=entry.client.uuid, entry_id=entry.uuid)
    return render_audited(
        request,
        "records/challenge_form.html",
        {"client": entry.client, "entry": entry, "access": access, "form": form},
        action=RecordAction.ENTRY_VIEWED,
        target=entry.client,
        reason=access.reason,
        detail={"entry": str(entry.uuid), "form": "challenge"},
    )


@require_http_methods(["GET", "POST"])
def challenge_decide(
    request: HttpRequest, client_id: uuid.UUID, entry_id: uuid.UUID, challenge_id: uuid.UUID
) -> HttpResponse:
    entry, access = selectors.get_entry_for_user(request, client_id, entry_id, need="write")
    challenge = next((c for c in selectors.entry_challenges(entry) if c.uuid == challenge_id), None)
    if challenge is None or challenge.outcome != challenge.Outcome.PENDING:
        raise Http404("No undecided challenge with that id")
    current = entry.current_version
    assert current is not None
    action = request.POST.get("action") if request.method == "POST" else None
    correction = CorrectionForm(
        request.POST if action == "correct" else None,
        initial={
            "occurred_on": current.occurred_on,
            "title": current.title,
            "body": current.body,
            "special_categories": current.special_categories,
            "third_party": current.third_party,
            "third_party_source": current.third_party_source,
            "withhold_from_sar": current.withhold_from_sar,
            "withhold_reason": current.withhold_reason,
        },
        prefix="correct",
    )
    keep = NotAlteredForm(request.POST if action == "keep" else None, prefix="keep")
    try:
        if correction.is_valid():
            services.challenge_correct(
                actor=_user(request),
                challenge=challenge,
                content=correction.content(),
                note=correction.cleaned_data["correction_note"],
                request=request,
            )
            messages.success(request, "Entry corrected: the earlier version stays in its history")
            return redirect("records:entry", client_id=entry.client.uuid, entry_id=entry.uuid)
        if keep.is_valid():
            services.challenge_not_altered(
                actor=_user(request),
                challenge=challenge,
                note=keep.cleaned_data["note"],
                request=request,
            )
            messages.success(
                request, "Decision recorded: the client's view is shown with the entry"
            )
            return redirect("records:entry", client_id=entry.client.uuid, entry_id=entry.uuid)
    except RecordError as error:
        _form_error(correction if action == "correct" else keep, error)
    return render_audited(
        request,
        "records/challenge_decide.html",
        {
            "client": entry.client,
            "entry": entry,
            "version": current,
            "challenge": challenge,
            "access": access,
            "correction": correction,
            "keep": keep,
        },
        action=RecordAction.ENTRY_VIEWED,
        target=entry.client,
        reason=access.reason,
        detail={
            "entry": str(entry.uuid),
            "version": entry.version_count,
            "challenge": str(challenge.uuid),
        },
    )


# --- Taking records off site ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def off_site(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    need: selectors.Need = "write" if request.method == "POST" else "clinical"
    client, access = selectors.get_client_for_user(request, client_id, need=need)
    form = OffSiteForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.off_site_request(
                actor=_user(request), client=client, details=form.details(), request=request
            )
        except RecordError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Request sent to the team's managers")
            return redirect("records:off_site", client_id=client.uuid)
    items = list(
        client.off_site_requests.select_related("requested_by", "decided_by").order_by(
            "-requested_at"
        )
    )
    for item in items:
        item.client = client
    response = render(
        request,
        "records/off_site.html",
        {
            "client": client,
            "access": access,
            "items": items,
            "form": form,
            "decision_form": OffSiteDecisionForm(),
            "user_id": _user(request).pk,
        },
    )
    with transaction.atomic():
        audit_log(
            action=RecordAction.OFF_SITE_VIEWED,
            actor=_user(request),
            target=client,
            reason=access.reason,
            detail={"requests_listed": [str(item.uuid) for item in items]},
            request=request,
        )
    return response


def _off_site_item(client: Client, request_id: uuid.UUID) -> OffSiteRequest:
    item = client.off_site_requests.filter(uuid=request_id).first()
    if item is None:
        raise Http404("No such request")
    item.client = client
    return item


@require_POST
def off_site_decide(
    request: HttpRequest, client_id: uuid.UUID, request_id: uuid.UUID
) -> HttpResponse:
    client, _ = selectors.get_client_for_user(request, client_id, need="manage")
    item = _off_site_item(client, request_id)
    form = OffSiteDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or refuse")
        return redirect("records:off_site", client_id=client.uuid)
    try:
        services.off_site_decide(
            actor=_user(request),
            item=item,
            approve=form.cleaned_data["approve"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except RecordError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Decision recorded")
    return redirect("records:off_site", client_id=client.uuid)


@require_POST
def off_site_return(
    request: HttpRequest, client_id: uuid.UUID, request_id: uuid.UUID
) -> HttpResponse:
    client, _ = selectors.get_client_for_user(request, client_id, need="clinical")
    item = _off_site_item(client, request_id)
    try:
        services.off_site_returned(actor=_user(request), item=item, request=request)
    except RecordError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Return recorded")
    return redirect("records:off_site", client_id=client.uuid)


@require_http_methods(["GET"])
def off_site_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.is_manager(user):
        raise PermissionDenied("Approving off-site requests is for managers")
    items = list(
        OffSiteRequest.objects.filter(
            client__team_id__in=policy.managed_teams(user),
            status=OffSiteRequest.Status.PENDING,
        )
        .exclude(requested_by=user)
        .select_related("client__team", "requested_by")
        .order_by("leave_on")
    )
    response = render(request, "records/off_site_queue.html", {"items": items})
    with transaction.atomic():
        audit_log(
            action=RecordAction.LIST_VIEWED,
            actor=user,
            object_type="records.offsiterequest",
            object_id="queue",
            detail={"shown": [item.client_id for item in items], "count": len(items)},
            request=request,
        )
    return response


# --- Who has accessed this record -----------------------------------------------------------

ACTION_LABELS = dict(RecordAction.choices)
REASON_LABELS = dict(policy.Reason.choices)


@require_http_methods(["GET"])
def client_accesses(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client, reason = selectors.get_access_log_client(request, client_id)
    page = selectors.access_events_page(client, request.GET.get("page"))
    events = page.events
    rows = [
        {
            "event": event,
            "action": ACTION_LABELS.get(event.action, event.action),
            "reason": REASON_LABELS.get(event.reason, event.reason),
        }
        for event in events
    ]
    response = render(
        request,
        "records/client_accesses.html",
        {
            "client": client,
            "page": page,
            "rows": rows,
            "may_log_rights_requests": disclosure_policy.may_log_rights_requests(_user(request)),
        },
    )
    with transaction.atomic():
        audit_log(
            action=RecordAction.ACCESS_LOG_VIEWED,
            actor=_user(request),
            target=client,
            reason=reason,
            detail={"page": page.number, "events_shown": [event.seq for event in events]},
            request=request,
        )
    return response


@require_http_methods(["GET", "POST"])
def access_log_lookup(request: HttpRequest) -> HttpResponse:
    """The IG lead finds any record's access log, by exact match, to answer a client."""
    user = _user(request)
    if not policy.may_find_any_access_log(user):
        raise PermissionDenied("Finding any record's access log is for the IG lead")
    form = SearchForm(request.POST if request.method == "POST" else None)
    clients: list[Client] | None = None
    if form.is_valid():
        clients = [
            client
            for client in selectors.search(
                user, form.cleaned_data, within=Client.objects.select_related("team")
            )
            if policy.may_see_access_log(user, client) is not None
        ]
    response = render(request, "records/access_log_lookup.html", {"form": form, "clients": clients})
    with transaction.atomic():
        if clients is not None:
            audit_log(
                action=RecordAction.SEARCHED,
                actor=user,
                object_type="records.client_list",
                object_id="access_log_lookup",
                reason=policy.Reason.IG_DUTY,
                detail=selectors.search_detail(form.cleaned_data, clients),
                request=request,
            )
    return response


# --- Case documents -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def attachment_new(request: HttpRequest, client_id: uuid.UUID, entry_id: uuid.UUID) -> HttpResponse:
    entry, access = selectors.get_entry_for_user(request, client_id, entry_id, need="write")
    form = AttachmentForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    limit_mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    too_big = (
        request.method == "POST"
        and "file" not in request.FILES
        and int(request.META.get("CONTENT_LENGTH") or 0) > settings.ATTACHMENT_MAX_BYTES
    )
    if too_big:
        # Uploads above the limit are never held (not even in a temporary file): say why.
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", f"The file must be {limit_mb} MB or smaller")
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.attachment_add(
                actor=_user(request),
                entry=entry,
                filename=upload.name or "",
                data=upload.read(),
                request=request,
            )
        except RecordError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, "Document attached")
            return redirect("records:entry", client_id=entry.client.uuid, entry_id=entry.uuid)
    return render_audited(
        request,
        "records/attachment_form.html",
        {
            "client": entry.client,
            "entry": entry,
            "access": access,
            "form": form,
            "limit_mb": limit_mb,
        },
        action=RecordAction.ENTRY_VIEWED,
        target=entry.client,
        reason=access.reason,
        detail={"entry": str(entry.uuid), "form": "attach"},
    )


@require_http_methods(["GET"])
def attachment_download(
    request: HttpRequest, client_id: uuid.UUID, entry_id: uuid.UUID, attachment_id: uuid.UUID
) -> HttpResponse:
    entry, access = selectors.get_entry_for_user(request, client_id, entry_id)
    attachment = next(
        (a for a in selectors.entry_attachments(entry) if a.uuid == attachment_id), None
    )
    if attachment is None:
        raise Http404("No such document")
    data = services.attachment_read(attachment)
    with transaction.atomic():
        audit_log(
            action=RecordAction.ATTACHMENT_VIEWED,
            actor=_user(request),
            target=entry.client,
            reason=access.reason,
            detail={"entry": str(entry.uuid), "attachment": str(attachment.uuid)},
            request=request,
        )
        response = HttpResponse(data, content_type=attachment.content_type)
        response["Content-Disposition"] = (
            content_disposition_header(as_attachment=True, filename=attachment.filename)
            or "attachment"
        )
        response["Cache-Control"] = "no-store, private"
        return response
