"""Reads of the register of data-sharing agreements: fetch-and-authorise, the register in the
order the IG lead works through it, and how often an agreement has been relied on."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpRequest

from accounts.models import User
from disclosures import policy
from disclosures.models import DataSharingAgreement, Proposal, Release


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def get_agreement_for_user(
    request: HttpRequest, agreement_id: int, *, manage: bool = False
) -> DataSharingAgreement:
    """The agreement, if the user may read the register (403 otherwise) and, with ``manage``,
    change it (403 otherwise). The register is organisational, so saying that an agreement
    exists tells an outsider nothing about anyone: refusals are 403, a missing one 404."""
    user = _user(request)
    allowed = policy.may_manage_agreements(user) if manage else policy.may_see_agreements(user)
    if not allowed:
        raise PermissionDenied(
            "Only the IG lead can change the register of data-sharing agreements"
            if manage
            else "The register of data-sharing agreements is for those who decide disclosures"
        )
    agreement = (
        DataSharingAgreement.objects.select_related("ended_by").filter(pk=agreement_id).first()
    )
    if agreement is None:
        raise Http404("No such agreement")
    return agreement


@dataclass(frozen=True)
class Register:
    in_force: list[DataSharingAgreement]
    ended: list[DataSharingAgreement]


def register() -> Register:
    """Agreements in force, the earliest review first (so the overdue ones lead); then the ended
    ones, most recently ended first."""
    agreements = DataSharingAgreement.objects.select_related("ended_by")
    return Register(
        in_force=list(agreements.filter(active=True).order_by("review_on", "partner", "title")),
        ended=list(
            agreements.filter(active=False).order_by(
                F("ended_at").desc(nulls_last=True), "partner", "title"
            )
        ),
    )


@dataclass(frozen=True)
class Citations:
    decisions: int  # proposals that relied on it, whatever became of them
    releases: int  # entries in the disclosure log made under it


def citations(agreement: DataSharingAgreement) -> Citations:
    return Citations(
        decisions=Proposal.objects.filter(agreement=agreement).count(),
        releases=Release.objects.filter(agreement=agreement).count(),
    )
