from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from records.forms import _date
from reports import periods
from reports.periods import Period
from reports.statistics import services


class StatisticsForm(forms.Form):
    """What the statistics are for: a month, quarter or financial year, or dates; all services
    or one."""

    period = forms.ChoiceField(
        label="Period",
        help_text="UK financial quarters and years, April to March.",
        error_messages={
            "required": "Choose a period",
            "invalid_choice": "Choose a period from the list",
        },
    )
    date_from = _date("From", help_text="Only for dates you give. For example, 2026-04-01.")
    date_to = _date("To", help_text="The last day counted.")
    service = forms.ChoiceField(
        label="Service",
        required=False,
        error_messages={"invalid_choice": "Choose a service from the list"},
    )

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        period = self.fields["period"]
        assert isinstance(period, forms.ChoiceField)
        period.choices = periods.choices(self.today)
        service = self.fields["service"]
        assert isinstance(service, forms.ChoiceField)
        service.choices = [("", "All services")] + [(name, name) for name in services() if name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") != periods.DATES:
            return data
        start, end = data.get("date_from"), data.get("date_to")
        if start is None and "date_from" not in self.errors:
            self.add_error("date_from", "Enter the first day of the period")
        if end is None and "date_to" not in self.errors:
            self.add_error("date_to", "Enter the last day of the period")
        if start and start > self.today:
            self.add_error("date_from", "The start of the period cannot be in the future")
        if start and end and start > end:
            self.add_error("date_to", "The end of the period must be on or after its start")
        return data

    def chosen_period(self) -> Period:
        data = self.cleaned_data
        chosen = periods.parse(data["period"])
        return chosen or periods.between(data["date_from"], data["date_to"])

    def chosen_service(self) -> str | None:
        return self.cleaned_data.get("service") or None
