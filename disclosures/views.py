"""Disclosure case pages. Each view fetches and authorises through :mod:`disclosures.selectors`,
calls one service, and writes the audit event of what it shows in the same transaction as the
render."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from accounts.audit import render_audited
from accounts.models import User
from disclosures import policy, rights, rules, selectors, services
from disclosures.actions import DisclosureAction
from disclosures.errors import DisclosureError, NotPermitted
from disclosures.forms import (
    ClockRestartForm,
    ClockStopForm,
    CorrectionForm,
    DecisionForm,
    ExtendForm,
    ReleaseForm,
    RequestForm,
    ReviewForm,
    RightsAnswerForm,
    SubjectAccessForm,
    VerifyForm,
    WithdrawForm,
)
from disclosures.models import (
    CLOCKED_KINDS,
    DisclosureCase,
    EntryField,
    RequestKind,
    RightsOutcome,
)
from records import selectors as record_selectors


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _form_error(form: forms.Form, error: DisclosureError) -> None:
    form.add_error(None, str(error))


def _render_case_page(
    request: HttpRequest,
    template: str,
    context: dict[str, object],
    *,
    case: DisclosureCase,
    access: policy.CaseAccess,
    page: str,
    entries_shown: list[str] | None = None,
) -> HttpResponse:
    """Render a page about a case with its audit event (which entries' content it shows, if
    any) in the same transaction: if the event cannot be written, the page is not served."""
    return render_audited(
        request,
        template,
        {"case": case, "access": access, **context},
        action=DisclosureAction.VIEWED,
        target=case.client,
        reason=access.reason,
        detail={
            "case": str(case.uuid),
            "page": page,
            "content": access.content,
            "entries_shown": entries_shown or [],
        },
    )


def _shown(context: dict[str, object], access: policy.CaseAccess) -> list[str]:
    """The entries whose content a case page shows: the current proposal's, to those who may."""
    items = context.get("items") or []
    if not access.content or not context.get("sections"):
        return []
    return [str(item.entry.uuid) for item in items]  # type: ignore[attr-defined]


# --- Lists ----------------------------------------------------------------------------------


@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    show = request.GET.get("show", "open")
    queryset = policy.visible_cases(user)
    if show != "all":
        queryset = queryset.filter(closed_at__isnull=True)
    cases = selectors.case_list(queryset)
    response = render(request, "disclosures/case_list.html", {"cases": cases, "show": show})
    with transaction.atomic():
        selectors.audit_shown(request, name=show, cases=cases)
    return response


@require_http_methods(["GET"])
def guardian_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.is_guardian(user):
        raise PermissionDenied("The queue is the Caldicott Guardian's")
    cases = selectors.guardian_queue(user)
    response = render(request, "disclosures/guardian_queue.html", {"cases": cases})
    with transaction.atomic():
        selectors.audit_shown(request, name="guardian_queue", cases=cases)
    return response


# --- Intake ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    kinds: tuple[str, ...] | None = None
    reason: str
    if policy.may_log_rights_requests(user) and not policy.may_log_request(user):
        # The IG lead reaches the record through its access log, and logs the person's own
        # requests: subject access and the other rights.
        client, reason = record_selectors.get_access_log_client(request, client_id)
        kinds = CLOCKED_KINDS
    else:
        client, client_access = record_selectors.get_client_for_user(request, client_id)
        if not policy.may_log_request(user):
            raise PermissionDenied("You cannot log requests for information")
        reason = client_access.reason
    form = RequestForm(request.POST if request.method == "POST" else None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(
                actor=_user(request), client=client, details=form.details(), request=request
            )
        except DisclosureError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Request logged. It now needs verifying and a decision.")
            return redirect("disclosures:case", case_id=case.uuid)
    return render_audited(
        request,
        "disclosures/case_new.html",
        {"client": client, "form": form, "rights_only": kinds is not None},
        action=DisclosureAction.VIEWED,
        target=client,
        reason=reason,
        detail={"page": "new_request"},
    )


# --- The case -------------------------------------------------------------------------------


def _preview(case: DisclosureCase, access: policy.CaseAccess) -> dict[str, object]:
    proposals = selectors.case_proposals(case)
    releases = selectors.case_releases(case)
    current = proposals[-1] if proposals else None
    return {
        **_clock(case),
        "exemptions": rights.proposal_exemptions(current)
        if current is not None and case.is_subject_access and access.content
        else [],
        "proposals": proposals,
        "current": current,
        "sections": services.proposal_sections(current)
        if current is not None and current.share and access.content
        else [],
        "items": services.proposal_items(current) if current is not None else [],
        "release_problems": services.release_check(case, current)
        if current is not None and current.share and case.is_open
        else [],
        "releases": releases,
        "history": selectors.case_history(case, proposals, releases),
    }


def _clock(case: DisclosureCase) -> dict[str, object]:
    if not case.is_clocked:
        return {}
    pauses = list(case.pauses.select_related("started_by", "ended_by"))
    return {
        "pauses": pauses,
        "clock_stopped": any(pause.running for pause in pauses),
        "tell_extension_by": rights.tell_extension_by(case),
    }


@require_http_methods(["GET"])
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case, access = selectors.get_case_for_user(request, case_id)
    context = _preview(case, access)
    return _render_case_page(
        request,
        "disclosures/case_detail.html",
        context,
        case=case,
        access=access,
        page="case",
        entries_shown=_shown(context, access),
    )


@require_http_methods(["GET", "POST"])
def case_verify(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case, access = selectors.get_case_for_user(request, case_id, need="verify")
    form = VerifyForm(
        request.POST if request.method == "POST" else None,
        referrer=case.kind == RequestKind.REFERRER,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.case_verify(
                actor=_user(request),
                case=case,
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
                referrer_confirmed=form.cleaned_data.get("referrer_confirmed", False),
                request=request,
            )
        except DisclosureError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Verification recorded.")
            return redirect("disclosures:case", case_id=case.uuid)
    return _render_case_page(
        request, "disclosures/verify.html", {"form": form}, case=case, access=access, page="verify"
    )


@require_http_methods(["GET", "POST"])
def case_decide(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case, access = selectors.get_case_for_user(request, case_id, need="decide")
    entries = record_selectors.client_entries(case.client)
    form = DecisionForm(
        request.POST if request.method == "POST" else None,
        entries=entries,
        referrer=case.kind == RequestKind.REFERRER,
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.case_propose(
                actor=_user(request), case=case, decision=form.decision(), request=request
            )
        except DisclosureError as error:
            _form_error(form, error)
        else:
            if proposal.needs_guardian:
                messages.success(
                    request, "Decision recorded. It now waits for the Caldicott Guardian."
                )
            else:
                messages.success(request, "Decision recorded.")
            return redirect("disclosures:case", case_id=case.uuid)
    chosen = set(form["items"].value() or [])
    rows = [
        {
            "entry": entry,
            "fields": [
                {
                    "value": f"{entry.uuid}:{code}",
                    "label": label,
                    "checked": f"{entry.uuid}:{code}" in chosen,
                }
                for code, label in EntryField.choices
            ],
        }
        for entry in entries
    ]
    return _render_case_page(
        request,
        "disclosures/decide.html",
        {
            "form": form,
            "rows": rows,
            "consents": selectors.consent_positions(case),
            "statements_only": rules.referrer_statements_only(case),
        },
        case=case,
        access=access,
        page="decide",
        entries_shown=[str(entry.uuid) for entry in entries],
    )


@require_http_methods(["GET", "POST"])
def case_review(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case, access = selectors.get_case_for_user(request, case_id, need="review")
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.guardian_review(
                actor=_user(request),
                case=case,
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data["reasons"],
                request=request,
            )
        except DisclosureError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Your decision is recorded.")
            return redirect("disclosures:guardian_queue")
    context = {"form": form, **_preview(case, access)}
    return _render_case_page(
        request,
        "disclosures/review.html",
        context,
        case=case,
        access=access,
        page="review",
        entries_shown=_shown(context, access),
    )


@require_http_methods(["GET", "POST"])
def case_release(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case, access = selectors.get_case_for_user(request, case_id, need="release")
    form = ReleaseForm(
        request.POST if request.method == "POST" else None,
        initial={"recipient": case.recipient_label},
        subject_access=case.is_subject_access,
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry, password = services.case_release(
                actor=_user(request), case=case, details=form.details(), request=request
            )
        except DisclosureError as error:
            _form_error(form, error)
        else:
            if password is None:
                messages.success(request, "Release recorded in the disclosure log.")
                return redirect("disclosures:case", case_id=case.uuid)
            # The password is shown on this response only; it is not stored anywhere.
            return render(
                request,
                "disclosures/released.html",
                {"case": case, "entry": entry, "password": password},
            )
    context = {"form": form, **_preview(case, access)}
    return _render_case_page(
        request,
        "disclosures/release.html",
        context,
        case=case,
        access=access,
        page="release",
        entries_shown=_shown(context, access),
    )


@require_http_methods(["GET"])
def release_bundle(request: HttpRequest, case_id: uuid.UUID, release_id: uuid.UUID) -> HttpResponse:
    entry, _access = selectors.get_release_for_user(request, case_id, release_id, need="content")
    with transaction.atomic():
        try:
            data = services.bundle_read(actor=_user(request), entry=entry, request=request)
        except NotPermitted as error:
            raise PermissionDenied(str(error)) from error
        except DisclosureError as error:
            messages.error(request, str(error))
            return redirect("disclosures:case", case_id=case_id)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = (
            content_disposition_header(as_attachment=True, filename=f"disclosure-{entry.uuid}.pdf")
            or "attachment"
        )
        return response


@require_http_methods(["GET", "POST"])
def release_correct(
    request: HttpRequest, case_id: uuid.UUID, release_id: uuid.UUID
) -> HttpResponse:
    entry, access = selectors.get_release_for_user(request, case_id, release_id, need="correct")
    form = CorrectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.release_correct(
                actor=_user(request),
                entry=entry,
                note=form.cleaned_data["note"],
                client_told=form.cleaned_data["client_told"],
                request=request,
            )
        except NotPermitted as error:
            raise PermissionDenied(str(error)) from error
        except DisclosureError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Correction added to the disclosure log.")
            return redirect("disclosures:case", case_id=case_id)
    return _render_case_page(
        request,
        "disclosures/correct.html",
        {"form": form, "entry": entry},
        case=entry.case,
        access=access,
        page="correct",
    )


@require_http_methods(["GET", "POST"])
def case_withdraw(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case, access = selectors.get_case_for_user(request, case_id, need="withdraw")
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_withdraw(
                actor=_user(request),
                case=case,
                reasons=form.cleaned_data["reasons"],
                request=request,
            )
        except DisclosureError as error:
            _form_error(form, error)
        else:
            messages.success(request, "The request is closed.")
            return redirect("disclosures:case", case_id=case.uuid)
    return _render_case_page(
        request,
        "disclosures/withdraw.html",
        {"form": form},
        case=case,
        access=access,
        page="withdraw",
    )


# --- A client's disclosure log -----------------------------------------------------------


@require_http_methods(["GET"])
def client_log(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    """Every disclosure made about a client, to whom, what and why: for those who answer for the
    record's access log (its team manager, and the IG lead for any record)."""
    client, reason = record_selectors.get_access_log_client(request, client_id)
    releases = selectors.client_disclosure_log(client)
    cases = list(
        DisclosureCase.objects.filter(client=client)
        .select_related("logged_by")
        .order_by("-received_on")
    )
    return render_audited(
        request,
        "disclosures/client_log.html",
        {"client": client, "releases": releases, "cases": cases},
        action=DisclosureAction.LOG_VIEWED,
        target=client,
        reason=reason,
        detail={"releases": len(releases), "cases": len(cases)},
    )


# --- Subject access and the other rights ------------------------------------------------------


@require_http_methods(["GET"])
def deadlines(request: HttpRequest) -> HttpResponse:
    """The IG lead's open subject access and rights requests, soonest due first."""
    user = _user(request)
    if not policy.may_log_rights_requests(user):
        raise PermissionDenied("Data-subject requests are the IG lead's")
    cases = selectors.deadline_list(user)
    response = render(request, "disclosures/deadlines.html", {"cases": cases})
    with transaction.atomic():
        selectors.audit_shown(request, name="deadlines", cases=cases)
    return response


def _clock_page(
    request: HttpRequest,
    case_id: uuid.UUID,
    form_class: type[forms.Form],
    *,
    template: str,
    page: str,
    act: Callable[[DisclosureCase, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    case, access = selectors.get_case_for_user(request, case_id, need="clock")
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            act(case, form.cleaned_data)
        except DisclosureError as error:
            _form_error(form, error)
        else:
            messages.success(request, done)
            return redirect("disclosures:case", case_id=case.uuid)
    return _render_case_page(
        request, template, {"form": form, **_clock(case)}, case=case, access=access, page=page
    )


@require_http_methods(["GET", "POST"])
def clock_stop(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _clock_page(
        request,
        case_id,
        ClockStopForm,
        template="disclosures/clock_stop.html",
        page="clock_stop",
        act=lambda case, data: (
            rights.clock_stop(
                actor=_user(request),
                case=case,
                reason=data["reason"],
                started_on=data["started_on"],
                request=request,
            )
            and None
        ),
        done="The clock is stopped until what you asked for arrives.",
    )


@require_http_methods(["GET", "POST"])
def clock_restart(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _clock_page(
        request,
        case_id,
        ClockRestartForm,
        template="disclosures/clock_restart.html",
        page="clock_restart",
        act=lambda case, data: rights.clock_restart(
            actor=_user(request), case=case, ended_on=data["ended_on"], request=request
        ),
        done="The clock is running again; the days it stood still are added to the deadline.",
    )


@require_http_methods(["GET", "POST"])
def clock_extend(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _clock_page(
        request,
        case_id,
        ExtendForm,
        template="disclosures/clock_extend.html",
        page="clock_extend",
        act=lambda case, data: rights.clock_extend(
            actor=_user(request),
            case=case,
            months=data["months"],
            reason=data["reason"],
            told_on=data["told_on"],
            request=request,
        ),
        done="Deadline extended.",
    )


@require_http_methods(["GET", "POST"])
def subject_access(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Decide a subject access request: what the search found, what goes and what is left out
    and why."""
    case, access = selectors.get_case_for_user(request, case_id, need="decide")
    if not case.is_subject_access:
        return redirect("disclosures:decide", case_id=case.uuid)
    form = SubjectAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = rights.sar_propose(
                actor=_user(request),
                case=case,
                reasons=form.cleaned_data["reasons"],
                doubt=form.cleaned_data["doubt"],
                request=request,
            )
        except NotPermitted as error:
            raise PermissionDenied(str(error)) from error
        except DisclosureError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                "Decision recorded. It now waits for the Caldicott Guardian."
                if proposal.needs_guardian
                else "Decision recorded: the bundle is ready to release.",
            )
            return redirect("disclosures:case", case_id=case.uuid)
    found = rights.subject_access_set(case)
    return _render_case_page(
        request,
        "disclosures/subject_access.html",
        {"form": form, "found": found},
        case=case,
        access=access,
        page="subject_access",
        entries_shown=[str(entry.uuid) for entry, _ in found.included]
        + [str(row.entry.uuid) for row in found.exempt],
    )


@require_http_methods(["GET", "POST"])
def rights_answer(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case, access = selectors.get_case_for_user(request, case_id, need="answer")
    challenges = (
        rights.rectification_challenges(case) if case.kind == RequestKind.RECTIFICATION else []
    )
    form = RightsAnswerForm(
        request.POST if request.method == "POST" else None, challenges=challenges
    )
    if request.method == "POST" and form.is_valid():
        try:
            rights.rights_answer(
                actor=_user(request),
                case=case,
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data["reasons"],
                challenge=form.chosen_challenge(),
                request=request,
            )
        except DisclosureError as error:
            _form_error(form, error)
        else:
            if case.kind == RequestKind.ERASURE and case.outcome == RightsOutcome.DONE:
                messages.success(
                    request,
                    "The request is answered. The record is now in the disposal reviews, where "
                    "you approve its destruction.",
                )
            else:
                messages.success(request, "The request is answered and closed.")
            return redirect("disclosures:case", case_id=case.uuid)
    return _render_case_page(
        request,
        "disclosures/rights_answer.html",
        {"form": form, "challenges": challenges, **_clock(case)},
        case=case,
        access=access,
        page="rights_answer",
    )
