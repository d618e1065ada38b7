"""Forms of the coding pages: starting a project, importing a transcript, memos and the
filters of the query and table pages. They only parse; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from buoy.cases.models import PhaseChoice, Relationship
from buoy.coding.selectors import FREQUENCY_BY, SegmentFilter
from buoy.core.errors import InvalidInput
from buoy.instruments.models import Timepoint

# Not shipped with every codebook; "" starts a project with an empty codebook.
CODEBOOK_CHOICES = [("strengths", _("Family strengths and risks (shipped)")), ("", _("Empty"))]
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ProjectStartForm(forms.Form):
    name = forms.CharField(label=_("Project name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    codebook = forms.ChoiceField(label=_("Codebook"), choices=CODEBOOK_CHOICES, required=False)


class TranscriptImportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("Transcript file"),
        required=False,
        help_text=_("Plain text, Word (.docx), PDF, HTML, Markdown or subtitles (.srt, .vtt)."),
    )
    pasted = forms.CharField(
        label=_("…or paste the text"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    case = forms.CharField(
        label=_("Case number"),
        max_length=20,
        required=False,
        help_text=_("Optional: the case the interview belongs to."),
    )
    interview_date = forms.DateField(
        label=_("Interview date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    interviewer = forms.CharField(label=_("Interviewer"), max_length=120, required=False)
    timepoint = forms.ModelChoiceField(
        label=_("Timepoint"),
        queryset=Timepoint.objects.order_by("order", "code"),
        required=False,
        to_field_name="code",
    )
    consent_recorded = forms.BooleanField(label=_("Consent to record and analyse"), required=False)

    def __init__(self, *args: Any, casework: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not casework:
            del self.fields["case"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is None and not (data.get("pasted") or "").strip():
            raise forms.ValidationError(_("Choose a file or paste the text."))
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            self.add_error("file", _("The file is larger than 20 MB."))
        return data


def positions(start: Any, end: Any) -> tuple[int, int]:
    """A posted selection's [start, end) as numbers (code points); InvalidInput (`start`) when
    they are not whole numbers. Whether they lie inside the transcript the service decides."""
    try:
        return int(start), int(end)
    except (TypeError, ValueError):
        raise InvalidInput(
            {
                "start": [
                    gettext("Positions must be whole numbers (got %(start)r, %(end)r).")
                    % {"start": start, "end": end}
                ]
            }
        ) from None


def code_numbers(values: Sequence[Any]) -> list[int]:
    """Posted codes as their numbers; InvalidInput (`codes`) when one is not a number."""
    try:
        return [int(value) for value in values]
    except (TypeError, ValueError):
        raise InvalidInput({"codes": [gettext("Codes are given by their numbers.")]}) from None


class MemoForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    text = forms.CharField(label=_("Memo"), widget=forms.Textarea(attrs={"rows": 3}))
    segment = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _split(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.replace(",", " ").split() if part)


class SegmentFilterForm(forms.Form):
    """The filters shared by the query and table pages (all optional, GET)."""

    diagnosis = forms.CharField(
        label=_("Diagnosis starts with"),
        required=False,
        max_length=100,
        help_text=_("ICD-10 codes or prefixes, e.g. C91; separate several with spaces."),
    )
    relationship = forms.ChoiceField(label=_("Caregiver"), required=False)
    phase = forms.ChoiceField(label=_("Phase"), required=False)
    timepoint = forms.ChoiceField(label=_("Timepoint"), required=False)
    coder = forms.ChoiceField(label=_("Coder"), required=False)

    def __init__(self, *args: Any, coders: list[str], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything: list[tuple[str, Any]] = [("", _("Any"))]
        choices: dict[str, list[tuple[str, Any]]] = {
            "relationship": list(Relationship.choices),
            "phase": list(PhaseChoice.choices),
            "timepoint": [(t.code, t.label(language)) for t in Timepoint.objects.all()],
            "coder": [(name, name) for name in coders],
        }
        for name, options in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = anything + options

    def segment_filter(self) -> SegmentFilter:
        """The filters as the selectors take them (empty when the form is invalid)."""
        if not self.is_valid():
            return SegmentFilter()
        data = self.cleaned_data
        return SegmentFilter(
            diagnoses=_split(data.get("diagnosis") or ""),
            relationships=tuple(filter(None, [data.get("relationship")])),
            phases=tuple(filter(None, [data.get("phase")])),
            timepoints=tuple(filter(None, [data.get("timepoint")])),
            coders=tuple(filter(None, [data.get("coder")])),
        )


class QueryForm(SegmentFilterForm):
    q = forms.CharField(
        label=_("Code query"),
        required=False,
        max_length=1000,
        help_text=_(
            "Code labels or names in double quotes, AND, OR, NOT and brackets, e.g. "
            'P-IND-01 AND ("Hope / optimism" OR P-IND-03) NOT R-IND-02.'
        ),
    )
    field_order = ["q"]


class TablesForm(SegmentFilterForm):
    by = forms.ChoiceField(
        label=_("Count by"),
        required=False,
        choices=[
            ("case", _("Case")),
            ("coder", _("Coder")),
            ("diagnosis", _("Diagnosis")),
            ("relationship", _("Caregiver")),
            ("phase", _("Phase")),
            ("timepoint", _("Timepoint")),
        ],
    )
    field_order = ["by"]

    def count_by(self) -> str:
        by = self.cleaned_data.get("by") if self.is_valid() else ""
        return by if by in FREQUENCY_BY else "case"


class CodeForm(forms.Form):
    """A code's names, definition, notes, colour, and whether it is applied or only groups."""

    label = forms.CharField(label=_("Label"), max_length=40, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200, required=False)
    definition_en = forms.CharField(
        label=_("Definition (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    definition_zh = forms.CharField(
        label=_("Definition (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    inclusion = forms.CharField(
        label=_("Include when"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    exclusion = forms.CharField(
        label=_("Exclude when"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    example = forms.CharField(
        label=_("Example"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    colour = forms.RegexField(
        label=_("Colour"),
        regex=r"^#[0-9A-Fa-f]{6}$",
        required=False,
        error_messages={"invalid": _("A colour is written #RRGGBB, e.g. #2E7D32.")},
    )
    codable = forms.BooleanField(label=_("Can be applied to text"), required=False, initial=True)


# --- auto-coding ---------------------------------------------------------------------------

AUTOCODE_KINDS = [
    ("text", _("Text (capitals or not)")),
    ("regex", _("Regular expression")),
    ("speaker", _("Speaker")),
]
AUTOCODE_SCOPES = [
    ("match", _("What matches")),
    ("sentence", _("The whole sentence")),
    ("turn", _("The whole speaker turn")),
]


class AutocodeForm(forms.Form):
    """An auto-coding search, and the code to apply to what it finds (not needed to preview)."""

    pattern = forms.CharField(
        label=_("Look for"),
        max_length=1000,
        strip=False,
        help_text=_(
            "Words, a regular expression (matched one sentence at a time; (?i) ignores "
            "capitals) or part of a speaker's name."
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=AUTOCODE_KINDS, initial="text")
    scope = forms.ChoiceField(label=_("Code"), choices=AUTOCODE_SCOPES, initial="match")
    transcript = forms.TypedChoiceField(label=_("In"), required=False, coerce=int, empty_value=None)
    code = forms.TypedChoiceField(
        label=_("Code to apply"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        transcripts: list[tuple[int, str]],
        codes: list[tuple[int, str]],
        needs_code: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        transcript_field = cast(forms.TypedChoiceField, self.fields["transcript"])
        transcript_field.choices = [("", _("Every transcript of the project")), *transcripts]
        code_field = cast(forms.TypedChoiceField, self.fields["code"])
        code_field.choices = [("", "—"), *codes]
        code_field.required = needs_code
