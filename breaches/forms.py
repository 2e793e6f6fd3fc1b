from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import formats, timezone

from accounts.models import User
from breaches.models import (
    Affected,
    Category,
    DataFormat,
    Kind,
    Level,
    Protection,
    Sensitivity,
)
from breaches.services import Assessment, BreachDetails
from disclosures.forms import _choice, _yes_no
from disclosures.models import Release
from records.forms import _area, _date, _text

LINKABLE_RELEASES = 100  # the newest disclosures offered as a breach's cause


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _now_local() -> str:
    """Now, as a datetime-local input shows it (the browser reads no other form)."""
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def _moment(label: str, *, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=help_text,
        widget=DateTimeInput(),
        error_messages={
            "required": f"Enter {label[0].lower()}{label[1:]}",
            "invalid": "Enter a real date and time",
        },
    )


class BreachReportForm(forms.Form):
    """What the policy asks of a breach report (004 Appendix F)."""

    near_miss = _yes_no(
        "Is this a near miss?",
        missing="Say whether this is a near miss",
    )
    urgent_safety = forms.BooleanField(
        label="Someone's immediate safety may be at risk (for example, the address of a person "
        "fleeing domestic violence has been disclosed)",
        required=False,
    )
    aware_at = _moment(
        "When the organisation became aware",
        help_text="The 72 hours to tell the Information Commissioner's Office run from this "
        "moment: now, unless you or a colleague learned of it earlier.",
    )
    kind = _choice(
        "What kind of breach is it?", Kind.choices, missing="Choose the kind of breach", radio=True
    )
    category = _choice(
        "What happened?", Category.choices, missing="Choose what happened", radio=True
    )
    what_happened = _area(
        "Describe what actually happened",
        required=True,
        rows=5,
        missing="Say what happened",
    )
    what_data = _area("What data is involved?", required=True, missing="Say what data is involved")
    data_format = _choice(
        "What format is it in?", DataFormat.choices, missing="Say what format the data is in"
    )
    protection = _choice(
        "Was it encrypted or otherwise protected?",
        Protection.choices,
        missing="Say whether it was encrypted or otherwise protected",
        radio=True,
    )
    affected = _choice(
        "Whose information is it?",
        Affected.choices,
        missing="Say whose information it is",
        radio=True,
    )
    record_types = _text(
        "What type of information or records?",
        help_text="For example: contact notes, a referral letter, a list of names and addresses.",
    )
    records_count = forms.IntegerField(
        label="How many records?",
        min_value=0,
        help_text="Your best estimate.",
        error_messages={
            "required": "Say how many records are involved (your best estimate)",
            "invalid": "Enter the number of records as a whole number",
            "min_value": "The number of records cannot be negative",
        },
    )
    sensitivity = _choice(
        "How sensitive is the information?",
        Sensitivity.choices,
        missing="Say how sensitive the information is",
        radio=True,
    )
    risks = _area(
        "Are there potential risks to the people affected?",
        required=True,
        missing="Say what the risks to the people affected are, or that there are none",
    )
    recovery_steps = _area(
        "What has been done to recover or locate the information?",
        required=True,
        missing="Say what has been done to recover the information, if anything",
    )
    stolen = _yes_no("Were items stolen?", missing="Say whether items were stolen")
    crime_number = _text(
        "Police crime number",
        max_length=60,
        help_text="If items were stolen, report the theft to the police and enter the crime "
        "number they gave.",
    )
    staff_involved = _area("Which members of staff were involved?")
    ongoing_risk = _area("Is there any ongoing, immediate risk to information security?")
    client_references = _text(
        "Case references of the records affected",
        max_length=2000,
        help_text="Only records you may open, separated by commas, for example DEMO-0001. "
        "Leave it empty if there are none, or describe records you cannot open above.",
    )
    release = forms.ChoiceField(
        label="Did a disclosure cause it?",
        required=False,
        help_text="A release in the disclosure log of a request you may see.",
        error_messages={"invalid_choice": "Choose a disclosure from the list"},
    )

    def __init__(self, *args: Any, releases: QuerySet[Release], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.releases = {
            str(release.uuid): release
            for release in releases.select_related("case__client").order_by("-released_at")[
                :LINKABLE_RELEASES
            ]
        }
        field = self.fields["release"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "No, or not known")] + [
            (key, _release_label(release)) for key, release in self.releases.items()
        ]
        self.fields["aware_at"].initial = _now_local()

    def details(self) -> BreachDetails:
        data = self.cleaned_data
        references = [ref for ref in data["client_references"].split(",") if ref.strip()]
        return BreachDetails(
            aware_at=data["aware_at"],
            kind=data["kind"],
            category=data["category"],
            near_miss=data["near_miss"],
            urgent_safety=data["urgent_safety"],
            what_data=data["what_data"],
            data_format=data["data_format"],
            protection=data["protection"],
            affected=data["affected"],
            record_types=data["record_types"],
            records_count=data["records_count"],
            sensitivity=data["sensitivity"],
            risks=data["risks"],
            recovery_steps=data["recovery_steps"],
            stolen=data["stolen"],
            crime_number=data["crime_number"],
            what_happened=data["what_happened"],
            staff_involved=data["staff_involved"],
            ongoing_risk=data["ongoing_risk"],
            client_references=references,
            release=self.releases.get(data["release"] or ""),
        )


def _release_label(release: Release) -> str:
    when = formats.date_format(timezone.localtime(release.released_at), "j M Y")
    return (
        f"Case reference {release.case.client.reference}: {release.get_kind_display()}, "
        f"released {when} ({release.get_method_display().lower()})"
    )


class _OfficerChoice(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        roles = ", ".join(sorted(obj.role_names)).replace("_", " ")
        return f"{obj.display_name} ({roles})"


class AssignForm(forms.Form):
    officer = _OfficerChoice(
        label="Investigating officer",
        queryset=User.objects.none(),
        empty_label="Choose…",
        help_text="Usually a senior member of the service where the breach happened.",
        error_messages={
            "required": "Choose the investigating officer",
            "invalid_choice": "Choose the investigating officer from the list",
        },
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["officer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates


class ContainForm(forms.Form):
    contained_at = _moment("When it was contained")
    note = _area(
        "How was it contained?",
        required=True,
        rows=5,
        missing="Say how the breach was contained",
        help_text="For example: the recipient confirmed they deleted the e-mail; the device was "
        "wiped remotely; access was removed.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contained_at"].initial = _now_local()


class AssessForm(forms.Form):
    likelihood = _choice(
        "How likely is harm to the people affected?",
        Level.choices,
        missing="Choose how likely harm to the people affected is",
        radio=True,
    )
    severity = _choice(
        "How severe could the harm be?",
        Level.choices,
        missing="Choose how severe the harm could be",
        radio=True,
    )
    notify_ico = _yes_no(
        "Report it to the ICO?",
        missing="Decide whether to report it to the ICO",
    )
    ico_reasons = _area(
        "Reasons for the ICO decision",
        required=True,
        missing="Give the reasons for the ICO decision",
        help_text="Report unless the breach is unlikely to result in a risk to people's rights "
        "and freedoms.",
    )
    tell_people = _yes_no(
        "Tell the people affected?",
        missing="Decide whether to tell the people affected",
    )
    tell_reasons = _area(
        "Reasons for the decision about telling them",
        required=True,
        missing="Give the reasons for the decision about telling the people affected",
        help_text="Tell them without undue delay where the risk to them is high.",
    )

    def assessment(self) -> Assessment:
        return Assessment(**{name: self.cleaned_data[name] for name in self.fields})


class NotifyIcoForm(forms.Form):
    notified_at = _moment("When the ICO was notified")
    reference = _text("The ICO's reference", required=True, max_length=60)
    late_reason = _area(
        "Reasons for the delay",
        help_text="Required if the ICO was told more than 72 hours after the organisation "
        "became aware.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notified_at"].initial = _now_local()


class TellPeopleForm(forms.Form):
    told_at = _moment("When they were told")
    how = _area(
        "How were they told, and what were they told?",
        required=True,
        missing="Say how the people affected were told",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["told_at"].initial = _now_local()


class LessonsForm(forms.Form):
    lessons = _area(
        "Lessons learned",
        required=True,
        rows=6,
        missing="Say what has been learned, and what will change",
        help_text="What will change to stop it happening again. This text goes into the IG "
        "group's report as written: do not name anyone.",
    )


class CloseForm(forms.Form):
    note = _area("Closing note (optional)")


class PeriodForm(forms.Form):
    """The IG group's report: a period of days the organisation became aware of breaches in."""

    date_from = _date("From", required=True)
    date_to = _date("To", required=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the period must be on or after its start")
        return data


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last three months, to today: from the same day three months ago (the month's last
    day where that day does not exist)."""
    today = today or timezone.localdate()
    month = today.month - 3
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for day in range(today.day, 0, -1):
        try:
            return date(year, month, day), today
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover
