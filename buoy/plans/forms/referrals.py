"""Forms for a case's referrals: proposing one to a resource of the directory, and moving it
a step. The services check the rules (a resource still offered, a move the status allows, a
day of the casework not before the previous step)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buoy.cases.forms import DateInput
from buoy.plans.forms.sessions import Choices, OpenChoiceField


def _outcome() -> forms.CharField:
    return forms.CharField(
        label=_("Outcome so far"), required=False, widget=forms.Textarea({"rows": 3})
    )


class ReferralForm(forms.Form):
    """Proposing a referral of the family to a resource of the directory."""

    resource = OpenChoiceField(label=_("Resource"))
    proposed_on = forms.DateField(
        label=_("Proposed on"), initial=timezone.localdate, widget=DateInput()
    )
    outcome = _outcome()

    def __init__(self, *args: Any, resources: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ChoiceField = self.fields["resource"]  # type: ignore[assignment]
        field.choices = [("", _("Choose a resource")), *resources]


class ReferralMoveForm(forms.Form):
    """Moving a referral one step: made, accepted, declined, completed."""

    status = OpenChoiceField(label=_("New status"))
    on = forms.DateField(label=_("On"), initial=timezone.localdate, widget=DateInput())
    outcome = _outcome()

    def __init__(self, *args: Any, statuses: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ChoiceField = self.fields["status"]  # type: ignore[assignment]
        field.choices = statuses
