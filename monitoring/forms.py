from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import Team, User
from monitoring.models import FindingStatus, Rule
from monitoring.services import OUTCOMES
from records.forms import DateInput
from records.models import Client


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label="Your judgement",
        choices=[(s.value, s.label) for s in OUTCOMES],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose legitimate, needs follow-up or suspected breach"},
        help_text="Suspected breach reports it to the breach register at once, with this "
        "finding's evidence, and starts the 72-hour clock.",
    )
    notes = forms.CharField(
        label="Notes",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={
            "required": "Write your notes: what you checked and why you decided this",
            "max_length": "Keep the notes under 5,000 characters",
        },
    )


class FindingFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *FindingStatus.choices],
    )
    rule = forms.ModelChoiceField(
        label="Rule",
        required=False,
        queryset=Rule.objects.order_by("name"),
        empty_label="Any rule",
        error_messages={"invalid_choice": "Choose one of the rules"},
    )


MAX_REPORT_DAYS = 366


class StaffChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class ReportForm(forms.Form):
    """The access report's scope: a period, and optionally one person, team or record."""

    start = forms.DateField(
        label="From",
        widget=DateInput(),
        error_messages={"required": "Enter the first day", "invalid": "Enter a real date"},
    )
    end = forms.DateField(
        label="To",
        widget=DateInput(),
        error_messages={"required": "Enter the last day", "invalid": "Enter a real date"},
    )
    person = StaffChoiceField(
        label="Member of staff",
        required=False,
        queryset=User.objects.order_by("first_name", "last_name", "username"),
        empty_label="Everyone",
        error_messages={"invalid_choice": "Choose a member of staff from the list"},
    )
    team = forms.ModelChoiceField(
        label="Team that holds the records",
        required=False,
        queryset=Team.objects.order_by("name"),
        empty_label="Every team",
        error_messages={"invalid_choice": "Choose a team from the list"},
    )
    record = forms.CharField(
        label="Case reference",
        required=False,
        max_length=20,
        help_text="One record's accesses, e.g. C-7KQ2M9A.",
    )

    def clean_record(self) -> Client | None:
        reference = self.cleaned_data["record"].strip().upper()
        if not reference:
            return None
        client = Client.objects.filter(reference=reference).first()
        if client is None:
            raise forms.ValidationError("No record has that case reference")
        return client

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The last day must be on or after the first day")
            elif (end - start).days + 1 > MAX_REPORT_DAYS:
                self.add_error("end", "Choose a period of a year or less")
            elif start > timezone.localdate():
                self.add_error("start", "The first day cannot be in the future")
        return data

    @staticmethod
    def last_month() -> dict[str, str]:
        first = timezone.localdate().replace(day=1)
        previous = (first - timedelta(days=1)).replace(day=1)
        return {"start": previous.isoformat(), "end": (first - timedelta(days=1)).isoformat()}
