"""Forms for assessments: starting one, and answering an instrument's items."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buoy.cases.models import Caregiver
from buoy.instruments.domain.definition import Instrument, Item
from buoy.instruments.models import AssessmentMode, InstrumentVersion, Timepoint


def text_in(text: Any, language: str) -> str:
    """A text map's entry for `language`, falling back to English, else empty."""
    if not text:
        return ""
    key = "zh-hans" if language.lower().startswith("zh") else "en"
    return str(text.get(key) or text.get("en") or "")


class AssessmentStartForm(forms.Form):
    caregiver = forms.ModelChoiceField(label=_("Caregiver"), queryset=Caregiver.objects.none())
    instrument = forms.ModelChoiceField(
        label=_("Instrument"), queryset=InstrumentVersion.objects.none()
    )
    timepoint = forms.ModelChoiceField(label=_("Timepoint"), queryset=Timepoint.objects.none())
    mode = forms.ChoiceField(
        label=_("How are the answers collected?"),
        choices=[
            (AssessmentMode.INTERVIEW.value, AssessmentMode.INTERVIEW.label),
            (AssessmentMode.SELF_REPORT.value, AssessmentMode.SELF_REPORT.label),
        ],
    )

    def __init__(
        self,
        *args: Any,
        caregivers: Any,
        instruments: Any,
        timepoints: Any,
        language: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caregiver"].queryset = caregivers  # type: ignore[attr-defined]
        self.fields["instrument"].queryset = instruments  # type: ignore[attr-defined]
        self.fields["instrument"].label_from_instance = (  # type: ignore[attr-defined]
            lambda v: f"{v.display_name(language)} (v{v.version})"
        )
        self.fields["timepoint"].queryset = timepoints  # type: ignore[attr-defined]
        self.fields["timepoint"].label_from_instance = (  # type: ignore[attr-defined]
            lambda t: t.label(language)
        )


def _item_label(item: Item, language: str) -> str:
    text = text_in(item.text, language)
    neutral = _("Item %(number)s") % {"number": item.number}
    return f"{item.number}. {text}" if text else str(neutral)


class AnswersForm(forms.Form):
    """One field per item of the instrument, labelled in the caregiver's language.

    Items whose wording is licensed and not imported show neutral labels ("Item 3").
    """

    def __init__(
        self,
        *args: Any,
        instrument: Instrument,
        language: str,
        with_reason: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            label = _item_label(item, language)
            if item.kind in ("choice", "yesno") and item.response_set:
                options = instrument.response_sets[item.response_set].options
                choices = [
                    (str(o.value), text_in(o.label, language) or str(o.value)) for o in options
                ]
                self.fields[item.id] = forms.ChoiceField(
                    label=label, choices=choices, required=False, widget=forms.RadioSelect
                )
            elif item.kind == "number":
                self.fields[item.id] = forms.FloatField(label=label, required=False)
            else:
                self.fields[item.id] = forms.CharField(label=label, required=False, max_length=2000)
        if with_reason:
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the correction"),
                widget=forms.Textarea({"rows": 2}),
                max_length=2000,
            )

    def answers(self) -> dict[str, Any]:
        """The answers as the instrument's values (numbers where the option value is one)."""
        values: dict[str, Any] = {}
        for item in self.instrument.items:
            raw = self.cleaned_data.get(item.id)
            if raw in (None, ""):
                values[item.id] = None
                continue
            if item.response_set:
                for option in self.instrument.response_sets[item.response_set].options:
                    if str(option.value) == str(raw):
                        raw = option.value
                        break
            values[item.id] = raw
        return values


__all__ = ["AnswersForm", "AssessmentStartForm", "text_in"]
