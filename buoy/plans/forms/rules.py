"""The form of the department's suggestion rules: the JSON text and a note on what changed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RulesForm(forms.Form):
    """A new version of the suggestion rules, as JSON text; the service checks the rules and
    the lengths (`services.rules`)."""

    text = forms.CharField(
        label=_("Rules (JSON)"),
        strip=False,
        widget=forms.Textarea(
            {"class": "rules-text", "rows": 30, "spellcheck": "false", "autocapitalize": "off"}
        ),
        help_text=_(
            "The format is described in docs/plans/rules.md. Saving makes the next version "
            "(its “version” is set for you); nothing is saved if a rule names a "
            "technique or a factor code that does not exist."
        ),
    )
    note = forms.CharField(
        label=_("What changed, and why"),
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )
