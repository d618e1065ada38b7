"""Forms for sessions, support group meetings and a caregiver's attendance at one.

They check the shape of input (a date, a whole number); the services check the rules (a day
of the casework, 1–600 minutes, distress 0–10, a caregiver of this case, a technique the
library offers), so a refusal names the field in the service's words.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buoy.cases.forms import DateInput
from buoy.plans.models import FamilyRole, SessionMode

Choices = list[tuple[Any, Any]]


class OpenChoiceField(forms.ChoiceField):
    """A choice drawn as a list, whose value is not checked against it here: the service
    refuses a missing or withdrawn choice with a message that says which."""

    def valid_value(self, value: Any) -> bool:
        return True


class OpenMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes whose values the service checks (see `OpenChoiceField`)."""

    def valid_value(self, value: Any) -> bool:
        return True


def _checkboxes(
    label: Any, choices: Choices | None = None, **kwargs: Any
) -> OpenMultipleChoiceField:
    return OpenMultipleChoiceField(
        label=label,
        choices=choices or [],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        **kwargs,
    )


def _text(label: Any, rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Textarea({"rows": rows}))


class SessionForm(forms.Form):
    """Recording a session with the family."""

    held_on = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DateInput())
    minutes = forms.IntegerField(
        label=_("Length (minutes)"), widget=forms.NumberInput({"inputmode": "numeric"})
    )
    mode = forms.ChoiceField(label=_("How it was held"), choices=SessionMode.choices)
    caregivers = _checkboxes(_("Caregivers who took part"))
    family_members = _checkboxes(
        _("Other family members who took part"), choices=FamilyRole.choices
    )
    techniques = _checkboxes(_("Techniques used"))
    goals = _checkboxes(_("Goals addressed"), help_text=_("Goals of the plan in force."))
    notes = _text(_("Notes"), rows=5)
    homework = _text(_("Homework"))
    distress_before = forms.IntegerField(
        label=_("Distress before (0–10)"),
        required=False,
        help_text=_("0 none … 10 the worst imaginable; leave empty when not asked."),
        widget=forms.NumberInput({"inputmode": "numeric"}),
    )
    distress_after = forms.IntegerField(
        label=_("Distress after (0–10)"),
        required=False,
        widget=forms.NumberInput({"inputmode": "numeric"}),
    )
    next_steps = _text(_("Next steps"))
    next_session_on = forms.DateField(
        label=_("Next session planned on"),
        required=False,
        help_text=_("It appears on your today page when it comes near."),
        widget=DateInput(),
    )

    def __init__(
        self,
        *args: Any,
        caregivers: Choices,
        techniques: Choices,
        goals: Choices,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choose("caregivers", caregivers)
        self._choose("techniques", techniques)
        self._choose("goals", goals)
        if len(caregivers) == 1 and not self.is_bound:
            self.fields["caregivers"].initial = [caregivers[0][0]]

    def _choose(self, name: str, choices: Choices) -> None:
        field: forms.ChoiceField = self.fields[name]  # type: ignore[assignment]
        field.choices = choices


class GroupSessionForm(forms.Form):
    """Recording a support group meeting (it names no family)."""

    held_on = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DateInput())
    minutes = forms.IntegerField(
        label=_("Length (minutes)"), widget=forms.NumberInput({"inputmode": "numeric"})
    )
    topic = forms.CharField(
        label=_("Topic"),
        required=False,
        help_text=_("A few words; name no family here."),
    )
    facilitator = OpenChoiceField(label=_("Facilitator"))
    techniques = _checkboxes(_("Techniques used"))

    def __init__(
        self, *args: Any, facilitators: Choices, techniques: Choices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        facilitator: forms.ChoiceField = self.fields["facilitator"]  # type: ignore[assignment]
        facilitator.choices = facilitators
        chosen: forms.ChoiceField = self.fields["techniques"]  # type: ignore[assignment]
        chosen.choices = techniques


class AttendanceForm(forms.Form):
    """From a case: whether its caregiver attended a support group meeting."""

    group_session = OpenChoiceField(label=_("Support group meeting"))
    caregiver = OpenChoiceField(label=_("Caregiver"))
    attended = forms.TypedChoiceField(
        label=_("Attended"),
        choices=[("yes", _("Attended")), ("no", _("Did not attend"))],
        coerce=lambda value: value == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, meetings: Choices, caregivers: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        meeting: forms.ChoiceField = self.fields["group_session"]  # type: ignore[assignment]
        meeting.choices = [("", _("Choose a meeting")), *meetings]
        caregiver: forms.ChoiceField = self.fields["caregiver"]  # type: ignore[assignment]
        caregiver.choices = caregivers
