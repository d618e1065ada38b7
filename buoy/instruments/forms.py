"""Forms for assessments (starting one, answering an instrument's items), for handling a
safety alert, and for the administrator's instrument pages (item groups, timepoints)."""

from __future__ import annotations

import json
import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from buoy.access.models import User
from buoy.cases.models import Caregiver
from buoy.core.errors import InvalidInput
from buoy.instruments.domain.alerts import NOTE_MAX_LENGTH
from buoy.instruments.domain.definition import Instrument, Item, ItemGroup
from buoy.instruments.models import AssessmentMode, HandlingAction, InstrumentVersion, Timepoint


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


def instructions_in(instrument: Instrument, language: str, *, fallback: bool) -> str:
    """What the respondent reads before the items (the stem and its time frame) in
    `language`; with `fallback`, in English when that language has none."""
    if fallback:
        return text_in(instrument.instructions, language)
    key = "zh-hans" if language.lower().startswith("zh") else language
    return str(instrument.instructions.get(key, ""))


def item_label(item: Item, language: str) -> str:
    """The item's number and wording where the wording is installed, else "Item 3"."""
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
            label = item_label(item, language)
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


class ItemGroupForm(forms.Form):
    """One item group. Every field may be left empty here: `set_item_groups` says what is
    missing, in the same words for the page and the command line."""

    id = forms.CharField(
        label=_("Group id"),
        required=False,
        max_length=60,
        help_text=_(
            "Letters, digits, - and _. Keep a group's id when you change its items, so that "
            "profiles stay comparable across versions."
        ),
    )
    label_en = forms.CharField(label=_("Label in English"), required=False, max_length=200)
    label_zh = forms.CharField(label=_("Label in Chinese"), required=False, max_length=200)
    description_en = forms.CharField(
        label=_("Description in English"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Shown beside the profile. When you change the items, change it too."),
    )
    description_zh = forms.CharField(
        label=_("Description in Chinese"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )
    items = forms.MultipleChoiceField(
        label=_("Items in the group"), required=False, widget=forms.CheckboxSelectMultiple
    )

    # Where `set_item_groups` puts a problem (GroupProblem.field) -> the field showing it.
    SERVICE_FIELDS = {
        "id": "id",
        "label.en": "label_en",
        "label.zh-hans": "label_zh",
        "items": "items",
    }

    def __init__(self, *args: Any, item_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = item_choices  # type: ignore[attr-defined]

    def group(self) -> ItemGroup:
        data = self.cleaned_data
        return ItemGroup(
            id=data["id"],
            items=tuple(data["items"]),
            label={"en": data["label_en"], "zh-hans": data["label_zh"]},
            description={"en": data["description_en"], "zh-hans": data["description_zh"]},
        )

    @staticmethod
    def initial_for(group: ItemGroup) -> dict[str, Any]:
        return {
            "id": group.id,
            "label_en": group.label.get("en", ""),
            "label_zh": group.label.get("zh-hans", ""),
            "description_en": group.description.get("en", ""),
            "description_zh": group.description.get("zh-hans", ""),
            "items": list(group.items),
        }


class BaseItemGroupFormSet(forms.BaseFormSet):
    """The groups of one instrument: the current ones, then a blank one to add a group."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this group")

    def groups(self) -> tuple[list[ItemGroup], list[int]]:
        """The groups to keep (removed and untouched blank ones left out), and the place of
        each one's form, so that a refusal is shown beside the right group."""
        groups, places = [], []
        for place, form in enumerate(self.forms):
            blank = place >= self.initial_form_count() and not form.has_changed()
            if blank or form.cleaned_data.get("DELETE"):
                continue
            groups.append(form.group())
            places.append(place)
        return groups, places

    def show_service_errors(
        self, error: InvalidInput, places: list[int], other: forms.Form
    ) -> None:
        """Put each of `set_item_groups`' messages beside its group's field, or on `other`."""
        for key, messages in error.errors.items():
            found = re.fullmatch(r"item_groups\[(\d+)\]\.(.+)", key)
            if found and int(found[1]) < len(places):
                form = self.forms[places[int(found[1])]]
                field = ItemGroupForm.SERVICE_FIELDS.get(found[2])
            else:
                form, field = other, key if key in other.fields else None
            for message in messages:
                form.add_error(field, message)


ItemGroupFormSet = cast(
    type[BaseItemGroupFormSet],
    forms.formset_factory(ItemGroupForm, formset=BaseItemGroupFormSet, extra=1, can_delete=True),
)


class ItemGroupsChangeForm(forms.Form):
    """Why the groups change, and which version the administrator started from."""

    reason = forms.CharField(
        label=_("Why are the item groups changing?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Kept with the new version, e.g. the department's decision and its date."),
    )
    based_on = forms.CharField(required=False, widget=forms.HiddenInput)


class StaffChoiceField(forms.ModelChoiceField):
    """A colleague, shown by name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name())


class AlertHandlingForm(forms.Form):
    """What was done about a safety alert, when, by whom, with a short note.

    The rules (not in the future, not before the alert, a note for "other", who may be named)
    are the service's; this form only reads the fields, so a refusal has one wording.
    """

    actions = forms.MultipleChoiceField(
        label=_("What was done"),
        # On the form, "Other" says that it needs a note; the record just says "Other".
        choices=[
            (value, _("Other (say what in the note)") if value == HandlingAction.OTHER else label)
            for value, label in HandlingAction.choices
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one thing that was done."),
            "invalid_choice": _("Choose what was done from the list."),
        },
    )
    handled_at = forms.DateTimeField(
        label=_("When it was done"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("Say when it was done."),
            "invalid": _("Give the date and time as YYYY-MM-DD HH:MM."),
        },
    )
    handled_by = StaffChoiceField(
        label=_("Done by"),
        queryset=User.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a colleague who works on this case.")},
    )
    note = forms.CharField(
        label=pgettext_lazy("about a safety alert", "Note"),
        required=False,
        strip=True,
        widget=forms.Textarea({"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, staff: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Made here, not on the class, so the number is filled into the reader's language.
        self.fields["note"].help_text = gettext(
            "Needed when you tick Other. At most %(max)s characters; "
            "write the full account as a case note."
        ) % {"max": NOTE_MAX_LENGTH}
        field = cast(StaffChoiceField, self.fields["handled_by"])
        field.queryset = User.objects.filter(pk__in=[user.pk for user in staff]).order_by(
            "first_name", "last_name", "username"
        )


MAX_WORDING_BYTES = 1024 * 1024


class WordingVerifyForm(forms.Form):
    """An administrator marks a shipped wording as checked against the rights holder's text."""

    note = forms.CharField(
        label=_("What did you compare it with?"),
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
        help_text=_(
            "e.g. the rights holder's PDF, its title and date. Mark it verified only when "
            "every item, answer and the instructions are the same, character for character."
        ),
    )


class WordingImportForm(forms.Form):
    """A wording file (JSON, docs/instruments/format.md) with the official or licensed text."""

    file = forms.FileField(
        label=_("Wording file"),
        help_text=_(
            "A JSON wording file with the rights holder's text. It replaces the wording "
            "this instrument has in this language, including one shipped with Buoy."
        ),
    )

    def clean_file(self) -> dict[str, Any]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_WORDING_BYTES:
            raise forms.ValidationError(_("A wording file is at most 1 MB."))
        try:
            value = json.loads(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("The file is not valid JSON (line %(line)s, column %(column)s).")
                % {"line": error.lineno, "column": error.colno}
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("A wording file is a JSON object."))
        self.file_name = upload.name
        return value


class TimepointForm(forms.Form):
    """One of the department's timepoints; the code cannot change once it is in use."""

    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        help_text=_("Lower-case letters, digits and _, e.g. follow_up_6m. It cannot be changed."),
    )
    label_en = forms.CharField(label=_("Label in English"), max_length=80)
    label_zh = forms.CharField(label=_("Label in Chinese"), max_length=80)
    order = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=32767,
        initial=10,
        help_text=_("Timepoints are listed and offered from the lowest number up."),
    )
    months_after_end = forms.IntegerField(
        label=_("Months after the end of the casework"),
        required=False,
        min_value=0,
        max_value=32767,
        help_text=_("For a follow-up; leave empty for the others."),
    )


__all__ = [
    "AlertHandlingForm",
    "AnswersForm",
    "AssessmentStartForm",
    "ItemGroupForm",
    "ItemGroupFormSet",
    "ItemGroupsChangeForm",
    "TimepointForm",
    "WordingImportForm",
    "WordingVerifyForm",
    "instructions_in",
    "item_label",
    "text_in",
]
