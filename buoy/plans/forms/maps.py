"""Forms of the strengths–risk map pages: a draft from the coded interviews, the worker's map
(one row per factor of the casework codebook), two versions to compare."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from buoy.instruments.selectors import timepoints
from buoy.plans.models import FactorStatus

RATING_CHOICES = [("", "—"), ("1", "1"), ("2", "2"), ("3", "3")]


class DraftForm(forms.Form):
    """Which interviews a draft is proposed from: all, or those of one timepoint."""

    timepoint = forms.ModelChoiceField(
        label=_("Interviews of"),
        queryset=timepoints(),
        to_field_name="code",
        required=False,
        empty_label=_("every timepoint"),
    )


class FactorForm(forms.Form):
    """One factor of the map as the worker assesses it. `evidence` offers the evidence the
    factor had in the version the worker started from, each kept unless unticked."""

    code = forms.CharField(widget=forms.HiddenInput, max_length=40)
    status = forms.ChoiceField(label=_("Status"), choices=FactorStatus.choices)
    rating = forms.TypedChoiceField(
        label=_("Rating (1–3)"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    evidence = forms.MultipleChoiceField(
        label=_("Evidence kept"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, evidence: Sequence[tuple[str, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["evidence"]).choices = list(evidence)


class BaseFactorFormSet(forms.BaseFormSet):
    """The rows of the map form; each row's evidence choices come from `evidence_by_code`
    (the code of the row, as the view laid the rows out or as they come back)."""

    def __init__(
        self,
        *args: Any,
        evidence_by_code: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        **kwargs: Any,
    ) -> None:
        self.evidence_by_code = evidence_by_code or {}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        code = ""
        if self.is_bound and index is not None:
            code = self.data.get(self.add_prefix(index) + "-code", "")
        elif index is not None and index < len(self.initial or []):
            code = (self.initial or [])[index].get("code", "")
        kwargs["evidence"] = self.evidence_by_code.get(code, ())
        return kwargs


FactorFormSet = cast(
    type[BaseFactorFormSet],
    forms.formset_factory(
        FactorForm, formset=BaseFactorFormSet, extra=0, max_num=200, absolute_max=200
    ),
)


class MapNoteForm(forms.Form):
    """The note of the version being saved."""

    note = forms.CharField(
        label=_("Note on this version"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CompareForm(forms.Form):
    """Two versions of one caregiver's map (the choices are that caregiver's versions)."""

    before = forms.TypedChoiceField(label=_("Earlier version"), coerce=int)
    after = forms.TypedChoiceField(label=_("Later version"), coerce=int)

    def __init__(self, *args: Any, versions: Sequence[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [(str(pk), label) for pk, label in versions]
        for name in ("before", "after"):
            cast(forms.ChoiceField, self.fields[name]).choices = choices
