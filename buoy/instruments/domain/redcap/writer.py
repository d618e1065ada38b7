"""Writing a data dictionary: `write_data_dictionary` (and `rule_summary` for checks)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from buoy.instruments.domain.definition import (
    Instrument,
    Item,
    Option,
    ScoringRule,
    text_or_first,
)
from buoy.instruments.domain.redcap.fields import CODE, KEPT_COLUMNS
from buoy.instruments.domain.redcap.header import API_HEADERS, HUMAN_HEADERS
from buoy.instruments.domain.response_sets import options_of


def _redcap_name(raw: str, taken: set[str]) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", raw.lower()).strip("_") or "item"
    if not name[0].isalpha():
        name = f"q_{name}"
    candidate, suffix = name, 2
    while candidate in taken:
        candidate = f"{name}_{suffix}"
        suffix += 1
    taken.add(candidate)
    return candidate


def _format_number(value: float) -> str:
    return f"{value:g}"


def write_data_dictionary(instrument: Instrument, *, language: str = "en") -> str:
    """A REDCap data dictionary (the 18 browser-download columns) for one instrument.

    A ``record_id`` field comes first; items become radio fields (yes/no, number and text
    items their REDCap equivalents; checkbox items imported from REDCap a checkbox field
    again); the total and each subscale become calc fields with ``sum()`` or ``mean()``.
    REDCap has no option scores: a code *is* the score, so options whose scores differ from
    their values are written with the score as code. Answers Buoy reads as missing are recoded
    to blank inside the sum (``if([x]='999', '', [x])``), reverse keying is ``K-[x]`` and a
    weight ``[x]*w``. A rule that a plain sum cannot say (a minimum below all items, a
    prorated sum, item weights) is kept in an ``@BUOY-RULE`` field annotation, which REDCap
    ignores and `read_data_dictionary` reads back; so are ``@BUOY-NO-WORDING`` (an item
    without wording gets the label "Item N") and ``@BUOY-YESNO`` (a yes/no item whose labels
    are not REDCap's "Yes"/"No"). Bands, norms, item groups and safety rules have no REDCap
    form and are not written.
    """
    return _DictionaryWriter(instrument, language).write()


class _DictionaryWriter:
    """One instrument written as dictionary rows; REDCap names are given as rows are made."""

    def __init__(self, instrument: Instrument, language: str) -> None:
        self.instrument = instrument
        self.language = language
        extras = instrument.extras
        stored = extras.get("redcap")
        self.redcap: Mapping[str, Any] = stored if isinstance(stored, Mapping) else {}
        self.field_meta: Mapping[str, Any] = self.redcap.get("fields") or {}
        self.checkboxes: Mapping[str, Any] = self.redcap.get("checkboxes") or {}
        self.sliders: Mapping[str, Any] = self.redcap.get("sliders") or {}
        form = str(extras.get("redcap_form") or instrument.id)
        self.form = re.sub(r"[^a-z0-9_]+", "_", form.lower()).strip("_") or "instrument"
        self.taken: set[str] = set()
        record_id = str(self.redcap.get("record_id_field") or "record_id")
        if any(item.id == record_id for item in instrument.items):
            record_id = "record_id"
        self.record_id = _redcap_name(record_id, self.taken)
        self.item_ids = {item.id for item in instrument.items}
        self.checkbox_of: dict[str, tuple[str, str]] = {}  # item id -> (field, code)
        for field_name, group in self.checkboxes.items():
            for code, item_id in group.get("options", []):
                if str(item_id) in self.item_ids:
                    self.checkbox_of[str(item_id)] = (str(field_name), str(code))
                    self.taken.add(str(field_name))
        self.names: dict[str, str] = {}  # item id -> how a calculation refers to it
        for item in instrument.items:
            if item.id not in self.checkbox_of:
                self.names[item.id] = _redcap_name(item.id, self.taken)
        self.code_of: dict[str, dict[Any, str]] = {}  # item id -> option value -> REDCap code
        self.out = io.StringIO()
        self.writer = csv.writer(self.out, lineterminator="\n")

    def write(self) -> str:
        self.writer.writerow(HUMAN_HEADERS)
        self.row(self.record_id, "text", "Record ID")
        written_checkboxes: set[str] = set()
        for item in self.instrument.items:
            if item.id in self.checkbox_of:
                field_name, _ = self.checkbox_of[item.id]
                if field_name not in written_checkboxes:
                    written_checkboxes.add(field_name)
                    self.write_checkbox(field_name, "y" if item.identifier else "")
            else:
                self.write_item(item)
        self.write_rules()
        return self.out.getvalue()

    def row(self, name: str, kind: str, label: str, **columns: str) -> None:
        values = dict.fromkeys(API_HEADERS, "")
        values.update(field_name=name, form_name=self.form, field_type=kind, field_label=label)
        values.update(columns)
        self.writer.writerow([values[api] for api in API_HEADERS])

    def meta(self, item_id: str, tags: Sequence[str] = ()) -> dict[str, str]:
        """The kept columns of the field as imported, with Buoy's annotation tags added."""
        stored = self.field_meta.get(item_id)
        if not isinstance(stored, Mapping):
            stored = {}
        columns = {key: str(stored[key]) for key in KEPT_COLUMNS if stored.get(key)}
        annotation = " ".join(
            [
                columns.get("field_annotation", ""),
                *(t for t in tags if t not in columns.get("field_annotation", "")),
            ]
        ).strip()
        if annotation:
            columns["field_annotation"] = annotation
        return columns

    def write_checkbox(self, field_name: str, identifier: str) -> None:
        """A checkbox field imported from REDCap, from its items (one per option)."""
        group = self.checkboxes[field_name]
        options = [
            (code, str(option_item))
            for code, option_item in group.get("options", [])
            if str(option_item) in self.item_ids
        ]
        choices = []
        for code, option_item in options:
            text = text_or_first(self.instrument.item(option_item).text, self.language)
            choices.append(f"{code}, {text.split(' — ', 1)[-1]}")
        self.row(
            field_name,
            "checkbox",
            str(group.get("label", "")),
            select_choices_or_calculations=" | ".join(choices),
            identifier=identifier,
            **self.meta(field_name),
        )
        for code, option_item in options:
            self.names[option_item] = f"{field_name}({code})"

    def write_item(self, item: Item) -> None:
        label = text_or_first(item.text, self.language)
        identifier = "y" if item.identifier else ""
        tags: list[str] = []
        if not label:
            label = f"Item {item.number}"
            tags.append("@BUOY-NO-WORDING")  # licensed wording: a placeholder, not text
        options = options_of(self.instrument, item)
        name = self.names[item.id]
        stored_type = str((self.field_meta.get(item.id) or {}).get("type", ""))
        if item.kind in ("choice", "yesno") and options:
            self.write_choice(item, name, label, options, stored_type, identifier, tags)
        elif item.kind == "yesno":
            self.row(name, "yesno", label, identifier=identifier, **self.meta(item.id, tags))
        elif item.kind == "number":
            self.write_number(item, name, label, stored_type, identifier, tags)
        else:
            kind = "notes" if stored_type == "notes" else "text"
            self.row(name, kind, label, identifier=identifier, **self.meta(item.id, tags))

    def write_choice(
        self,
        item: Item,
        name: str,
        label: str,
        options: Sequence[Option],
        stored_type: str,
        identifier: str,
        tags: list[str],
    ) -> None:
        """A radio (or dropdown) field, or REDCap's yesno / truefalse when the options fit."""
        codes = _codes_for(options)
        self.code_of[item.id] = codes
        pairs = [(codes[o.value], text_or_first(o.label, self.language)) for o in options]
        if item.kind == "yesno":
            redcap_type = _yesno_type(options)
            if redcap_type is not None:
                self.row(
                    name, redcap_type, label, identifier=identifier, **self.meta(item.id, tags)
                )
                return
            tags.append("@BUOY-YESNO")  # REDCap's yesno cannot hold these labels
        kind = stored_type if stored_type in ("radio", "dropdown") else "radio"
        self.row(
            name,
            kind,
            label,
            select_choices_or_calculations=" | ".join(f"{c}, {lbl}" for c, lbl in pairs),
            identifier=identifier,
            **self.meta(item.id, tags),
        )

    def write_number(
        self, item: Item, name: str, label: str, stored_type: str, identifier: str, tags: list[str]
    ) -> None:
        """A slider when it was imported as one, else a text field validated as a number."""
        bounds = {
            "text_validation_min": "" if item.minimum is None else _format_number(item.minimum),
            "text_validation_max": "" if item.maximum is None else _format_number(item.maximum),
        }
        if stored_type == "slider":
            self.row(
                name,
                "slider",
                label,
                select_choices_or_calculations=" | ".join(self.sliders.get(item.id, [])),
                identifier=identifier,
                **bounds,
                **self.meta(item.id, tags),
            )
            return
        validation = str((self.field_meta.get(item.id) or {}).get("validation") or "number")
        self.row(
            name,
            "text",
            label,
            text_validation_type_or_show_slider_number=validation,
            identifier=identifier,
            **bounds,
            **self.meta(item.id, tags),
        )

    def term(self, item_id: str) -> str:
        """One item in a calculation: missing codes blanked, reverse keying, weight."""
        item = self.instrument.item(item_id)
        options = options_of(self.instrument, item)
        ref = f"[{self.names[item_id]}]"
        blanks = [
            self.code_of.get(item_id, {}).get(o.value, str(o.value))
            for o in options
            if o.score is None and item.kind in ("choice", "yesno")
        ]
        if blanks:
            condition = " or ".join(f"{ref} = '{code}'" for code in blanks)
            ref = f"if({condition}, '', {ref})"
        if item.reverse:
            scores = tuple(o.score for o in options if o.score is not None)
            if not scores and item.minimum is not None and item.maximum is not None:
                scores = (item.minimum, item.maximum)
            if scores:  # a reverse-keyed item without a range cannot be mirrored
                ref = f"({_format_number(min(scores) + max(scores))}-{ref})"
        if item.weight != 1:
            ref = f"{ref}*{_format_number(item.weight)}"
        return ref

    def write_rules(self) -> None:
        """The total and each subscale as calc fields; @BUOY-RULE when a sum cannot say it."""
        instrument = self.instrument
        total_field = str(self.redcap.get("total_field") or f"{self.form}_total")
        for index, rule in enumerate((instrument.total, *instrument.subscales)):
            function = "mean" if rule.method == "mean" else "sum"
            expression = f"{function}({', '.join(self.term(i) for i in rule.items)})"
            if rule.multiplier != 1:
                expression = f"{expression}*{_format_number(rule.multiplier)}"
            weighted = any(instrument.item(i).weight != 1 for i in rule.items)
            annotation = ""
            if rule.method != function or weighted or rule.min_answered != len(rule.items):
                tag = json.dumps(
                    {"method": rule.method, "min_answered": rule.min_answered},
                    separators=(", ", ": "),
                )
                annotation = f"@BUOY-RULE='{tag}'"
            name = _redcap_name(total_field if index == 0 else rule.id, self.taken)
            self.row(
                name,
                "calc",
                text_or_first(rule.label, self.language) or ("Total" if index == 0 else rule.id),
                select_choices_or_calculations=expression,
                field_note=rule.describe(),
                field_annotation=annotation,
            )


def _yesno_type(options: Sequence[Option]) -> str | None:
    """ "yesno" or "truefalse" when the options are exactly REDCap's, else None."""
    shape = sorted((str(o.value), text_or_first(o.label, "en"), o.score) for o in options)
    for kind, yes, no in (("yesno", "Yes", "No"), ("truefalse", "True", "False")):
        if shape == [("0", no, 0.0), ("1", yes, 1.0)]:
            return kind
    return None


def _codes_for(options: Sequence[Option]) -> dict[Any, str]:
    """REDCap codes: the score when it differs from the value (REDCap has no weights)."""
    valid = all(
        isinstance(o.value, int) or (isinstance(o.value, str) and CODE.fullmatch(o.value))
        for o in options
    )
    scored = [o for o in options if o.score is not None]
    scores_differ = any(o.score != o.value for o in scored)
    scores_unique = len({o.score for o in scored}) == len(scored)
    if scores_differ and scores_unique:
        codes = {o.value: _format_number(o.score) for o in scored if o.score is not None}
        next_missing = 777
        for o in options:
            if o.score is None:
                while str(next_missing) in codes.values():
                    next_missing += 111
                codes[o.value] = str(next_missing)
                next_missing += 111
        return codes
    if valid:
        return {
            o.value: _format_number(o.value) if isinstance(o.value, float) else str(o.value)
            for o in options
        }
    return {o.value: str(index) for index, o in enumerate(options, start=1)}


def rule_summary(rule: ScoringRule) -> dict[str, Any]:
    """A rule as plain values, for comparing an export with its re-import."""
    return {
        "method": rule.method,
        "items": list(rule.items),
        "min_answered": rule.min_answered,
        "multiplier": rule.multiplier,
    }
