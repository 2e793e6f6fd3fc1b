"""The register of data-sharing agreements: read by everyone who takes part in disclosure
decisions, kept by the IG lead. Agreements are organisational, not personal data, so reading them
is not access-audited; every change is, by its service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import User
from disclosures import agreement_selectors, agreement_services, policy
from disclosures.agreement_forms import AgreementForm, EndForm, initial_for
from disclosures.errors import DisclosureError
from disclosures.models import DataSharingAgreement


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _refuse_ended(request: HttpRequest, agreement: DataSharingAgreement) -> HttpResponse:
    messages.error(request, f"{agreement_services.ENDED}.")
    return redirect("disclosures:agreement", agreement_id=agreement.pk)


@require_http_methods(["GET"])
def agreement_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.may_see_agreements(user):
        raise PermissionDenied(
            "The register of data-sharing agreements is for those who decide disclosures"
        )
    return render(
        request,
        "disclosures/agreements.html",
        {
            "register": agreement_selectors.register(),
            "may_manage": policy.may_manage_agreements(user),
        },
    )


@require_http_methods(["GET", "POST"])
def agreement_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.may_manage_agreements(user):
        raise PermissionDenied("Only the IG lead can add to the register")
    form = AgreementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = agreement_services.agreement_create(
                actor=user, details=form.details(), request=request
            )
        except DisclosureError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Agreement added to the register.")
            return redirect("disclosures:agreement", agreement_id=agreement.pk)
    return render(
        request,
        "disclosures/agreement_form.html",
        {
            "form": form,
            "heading": "Add a data-sharing agreement",
            "submit": "Add to the register",
        },
    )


@require_http_methods(["GET"])
def agreement_detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = agreement_selectors.get_agreement_for_user(request, agreement_id)
    return render(
        request,
        "disclosures/agreement_detail.html",
        {
            "agreement": agreement,
            "citations": agreement_selectors.citations(agreement),
            "may_manage": policy.may_manage_agreements(_user(request)),
        },
    )


@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = agreement_selectors.get_agreement_for_user(request, agreement_id, manage=True)
    if not agreement.active:
        return _refuse_ended(request, agreement)
    form = AgreementForm(
        request.POST if request.method == "POST" else None, initial=initial_for(agreement)
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = agreement_services.agreement_update(
                actor=_user(request), agreement=agreement, details=form.details(), request=request
            )
        except agreement_services.AgreementEnded:
            return _refuse_ended(request, agreement)
        except DisclosureError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Agreement updated." if changed else "Nothing was changed.")
            return redirect("disclosures:agreement", agreement_id=agreement.pk)
    return render(
        request,
        "disclosures/agreement_form.html",
        {
            "form": form,
            "agreement": agreement,
            "heading": "Change the agreement",
            "submit": "Save changes",
        },
    )


@require_http_methods(["GET", "POST"])
def agreement_end(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = agreement_selectors.get_agreement_for_user(request, agreement_id, manage=True)
    if not agreement.active:
        return _refuse_ended(request, agreement)
    form = EndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement_services.agreement_end(
                actor=_user(request),
                agreement=agreement,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except agreement_services.AgreementEnded:
            return _refuse_ended(request, agreement)
        except DisclosureError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Agreement ended. Decisions can no longer rely on it.")
            return redirect("disclosures:agreement", agreement_id=agreement.pk)
    return render(
        request,
        "disclosures/agreement_form.html",
        {
            "form": form,
            "agreement": agreement,
            "heading": "End the agreement",
            "intro": "Decisions can no longer rely on an agreement once it has ended. It stays in "
            "the register, with the reason, for the decisions and releases that cited it.",
            "submit": "End the agreement",
            "warning": True,
        },
    )
