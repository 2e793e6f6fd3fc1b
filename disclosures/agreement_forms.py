from __future__ import annotations

from django import forms

from disclosures.agreement_services import FIELDS, AgreementDetails
from disclosures.forms import _choice
from disclosures.models import DataSharingAgreement
from records.forms import _area, _date, _text


class AgreementForm(forms.Form):
    title = _text("Title", required=True, missing="Enter the title of the agreement")
    kind = _choice(
        "Kind",
        DataSharingAgreement.Kind.choices,
        missing="Choose whether it is an agreement or a protocol",
        radio=True,
    )
    partner = _text(
        "Partner organisation",
        required=True,
        missing="Enter the partner organisation",
        help_text="The organisation the agreement is with.",
    )
    parties = _area(
        "Parties",
        required=True,
        missing="Enter every organisation that is party to it",
        help_text="Every organisation that signed it.",
    )
    scope = _area(
        "Scope",
        required=True,
        rows=5,
        missing="Enter its scope: what may be shared, and for what purposes",
        help_text="What may be shared, with whom, for what purposes, and on what legal basis.",
    )
    signed_on = _date("Date signed", help_text="Leave empty if it has not been signed yet.")
    review_on = _date("Review date", required=True, help_text="When it must next be reviewed.")

    def details(self) -> AgreementDetails:
        return AgreementDetails(**{name: self.cleaned_data[name] for name in FIELDS})


def initial_for(agreement: DataSharingAgreement) -> dict[str, object]:
    return {name: getattr(agreement, name) for name in FIELDS}


class EndForm(forms.Form):
    reason = _area(
        "Why is it ended?",
        required=True,
        missing="Say why the agreement is ended",
        help_text="For example: replaced by a new agreement, or the partnership has finished.",
    )
