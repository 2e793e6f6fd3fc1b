from __future__ import annotations

from django import forms

from monitoring.models import FindingStatus, Rule
from monitoring.services import OUTCOMES


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
