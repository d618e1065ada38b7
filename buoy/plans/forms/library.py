"""Forms for the technique library and the resource directory, kept by supervisors and
administrators. Lists typed as text (a technique's sources, one a line; a resource's
languages, separated by commas) are split here; the services check every value."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buoy.plans.forms.sessions import Choices, OpenChoiceField, OpenMultipleChoiceField
from buoy.plans.models import Ability, ResourceKind

# Commas as typed in English or Chinese, and the Chinese enumeration comma.
LANGUAGE_SEPARATORS = re.compile(r"[,，、;；]")


def _text(label: Any, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.Textarea({"rows": rows}), **kwargs
    )


def split_languages(text: str) -> list[str]:
    """``"普通话, English、粤语"`` → ``["普通话", "English", "粤语"]``."""
    return [part.strip() for part in LANGUAGE_SEPARATORS.split(text or "") if part.strip()]


def split_lines(text: str) -> list[str]:
    """One entry a line, blank lines left out."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class TechniqueForm(forms.Form):
    """A technique of the library: its texts in both languages, its aims, its evidence."""

    code = forms.CharField(
        label=_("Id"),
        required=False,
        help_text=_(
            "A stable id: lower-case letters and digits joined by hyphens, e.g. family-meeting."
        ),
    )
    name_en = forms.CharField(label=_("Name (English)"), required=False)
    name_zh = forms.CharField(label=_("Name (Chinese)"), required=False)
    description_en = _text(_("Description (English)"), rows=4)
    description_zh = _text(_("Description (Chinese)"), rows=4)
    abilities = OpenMultipleChoiceField(
        label=_("Abilities it addresses"),
        choices=Ability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    factors = OpenMultipleChoiceField(
        label=_("Factors it addresses"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence_en = _text(_("Evidence (English)"))
    evidence_zh = _text(_("Evidence (Chinese)"))
    sources = _text(_("Sources"), help_text=_("One source a line."))
    active = forms.BooleanField(label=_("Offered to workers"), required=False, initial=True)

    def __init__(self, *args: Any, factors: Choices, adding: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ChoiceField = self.fields["factors"]  # type: ignore[assignment]
        field.choices = factors
        if not adding:
            del self.fields["code"]

    def values(self) -> dict[str, Any]:
        """What the services take: every field but the id, lists as lists."""
        data = dict(self.cleaned_data)
        data.pop("code", None)
        data["sources"] = split_lines(data["sources"])
        return data


class ResourceForm(forms.Form):
    """An entry of the department's resource directory."""

    name = forms.CharField(label=_("Name"), required=False)
    kind = OpenChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    contact = _text(_("Contact"))
    eligibility = _text(_("Who is eligible"))
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        help_text=_("Separated by commas, e.g. 普通话, English."),
    )
    active = forms.BooleanField(label=_("Offered"), required=False, initial=True)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["languages"] = split_languages(data["languages"])
        return data


class ResourceFilterForm(forms.Form):
    """The directory's filter: one kind, and whether to show withdrawn entries."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *ResourceKind.choices]
    )
