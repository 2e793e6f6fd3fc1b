"""The retention forms. Each checks on its own fields what the service would refuse (a date
that must be after today, the details of a hold "otherwise justified"), so every problem is shown
at once, beside the field it is about and linked from the error summary; the services check
again, since tasks and admin call them too."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from disclosures.forms import _choice
from records.forms import _area, _date, _text
from retention.models import LegalHold, RetentionClass


def _after_today(day: date | None, message: str) -> date | None:
    if day is not None and day <= timezone.localdate():
        raise forms.ValidationError(message)
    return day


class FindRecordForm(forms.Form):
    reference = _text(
        "Case reference",
        required=True,
        max_length=20,
        missing="Enter the record's case reference",
        help_text="Confide's own reference, for example T-000123.",
    )


class AssignClassForm(forms.Form):
    retention_class = forms.ModelChoiceField(
        label="Retention class",
        queryset=RetentionClass.objects.filter(active=True),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a retention class", "invalid_choice": "Choose a class"},
    )
    reason = _area(
        "Why this class?",
        required=True,
        missing="Say why the record belongs to this class",
        help_text="For example: psychological therapy record (Records Management Code).",
    )


class HoldForm(forms.Form):
    reason = _choice(
        "Why must the record be kept?",
        LegalHold.Reason.choices,
        missing="Choose why the record must be kept",
        radio=True,
    )
    detail = _area(
        "Details",
        help_text="What the proceedings, inquiry, complaint or arrears are, and any reference. "
        "Required for 'otherwise justified'.",
    )
    review_on = _date("Review date", required=True, help_text="When the hold must be reviewed.")

    def clean_review_on(self) -> date | None:
        return _after_today(
            self.cleaned_data.get("review_on"), "The review date must be after today"
        )

    def clean(self) -> dict[str, object] | None:
        cleaned = super().clean()
        if (
            self.cleaned_data.get("reason") == LegalHold.Reason.OTHER
            and not str(self.cleaned_data.get("detail", "")).strip()
        ):
            self.add_error("detail", "Say why the record must be kept")
        return cleaned


class HoldReviewForm(forms.Form):
    review_on = _date(
        "Next review date", required=True, help_text="The hold stays in force until then."
    )

    def clean_review_on(self) -> date | None:
        return _after_today(
            self.cleaned_data.get("review_on"), "The next review date must be after today"
        )


class HoldLiftForm(forms.Form):
    reason = _area(
        "Why is the hold lifted?",
        required=True,
        missing="Say why the hold is lifted",
        help_text="For example: the proceedings have ended.",
    )


class KeepForm(forms.Form):
    reason = _area(
        "Why keep the record?",
        required=True,
        missing="Say why the record is kept",
        help_text="Keeping a record past its retention date must be justified.",
    )
    next_review_on = _date(
        "Next review date", required=True, help_text="The record is reviewed again then."
    )

    def clean_next_review_on(self) -> date | None:
        return _after_today(
            self.cleaned_data.get("next_review_on"), "The next review date must be after today"
        )


class ApproveForm(forms.Form):
    understood = forms.BooleanField(
        label="I understand that destruction cannot be undone",
        required=True,
        error_messages={"required": "Confirm that you understand destruction cannot be undone"},
    )


class PaperForm(forms.Form):
    contractor = _text(
        "Confidential-waste contractor", required=True, missing="Enter the contractor's name"
    )
    contractor_certificate = _text(
        "Contractor's certificate number",
        required=True,
        max_length=100,
        missing="Enter the number of the contractor's certificate of destruction",
    )
    destroyed_on = _date("Date destroyed", required=True)
    description = _area(
        "What was destroyed",
        required=True,
        missing="Say what was destroyed",
        help_text="Without personal data: for example '3 archive boxes of case files closed "
        "in 2016, team North'.",
    )

    def clean_destroyed_on(self) -> date | None:
        day: date | None = self.cleaned_data.get("destroyed_on")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError("The date of destruction cannot be in the future")
        return day
