from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from disclosures.models import (
    Article9Condition,
    Channel,
    ClientField,
    ClockStop,
    DataSharingAgreement,
    EntryField,
    GuardianReview,
    LawfulBasis,
    ReleaseMethod,
    RequesterBody,
    RequestKind,
    RightsOutcome,
    SharingException,
    Statement,
    Urgency,
    VerificationMethod,
)
from disclosures.services import DecisionDetails, ReleaseDetails, RequestDetails
from records.forms import _area, _date, _text
from records.models import Challenge, ConsentPurpose, Entry

YES_NO = [("yes", "Yes"), ("no", "No")]


def _choice(
    label: str,
    choices: Sequence[tuple[str, str]],
    *,
    missing: str,
    radio: bool = False,
    required: bool = True,
    help_text: str = "",
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=list(choices) if required or radio else [("", "Choose…"), *choices],
        required=required,
        help_text=help_text,
        widget=forms.RadioSelect if radio else forms.Select,
        error_messages={"required": missing, "invalid_choice": missing},
    )


def _yes_no(label: str, *, missing: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": missing},
    )


def _channel_choices() -> list[tuple[str, str]]:
    labels = dict(Channel.choices)
    labels[Channel.POLICE_FORM] = (
        f"Police data-protection request form ({settings.POLICE_FORM_NAME})"
    )
    return list(labels.items())


class RequestForm(forms.Form):
    kind = _choice(
        "What kind of request is it?",
        RequestKind.choices,
        missing="Choose what kind of request this is",
        radio=True,
    )
    requester_body = _choice(
        "Who is asking?",
        RequesterBody.choices,
        missing="Choose who is asking",
        required=False,
        help_text="For urgent calls and other agencies.",
    )
    channel = _choice("How did it arrive?", Channel.choices, missing="Say how the request arrived")
    urgency = _choice(
        "How urgent is it?", Urgency.choices, missing="Say how urgent the request is", radio=True
    )
    received_on = _date("Date received", required=True)
    requester_name = _text("Requester's name", help_text="The person asking.")
    requester_organisation = _text("Requester's organisation")
    requester_contact = _text(
        "How to reach them",
        help_text="A switchboard number or address you can check independently.",
    )
    purpose = _area("The purpose they gave")
    asked_for = _area("What they ask for", required=True, missing="Enter what is asked for")
    legal_basis_cited = _text(
        "Legal basis they cite",
        help_text="For example: DPA 2018 Schedule 2 Part 1 paragraph 2; a court order's reference.",
    )
    caller_told_call_back = forms.BooleanField(
        label="I have told the caller they will be called back while the request is reviewed",
        required=False,
    )

    def __init__(self, *args: Any, kinds: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel = self.fields["channel"]
        assert isinstance(channel, forms.ChoiceField)
        channel.choices = _channel_choices()
        if kinds is not None:
            # The IG lead logs the person's own requests only.
            kind = self.fields["kind"]
            assert isinstance(kind, forms.ChoiceField)
            kind.choices = [(code, label) for code, label in RequestKind.choices if code in kinds]
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["urgency"].initial = Urgency.ROUTINE

    def details(self) -> RequestDetails:
        data = self.cleaned_data
        return RequestDetails(**{name: data[name] for name in self.fields})


class VerifyForm(forms.Form):
    method = _choice(
        "How was the requester verified?",
        VerificationMethod.choices,
        missing="Choose how the requester was verified",
        radio=True,
    )
    note = _area(
        "Details",
        required=True,
        missing="Say how you verified them",
        help_text="Who you called back and how you found the number, or what you saw.",
    )
    referrer_confirmed = forms.BooleanField(
        label="The requester is the referrer named on the record", required=False
    )

    def __init__(self, *args: Any, referrer: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not referrer:
            del self.fields["referrer_confirmed"]


class DecisionForm(forms.Form):
    share = _yes_no("Share information?", missing="Say whether to share information")
    consent_purpose = _choice(
        "What would it be shared for?",
        ConsentPurpose.choices,
        missing="Choose the purpose",
        required=False,
        help_text="The consent position below is for this purpose.",
    )
    exception = _choice(
        "Without consent, the exception that justifies sharing",
        SharingException.choices,
        missing="Choose the exception",
        required=False,
    )
    lawful_basis = _choice(
        "Article 6 lawful basis", LawfulBasis.choices, missing="Choose the basis", required=False
    )
    article9_condition = _choice(
        "Article 9 condition, for special-category information",
        Article9Condition.choices,
        missing="Choose the condition",
        required=False,
    )
    agreement = forms.ModelChoiceField(
        label="Data-sharing agreement or protocol relied on",
        queryset=DataSharingAgreement.objects.filter(active=True),
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose an agreement from the register"},
    )
    client_fields = forms.MultipleChoiceField(
        label="Details from the record",
        choices=ClientField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    statements = forms.MultipleChoiceField(
        label="Statements to the referrer",
        choices=Statement.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    items = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    doubt = forms.BooleanField(
        label="I am in doubt: pass this decision to the Caldicott Guardian", required=False
    )
    reasons = _area(
        "Reasons for the decision",
        required=True,
        rows=5,
        missing="Give the reasons for the decision, whether to share or not",
    )
    reply = _area(
        "What the requester will be told",
        help_text="When information is not shared. Family or friends without consent are always "
        "told only that we can neither confirm nor deny.",
    )

    def __init__(self, *args: Any, entries: Sequence[Entry], referrer: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = self.fields["items"]
        assert isinstance(items, forms.MultipleChoiceField)
        items.choices = [
            (f"{entry.uuid}:{code}", label)
            for entry in entries
            for code, label in EntryField.choices
        ]
        if not referrer:
            del self.fields["statements"]

    def decision(self) -> DecisionDetails:
        data = self.cleaned_data
        chosen: dict[uuid.UUID, list[str]] = {}
        for value in data["items"]:
            entry_id, code = value.split(":", 1)
            chosen.setdefault(uuid.UUID(entry_id), []).append(code)
        return DecisionDetails(
            share=data["share"],
            reasons=data["reasons"],
            consent_purpose=data["consent_purpose"],
            exception=data["exception"],
            lawful_basis=data["lawful_basis"],
            article9_condition=data["article9_condition"],
            agreement=data["agreement"],
            doubt=data["doubt"],
            client_fields=data["client_fields"],
            statements=data.get("statements", []),
            items=list(chosen.items()),
            reply=data["reply"],
        )


class ReviewForm(forms.Form):
    outcome = _choice(
        "Your decision",
        [
            (GuardianReview.Outcome.APPROVED, "Approve the decision as proposed"),
            (GuardianReview.Outcome.REFUSED, "Refuse: nothing is released"),
            (GuardianReview.Outcome.MORE_INFO, "Ask for more information"),
        ],
        missing="Choose approve, refuse or ask for more information",
        radio=True,
    )
    reasons = _area("Reasons", required=True, rows=5, missing="Give the reasons for your decision")


class ReleaseForm(forms.Form):
    method = _choice(
        "How does it leave?",
        ReleaseMethod.choices,
        missing="Choose how the information leaves",
        radio=True,
        help_text="Documents leave as the encrypted bundle; give its password by another channel.",
    )
    recipient = _text("Released to", required=True, missing="Enter who it is released to")
    client_told = _yes_no(
        "Has the client been told?", missing="Say whether the client has been told"
    )
    client_told_note = _area(
        "If not, why not", help_text="For example: telling them would prejudice an investigation."
    )

    def __init__(self, *args: Any, subject_access: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if subject_access:
            # The person asked for their own information: there is no one else to tell.
            del self.fields["client_told"]
            del self.fields["client_told_note"]

    def details(self) -> ReleaseDetails:
        data = {"client_told": True, "client_told_note": "", **self.cleaned_data}
        return ReleaseDetails(**data)


class CorrectionForm(forms.Form):
    note = _area(
        "What is corrected, or has happened since",
        required=True,
        missing="Say what is corrected",
    )
    client_told = forms.TypedChoiceField(
        label="Telling the client",
        choices=[("", "No change"), ("yes", "The client has now been told")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class WithdrawForm(forms.Form):
    reasons = _area("Why is the request closed?", required=True, missing="Say why it is closed")


# --- Subject access and the other rights ------------------------------------------------------


class ClockStopForm(forms.Form):
    reason = _choice(
        "What are you waiting for?",
        ClockStop.choices,
        missing="Say what you are waiting for",
        radio=True,
    )
    started_on = _date(
        "Date the clock stopped",
        required=True,
        help_text="The day you asked the requester for it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["started_on"].initial = timezone.localdate()


class ClockRestartForm(forms.Form):
    ended_on = _date("Date it arrived", required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label="Extend by",
        choices=[("1", "One further month"), ("2", "Two further months")],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how long to extend by"},
    )
    reason = _area(
        "Why the request is complex",
        required=True,
        missing="Say why the request is complex enough to need longer",
    )
    told_on = _date(
        "Date the requester was told",
        required=True,
        help_text="They must be told within the first month.",
    )


class SubjectAccessForm(forms.Form):
    reasons = _area(
        "How the search was made, and anything to note",
        required=True,
        rows=4,
        missing="Say how the search was made and anything the requester should know about it",
        help_text="For example: which services and systems were searched.",
    )
    doubt = forms.BooleanField(
        label="I am in doubt: pass this decision to the Caldicott Guardian", required=False
    )


class RightsAnswerForm(forms.Form):
    outcome = _choice("Outcome", RightsOutcome.choices, missing="Choose the outcome", radio=True)
    reasons = _area("Reasons", required=True, rows=4, missing="Give the reasons for the outcome")
    challenge = forms.ChoiceField(
        label="The challenge that carried out the rectification",
        required=False,
        help_text="Recorded and decided on the entry by the record's practitioner.",
    )

    def __init__(self, *args: Any, challenges: Sequence[Challenge] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.challenges = {str(challenge.uuid): challenge for challenge in challenges}
        field = self.fields["challenge"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "None")] + [
            (
                str(challenge.uuid),
                f"Raised {challenge.raised_on:%-d %b %Y} about a "
                f"{challenge.entry.get_kind_display().lower()}: "
                f"{challenge.get_outcome_display().lower()}",
            )
            for challenge in challenges
        ]
        if not challenges:
            del self.fields["challenge"]

    def chosen_challenge(self) -> Challenge | None:
        return self.challenges.get(self.cleaned_data.get("challenge") or "")
