from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import Team, User
from records.models import (
    ClientStatus,
    ConflictDeclaration,
    Consent,
    ConsentPurpose,
    ConsentRecipient,
    EntryKind,
    RecipientCategory,
    ReferralSource,
    SpecialCategory,
)
from records.services import (
    ClientDetails,
    ConsentDetails,
    EntryContent,
    OffSiteDetails,
    RecipientDetails,
    nhs_number_is_valid,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date(label: str, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateInput(),
        error_messages={"required": f"Enter the {label.lower()}", "invalid": "Enter a real date"},
    )


def _text(
    label: str,
    *,
    required: bool = False,
    max_length: int = 200,
    missing: str = "",
    **kw: Any,
) -> forms.CharField:
    """A text field; ``missing`` is the message when it is left empty, where "Enter the <label>"
    would not read well (labels that are questions or phrases)."""
    messages = {
        "required": missing or f"Enter the {label.lower()}",
        "max_length": f"{label} must be {max_length:,} characters or fewer",
    }
    return forms.CharField(
        label=label, required=required, max_length=max_length, error_messages=messages, **kw
    )


def _area(label: str, *, required: bool = False, rows: int = 3, **kw: Any) -> forms.CharField:
    return _text(
        label,
        required=required,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kw,
    )


class ClientDetailsForm(forms.Form):
    """The administrative part of a record: what admin staff may see and keep up to date."""

    given_name = _text("Given name", required=True)
    family_name = _text("Family name", required=True)
    date_of_birth = _date("Date of birth", required=True)
    nhs_number = _text("NHS number", max_length=20, help_text="10 digits, if the client has one.")
    address = _area("Address")
    phone = _text("Phone", max_length=40)
    email = forms.EmailField(
        label="Email",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.org"},
    )
    referred_on = _date("Date of referral", required=True)
    referral_source = forms.ChoiceField(
        label="Referral source",
        help_text="Who made the referral. Counted, without names, in the statistics for funders.",
        choices=[("", "Choose where the referral came from"), *ReferralSource.choices],
        error_messages={
            "required": "Choose where the referral came from",
            "invalid_choice": "Choose where the referral came from, from the list",
        },
    )
    referrer_name = _text("Referrer's name", help_text="The person who made the referral.")
    referrer_organisation = _text("Referrer's organisation")
    referrer_contact = _text("Referrer's phone or email")
    referral_reason = _area("Reason for referral")
    first_appointment_on = _date("First appointment")
    first_appointment_attended = forms.TypedChoiceField(
        label="Did the client attend the first appointment?",
        choices=[("", "Not yet known"), ("yes", "Attended"), ("no", "Did not attend")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    deceased = forms.BooleanField(label="The client has died", required=False)
    deceased_on = _date("Date of death")
    restricted = forms.BooleanField(
        label="Restricted record (for example, an address never to be disclosed)", required=False
    )
    restricted_reason = _area("Reason for the restriction", rows=2)

    def clean_nhs_number(self) -> str:
        value: str = self.cleaned_data["nhs_number"]
        if value and not nhs_number_is_valid(value):
            raise forms.ValidationError("That is not a valid NHS number: check the 10 digits")
        return value

    def clean_date_of_birth(self) -> date:
        value: date = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date of birth must be in the past")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("restricted") and not (data.get("restricted_reason") or "").strip():
            self.add_error("restricted_reason", "Give the reason the record is restricted")
        if data.get("deceased_on") and not data.get("deceased"):
            self.add_error("deceased", "Tick this if you give a date of death")
        return data

    def details(self) -> ClientDetails:
        data = self.cleaned_data
        return ClientDetails(**{name: data[name] for name in self.fields})

    @classmethod
    def initial_from(cls, client: Any) -> dict[str, Any]:
        initial = {name: getattr(client, name) for name in cls.base_fields}
        attended = initial["first_appointment_attended"]
        initial["first_appointment_attended"] = {True: "yes", False: "no"}.get(attended, "")
        return initial


class NewClientForm(ClientDetailsForm):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Team",
        empty_label=None,
        error_messages={
            "required": "Choose the team",
            "invalid_choice": "Choose one of your teams",
        },
    )

    field_order = ["team"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = user.teams.order_by("name")

    def details(self) -> ClientDetails:
        data = self.cleaned_data
        return ClientDetails(**{name: data[name] for name in self.fields if name != "team"})


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=ClientStatus.choices, error_messages={"required": "Choose the new status"}
    )


class SearchForm(forms.Form):
    reference = _text("Case reference", max_length=20, help_text="For example C-7KQ2M9A.")
    nhs_number = _text("NHS number", max_length=20)
    family_name = _text("Family name", max_length=200)
    date_of_birth = _date("Date of birth")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        by_name = data.get("family_name") or data.get("date_of_birth")
        if by_name and not (data.get("family_name") and data.get("date_of_birth")):
            raise forms.ValidationError(
                "Search by name needs both the family name and date of birth"
            )
        if not (data.get("reference") or data.get("nhs_number") or by_name):
            raise forms.ValidationError(
                "Enter a case reference, an NHS number, or a family name with a date of birth"
            )
        return data


def _display_name(user: User) -> str:
    return user.display_name


class AllocateForm(forms.Form):
    worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Practitioner",
        error_messages={
            "required": "Choose a practitioner",
            "invalid_choice": "Choose a practitioner from the list",
        },
    )

    def __init__(self, *args: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        worker_field = self.fields["worker"]
        assert isinstance(worker_field, forms.ModelChoiceField)
        worker_field.queryset = workers
        worker_field.label_from_instance = _display_name  # type: ignore[method-assign,assignment]


class EntryForm(forms.Form):
    occurred_on = _date("Date of the contact or event", required=True)
    title = _text("Title", required=True)
    body = _area("Entry", required=True, rows=10, missing="Enter the text of the entry")
    special_categories = forms.MultipleChoiceField(
        label="Special-category information in this entry",
        choices=SpecialCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick any that apply.",
    )
    third_party = forms.BooleanField(
        label="Contains information given by a third party", required=False
    )
    third_party_source = _text("Who gave the third-party information, and where", max_length=500)
    withhold_from_sar = forms.BooleanField(label="Withhold from subject access", required=False)
    withhold_reason = _area(
        "Reason for withholding",
        rows=2,
        help_text=(
            "For example: given in confidence by a doctor, or it would identify a third party "
            "who has not consented."
        ),
    )

    def clean_occurred_on(self) -> date:
        value: date = self.cleaned_data["occurred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("third_party") and not (data.get("third_party_source") or "").strip():
            self.add_error("third_party_source", "Say who gave the information, and where")
        if data.get("withhold_from_sar") and not (data.get("withhold_reason") or "").strip():
            self.add_error("withhold_reason", "Give the reason for withholding this entry")
        return data

    def content(self) -> EntryContent:
        data = self.cleaned_data
        return EntryContent(
            occurred_on=data["occurred_on"],
            title=data["title"],
            body=data["body"],
            special_categories=list(data["special_categories"]),
            third_party=data["third_party"],
            third_party_source=data["third_party_source"],
            withhold_from_sar=data["withhold_from_sar"],
            withhold_reason=data["withhold_reason"],
        )


class NewEntryForm(EntryForm):
    kind = forms.ChoiceField(
        label="Kind of entry",
        choices=EntryKind.choices,
        error_messages={"required": "Choose the kind of entry"},
    )
    field_order = ["kind"]


class AmendEntryForm(EntryForm):
    amendment_reason = _area("Reason for the amendment", required=True, rows=2)
    field_order = ["amendment_reason"]


class BreakGlassForm(forms.Form):
    reference = _text("Case reference", required=True, max_length=20)
    reason = _area(
        "Why do you need to open this record?",
        required=True,
        missing="Say why you need to open this record",
        help_text=(
            "Your reason is recorded with your access and reviewed by the data team and the "
            "record's manager."
        ),
    )

    def clean_reason(self) -> str:
        value: str = self.cleaned_data["reason"].strip()
        if len(value) < 10:
            raise forms.ValidationError("Say why you need this record (at least a sentence)")
        return value


class BreakGlassReviewForm(forms.Form):
    justified = forms.TypedChoiceField(
        label="Was the access justified?",
        choices=[("yes", "Justified"), ("no", "Not justified: refer to the IG lead")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the access was justified"},
    )
    note = _area("Review note", rows=2)


class DeclarationForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Your team",
        empty_label=None,
        help_text="Its managers decide the declaration.",
        error_messages={"required": "Choose your team"},
    )
    connected_person = _text(
        "Who is the connection with?",
        required=True,
        missing="Say who the connection is with",
        help_text="Their name, and anything that identifies them (such as a date of birth).",
    )
    nature = _area("What is the connection?", required=True, missing="Say what the connection is")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = user.teams.order_by("name")


class DecisionForm(forms.Form):
    Decision = ConflictDeclaration.Decision
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            (Decision.RESTRICTED, "Restrict: this person may not open the record"),
            (Decision.ALLOWED, "Allow access as normal"),
            (Decision.NO_RECORD, "No record is held for this person"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a decision"},
    )
    client_reference = _text(
        "Case reference of the client's record",
        max_length=20,
        help_text="Find it with the search below. Leave blank if no record is held.",
    )
    measures = _area("Measures to protect the confidentiality of the people involved")
    client_consulted = forms.TypedChoiceField(
        label="Was the client consulted?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    reasons = _area("Reasons for the decision", required=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") in (
            self.Decision.RESTRICTED,
            self.Decision.ALLOWED,
        ) and not data.get("client_reference"):
            self.add_error("client_reference", "Enter the case reference of the client's record")
        return data


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label="Purpose",
        choices=ConsentPurpose.choices,
        error_messages={"required": "Choose the purpose"},
    )
    purpose_detail = _area("Purpose, in the client's words", rows=2)
    information = _area(
        "What information may be shared",
        required=True,
        rows=2,
        missing="Say what information may be shared",
    )
    recipient_category = forms.ChoiceField(
        label="A category of recipient",
        choices=[("", "None"), *RecipientCategory.choices],
        required=False,
    )
    named_kind = forms.ChoiceField(
        label="The named recipients are",
        choices=ConsentRecipient.Kind.choices[:2],
        initial=ConsentRecipient.Kind.AGENCY,
        widget=forms.RadioSelect,
    )
    recipient_names = _area(
        "Named people or agencies, one per line",
        rows=4,
        help_text="A multi-agency information-sharing form: list every agency it names.",
    )
    given_by = forms.ChoiceField(
        label="Consent given by",
        choices=Consent.GivenBy.choices,
        initial=Consent.GivenBy.CLIENT,
        widget=forms.RadioSelect,
    )
    given_by_name = _text("Name and relationship of the person who gave consent")
    capacity_considered = forms.BooleanField(
        label="The client's capacity to consent was considered", required=False
    )
    evidence = forms.ChoiceField(
        label="How consent is evidenced",
        choices=Consent.Evidence.choices,
        error_messages={"required": "Choose how consent is evidenced"},
    )
    evidence_note = _area("Where the evidence is kept, or what was said", rows=2)
    given_on = _date("Date consent was given", required=True)
    expires_on = _date("Date consent ends", help_text="Leave blank if it has no end date.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = [line.strip() for line in (data.get("recipient_names") or "").splitlines()]
        data["names"] = [name for name in names if name]
        if not data["names"] and not data.get("recipient_category"):
            self.add_error("recipient_names", "Name who the client consents to sharing with")
        if data.get("given_by") == Consent.GivenBy.DESIGNATED and not data.get("given_by_name"):
            self.add_error("given_by_name", "Name the person who gave consent for the client")
        if data.get("purpose") == ConsentPurpose.OTHER and not data.get("purpose_detail"):
            self.add_error("purpose_detail", "Describe the purpose")
        given, ends = data.get("given_on"), data.get("expires_on")
        if given and given > timezone.localdate():
            self.add_error("given_on", "The date consent was given cannot be in the future")
        if given and ends and ends < given:
            self.add_error("expires_on", "The consent cannot end before it was given")
        return data

    def details(self) -> ConsentDetails:
        data = self.cleaned_data
        recipients = [RecipientDetails(kind=data["named_kind"], name=n) for n in data["names"]]
        if data["recipient_category"]:
            recipients.append(
                RecipientDetails(
                    kind=ConsentRecipient.Kind.CATEGORY, category=data["recipient_category"]
                )
            )
        return ConsentDetails(
            purpose=data["purpose"],
            purpose_detail=data["purpose_detail"],
            information=data["information"],
            recipients=recipients,
            given_by=data["given_by"],
            given_by_name=data["given_by_name"],
            capacity_considered=data["capacity_considered"],
            evidence=data["evidence"],
            evidence_note=data["evidence_note"],
            given_on=data["given_on"],
            expires_on=data["expires_on"],
        )


class WithdrawConsentForm(forms.Form):
    withdrawn_on = _date("Date consent was withdrawn", required=True)
    note = _area(
        "How the client withdrew consent, and anything they said",
        required=True,
        rows=3,
        missing="Say how the client withdrew consent",
    )

    def clean_withdrawn_on(self) -> date:
        value: date = self.cleaned_data["withdrawn_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future")
        return value


class PrivacyForm(forms.Form):
    privacy_notice_given_on = _date("Date the privacy information was given")
    national_opt_out = forms.BooleanField(
        label="The client has registered a national data opt-out", required=False
    )


class ChallengeForm(forms.Form):
    raised_on = _date("Date the client raised it", required=True)
    client_view = _area(
        "What the client says is wrong, in their words",
        required=True,
        rows=4,
        missing="Say what the client says is wrong",
    )

    def clean_raised_on(self) -> date:
        value: date = self.cleaned_data["raised_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future")
        return value


class CorrectionForm(EntryForm):
    correction_note = _area(
        "What was corrected", required=True, rows=2, missing="Say what was corrected"
    )
    field_order = ["correction_note"]


class NotAlteredForm(forms.Form):
    note = _area(
        "Reasons for not altering the entry",
        required=True,
        rows=3,
        help_text="The client's view stays shown with the entry.",
    )


class OffSiteForm(forms.Form):
    what = _area(
        "What you will take",
        required=True,
        rows=2,
        missing="Say what you will take",
        help_text="For example: printed support plan and the last three contact notes.",
    )
    purpose = _area("Why you need to take it", required=True, rows=2, missing="Say why")
    safeguards = _area(
        "How you will keep it safe",
        required=True,
        rows=2,
        missing="Say how you will keep it safe",
        help_text="Where it will be kept, how it travels, who else could see it.",
    )
    leave_on = _date("Date you take it", required=True)
    return_by = _date("Date it will be back", required=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        leave, back = data.get("leave_on"), data.get("return_by")
        if leave and leave < timezone.localdate():
            self.add_error("leave_on", "The date you take it cannot be in the past")
        if leave and back and back < leave:
            self.add_error("return_by", "The return date cannot be before the date you take it")
        return data

    def details(self) -> OffSiteDetails:
        data = self.cleaned_data
        return OffSiteDetails(
            what=data["what"],
            purpose=data["purpose"],
            safeguards=data["safeguards"],
            leave_on=data["leave_on"],
            return_by=data["return_by"],
        )


class OffSiteDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="Decision",
        choices=[("yes", "Approve"), ("no", "Refuse")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or refuse"},
    )
    note = _area("Conditions or reasons", rows=2)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Document",
        help_text="PDF, Word or OpenDocument text, JPEG or PNG image, or plain text.",
        error_messages={"required": "Choose the file to attach", "empty": "The file is empty"},
    )
