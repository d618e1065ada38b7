"""The form of a worker's decision on one suggestion."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

ACCEPT, DISMISS = "accept", "dismiss"


class DecideForm(forms.Form):
    """Accept or dismiss the suggestion `key` (``technique:eco-map``)."""

    key = forms.CharField(label=_("Suggestion"), max_length=200)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(ACCEPT, _("Accept")), (DISMISS, _("Dismiss"))]
    )

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["decision"] == ACCEPT
